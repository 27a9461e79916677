"""Lock: the regions (or painted area) the witness confirmed, as an 8-bit mask, and (for a lock set)
the one reference image its sources compose into.

The float mask is quantised to 8 bits here, once: the stored mask is exactly the one every later
re-synthesis (and its replay) uses. A lock step records the whole lock set, so undo, redo, going
back in history and crash recovery restore it: which regions, the source of each (the picked
portrait, a photo, an earlier step's portrait), the brush layer, and the composite reference
(`composer.edit.lockset`) the next re-synthesis keeps. An empty lock set (Clear lock) is a step too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from composer.edit.lockset import paint_to_u8
from composer.operations.base import StepKind, instantly, register
from composer.record.codec import mask_to_float, quantise_mask
from composer.record.steps import json_copy

INPUT_TYPES = {"mask_sha256": str, "regions": list}


@dataclass(frozen=True)
class Lock:
    mask: np.ndarray = field(compare=False)     # H×W float in [0,1]
    regions: Sequence[str] = ()
    lock: Optional[Any] = None                  # LockMask (or its to_json()) that drew the mask
    lockset: Optional[Any] = None               # composer.edit.lockset.LockSet: each region's source
    reference: Optional[np.ndarray] = field(default=None, compare=False)   # the composed reference
    base_sha256: str = ""                       # the portrait the composite was laid over
    brush: Optional[np.ndarray] = field(default=None, compare=False)       # painted layer, +1/-1/0

    def run(self, engine: Any, state: Any):
        return (yield from instantly(quantise_mask(self.mask)))

    def shown(self, mask_u8: np.ndarray) -> tuple:
        return ()

    def record(self, session: Any, mask_u8: np.ndarray, duration_s: float = 0.0) -> Any:
        lock_json = self.lock.to_json() if hasattr(self.lock, "to_json") else self.lock
        inputs = {"mask_sha256": session.keep(mask_u8), "regions": list(self.regions),
                  "lock": json_copy(lock_json) if lock_json is not None else None}
        if self.lockset is not None:
            inputs["sources"] = self.lockset.to_json()
            inputs["base_sha256"] = str(self.base_sha256)
            if self.reference is not None:
                inputs["reference_sha256"] = session.keep(np.asarray(self.reference, np.uint8))
            if self.brush is not None and np.asarray(self.brush).any():
                inputs["brush_sha256"] = session.keep(paint_to_u8(self.brush))
        return session.add_step("lock", inputs, duration_s=duration_s)

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any], state: Any) -> "Lock":
        return cls(mask_to_float(state.image(inputs["mask_sha256"])), tuple(inputs["regions"]), inputs.get("lock"))


def label(step: Any) -> str:
    sources = step.inputs.get("sources")
    if sources is not None and not sources:
        return "Lock cleared"
    if sources:
        parts = []
        for s in sources:
            name = "painted area" if s.get("region") == "brush" else str(s.get("region"))
            src = str(s.get("label", ""))
            parts.append(f"{name} ← {src}" if src and not src.startswith("the picked portrait") else name)
        return "Lock " + ", ".join(parts)
    return "Lock " + (", ".join(step.inputs.get("regions") or []) or "painted area")


def thumbnail(session: Any, step: Any) -> np.ndarray:
    """The lock mask in grey."""
    m = np.round(session.lock_mask(step.id) * 255).astype(np.uint8)
    return np.repeat(m[..., None], 3, axis=2)


register(StepKind("lock", Lock, INPUT_TYPES, label, thumbnail=thumbnail))
