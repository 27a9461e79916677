"""The holistic sliders' settings, torch-free (the case-file schema validates them without torch).
See composer/edit/holistic.py for what the sliders do."""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Mapping

# slider -> (label, CelebA attribute, sign: +1 moves toward the attribute)
HOLISTIC: Mapping[str, tuple[str, str, int]] = {
    "age": ("Age", "Young", -1),
    "weight": ("Weight", "Chubby", 1),
    "masculinity": ("Masculinity", "Male", 1),
    "smile": ("Smile", "Smiling", 1),
}


@dataclass(frozen=True)
class HolisticSettings:
    """Slider values in [-1, 1]; 0 is neutral (the caption's own sentence vector)."""

    age: float = 0.0
    weight: float = 0.0
    masculinity: float = 0.0
    smile: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            v = float(getattr(self, f.name))
            if not math.isfinite(v) or not -1.0 <= v <= 1.0:
                raise ValueError(f"holistic slider {f.name} must be between -1 and 1, not {getattr(self, f.name)!r}")
            object.__setattr__(self, f.name, v + 0.0)

    @property
    def neutral(self) -> bool:
        return all(getattr(self, f.name) == 0.0 for f in fields(self))

    def active(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != 0.0}

    def to_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, d: Mapping) -> "HolisticSettings":
        extra = set(d) - {f.name for f in fields(cls)}
        if extra:
            raise ValueError(f"unknown holistic slider(s) {sorted(extra)}; choose from {', '.join(HOLISTIC)}")
        return cls(**dict(d))
