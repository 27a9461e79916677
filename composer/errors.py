"""Errors a user can fix: each says what is wrong and what to do. Front ends show them
without a traceback."""
from __future__ import annotations


class ComposerError(Exception):
    """Base class: the message is shown to the user as is."""


class ModelError(ComposerError):
    """A model bundle is missing, corrupt or does not match its config."""


class DataError(ComposerError):
    """A training or evaluation data folder is missing or unreadable."""


class DescriptionError(ComposerError):
    """A description cannot be turned into a caption (for example, it is empty)."""


class ImageError(ComposerError):
    """An imported image cannot be used (unreadable, too small, no face...)."""


class CaseFileError(ComposerError):
    """A case file is unreadable, tampered with, or from an unknown schema."""
