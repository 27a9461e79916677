"""Re-synthesise: keep the locked pixels of a reference, vary the rest (the lock optimiser on z).

The recorded settings replace any time budget with the steps the optimiser actually ran, which is
what a deterministic replay runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from composer.errors import ComposerError
from composer.operations.base import StepKind, register
from composer.record.codec import mask_to_float, z_from_b64, z_to_b64
from composer.record.steps import settings_json

INPUT_TYPES = {"caption": str, "z0": str, "reference_sha256": str, "mask_sha256": str, "settings": dict,
               "steps_run": int}


@dataclass(frozen=True)
class Resynthesise:
    caption: str
    z0: np.ndarray = field(compare=False)
    reference_sha256: str                 # the image whose locked pixels are kept
    mask_sha256: str                      # the 8-bit mask a lock step recorded
    settings: Any                         # LockSettings

    def run(self, engine: Any, state: Any):
        """Yields the optimiser's progress; returns its LockResult."""
        reference = state.image(self.reference_sha256)
        mask = mask_to_float(state.image(self.mask_sha256))
        result = None
        for progress in engine.resynthesise(self.caption, np.array(self.z0), reference, mask, self.settings):
            yield progress
            if progress.done:
                result = progress.result
        if result is None:
            raise ComposerError("the lock optimiser stopped without a result; try again.")
        return result

    def shown(self, result: Any) -> tuple:
        zs = np.asarray(result.z, dtype=np.float32).reshape(len(result.images), -1)
        return tuple((image, z, None) for image, z in zip(result.images, zs))

    def record(self, session: Any, result: Any, duration_s: float = 0.0) -> Any:
        requested = settings_json(self.settings)
        replay = {**requested, "steps": int(result.steps_run), "time_budget_s": None}
        notes = {"requested_settings": requested,
                 "order": [int(i) for i in getattr(result, "order", [])],
                 "region_loss": [float(x) for x in getattr(result, "region_loss", [])]}
        return session.add_step("resynthesise", {
            "caption": self.caption, "z0": z_to_b64(self.z0), "reference_sha256": self.reference_sha256,
            "mask_sha256": self.mask_sha256, "settings": replay, "steps_run": int(result.steps_run)},
            self.shown(result), duration_s=duration_s, notes=notes)

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any], state: Any) -> "Resynthesise":
        settings = state.settings_from_json({**inputs["settings"], "steps": inputs["steps_run"],
                                             "time_budget_s": None})
        return cls(inputs["caption"], z_from_b64(inputs["z0"]), inputs["reference_sha256"], inputs["mask_sha256"],
                   settings)


def label(step: Any) -> str:
    return f"Re-synthesise ×{len(step.outputs)} ({step.inputs.get('steps_run')} steps)"


register(StepKind("resynthesise", Resynthesise, INPUT_TYPES, label, shows_images=True))
