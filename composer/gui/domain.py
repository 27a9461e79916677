"""The engine-side types the GUI builds requests from, imported from their owners.

Kept in one place so the widgets import `Description` and `LockSettings` without
knowing which package defines them.
"""
from __future__ import annotations

from composer.edit import LockSettings
from composer.text.description import Description

__all__ = ["Description", "LockSettings"]
