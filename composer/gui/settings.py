"""The window's persistent preferences (QSettings): geometry, last folder, candidates, device,
recent case files and the witness view's screen.

`GuiSettings` is a plain frozen value; `SettingsStore` reads and writes it so the rest
of the GUI never touches QSettings keys directly.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from PyQt5.QtCore import QByteArray, QSettings

ORGANISATION = "Composer"
APPLICATION = "Composer"
CANDIDATE_COUNTS = (6, 9)
DEVICES = ("auto", "cpu", "cuda")
RECENT_MAX = 8


@dataclass(frozen=True)
class GuiSettings:
    """User preferences that survive a restart."""

    n_candidates: int = 9
    device: str = "auto"
    last_folder: str = ""
    evolve_strength: float = 0.5
    refiner: bool = True          # render through the bundle's 2× refiner (off: bicubic of G's output)
    retention_days: Optional[int] = None   # delete exported, closed sessions' recovery folders after N days
    recent_cases: tuple[str, ...] = ()     # case files opened lately, newest first (at most RECENT_MAX)
    witness_screen: str = ""               # name of the screen the witness view went full screen on

    def with_(self, **changes) -> "GuiSettings":
        return replace(self, **changes)


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _float(value, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _retention(value) -> Optional[int]:
    """The stored retention in days: a whole number 0..36500, else None (keep everything)."""
    if value is None or isinstance(value, bool) or str(value).strip() == "":
        return None
    try:
        days = int(str(value).strip())
    except ValueError:
        return None
    return days if 0 <= days <= 36_500 else None


def _recent(value) -> tuple[str, ...]:
    """The stored recent-cases list (JSON text): at most RECENT_MAX distinct paths, else ()."""
    try:
        items = json.loads(str(value or "[]"))
    except ValueError:
        return ()
    if not isinstance(items, list):
        return ()
    return with_recent((), *[str(p) for p in reversed(items) if isinstance(p, str) and p.strip()])


def with_recent(recent: tuple[str, ...], *paths: str) -> tuple[str, ...]:
    """`recent` with `paths` put first (each once; the last given ends up first), cut to RECENT_MAX."""
    out = list(recent)
    for path in paths:
        out = [path] + [p for p in out if p != path]
    return tuple(out[:RECENT_MAX])


class SettingsStore:
    """Reads/writes `GuiSettings` and the window geometry; bad stored values fall back to defaults."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self._q = settings if settings is not None else QSettings(
            QSettings.IniFormat, QSettings.UserScope, ORGANISATION, APPLICATION)

    def load(self) -> GuiSettings:
        d = GuiSettings()
        n = _int(self._q.value("candidates/count", d.n_candidates), d.n_candidates)
        device = str(self._q.value("model/device", d.device) or d.device)
        folder = str(self._q.value("files/last_folder", "") or "")
        strength = _float(self._q.value("candidates/evolve_strength", d.evolve_strength),
                          d.evolve_strength)
        return GuiSettings(
            n_candidates=n if n in CANDIDATE_COUNTS else d.n_candidates,
            device=device if device in DEVICES else d.device,
            last_folder=folder if folder and Path(folder).is_dir() else "",
            evolve_strength=min(1.0, max(0.0, strength)),
            refiner=str(self._q.value("model/refiner", "true")).lower() not in ("false", "0"),
            retention_days=_retention(self._q.value("recovery/retention_days", "")),
            recent_cases=_recent(self._q.value("files/recent_cases", "[]")),
            witness_screen=str(self._q.value("witness/screen", "") or ""),
        )

    def save(self, s: GuiSettings) -> None:
        self._q.setValue("candidates/count", s.n_candidates)
        self._q.setValue("model/device", s.device)
        self._q.setValue("files/last_folder", s.last_folder)
        self._q.setValue("candidates/evolve_strength", s.evolve_strength)
        self._q.setValue("model/refiner", "true" if s.refiner else "false")
        self._q.setValue("recovery/retention_days", "" if s.retention_days is None else int(s.retention_days))
        self._q.setValue("files/recent_cases", json.dumps(list(s.recent_cases[:RECENT_MAX])))
        self._q.setValue("witness/screen", s.witness_screen)
        self._q.sync()

    def geometry(self) -> QByteArray | None:
        value = self._q.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def window_state(self) -> QByteArray | None:
        value = self._q.value("window/state")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self._q.setValue("window/geometry", geometry)
        self._q.setValue("window/state", state)
        self._q.sync()
