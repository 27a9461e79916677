"""Lock: the regions (or painted area) the witness confirmed, as an 8-bit mask.

The float mask is quantised to 8 bits here, once: the stored mask is exactly the one every later
re-synthesis (and its replay) uses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from composer.operations.base import StepKind, instantly, register
from composer.record.codec import mask_to_float, quantise_mask
from composer.record.steps import json_copy

INPUT_TYPES = {"mask_sha256": str, "regions": list}


@dataclass(frozen=True)
class Lock:
    mask: np.ndarray = field(compare=False)     # H×W float in [0,1]
    regions: Sequence[str] = ()
    lock: Optional[Any] = None                  # LockMask (or its to_json()) that drew the mask

    def run(self, engine: Any, state: Any):
        return (yield from instantly(quantise_mask(self.mask)))

    def shown(self, mask_u8: np.ndarray) -> tuple:
        return ()

    def record(self, session: Any, mask_u8: np.ndarray, duration_s: float = 0.0) -> Any:
        lock_json = self.lock.to_json() if hasattr(self.lock, "to_json") else self.lock
        return session.add_step("lock", {"mask_sha256": session.keep(mask_u8), "regions": list(self.regions),
                                         "lock": json_copy(lock_json) if lock_json is not None else None},
                                duration_s=duration_s)

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any], state: Any) -> "Lock":
        return cls(mask_to_float(state.image(inputs["mask_sha256"])), tuple(inputs["regions"]), inputs.get("lock"))


def label(step: Any) -> str:
    return "Lock " + (", ".join(step.inputs.get("regions") or []) or "painted area")


def thumbnail(session: Any, step: Any) -> np.ndarray:
    """The lock mask in grey."""
    m = np.round(session.lock_mask(step.id) * 255).astype(np.uint8)
    return np.repeat(m[..., None], 3, axis=2)


register(StepKind("lock", Lock, INPUT_TYPES, label, thumbnail=thumbnail))
