"""Lock mask being edited on the canvas: region presets plus free brush/eraser strokes.

Qt-free so it can be tested and recorded as data. The lock mask is
`clip(union of active region masks + painted layer, 0, 1)`, where the painted layer
is +1 under brush strokes and -1 under eraser strokes (the eraser can cut holes in a
region preset). Region masks come from an injected `region_mask(name, size)`
(composer.edit.masks.region_mask in the app), so the GUI never redefines regions.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import cv2
import numpy as np

RegionMaskFn = Callable[[str, int], np.ndarray]


@dataclass(frozen=True)
class Stroke:
    """A brush (erase=False) or eraser stroke through image-pixel points."""

    points: tuple[tuple[float, float], ...]
    radius: float
    erase: bool = False

    def to_json(self) -> dict:
        return {"points": [list(p) for p in self.points], "radius": self.radius,
                "erase": self.erase}


def stamp_stroke(layer: np.ndarray, stroke: Stroke) -> None:
    """Paint `stroke` into `layer` in place (+1 brush, -1 eraser), as round dabs along it."""
    h, w = layer.shape
    pts = list(stroke.points)
    dense: list[tuple[float, float]] = pts[:1]
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        n = max(1, int(np.ceil(np.hypot(x1 - x0, y1 - y0) / max(stroke.radius / 2, 0.5))))
        dense += [(x0 + (x1 - x0) * t / n, y0 + (y1 - y0) * t / n) for t in range(1, n + 1)]
    value = -1.0 if stroke.erase else 1.0
    r = stroke.radius
    for x, y in dense:
        x0, x1 = max(int(x - r) - 1, 0), min(int(x + r) + 2, w)
        y0, y1 = max(int(y - r) - 1, 0), min(int(y + r) + 2, h)
        if x0 >= x1 or y0 >= y1:
            continue
        yy, xx = np.mgrid[y0:y1, x0:x1]
        window = layer[y0:y1, x0:x1]
        window[(xx + 0.5 - x) ** 2 + (yy + 0.5 - y) ** 2 <= r * r] = value


class MaskEditor:
    """Active regions + painted strokes at the model's image size."""

    def __init__(self, size: int, region_mask: RegionMaskFn) -> None:
        self.size = int(size)
        self._region_mask = region_mask
        self._regions: dict[str, np.ndarray] = {}
        self._strokes: list[Stroke] = []
        self._paint = np.zeros((self.size, self.size), np.float32)

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(self._regions)

    @property
    def strokes(self) -> tuple[Stroke, ...]:
        return tuple(self._strokes)

    def set_region(self, name: str, on: bool) -> None:
        if on and name not in self._regions:
            m = np.asarray(self._region_mask(name, self.size), np.float32)
            if m.shape != (self.size, self.size):
                raise ValueError(f"region mask {name!r} has shape {m.shape}, expected {self.size}²")
            self._regions[name] = m
        elif not on:
            self._regions.pop(name, None)

    def set_regions(self, names: Iterable[str]) -> None:
        wanted = list(names)
        for name in list(self._regions):
            if name not in wanted:
                self.set_region(name, False)
        for name in wanted:
            self.set_region(name, True)

    def add_stroke(self, stroke: Stroke) -> None:
        if stroke.points:
            self._strokes.append(stroke)
            stamp_stroke(self._paint, stroke)

    def clear(self) -> None:
        self._regions.clear()
        self._strokes.clear()
        self._paint[:] = 0.0

    def set_paint(self, layer) -> None:
        """Restore a painted layer (+1 brush, -1 eraser) recorded in history (None: nothing painted);
        the strokes that made it are not kept, only their result."""
        self._strokes.clear()
        self._paint[:] = 0.0 if layer is None else np.asarray(layer, np.float32)

    def region_layers(self) -> dict[str, np.ndarray]:
        """Each active region's mask (the lock set composes them, each from its own source)."""
        return {name: m.copy() for name, m in self._regions.items()}

    def region_layer(self, name: str) -> np.ndarray:
        return self._regions[name]

    def paint_layer(self) -> np.ndarray:
        return self._paint.copy()

    def mask(self) -> np.ndarray:
        """The lock mask, float32 H×W in [0, 1]: 1 = keep the reference's pixels."""
        union = np.zeros((self.size, self.size), np.float32)
        for m in self._regions.values():
            np.maximum(union, m, out=union)
        return np.clip(union + self._paint, 0.0, 1.0)

    @property
    def empty(self) -> bool:
        return not bool(self.mask().any())

    def to_json(self) -> dict:
        return {"size": self.size, "regions": list(self._regions),
                "strokes": [s.to_json() for s in self._strokes]}


def overlay_rgba(editor: MaskEditor, colours: dict[str, tuple[int, int, int]],
                 brush_colour: Sequence[int] = (0, 200, 255), alpha: int = 80) -> np.ndarray:
    """RGBA uint8 overlay: each active region tinted in its colour, painted areas in brush colour."""
    s = editor.size
    rgb = np.zeros((s, s, 3), np.float32)
    a = np.zeros((s, s), np.float32)
    layers = [(editor.region_layer(n), colours.get(n, (255, 255, 0))) for n in editor.regions]
    layers.append((np.clip(editor.paint_layer(), 0, 1), tuple(brush_colour)))
    for m, colour in layers:
        rgb = rgb * (1 - m[..., None]) + np.asarray(colour, np.float32) * m[..., None]
        a = np.maximum(a, m)
    a *= editor.mask() > 0  # erased pixels show no tint
    out = np.concatenate([rgb, (a * alpha)[..., None]], axis=-1)
    return np.round(out).astype(np.uint8)


def mask_outline(mask: np.ndarray, upsample: int = 8) -> list[np.ndarray]:
    """Closed polygons (image-pixel coordinates, N×2 x/y) around where the mask is ≥ 0.5.

    Traced on an upsampled mask so the outline stays smooth when a 64 px portrait is
    shown hundreds of pixels wide; the canvas strokes it over the tint so the locked
    features stay visible."""
    m = np.asarray(mask, np.float32)
    if not (m >= 0.5).any():
        return []
    big = cv2.resize(m, None, fx=upsample, fy=upsample, interpolation=cv2.INTER_LINEAR)
    contours, _ = cv2.findContours((big >= 0.5).astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    return [(c.reshape(-1, 2).astype(np.float32) + 0.5) / upsample for c in contours if len(c) >= 3]
