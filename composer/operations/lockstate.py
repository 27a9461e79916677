"""The lock set in force at the session's current step, and the images a region may be locked from.

Derived from the history alone (the newest lock step on the branch), so the window, the script
runner and the simulated witness agree, and undo, history and recovery restore the lock.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from composer.edit.lockset import LockSet, LockSource, paint_from_u8


@dataclass(frozen=True)
class LockView:
    """The lock set in force: from the newest lock step on the branch."""
    step_id: int
    lockset: LockSet
    mask_sha256: str
    reference_sha256: str = ""      # the composite the step recorded ("" for a lock without sources)
    base_sha256: str = ""           # the portrait it was laid over
    brush: Optional[np.ndarray] = None   # painted layer, +1 brush / -1 eraser (None: nothing painted)


def portrait_label(step_id: int, current: bool) -> str:
    return f"the picked portrait (step {step_id})" if current else f"step {step_id}'s portrait"


def lock_sources(session) -> tuple[LockSource, ...]:
    """Images a region may be locked from: the picked portrait, then the photos imported on this
    branch (newest first), then the portraits picked earlier on it (newest first)."""
    lineage = session.lineage()
    picks = [s for s in lineage if s.kind == "pick"]
    out: list[LockSource] = []
    seen: set[str] = set()

    def add(sha: str, label: str) -> None:
        if sha not in seen:
            seen.add(sha)
            out.append(LockSource(sha, label))

    if picks:
        add(picks[-1].outputs[0].sha256, portrait_label(picks[-1].id, True))
    for s in reversed(lineage):
        if s.kind == "import_reference":
            add(str(s.inputs["image_sha256"]), "photo " + str(s.inputs.get("source", "")).rsplit("/", 1)[-1])
    for s in reversed(picks[:-1]):
        add(s.outputs[0].sha256, portrait_label(s.id, False))
    return tuple(out)


def lock_view(session) -> Optional[LockView]:
    step = session.lock_step
    if step is None:
        return None
    inputs = step.inputs
    if inputs.get("sources") is not None:
        lockset = LockSet.from_json(inputs["sources"])
    else:   # a lock recorded before lock sets: its regions came from the reference of its time
        base = session.current_portrait
        lockset = LockSet(()) if base is None else LockSet.from_json(
            [{"region": r, "sha256": base.sha256, "label": "the picked portrait"}
             for r in inputs.get("regions") or []])
    brush = None
    if inputs.get("brush_sha256"):
        try:
            brush = paint_from_u8(session.image(inputs["brush_sha256"]))
        except KeyError:
            brush = None
    return LockView(step.id, lockset, str(inputs["mask_sha256"]), str(inputs.get("reference_sha256") or ""),
                    str(inputs.get("base_sha256") or ""), brush)
