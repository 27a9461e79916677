"""Undo, redo and go-to: moves in the history tree. They add no step: the next operation taken
from a step that already has children starts a branch (the session keeps every step)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from composer.operations.base import instantly


class _Move:
    def record(self, session: Any, step: Any, duration_s: float = 0.0) -> Any:
        return step


@dataclass(frozen=True)
class Undo(_Move):
    def run(self, engine: Any, session: Any):
        return (yield from instantly(session.undo()))


@dataclass(frozen=True)
class Redo(_Move):
    def run(self, engine: Any, session: Any):
        return (yield from instantly(session.redo()))


@dataclass(frozen=True)
class GoTo(_Move):
    step_id: Optional[int]     # None: before the first step

    def run(self, engine: Any, session: Any):
        return (yield from instantly(session.goto(self.step_id)))
