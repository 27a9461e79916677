"""Feature shape tools: deterministic, smooth, local warps of the finished portrait.

Each slider (`WarpSettings`, values in [-1, 1], 0 = neutral) moves a few of the face's control
points (`face_points.TEMPLATE`, refined per image like the lock's regions). All the other control
points hold still. The displacement field is a normalised Gaussian radial-basis blend (a Shepard
interpolation with Gaussian weights and a background weight that means "stay put"):

    f(x) = sum_i d_i g_i(x) / (sum_i g_i(x) + BACKGROUND),   g_i(x) = exp(-|x - p_i|² / 2 sigma_i²)

It is a convex mix of the points' displacements and zero, so it never overshoots, is smooth,
vanishes away from the features and holds the still control points (nearly) still. The image is pulled
backwards: for every output pixel q the source point p with p + f(p) = q is found by fixed-point
iteration (f moves each point by much less than its radius, so it converges in a few steps), then
cv2.remap with bicubic interpolation samples the input there. Several sliders are applied one after
another in a fixed order (each one is one-to-one, so any combination is), composed into a single
source map so the image is resampled once. All values neutral returns the input unchanged (a copy,
bit for bit). Amplitudes at ±1 are 2-5 px at 128 px (half that at 64): a shape tool, not a
caricature (tests check each slider's Jacobian stays positive).
"""
from __future__ import annotations

from functools import lru_cache
from composer.edit.sliders import SliderSet
from dataclasses import dataclass, fields
from typing import Mapping, Optional

import cv2
import numpy as np

from composer.edit.face_points import NAMES, SIGMAS, FaceLandmarks

__all__ = ["WarpSettings", "WARPS", "apply_warps", "displacements", "displacement_field", "composed_map"]

BACKGROUND = 0.08
ITERATIONS = 4

# slider -> (label, {point: (dx, dy) at +1, fractions of the frame}); + = wider/longer/higher/bigger
WARPS: Mapping[str, tuple[str, dict[str, tuple[float, float]]]] = {
    "eye_spacing": ("Eye spacing", {"left_eye": (-0.03, 0), "right_eye": (0.03, 0),
                                    "left_brow": (-0.016, 0), "right_brow": (0.016, 0)}),
    "eye_height": ("Eye height", {"left_eye": (0, -0.028), "right_eye": (0, -0.028),
                                  "left_brow": (0, -0.016), "right_brow": (0, -0.016)}),
    "eyebrow_height": ("Eyebrow height", {"left_brow": (0, -0.032), "right_brow": (0, -0.032)}),
    "nose_length": ("Nose length", {"nose_tip": (0, 0.03), "nose_left": (0, 0.024), "nose_right": (0, 0.024)}),
    "nose_width": ("Nose width", {"nose_left": (-0.024, 0), "nose_right": (0.024, 0)}),
    "mouth_width": ("Mouth width", {"mouth_left": (-0.034, 0), "mouth_right": (0.034, 0)}),
    "mouth_height": ("Mouth height", {"lip_top": (0, -0.02), "lip_bottom": (0, 0.022)}),
    "jaw_width": ("Jaw width", {"jaw_left": (-0.04, 0), "jaw_right": (0.04, 0)}),
    "face_width": ("Face width", {"cheek_left": (-0.042, 0), "cheek_right": (0.042, 0),
                                  "jaw_left": (-0.03, 0), "jaw_right": (0.03, 0),
                                  "temple_left": (-0.024, 0), "temple_right": (0.024, 0)}),
    "face_length": ("Face length", {"chin": (0, 0.04), "jaw_left": (0, 0.024), "jaw_right": (0, 0.024),
                                    "forehead": (0, -0.024)}),
    "ear_size": ("Ear size", {"ear_left_top": (0, -0.024), "ear_left_bottom": (0, 0.024),
                              "ear_left_outer": (-0.024, 0), "ear_right_top": (0, -0.024),
                              "ear_right_bottom": (0, 0.024), "ear_right_outer": (0.024, 0)}),
}


@dataclass(frozen=True)
class WarpSettings(SliderSet):
    """Slider values in [-1, 1]; 0 is neutral (the identity)."""

    _label = "warp"

    eye_spacing: float = 0.0
    eye_height: float = 0.0
    eyebrow_height: float = 0.0
    nose_length: float = 0.0
    nose_width: float = 0.0
    mouth_width: float = 0.0
    mouth_height: float = 0.0
    jaw_width: float = 0.0
    face_width: float = 0.0
    face_length: float = 0.0
    ear_size: float = 0.0


assert set(WARPS) == {f.name for f in fields(WarpSettings)}


def displacements(warps: WarpSettings) -> np.ndarray:
    """[N, 2] displacement of each control point (fractions), summed over the active sliders."""
    d = np.zeros((len(NAMES), 2), np.float64)
    for name, value in warps.active().items():
        for point, (dx, dy) in WARPS[name][1].items():
            d[NAMES.index(point)] += (value * dx, value * dy)
    return d


def _gauss(x: np.ndarray, y: np.ndarray, p: np.ndarray, s: float) -> np.ndarray:
    return np.exp(-((x - p[0]) ** 2 + (y - p[1]) ** 2) * (0.5 / (s * s)))


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    c = (np.arange(size, dtype=np.float64) + 0.5) / size
    return np.meshgrid(c, c)


@lru_cache(maxsize=16)
def _denominator(size: int, offsets: tuple) -> np.ndarray:
    """sum_i g_i + BACKGROUND on the pixel grid (all control points, moving or not)."""
    pts = FaceLandmarks(dict(offsets)).points()
    x, y = _grid(size)
    den = np.full_like(x, BACKGROUND)
    for p, s in zip(pts, SIGMAS):
        den += _gauss(x, y, p, s)
    den.setflags(write=False)
    return den


def displacement_field(size: int, warps: WarpSettings, landmarks: FaceLandmarks) -> tuple[np.ndarray, np.ndarray]:
    """The forward field f of the sliders taken together (pixels, on the pixel centres): (fx, fy)."""
    pts, disp = landmarks.points(), displacements(warps)
    x, y = _grid(size)
    fx, fy = np.zeros_like(x), np.zeros_like(x)
    for p, d, s in zip(pts, disp, SIGMAS):
        if d.any():
            g = _gauss(x, y, p, s)
            fx += d[0] * g
            fy += d[1] * g
    den = _denominator(size, tuple(sorted(landmarks.offsets.items())))
    return fx / den * size, fy / den * size


def source_map(size: int, warps: WarpSettings, landmarks: FaceLandmarks) -> tuple[np.ndarray, np.ndarray]:
    """For each output pixel the source position (pixels, float32) solving p + f(p) = q: f is
    evaluated once on the pixel grid, then p = q - f(p) is iterated with f read bilinearly."""
    fx, fy = displacement_field(size, warps, landmarks)
    fx, fy = fx.astype(np.float32), fy.astype(np.float32)
    i = np.arange(size, dtype=np.float32)
    qx, qy = np.meshgrid(i, i)
    sx, sy = qx - fx, qy - fy
    for _ in range(ITERATIONS - 1):
        gx = cv2.remap(fx, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        gy = cv2.remap(fy, sx, sy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        sx, sy = qx - gx, qy - gy
    return sx, sy


def composed_map(size: int, warps: WarpSettings, landmarks: FaceLandmarks) -> tuple[np.ndarray, np.ndarray]:
    """The sliders applied one after another in their fixed order (each one-to-one on its own, so
    the composition is too, however the sliders are combined), as one source map: the image is
    resampled once."""
    maps = [source_map(size, WarpSettings(**{name: value}), landmarks) for name, value in warps.active().items()]
    i = np.arange(size, dtype=np.float32)
    qx, qy = np.meshgrid(i, i)
    mx, my = maps[-1]
    for sx, sy in reversed(maps[:-1]):       # p -> S_j(p) = p + D_j(p), D_j extended beyond the edge
        mx, my = (mx + cv2.remap(sx - qx, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE),
                  my + cv2.remap(sy - qy, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
    return mx, my


def apply_warps(image: np.ndarray, warps: WarpSettings, landmarks: Optional[FaceLandmarks] = None) -> np.ndarray:
    """The image reshaped by the sliders around `landmarks` (default: the unrefined template).
    Neutral settings return an unchanged copy."""
    img = np.asarray(image)
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3 or img.shape[0] != img.shape[1]:
        raise ValueError(f"warps apply to a square H×W×3 uint8 image, got {img.dtype} {img.shape}")
    if warps.neutral:
        return img.copy()
    mx, my = composed_map(img.shape[0], warps, landmarks or FaceLandmarks())
    return cv2.remap(np.ascontiguousarray(img), mx, my, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT_101)
