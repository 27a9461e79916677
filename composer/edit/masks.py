"""Lock masks: region presets + brush/eraser strokes, feathered, renderable at any size.

A `LockMask` is pure data in image fractions, so the same JSON renders the same mask at 64, 128
or 256 px. Rendering: union of the regions' hard masks, then the strokes in order (brush sets 1,
eraser sets 0; dabs may lie partly outside the image), then the feather. The feather grows
*outward*: `clip(2 * gaussian(hard), 0, 1)` is exactly 1 everywhere the hard mask was locked
except within ~1 sigma of its edge, and fades to 0 about 2 sigma outside it, so what the witness
confirmed stays fully locked and the blend band lies in the free area.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

import cv2
import numpy as np

from composer.edit.regions import REGIONS, check_names, refine_offsets


@dataclass(frozen=True)
class Stroke:
    """One round brush dab (or eraser dab) at (x, y) with `radius`, all fractions of the size."""

    x: float
    y: float
    radius: float
    erase: bool = False

    def to_json(self) -> list:
        return [self.x, self.y, self.radius, "erase" if self.erase else "add"]

    @classmethod
    def from_json(cls, d: Any) -> "Stroke":
        x, y, r, mode = d
        if mode not in ("add", "erase"):
            raise ValueError(f"stroke mode must be 'add' or 'erase', not {mode!r}")
        return cls(float(x), float(y), float(r), mode == "erase")


def brush_path(points: Sequence[tuple[float, float]], radius: float, erase: bool = False) -> tuple[Stroke, ...]:
    """Dabs along a dragged polyline (fractions), spaced at half a radius so the line is solid."""
    pts = [(float(x), float(y)) for x, y in points]
    out = [Stroke(*pts[0], radius, erase)] if pts else []
    step = max(radius / 2, 1e-4)
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        n = max(1, int(np.ceil(np.hypot(x1 - x0, y1 - y0) / step)))
        out += [Stroke(x0 + (x1 - x0) * t / n, y0 + (y1 - y0) * t / n, radius, erase) for t in range(1, n + 1)]
    return tuple(out)


def feather_mask(hard: np.ndarray, sigma_px: float) -> np.ndarray:
    """Outward feather of a 0/1 mask (see module docstring); sigma 0 returns the hard mask."""
    hard = np.asarray(hard, np.float32)
    if sigma_px <= 0:
        return hard.copy()
    soft = cv2.GaussianBlur(hard, (0, 0), sigmaX=sigma_px, borderType=cv2.BORDER_REFLECT)
    out = np.clip(2.0 * soft, 0.0, 1.0).astype(np.float32)
    out[hard >= 1.0] = 1.0  # never below 1 inside the locked shapes
    return out


@dataclass(frozen=True)
class LockMask:
    """Regions (preset names) + strokes + feather (Gaussian sigma, fraction of the size) and the
    per-image offsets of anchored shapes (from Haar detections, see regions.refine_offsets)."""

    regions: tuple[str, ...] = ()
    strokes: tuple[Stroke, ...] = ()
    feather: float = 0.02
    offsets: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regions", check_names(tuple(self.regions)))
        object.__setattr__(self, "strokes", tuple(self.strokes))
        object.__setattr__(self, "offsets", {str(k): (float(v[0]), float(v[1])) for k, v in self.offsets.items()})
        if not 0 <= self.feather <= 0.25:
            raise ValueError(f"feather must be between 0 and 0.25 of the image size, not {self.feather}")
        if any(s.radius <= 0 for s in self.strokes):
            raise ValueError("stroke radii must be positive")

    def hard(self, size: int) -> np.ndarray:
        """The 0/1 mask before feathering."""
        out = np.zeros((size, size), np.float32)
        for name in self.regions:
            np.maximum(out, REGIONS[name].raster(size, self.offsets), out=out)
        c = (np.arange(size, dtype=np.float64) + 0.5) / size
        for s in self.strokes:
            dab = (c[None, :] - s.x) ** 2 + (c[:, None] - s.y) ** 2 <= s.radius ** 2
            out[dab] = 0.0 if s.erase else 1.0
        return out

    def render(self, size: int) -> np.ndarray:
        """Feathered float32 size×size mask in [0, 1] (1 = keep the reference's pixels)."""
        if not 8 <= int(size) <= 4096:
            raise ValueError(f"mask size must be 8..4096, not {size}")
        return feather_mask(self.hard(int(size)), self.feather * size)

    def to_json(self) -> dict:
        return {"regions": list(self.regions), "strokes": [s.to_json() for s in self.strokes],
                "feather": self.feather, "offsets": {k: list(v) for k, v in sorted(self.offsets.items())}}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "LockMask":
        unknown = set(d) - {"regions", "strokes", "feather", "offsets"}
        if unknown:
            raise ValueError(f"unknown lock mask keys: {sorted(unknown)}")
        return cls(tuple(d.get("regions", ())), tuple(Stroke.from_json(s) for s in d.get("strokes", ())),
                   float(d.get("feather", 0.02)), {k: tuple(v) for k, v in d.get("offsets", {}).items()})


def region_mask(name: str, size: int, image: Optional[np.ndarray] = None, feather: float = 0.02) -> np.ndarray:
    """Feathered float32 size×size mask of a preset (1 = lock), refined by detections on `image`.
    `name` may combine presets with '+' (e.g. "eyes+mouth")."""
    names = check_names(tuple(n.strip() for n in name.split("+")))
    return LockMask(regions=names, feather=feather, offsets=refine_offsets(image)).render(size)


def mask_png(mask: np.ndarray) -> bytes:
    """8-bit greyscale PNG of a float mask (0 → 0, 1 → 255), for the case file."""
    from PIL import Image

    m = np.asarray(mask, np.float32)
    if m.ndim != 2:
        raise ValueError(f"a mask is H×W, got {m.shape}")
    u8 = np.round(np.clip(m, 0, 1) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(u8, mode="L").save(buf, format="PNG")
    return buf.getvalue()

