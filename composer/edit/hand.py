"""The hand layer: the artist's marks and shape warps, as data, applied after generation.

`HandLayer` holds the marks (in order), the warp sliders and the control points the warps were
refined to. `apply_hand(image, layer)` = the warps, then the marks on top: a pure, bit-exact
post-process of the finished portrait, so the layer survives re-synthesis, More like this and
description edits (the new portrait is simply the new base), and a case file stores parameters,
never pixels.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Optional

import numpy as np

from composer.edit.face_points import FaceLandmarks, landmarks_for
from composer.edit.marks import Mark, marks_from_json, marks_to_json, render_marks
from composer.edit.warps import WarpSettings, apply_warps

__all__ = ["HandLayer", "apply_hand", "hand_mask"]


@dataclass(frozen=True)
class HandLayer:
    marks: tuple[Mark, ...] = ()
    warps: WarpSettings = field(default_factory=WarpSettings)
    landmarks: Optional[FaceLandmarks] = None     # None: refine on the base image when applied

    def __post_init__(self) -> None:
        object.__setattr__(self, "marks", tuple(self.marks))

    @property
    def empty(self) -> bool:
        return not self.marks and self.warps.neutral

    def with_marks(self, marks) -> "HandLayer":
        return replace(self, marks=tuple(marks))

    def add(self, mark: Mark) -> "HandLayer":
        return self.with_marks(self.marks + (mark,))

    def edit(self, index: int, mark: Mark) -> "HandLayer":
        self._check(index)
        return self.with_marks(self.marks[:index] + (mark,) + self.marks[index + 1:])

    def remove(self, index: int) -> "HandLayer":
        self._check(index)
        return self.with_marks(self.marks[:index] + self.marks[index + 1:])

    def _check(self, index: int) -> None:
        if not 0 <= index < len(self.marks):
            raise IndexError(f"there is no mark {index + 1}; the layer has {len(self.marks)}")

    def refined(self, base: np.ndarray) -> "HandLayer":
        """The layer with its control points refined on `base` (as the region lock refines)."""
        return replace(self, landmarks=landmarks_for(base))

    def to_json(self) -> dict:
        return {"marks": marks_to_json(self.marks), "warps": self.warps.to_json(),
                "landmarks": None if self.landmarks is None else self.landmarks.to_json()}

    @classmethod
    def from_json(cls, d: Optional[Mapping[str, Any]]) -> "HandLayer":
        if not d:
            return cls()
        lm = d.get("landmarks")
        return cls(marks_from_json(d.get("marks", [])), WarpSettings.from_json(d.get("warps", {})),
                   None if lm is None else FaceLandmarks.from_json(lm))


def apply_hand(image: np.ndarray, layer: HandLayer) -> np.ndarray:
    """Warps, then marks. An empty layer returns an unchanged copy."""
    img = np.asarray(image)
    if layer.empty:
        return img.copy()
    lm = layer.landmarks if layer.landmarks is not None else landmarks_for(img)
    return render_marks(apply_warps(img, layer.warps, lm), layer.marks)


from composer.edit.marks import hand_mask  # noqa: E402  (re-exported for the report)
