"""Pick: the artist chose one candidate; it becomes the portrait on the canvas."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from composer.operations.base import StepKind, instantly, register

INPUT_TYPES = {"from_step": int, "index": int}


@dataclass(frozen=True)
class Picked:
    from_step: int
    shown: tuple          # (image, z or None, seed)


@dataclass(frozen=True)
class Pick:
    index: int
    from_step: Optional[int] = None      # None: the candidates on show

    def run(self, engine: Any, state: Any):
        src = self.from_step
        if src is None:
            src = getattr(state.candidates_step, "id", None)
            if src is None:
                raise IndexError(f"no candidate {self.index} to pick")
        return (yield from instantly(Picked(src, state.shown(src, self.index))))

    def shown(self, picked: Picked) -> tuple:
        return (picked.shown,)

    def record(self, session: Any, picked: Picked, duration_s: float = 0.0) -> Any:
        return session.add_step("pick", {"from_step": picked.from_step, "index": int(self.index)},
                                self.shown(picked), picked=int(self.index), duration_s=duration_s)

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any], state: Any) -> "Pick":
        return cls(inputs["index"], inputs["from_step"])


def label(step: Any) -> str:
    return f"Pick candidate {int(step.inputs.get('index', 0)) + 1}"


register(StepKind("pick", Pick, INPUT_TYPES, label))
