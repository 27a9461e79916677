"""The window's building blocks; each takes plain data in and reports user intent as signals."""
