"""Feature control points of the aligned face frame, for the shape warps.

The points are the region templates' feature positions (regions.py, measured on 400 aligned
CelebA crops), written in the same 128 px units and stored as fractions of the frame. Each point
follows one of the templates' anchors ("left_eye", "right_eye", "mouth"), so the per-image
refinement the region lock uses (`regions.refine_offsets`: Haar detections that agree with the
template) moves the warps' control points exactly as it moves the lock's regions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional

import numpy as np

from composer.edit.regions import T, refine_offsets

# name -> (x, y in 128 px units, anchor, influence radius sigma in 128 px units)
TEMPLATE: Mapping[str, tuple[float, float, str, float]] = MappingProxyType({
    "left_eye": (49.0, 66.0, "left_eye", 5.5), "right_eye": (77.5, 66.0, "right_eye", 5.5),
    "left_brow": (48.0, 58.0, "left_eye", 4.5), "right_brow": (79.0, 58.0, "right_eye", 4.5),
    "nose_bridge": (63.5, 68.0, "", 3.5),
    "nose_tip": (64.0, 85.0, "", 4.5), "nose_left": (56.5, 83.5, "", 3.5), "nose_right": (71.5, 83.5, "", 3.5),
    "mouth": (64.5, 96.5, "mouth", 3.5), "mouth_left": (48.5, 96.5, "mouth", 4.5),
    "mouth_right": (80.5, 96.5, "mouth", 4.5), "lip_top": (64.5, 91.0, "mouth", 3.0),
    "lip_bottom": (64.5, 102.5, "mouth", 3.0),
    "chin": (64.0, 116.0, "", 7.0), "jaw_left": (37.0, 104.0, "", 8.0), "jaw_right": (91.0, 104.0, "", 8.0),
    "cheek_left": (33.5, 82.0, "", 9.0), "cheek_right": (94.5, 82.0, "", 9.0),
    "temple_left": (35.0, 56.0, "", 8.0), "temple_right": (93.0, 56.0, "", 8.0),
    "forehead": (64.0, 40.0, "", 10.0),
    "ear_left": (25.0, 79.0, "", 4.0), "ear_left_top": (25.0, 69.0, "", 4.0),
    "ear_left_bottom": (26.0, 89.0, "", 4.0), "ear_left_outer": (20.0, 79.0, "", 4.0),
    "ear_right": (103.0, 79.0, "", 4.0), "ear_right_top": (103.0, 69.0, "", 4.0),
    "ear_right_bottom": (102.0, 89.0, "", 4.0), "ear_right_outer": (108.0, 79.0, "", 4.0),
})
NAMES = tuple(TEMPLATE)


@dataclass(frozen=True)
class FaceLandmarks:
    """Control points (fractions of the frame) after the per-image anchor offsets."""

    offsets: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clean = {}
        for k, v in dict(self.offsets).items():
            if k not in ("left_eye", "right_eye", "mouth"):
                raise ValueError(f"landmark offsets are for left_eye, right_eye or mouth, not {k!r}")
            dx, dy = float(v[0]), float(v[1])
            if not (np.isfinite(dx) and np.isfinite(dy) and abs(dx) <= 0.15 and abs(dy) <= 0.15):
                raise ValueError(f"landmark offset {k} = {v!r} is not a small finite shift")
            clean[k] = (dx, dy)
        object.__setattr__(self, "offsets", {k: clean[k] for k in sorted(clean)})

    def points(self) -> np.ndarray:
        """[N, 2] float64 positions of NAMES, in fractions."""
        out = np.empty((len(NAMES), 2), np.float64)
        for i, name in enumerate(NAMES):
            x, y, anchor, _ = TEMPLATE[name]
            dx, dy = self.offsets.get(anchor, (0.0, 0.0)) if anchor else (0.0, 0.0)
            out[i] = (x / T + dx, y / T + dy)
        return out

    def point(self, name: str) -> tuple[float, float]:
        x, y = self.points()[NAMES.index(name)]
        return float(x), float(y)

    def to_json(self) -> dict:
        return {"offsets": {k: list(v) for k, v in self.offsets.items()}}

    @classmethod
    def from_json(cls, d: Mapping) -> "FaceLandmarks":
        return cls({k: tuple(v) for k, v in dict(d.get("offsets", {})).items()})


SIGMAS = np.array([TEMPLATE[n][3] / T for n in NAMES], np.float64)


def landmarks_for(image: Optional[np.ndarray]) -> FaceLandmarks:
    """The template refined on `image` the way the region lock refines its regions (None: template)."""
    return FaceLandmarks(refine_offsets(image))
