"""Lock from photo: an aligned photo brought in as the lock reference (it is shown, so it is an
exposure). Detection and alignment happen before (composer.edit.align); this records the result."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from composer.operations.base import StepKind, instantly, register
from composer.portrait import image_sha256

INPUT_TYPES = {"image_sha256": str, "source": str}


@dataclass(frozen=True)
class ImportReference:
    image: np.ndarray = field(compare=False)    # model-size RGB uint8
    source: str = ""

    def run(self, engine: Any, state: Any):
        return (yield from instantly(np.asarray(self.image, dtype=np.uint8)))

    def shown(self, image: np.ndarray) -> tuple:
        return ((image, None, None),)

    def record(self, session: Any, image: np.ndarray, duration_s: float = 0.0) -> Any:
        return session.add_step("import_reference", {"image_sha256": image_sha256(image), "source": str(self.source)},
                                self.shown(image), duration_s=duration_s, what="reference")

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any], state: Any) -> "ImportReference":
        return cls(state.image(inputs["image_sha256"]), inputs["source"])


def label(step: Any) -> str:
    return f"Photo {str(step.inputs.get('source', '')).rsplit('/', 1)[-1]}"


register(StepKind("import_reference", ImportReference, INPUT_TYPES, label, shows_images=True))
