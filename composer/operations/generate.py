"""Generate: `n` new candidates for a caption, drawn from `seed` (engine.candidates)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from composer.operations.base import StepKind, instantly, register

INPUT_TYPES = {"caption": str, "n": int, "seed": int}


def portraits_shown(portraits: Any) -> tuple:
    return tuple((p.image, p.z, p.seed) for p in portraits)


@dataclass(frozen=True)
class Generate:
    caption: str
    n: int
    seed: int

    def run(self, engine: Any, state: Any):
        return (yield from instantly(engine.candidates(self.caption, self.n, self.seed)))

    def shown(self, portraits: Any) -> tuple:
        return portraits_shown(portraits)

    def record(self, session: Any, portraits: Any, duration_s: float = 0.0) -> Any:
        return session.add_step("generate", {"caption": self.caption, "n": int(self.n), "seed": int(self.seed)},
                                self.shown(portraits), duration_s=duration_s)

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any], state: Any) -> "Generate":
        return cls(inputs["caption"], inputs["n"], inputs["seed"])


def label(step: Any) -> str:
    return f"Generate {len(step.outputs)} (seed {step.inputs.get('seed')})"


register(StepKind("generate", Generate, INPUT_TYPES, label, shows_images=True))
