"""Conversions between numpy RGB images (the engine's currency) and Qt images.

Photos are read and aligned by `composer.edit.align` (EXIF rotation, size limits, face
alignment); this module only converts pixels for display.
"""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QImage, QPixmap


PHOTO_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff)"
PHOTO_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"}


def to_qimage(image: np.ndarray) -> QImage:
    """H×W×3 uint8 RGB -> an independent QImage (the numpy buffer may go away)."""
    arr = np.ascontiguousarray(image, dtype=np.uint8)
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"expected an H×W×3 image, got shape {arr.shape}")
    h, w = arr.shape[:2]
    return QImage(arr.data, w, h, 3 * w, QImage.Format_RGB888).copy()


def to_pixmap(image: np.ndarray) -> QPixmap:
    return QPixmap.fromImage(to_qimage(image))


def thumbnail(image: np.ndarray, size: int) -> QPixmap:
    return to_pixmap(image).scaled(size, size, Qt.KeepAspectRatio, Qt.SmoothTransformation)
