"""The holistic sliders' settings, torch-free (the case-file schema validates them without torch).
See composer/edit/holistic.py for what the sliders do."""
from __future__ import annotations

from composer.edit.sliders import SliderSet
from dataclasses import dataclass
from typing import Mapping

# slider -> (label, CelebA attribute, sign: +1 moves toward the attribute)
HOLISTIC: Mapping[str, tuple[str, str, int]] = {
    "age": ("Age", "Young", -1),
    "weight": ("Weight", "Chubby", 1),
    "masculinity": ("Masculinity", "Male", 1),
    "smile": ("Smile", "Smiling", 1),
}


@dataclass(frozen=True)
class HolisticSettings(SliderSet):
    """Slider values in [-1, 1]; 0 is neutral (the caption's own sentence vector)."""

    _label = "holistic slider"

    age: float = 0.0
    weight: float = 0.0
    masculinity: float = 0.0
    smile: float = 0.0

