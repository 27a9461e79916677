"""Face, eye and mouth detection with OpenCV's bundled Haar cascades (no downloads, no weights).

Detections are returned in image fractions (x / width, y / height) so that callers can compare
them with the template of the aligned framing at any resolution. Small images (the model's 64 px)
are upsampled to 128 px first: the eye cascade's window is 20 px and would not fire otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import cv2
import numpy as np

DETECT_SIZE = 128  # aligned crops are analysed at this size (the size the templates were measured at)


@lru_cache(maxsize=None)
def cascade(name: str) -> cv2.CascadeClassifier:
    """A cached classifier from cv2.data.haarcascades (read-only after loading)."""
    clf = cv2.CascadeClassifier(cv2.data.haarcascades + name)
    if clf.empty():
        raise RuntimeError(f"OpenCV's {name} is missing from {cv2.data.haarcascades}; reinstall opencv.")
    return clf


def grey(image: np.ndarray) -> np.ndarray:
    """RGB (or grey) uint8 -> histogram-equalised grey, the cascades' input."""
    img = np.asarray(image, np.uint8)
    g = img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    return cv2.equalizeHist(g)


@dataclass(frozen=True)
class FaceFeatures:
    """Detected centres in fractions of an aligned crop; None where a cascade did not fire."""

    left_eye: Optional[tuple[float, float]] = None    # viewer's left (smaller x)
    right_eye: Optional[tuple[float, float]] = None
    mouth: Optional[tuple[float, float]] = None


def _centre(box, dx: float = 0.0, dy: float = 0.0) -> tuple[float, float]:
    x, y, w, h = (float(v) for v in box)
    return x + w / 2 + dx, y + h / 2 + dy


def detect_eyes(g: np.ndarray, min_size: int = 10) -> list[tuple[float, float, float]]:
    """Eye detections in a grey image: (cx, cy, width) in pixels, largest first."""
    boxes = cascade("haarcascade_eye.xml").detectMultiScale(g, 1.1, 5, minSize=(min_size, min_size))
    out = [(*_centre(b), float(b[2])) for b in boxes]
    return sorted(out, key=lambda e: -e[2])


def detect_aligned(image: np.ndarray) -> FaceFeatures:
    """Eyes (searched in the middle band) and mouth (lower half only) of an aligned face crop."""
    img = np.asarray(image, np.uint8)
    h, w = img.shape[:2]
    if (h, w) != (DETECT_SIZE, DETECT_SIZE):
        img = cv2.resize(img, (DETECT_SIZE, DETECT_SIZE), interpolation=cv2.INTER_CUBIC)
    g = grey(img)
    s = float(DETECT_SIZE)
    top, bottom = int(0.23 * s), int(0.70 * s)
    eyes = [(x / s, (y + top) / s) for x, y, _ in detect_eyes(g[top:bottom])]
    left = next((e for e in eyes if e[0] < 0.5), None)
    right = next((e for e in eyes if e[0] >= 0.5), None)
    half = int(0.5 * s)
    smiles = cascade("haarcascade_smile.xml").detectMultiScale(g[half:], 1.1, 15, minSize=(20, 10))
    mouth = None
    if len(smiles):
        box = max(smiles, key=lambda r: int(r[2]) * int(r[3]))
        cx, cy = _centre(box, dy=half)
        mouth = (cx / s, cy / s)
    return FaceFeatures(left, right, mouth)


def detect_faces(g: np.ndarray, min_size: int) -> list[tuple[int, int, int, int]]:
    """Frontal faces (x, y, w, h) in a grey image, largest first."""
    boxes = cascade("haarcascade_frontalface_default.xml").detectMultiScale(
        g, 1.1, 5, minSize=(min_size, min_size))
    return sorted((tuple(int(v) for v in b) for b in boxes), key=lambda b: -b[2] * b[3])
