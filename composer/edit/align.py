"""Reference photos: load any photo safely and align the face to the model's framing.

The model's framing is the aligned CelebA crop: eye centres at the template positions of
regions.LEFT_EYE / RIGHT_EYE, (49, 66) and (77.5, 66) at 128 px, as measured with the same Haar
eye cascade used here (see regions.py). Alignment is a similarity transform (rotation, scale,
shift) taking the two detected (or hand-clicked) eye centres onto those positions.

Greyscale photos are converted to RGB with a notice instead of being refused: a witness may only
have a black-and-white photo, and the locked region then simply stays grey (the notice says so).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

import cv2
import numpy as np

from composer.edit.landmarks import detect_eyes, detect_faces, grey
from composer.edit.regions import LEFT_EYE, RIGHT_EYE
from composer.errors import ImageError

MAX_SIDE = 8000        # px; larger photos are refused (memory, decompression bombs)
MIN_FACE = 48          # px; smaller faces carry too little detail for a lock
DETECT_MAX = 1024      # photos are shrunk to this side for face detection
EYES_IN_FACE_BOX = ((0.293, 0.383), (0.671, 0.383))  # eye centres / face box, measured on CelebA crops

GREY_NOTICE = ("The photo is greyscale; it was converted to RGB. Locked regions taken from it "
               "will stay grey in the portrait.")


@dataclass(frozen=True)
class AlignedPhoto:
    image: np.ndarray                     # size×size×3 uint8, the model's framing
    left_eye: tuple[float, float]         # eye centres used, in the source photo's pixels
    right_eye: tuple[float, float]
    method: str                           # "eyes", "face-box" (eyes estimated) or "manual"
    notices: tuple[str, ...] = ()


def _as_rgb(image: np.ndarray, notices: list[str]) -> np.ndarray:
    img = np.asarray(image)
    if img.dtype != np.uint8:
        raise ImageError(f"expected an 8-bit image, got {img.dtype}; convert the photo to 8-bit PNG or JPEG.")
    if img.ndim == 2 or (img.ndim == 3 and img.shape[2] == 1):
        notices.append(GREY_NOTICE)
        return np.repeat(img.reshape(img.shape[0], img.shape[1], 1), 3, axis=2)
    if img.ndim != 3 or img.shape[2] not in (3, 4):
        raise ImageError(f"an image has 1, 3 or 4 channels; got shape {img.shape}.")
    img = np.ascontiguousarray(img[..., :3])
    if (img[..., 0] == img[..., 1]).all() and (img[..., 1] == img[..., 2]).all():
        notices.append(GREY_NOTICE)
    if max(img.shape[:2]) > MAX_SIDE:
        raise ImageError(f"the photo is {img.shape[1]}×{img.shape[0]} px; the limit is {MAX_SIDE} px a side. "
                         "Crop or shrink it around the face first.")
    return img


def load_image(path: Union[str, Path]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Read a photo as H×W×3 uint8 RGB (EXIF rotation applied) plus notices; ImageError if unusable."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    notices: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                w, h = im.size
                if max(w, h) > MAX_SIDE:
                    raise ImageError(f"{path.name} is {w}×{h} px; the limit is {MAX_SIDE} px a side. "
                                     "Crop or shrink it around the face first.")
                im = ImageOps.exif_transpose(im)
                if im.mode in ("1", "L", "LA", "I", "I;16", "F"):
                    notices.append(GREY_NOTICE)
                rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
    except FileNotFoundError:
        raise ImageError(f"{path} does not exist; choose another file.") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"{path.name} declares a huge pixel count (possible decompression bomb); "
                         "it was not opened. Use an ordinary photo.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as e:
        raise ImageError(f"{path.name} could not be read as an image ({e}); choose a PNG or JPEG photo.") from None
    rgb = _as_rgb(rgb, notices)
    return rgb, tuple(dict.fromkeys(notices))


def align_by_eyes(image: np.ndarray, left_eye_xy, right_eye_xy, size: int) -> np.ndarray:
    """size×size crop with the two eye centres (source pixels, any order) on the template positions."""
    img = _as_rgb(image, [])
    pts = sorted([tuple(map(float, left_eye_xy)), tuple(map(float, right_eye_xy))])
    src = np.array(pts, np.float64)
    if not np.isfinite(src).all():
        raise ImageError("eye positions must be finite numbers; click on both eyes.")
    if np.hypot(*(src[1] - src[0])) < 2.0:
        raise ImageError("the two eye clicks are at the same place; click on the centre of each eye.")
    dst = np.array([LEFT_EYE, RIGHT_EYE], np.float64) * size
    scale = np.hypot(*(dst[1] - dst[0])) / np.hypot(*(src[1] - src[0]))
    if scale < 0.5:  # shrink first with area averaging so the warp does not alias
        f = min(1.0, 2.0 * scale)
        img = cv2.resize(img, (max(1, round(img.shape[1] * f)), max(1, round(img.shape[0] * f))),
                         interpolation=cv2.INTER_AREA)
        src = src * np.array([img.shape[1], img.shape[0]]) / np.array([image.shape[1], image.shape[0]])
    d, e = src[1] - src[0], dst[1] - dst[0]
    s = np.hypot(*e) / np.hypot(*d)
    a = np.arctan2(e[1], e[0]) - np.arctan2(d[1], d[0])
    rot = s * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    m = np.hstack([rot, (dst[0] - rot @ src[0])[:, None]])
    return cv2.warpAffine(img, m, (size, size), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def find_eyes(image: np.ndarray) -> tuple[tuple[float, float], tuple[float, float], str]:
    """(left, right, method) eye centres of the largest face, in the image's pixels."""
    img = _as_rgb(image, [])
    f = min(1.0, DETECT_MAX / max(img.shape[:2]))
    small = cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else img
    faces = detect_faces(grey(small), max(12, int(MIN_FACE * f) // 2))
    if not faces:
        raise ImageError("no face was found in the photo. Use a frontal photo with the face clearly visible, "
                         "or place the face by hand by clicking on both eyes.")
    x, y, w, h = (v / f for v in faces[0])
    if w < MIN_FACE:
        raise ImageError(f"the face is only {w:.0f} px wide; at least {MIN_FACE} px is needed. "
                         "Use a closer or larger photo, or click on both eyes to place it by hand.")
    eyes = _eyes_in_face(img, (x, y, w, h))
    if eyes is not None:
        return eyes[0], eyes[1], "eyes"
    (lx, ly), (rx, ry) = EYES_IN_FACE_BOX
    return (x + lx * w, y + ly * h), (x + rx * w, y + ry * h), "face-box"


def _eyes_in_face(img: np.ndarray, box) -> Optional[tuple]:
    """Eye cascade on the face's upper part, rescaled to 256 px wide; None unless one eye is found
    on each side at a plausible height and distance."""
    x, y, w, h = box
    x0, y0 = int(max(0, x)), int(max(0, y + 0.15 * h))
    x1, y1 = int(min(img.shape[1], x + w)), int(min(img.shape[0], y + 0.6 * h))
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    k = 256.0 / (x1 - x0)
    crop = cv2.resize(img[y0:y1, x0:x1], None, fx=k, fy=k, interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC)
    found = [(x0 + cx / k, y0 + cy / k) for cx, cy, _ in detect_eyes(grey(crop), min_size=20)]
    left = next((e for e in found if e[0] < x + 0.5 * w), None)
    right = next((e for e in found if e[0] >= x + 0.5 * w), None)
    if left is None or right is None:
        return None
    dist = np.hypot(right[0] - left[0], right[1] - left[1])
    if not 0.25 * w <= dist <= 0.6 * w or abs(right[1] - left[1]) > 0.2 * w:
        return None
    return left, right


def align_reference(source: Union[str, Path, np.ndarray], size: int) -> AlignedPhoto:
    """Load (if a path) and align a photo automatically; ImageError with a fix when it cannot."""
    if isinstance(source, (str, Path)):
        img, notices = load_image(source)
    else:
        found: list[str] = []
        img = _as_rgb(source, found)
        notices = tuple(found)
    left, right, method = find_eyes(img)
    if method == "face-box":
        notices = notices + ("The eyes were not detected; their positions were estimated from the face. "
                             "Check the result, or place the face by hand by clicking on both eyes.",)
    return AlignedPhoto(align_by_eyes(img, left, right, size), left, right, method, notices)


def align_photo(image: np.ndarray, size: int) -> np.ndarray:
    """The GUI's aligner: photo (H×W×3 uint8) -> size×size face in the model's framing."""
    return align_reference(image, size).image
