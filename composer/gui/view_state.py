"""What the window shows at the session's current step, derived from the session.

One pure function, so undo, redo and "go back to step N" all redraw the window by
the same rule (the history itself lives in composer.session):

* the grid shows the session's current candidates (newest generate/evolve/resynthesise);
* the picked tile is the newest pick made *on those* candidates;
* the canvas shows the newest picked portrait on the branch (the base of the lock);
* the lock set is the newest lock step's (regions, the source of each, the brush layer);
* the lock sources on offer are the picked portrait, the photos imported on the branch and the
  portraits picked earlier on it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from composer.edit.lockset import LockSet
from composer.operations.lockstate import LockView, lock_sources, lock_view


@dataclass(frozen=True)
class ViewState:
    candidates: tuple = ()                   # Portraits in the grid
    caption: str = ""                        # caption the grid was rendered from
    selected: Optional[int] = None           # picked tile in the grid, if any
    portrait: Optional[object] = None        # Portrait on the canvas
    reference: Optional[np.ndarray] = None   # the base image of the lock (the picked portrait)
    reference_sha256: str = ""
    lock: Optional[LockView] = None          # the lock set in force
    sources: tuple = ()                      # LockSources on offer, the picked portrait first

    @property
    def lockset(self) -> LockSet:
        """The lock set in force (empty before the first lock)."""
        return self.lock.lockset if self.lock is not None else LockSet(())


__all__ = ["ViewState", "LockView", "view_of", "lock_sources", "lock_view"]


def view_of(session) -> ViewState:
    """ViewState for the session's current step."""
    lineage = session.lineage()
    grid = session.candidates_step
    candidates = tuple(session.candidates)
    caption = str(grid.inputs.get("caption", "")) if grid is not None else ""
    pick_at = next((i for i in range(len(lineage) - 1, -1, -1) if lineage[i].kind == "pick"), None)
    portrait = session.current_portrait
    selected = None
    if pick_at is not None and grid is not None and lineage[pick_at].inputs["from_step"] == grid.id:
        selected = int(lineage[pick_at].inputs["index"])
    lock, sources = lock_view(session), lock_sources(session)
    if portrait is not None:
        return ViewState(candidates, caption, selected, portrait, portrait.image, portrait.sha256, lock, sources)
    return ViewState(candidates, caption, selected, portrait, lock=lock, sources=sources)
