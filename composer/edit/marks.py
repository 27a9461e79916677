"""The marks layer: distinguishing marks the artist adds by hand, stored as data, not pixels.

A `Mark` is a kind (see `mark_shapes.KINDS`), its parameters, and a position in face coordinates:
fractions of the aligned face frame that the region templates use (`regions.py`; (0.38, 0.52) is
the viewer's-left eye, (0.5, 0.75) the mouth), so the same mark lands on the same spot of any face
with that framing, at any output size (64 or 128 px), and survives re-synthesis untouched.
`scale` multiplies the kind's size, `rotation` turns it (degrees, clockwise on screen), `opacity`
fades it, `colour` replaces the kind's main colour.

`render_marks(image, marks)` draws each mark on a supersampled canvas (anti-aliasing), softens it
and blends it like skin detail rather than a sticker: pigment and creases multiply (darken) the skin
underneath, raised scar tissue and fold highlights screen (lighten) it, only metal and skin-colour
paint cover it. Deterministic and bit-exact for the same inputs (cv2 integer drawing, float32
arithmetic, one rounding at the end). `hand_mask(before, after)` is the mask of pixels the hand
changed, for the case report.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Optional, Sequence

import cv2
import numpy as np

from composer.edit.mark_shapes import KINDS, LAYERS, TATTOO_SHAPES, Pen

__all__ = ["Mark", "KINDS", "render_marks", "mark_layers", "hand_mask", "marks_to_json", "marks_from_json"]

CANVAS_MIN = 512      # marks are drawn on a canvas at least this large, then area-averaged down
_RANGES = {"bend": (-2.0, 2.0), "hardness": (0.0, 1.0), "spread": (0.0, 360.0)}   # others: (0, 0.5]
_CHOICES = {"shape": TATTOO_SHAPES, "style": ("stud", "ring"), "mode": ("ink", "skin")}


def _colour(c: Any) -> Optional[tuple[int, int, int]]:
    if c is None:
        return None
    t = tuple(int(v) for v in c)
    if len(t) != 3 or any(v < 0 or v > 255 for v in t) or any(float(v) != int(float(v)) for v in c):
        raise ValueError(f"a mark colour is three integers 0-255, not {c!r}")
    return t


def _check_params(kind: str, params: Mapping[str, Any]) -> dict:
    defaults = KINDS[kind][1]
    out = {}
    for k, v in params.items():
        if k not in defaults:
            raise ValueError(f"{kind} marks take {', '.join(sorted(defaults))}; not {k!r}")
        d = defaults[k]
        if k in _CHOICES:
            if v not in _CHOICES[k]:
                raise ValueError(f"{kind} {k} must be one of {', '.join(_CHOICES[k])}, not {v!r}")
        elif k == "points":
            pts = [[float(a), float(b)] for a, b in v]
            if not pts or len(pts) > 4096 or not np.isfinite(pts).all() or np.abs(pts).max() > 2:
                raise ValueError("brush points are 1-4096 [dx, dy] offsets (face fractions) from the mark")
            v = pts
        elif k == "text":
            v = str(v)
            if len(v) > 24 or not v.isprintable() or not v.isascii():
                raise ValueError("tattoo text is at most 24 printable ASCII characters")
        elif isinstance(d, bool):
            if not isinstance(v, bool):
                raise ValueError(f"{kind} {k} is true or false, not {v!r}")
        elif isinstance(d, int):
            if isinstance(v, bool) or int(v) != v or not 0 <= int(v) <= 400:
                raise ValueError(f"{kind} {k} is a whole number 0-400, not {v!r}")
            v = int(v)
        else:
            v = float(v)
            lo, hi = _RANGES.get(k, (0.0, 0.5))
            if not math.isfinite(v) or not lo <= v <= hi or (v == 0 and lo == 0 and k != "hardness"):
                raise ValueError(f"{kind} {k} must be in ({lo}, {hi}], not {v!r}")
        out[k] = v
    return out


@dataclass(frozen=True)
class Mark:
    """One mark of the layer. Position (x, y) in face coordinates (fractions of the aligned frame)."""

    kind: str
    x: float
    y: float
    scale: float = 1.0
    rotation: float = 0.0          # degrees, clockwise on screen
    opacity: float = 1.0
    colour: Optional[tuple[int, int, int]] = None   # None: the kind's own colour
    mirror: bool = False           # flip left-right (e.g. crow's feet of the other eye)
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown mark kind {self.kind!r}; choose from {', '.join(KINDS)}")
        for name in ("x", "y", "scale", "rotation", "opacity"):
            v = float(getattr(self, name))
            if not math.isfinite(v):
                raise ValueError(f"mark {name} must be a finite number, not {v!r}")
            object.__setattr__(self, name, v)
        if not -0.5 <= self.x <= 1.5 or not -0.5 <= self.y <= 1.5:
            raise ValueError(f"mark position ({self.x}, {self.y}) is off the face frame (fractions 0-1)")
        if not 0.05 <= self.scale <= 10:
            raise ValueError(f"mark scale must be between 0.05 and 10, not {self.scale}")
        if not 0 <= self.opacity <= 1:
            raise ValueError(f"mark opacity must be between 0 and 1, not {self.opacity}")
        object.__setattr__(self, "colour", _colour(self.colour))
        object.__setattr__(self, "mirror", bool(self.mirror))
        object.__setattr__(self, "params", _check_params(self.kind, dict(self.params)))

    @property
    def settings(self) -> dict:
        """The kind's defaults overlaid with this mark's parameters."""
        return {**KINDS[self.kind][1], **self.params}

    def moved(self, **changes: Any) -> "Mark":
        return replace(self, **changes)

    def label(self) -> str:
        return f"{self.kind.replace('_', ' ')} at ({self.x:.2f}, {self.y:.2f})"

    def to_json(self) -> dict:
        return {"kind": self.kind, "x": self.x, "y": self.y, "scale": self.scale, "rotation": self.rotation,
                "opacity": self.opacity, "colour": list(self.colour) if self.colour else None,
                "mirror": self.mirror, "params": {k: self.params[k] for k in sorted(self.params)}}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "Mark":
        known = {"kind", "x", "y", "scale", "rotation", "opacity", "colour", "mirror", "params"}
        extra = set(d) - known
        if extra:
            raise ValueError(f"unknown mark field(s) {sorted(extra)}")
        return cls(**{k: d[k] for k in known if k in d})


def marks_to_json(marks: Iterable[Mark]) -> list:
    return [m.to_json() for m in marks]


def marks_from_json(items: Sequence[Mapping[str, Any]]) -> tuple[Mark, ...]:
    return tuple(Mark.from_json(d) for d in items)


def _layer_colours(mark: Mark) -> dict[str, tuple[int, int, int]]:
    _, _, primary, colours = KINDS[mark.kind]
    colours = dict(colours)
    if mark.kind == "brush":
        primary = "dark" if mark.settings["mode"] == "ink" else "paint"
    if mark.colour is not None:
        colours[primary] = mark.colour
    return colours


def canvas_factor(size: int) -> int:
    return max(2, -(-CANVAS_MIN // int(size)))


def mark_layers(mark: Mark, size: int) -> dict[str, np.ndarray]:
    """The mark's coverage at `size`: layer name -> float32 size×size alpha in [0, 1] (opacity
    included). Depends only on the mark and the size, never on the image below."""
    ss = canvas_factor(size)
    pen = Pen(size * ss, mark.x, mark.y, mark.scale, mark.rotation, mark.mirror)
    drawer = KINDS[mark.kind][0]
    soft = drawer(pen, mark.settings)
    out = {}
    for name in LAYERS:
        if name not in pen.layers:
            continue
        a = pen.layers[name].astype(np.float32)
        sigma = float(soft.get(name, 0.0)) * pen.k
        if sigma > 0.3:
            a = cv2.GaussianBlur(a, (0, 0), sigmaX=sigma, borderType=cv2.BORDER_CONSTANT)
        a = cv2.resize(a, (size, size), interpolation=cv2.INTER_AREA)
        a = np.clip(a / np.float32(255.0), 0.0, 1.0)
        a[a > 0.999] = 1.0                    # solid cores are exactly solid
        out[name] = a if mark.opacity == 1.0 else a * np.float32(mark.opacity)
    return out


def _blend(img: np.ndarray, layers: Mapping[str, np.ndarray], colours: Mapping[str, tuple]) -> np.ndarray:
    for name in LAYERS:
        if name not in layers:
            continue
        a = layers[name][..., None]
        c = np.asarray(colours[name], np.float32)[None, None, :]
        if name == "dark":        # multiply
            img = img * (1.0 - a * (1.0 - c / 255.0))
        elif name == "light":     # screen
            img = img + a * (255.0 - img) * (c / 255.0)
        else:                     # normal
            img = img + a * (c - img)
    return img


def render_marks(image: np.ndarray, marks: Sequence[Mark]) -> np.ndarray:
    """The image with the marks drawn on it, in order. No marks: an unchanged copy."""
    img = np.asarray(image)
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3 or img.shape[0] != img.shape[1]:
        raise ValueError(f"marks are drawn on a square H×W×3 uint8 image, got {img.dtype} {img.shape}")
    if not marks:
        return img.copy()
    size = img.shape[0]
    out = img.astype(np.float32)
    for mark in marks:
        out = _blend(out, mark_layers(mark, size), _layer_colours(mark))
    return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)


def hand_mask(before: np.ndarray, after: np.ndarray, threshold: int = 0) -> np.ndarray:
    """Bool H×W: pixels where any channel differs by more than `threshold` (the hand's work)."""
    a, b = np.asarray(before), np.asarray(after)
    if a.shape != b.shape:
        raise ValueError(f"hand_mask compares images of one size, got {a.shape} and {b.shape}")
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return (d.max(axis=-1) if d.ndim == 3 else d) > threshold
