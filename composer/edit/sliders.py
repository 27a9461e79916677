"""Shared behaviour of the artist's slider sets (feature warps, holistic sliders): every field is a
value in [-1, 1] with a neutral 0, stored in the case record as a flat JSON object."""
from __future__ import annotations

import math
from dataclasses import fields
from typing import Mapping


class SliderSet:
    """Mixin for frozen dataclasses whose fields are all sliders; `_label` names one in messages."""

    _label = "slider"

    def __post_init__(self) -> None:
        for f in fields(self):
            v = float(getattr(self, f.name))
            if not math.isfinite(v) or not -1.0 <= v <= 1.0:
                raise ValueError(f"{self._label} {f.name} must be between -1 and 1, not {getattr(self, f.name)!r}")
            object.__setattr__(self, f.name, v + 0.0)   # -0.0 -> 0.0

    @property
    def neutral(self) -> bool:
        return all(getattr(self, f.name) == 0.0 for f in fields(self))

    def active(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != 0.0}

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, d: Mapping):
        names = [f.name for f in fields(cls)]
        extra = set(d) - set(names)
        if extra:
            raise ValueError(f"unknown {cls._label}(s) {sorted(extra)}; choose from {', '.join(names)}")
        return cls(**dict(d))
