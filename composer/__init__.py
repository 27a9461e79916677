"""Composer: offline composite-portrait studio (description -> caption -> DF-GAN -> region lock -> case file)."""
__version__ = "0.1.0"
