"""What the window shows at the session's current step, derived from the session.

One pure function, so undo, redo and "go back to step N" all redraw the window by
the same rule (the history itself lives in composer.session):

* the grid shows the session's current candidates (newest generate/evolve/resynthesise);
* the picked tile is the newest pick made *on those* candidates;
* the canvas shows the newest picked portrait on the branch;
* the lock reference is the newest photo imported after that pick, else the portrait.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np


@dataclass(frozen=True)
class ViewState:
    candidates: tuple = ()                   # Portraits in the grid
    caption: str = ""                        # caption the grid was rendered from
    selected: Optional[int] = None           # picked tile in the grid, if any
    portrait: Optional[object] = None        # Portrait on the canvas
    reference: Optional[np.ndarray] = None   # image whose locked pixels are kept
    reference_sha256: str = ""
    reference_label: str = ""


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
    photo = next((s for s in reversed(lineage[(pick_at or 0):]) if s.kind == "import_reference"), None)
    if photo is not None and (pick_at is None or lineage.index(photo) > pick_at):
        sha = str(photo.inputs["image_sha256"])
        name = str(photo.inputs.get("source", "")).rsplit("/", 1)[-1]
        return ViewState(candidates, caption, selected, portrait, session.image(sha), sha,
                         f"photo {name}".strip())
    if portrait is not None:
        return ViewState(candidates, caption, selected, portrait, portrait.image, portrait.sha256,
                         "the picked portrait")
    return ViewState(candidates, caption, selected, portrait)
