"""Face-region presets of the aligned CelebA framing, in fractions of the image size.

Measured on 400 aligned 128 px crops of celeba128_shard00 (OpenCV 4 Haar cascades on the
equalised grey image; see landmarks.py) and on the mean face of the same 400 images:

* eyes (haarcascade_eye, 385 hits): left centre median (49.0, 65.5), std (2.2, 1.4);
  right centre median (77.3, 66.0), std (1.6, 1.1); eye box width median 23 px.
  The README estimate (49, 66) / (79, 66) holds for the left eye; the right eye sits ~2 px
  further in, so the template uses 77.5.
* mouth (haarcascade_smile in the lower half, 264 hits): centre median (64.5, 97.5), std (2.7, 4.0);
  box median 44 × 22 px. Mean-face profile: lip line at y ≈ 95-96, corners at x ≈ 48 and 80.
* eyebrows: dark band of the mean face at y ≈ 57-62 above each eye.
* nose: nostril shadow at y ≈ 84-86 between x ≈ 54 and 74; bridge from the eye line down.
* face (haarcascade_frontalface_default, 381 hits): box median (27, 37, 75, 75) → centre (64.5, 74.5);
  mean-face skin oval x ≈ 33-95, y ≈ 36-118 (chin at y ≈ 114-118).

Shapes are ellipses or boxes, applied in order (add, or subtract what is already there), so a
region such as "jaw" (face oval minus the inner face minus everything above the mouth) is data.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Mapping, Optional, Sequence

import numpy as np

from composer.edit.landmarks import FaceFeatures, detect_aligned

T = 128.0  # the templates below are written in 128 px units and stored as fractions


@dataclass(frozen=True)
class Shape:
    """An ellipse or box centred at (cx, cy) with half-sizes (rx, ry), all fractions of the size."""

    kind: str           # "ellipse" or "box"
    cx: float
    cy: float
    rx: float
    ry: float
    subtract: bool = False
    anchor: str = ""    # which detection moves it: "left_eye", "right_eye", "mouth" or ""

    def moved(self, dx: float, dy: float) -> "Shape":
        return replace(self, cx=self.cx + dx, cy=self.cy + dy)

    def raster(self, size: int) -> np.ndarray:
        """Hard 0/1 mask, pixel centres tested against the shape (parts outside are clipped)."""
        c = (np.arange(size, dtype=np.float64) + 0.5) / size
        x, y = c[None, :], c[:, None]
        if self.kind == "ellipse":
            inside = ((x - self.cx) / self.rx) ** 2 + ((y - self.cy) / self.ry) ** 2 <= 1.0
        else:
            inside = (np.abs(x - self.cx) <= self.rx) & (np.abs(y - self.cy) <= self.ry)
        return inside.astype(np.float32)


def _e(cx, cy, rx, ry, sub=False, anchor=""):
    return Shape("ellipse", cx / T, cy / T, rx / T, ry / T, sub, anchor)


def _b(x0, y0, x1, y1, sub=False):
    return Shape("box", (x0 + x1) / 2 / T, (y0 + y1) / 2 / T, (x1 - x0) / 2 / T, (y1 - y0) / 2 / T, sub)


@dataclass(frozen=True)
class Region:
    name: str
    label: str
    shapes: tuple[Shape, ...]

    def raster(self, size: int, offsets: Optional[Mapping[str, tuple[float, float]]] = None) -> np.ndarray:
        """Hard mask at `size`; `offsets` move anchored shapes (anchor -> (dx, dy) in fractions)."""
        out = np.zeros((size, size), np.float32)
        for shape in self.shapes:
            dx, dy = (offsets or {}).get(shape.anchor, (0.0, 0.0)) if shape.anchor else (0.0, 0.0)
            m = shape.moved(dx, dy).raster(size)
            out = out * (1 - m) if shape.subtract else np.maximum(out, m)
        return out


LEFT_EYE, RIGHT_EYE, MOUTH = (49.0 / T, 66.0 / T), (77.5 / T, 66.0 / T), (64.5 / T, 96.5 / T)
_FACE = (64.0, 78.0, 31.0, 42.0)

REGIONS: Mapping[str, Region] = MappingProxyType({r.name: r for r in (
    Region("eyes", "Eyes", (_e(49, 66, 13, 7.5, anchor="left_eye"), _e(77.5, 66, 13, 7.5, anchor="right_eye"))),
    Region("eyebrows", "Eyebrows", (_e(48, 58, 14, 5.5, anchor="left_eye"),
                                    _e(79, 58, 14, 5.5, anchor="right_eye"))),
    Region("nose", "Nose", (_e(64, 78, 10.5, 14),)),
    Region("mouth", "Mouth", (_e(64.5, 96.5, 20, 10.5, anchor="mouth"),)),
    Region("hair", "Hair", (_b(0, 0, 128, 70), _b(0, 0, 30, 110), _b(98, 0, 128, 110),
                            _e(*_FACE, sub=True))),
    Region("jaw", "Jaw / face outline", (_e(64, 80, 35, 44), _e(64, 72, 25, 36, sub=True),
                                         _b(0, 0, 128, 84, sub=True))),
    Region("face", "Whole face", (_e(*_FACE),)),
)})

MAX_SHIFT = {"left_eye": 0.06, "right_eye": 0.06, "mouth": 0.09}  # detections farther off are rejected


def offsets_from(features: FaceFeatures) -> dict[str, tuple[float, float]]:
    """Anchor offsets from detections that agree with the template (far-off ones are ignored)."""
    out: dict[str, tuple[float, float]] = {}
    for anchor, template in (("left_eye", LEFT_EYE), ("right_eye", RIGHT_EYE), ("mouth", MOUTH)):
        found = getattr(features, anchor)
        if found is None:
            continue
        dx, dy = found[0] - template[0], found[1] - template[1]
        if np.hypot(dx, dy) <= MAX_SHIFT[anchor]:
            out[anchor] = (float(dx), float(dy))
    return out


def refine_offsets(image: Optional[np.ndarray]) -> dict[str, tuple[float, float]]:
    """Per-image offsets of the anchored shapes (empty without an image or without detections)."""
    if image is None:
        return {}
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3 or img.shape[0] != img.shape[1]:
        raise ValueError(f"region refinement needs a square H×W×3 image, got {img.shape}")
    return offsets_from(detect_aligned(img))


def check_names(names: Sequence[str]) -> tuple[str, ...]:
    bad = [n for n in names if n not in REGIONS]
    if bad:
        raise ValueError(f"unknown region(s) {bad}; choose from {', '.join(REGIONS)}")
    return tuple(names)

