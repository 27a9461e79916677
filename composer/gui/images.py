"""Conversions between numpy RGB images (the engine's currency) and Qt images."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QImage, QPixmap

from composer.errors import ImageError

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


def mask_overlay(mask: np.ndarray, rgba: tuple[int, int, int, int]) -> QImage:
    """Float mask H×W in [0,1] -> premultiplied-free ARGB image tinted with `rgba`."""
    m = np.clip(np.asarray(mask, dtype=np.float32), 0.0, 1.0)
    h, w = m.shape
    out = np.empty((h, w, 4), dtype=np.uint8)
    out[..., 0], out[..., 1], out[..., 2] = rgba[0], rgba[1], rgba[2]
    out[..., 3] = np.round(m * rgba[3]).astype(np.uint8)
    return QImage(out.data, w, h, 4 * w, QImage.Format_RGBA8888).copy()


def thumbnail(image: np.ndarray, size: int) -> QPixmap:
    return to_pixmap(image).scaled(size, size, Qt.KeepAspectRatio, Qt.SmoothTransformation)


def load_photo(path: Path) -> np.ndarray:
    """Read a photo as H×W×3 uint8 RGB; raise ImageError (what and what to do) if unusable."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if path.suffix.lower() not in PHOTO_SUFFIXES:
        raise ImageError(f"{path.name} is not a supported image type; use PNG, JPEG, BMP, WebP or TIFF.")
    try:
        with Image.open(path) as im:
            rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
    except FileNotFoundError:
        raise ImageError(f"{path} does not exist; choose another file.") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise ImageError(f"{path} could not be read as an image ({exc}); choose another file.") from None
    if min(rgb.shape[:2]) < 32:
        raise ImageError(f"{path.name} is only {rgb.shape[1]}×{rgb.shape[0]} pixels; "
                         "use a photo at least 32 pixels on each side.")
    return rgb


def fit_square(image: np.ndarray, size: int) -> np.ndarray:
    """Centre-crop to a square and resize to size×size (used when no face alignment is available)."""
    from PIL import Image

    h, w = image.shape[:2]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    crop = Image.fromarray(np.ascontiguousarray(image[top:top + s, left:left + s]))
    return np.asarray(crop.resize((size, size), Image.LANCZOS), dtype=np.uint8)
