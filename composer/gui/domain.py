"""The engine-side types the GUI builds requests from, imported from their owners.

Kept in one place so the widgets import `Description` and `LockSettings` without
knowing which package defines them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from composer.text.description import Description

try:
    from composer.edit import LockSettings
except ImportError:  # pragma: no cover - until composer.edit lands
    @dataclass(frozen=True)
    class LockSettings:  # type: ignore[no-redef]
        """Lock optimiser settings (contract in ARCHITECTURE.md)."""

        n_candidates: int = 9
        steps: int = 40
        lr: float = 0.09
        seed: int = 0
        restart_sigma: float = 1.0
        feature_weight: float = 1.0
        pixel_weight: float = 0.1
        caption_weight: float = 0.0
        time_budget_s: Optional[float] = None
        paste_back: str = "feather"

__all__ = ["Description", "LockSettings"]
