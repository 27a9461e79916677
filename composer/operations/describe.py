"""Describe: the artist's Description and what Composer understood of it (no image)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from composer.operations.base import StepKind, instantly, register
from composer.record.steps import description_json

INPUT_TYPES = {"description": dict, "caption": str}
SUMMARY_MAX = 28   # characters of a caption shown in the history; the tooltip has all of it


@dataclass(frozen=True)
class Describe:
    description: Any                     # a Description, or a mapping with its fields
    interpretation: Any = None           # Interpretation (or its to_json()); None: engine.describe()
    caption: Optional[str] = None        # overrides the interpretation's caption

    def run(self, engine: Any, state: Any):
        interpretation = self.interpretation
        if interpretation is None:
            interpretation = engine.describe(self.description)
        return (yield from instantly(interpretation))

    def shown(self, result: Any) -> tuple:
        return ()

    @staticmethod
    def replayed_caption(result: Any) -> str:
        return result.caption

    def record(self, session: Any, result: Any, duration_s: float = 0.0) -> Any:
        interp = result.to_json() if hasattr(result, "to_json") else result
        cap = self.caption if self.caption is not None else (getattr(result, "caption", None)
                                                             or (interp or {}).get("caption", ""))
        return session.add_step("describe", {"description": description_json(self.description), "caption": cap,
                                             "interpretation": interp}, duration_s=duration_s)

    @classmethod
    def from_inputs(cls, inputs: Mapping[str, Any], state: Any) -> "Describe":
        from composer.text.description import Description
        return cls(Description.from_json(inputs["description"]))


def shorten(text: str) -> str:
    return text if len(text) <= SUMMARY_MAX else text[:SUMMARY_MAX - 1].rstrip() + "…"


def label(step: Any) -> str:
    return f"Describe: {shorten(step.inputs.get('caption') or '(nothing yet)')}"


register(StepKind("describe", Describe, INPUT_TYPES, label))
