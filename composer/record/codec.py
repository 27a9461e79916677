"""Exact, JSON-safe encodings shared by the session's recovery files and case files.

Latents travel as base64 of little-endian float32 bytes (bit-exact, compact); images and lock masks
as lossless PNG; masks are quantised to 8 bits *before* they are used, so the PNG in a case file is
exactly the mask the optimiser saw and a replay is bit-identical.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import io

import numpy as np

from composer.errors import CaseFileError
from composer.portrait import image_sha256

THUMBNAIL_MAX = 256  # images up to this size are stored unscaled, so pixel differences are exact


def z_to_b64(z: np.ndarray) -> str:
    """float32 vector/matrix -> base64 of its little-endian bytes (shape is not kept)."""
    return base64.b64encode(np.ascontiguousarray(z, dtype="<f4").tobytes()).decode("ascii")


def z_from_b64(text: str, rows: int | None = None) -> np.ndarray:
    """Inverse of `z_to_b64`: a float32 vector, or a [rows, -1] matrix if `rows` is given."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, AttributeError) as e:
        raise CaseFileError(f"a latent vector is not valid base64 ({e}).") from e
    if len(raw) % 4:
        raise CaseFileError("a latent vector has a byte length that is not a multiple of 4.")
    z = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    return z.reshape(rows, -1) if rows else z


def mask_sha256(mask: np.ndarray) -> str:
    """SHA-256 of an H×W uint8 mask's pixels with its shape (the mask twin of image_sha256)."""
    m = np.ascontiguousarray(mask, dtype=np.uint8)
    if m.ndim != 2:
        raise ValueError(f"expected an H×W mask, got shape {m.shape}")
    h, w = m.shape
    return hashlib.sha256(b"L%dx%d:" % (w, h) + m.tobytes()).hexdigest()


def quantise_mask(mask: np.ndarray) -> np.ndarray:
    """Float mask in [0,1] -> H×W uint8 (round half up)."""
    m = np.clip(np.asarray(mask, dtype=np.float32), 0.0, 1.0)
    return np.floor(m * np.float32(255) + np.float32(0.5)).astype(np.uint8)


def mask_to_float(mask_u8: np.ndarray) -> np.ndarray:
    """H×W uint8 mask -> float32 in [0,1]; deterministic, the inverse of `quantise_mask`."""
    return np.asarray(mask_u8, dtype=np.uint8).astype(np.float32) / np.float32(255)


def pixels_sha256(pixels: np.ndarray) -> str:
    """Content hash of an RGB image or an 8-bit mask."""
    return image_sha256(pixels) if pixels.ndim == 3 else mask_sha256(pixels)


def encode_png(pixels: np.ndarray, text: dict[str, str] | None = None) -> bytes:
    """H×W×3 RGB or H×W grey uint8 -> PNG bytes, with optional tEXt chunks."""
    from PIL import Image, PngImagePlugin

    arr = np.ascontiguousarray(pixels, dtype=np.uint8)
    img = Image.fromarray(arr, "RGB" if arr.ndim == 3 else "L")
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_itxt(key, value)
    buf = io.BytesIO()
    img.save(buf, format="PNG", pnginfo=info, optimize=False, compress_level=6)
    return buf.getvalue()


def decode_png(data: bytes, *, what: str = "image") -> tuple[np.ndarray, dict[str, str]]:
    """PNG bytes -> (uint8 pixels, text chunks). RGB stays H×W×3, grey stays H×W."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            text = {str(k): str(v) for k, v in getattr(img, "text", {}).items()}
            if img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            return np.array(img, dtype=np.uint8), text
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        raise CaseFileError(f"{what} is not a readable PNG ({e}).") from e


def thumbnail(image: np.ndarray, max_size: int = THUMBNAIL_MAX) -> np.ndarray:
    """Downscale (Lanczos) so the longer side is at most `max_size`; smaller images are unchanged."""
    h, w = image.shape[:2]
    if max(h, w) <= max_size:
        return np.ascontiguousarray(image, dtype=np.uint8)
    from PIL import Image

    scale = max_size / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.array(Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8)).resize(
        size, Image.Resampling.LANCZOS), dtype=np.uint8)
