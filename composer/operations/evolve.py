"""More like this: `n` variations around a picked face's latent (engine.evolve)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from composer.operations.base import StepKind, instantly, register
from composer.operations.generate import portraits_shown
from composer.record.codec import z_from_b64, z_to_b64

INPUT_TYPES = {"caption": str, "parent_z": str, "n": int, "seed": int, "strength": (int, float)}


@dataclass(frozen=True)
class Evolve:
    caption: str
    parent_z: np.ndarray = field(compare=False)
    n: int
    seed: int
    strength: float

    def run(self, engine: Any, state: Any):
        return (yield from instantly(engine.evolve(self.caption, self.parent_z, self.n, self.seed, self.strength)))

    def shown(self, portraits: Any) -> tuple:
        return portraits_shown(portraits)

    def record(self, session: Any, portraits: Any, duration_s: float = 0.0) -> Any:
        return session.add_step("evolve", {"caption": self.caption, "parent_z": z_to_b64(self.parent_z),
                                           "n": int(self.n), "seed": int(self.seed),
                                           "strength": float(self.strength)},
                                self.shown(portraits), duration_s=duration_s)

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any], state: Any) -> "Evolve":
        return cls(inputs["caption"], z_from_b64(inputs["parent_z"]), inputs["n"], inputs["seed"],
                   inputs["strength"])


def label(step: Any) -> str:
    return f"More like this ×{len(step.outputs)} (strength {float(step.inputs.get('strength', 0)):.2f})"


register(StepKind("evolve", Evolve, INPUT_TYPES, label, shows_images=True))
