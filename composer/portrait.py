"""Portrait: one generated face with everything needed to draw it again."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional

import numpy as np


def image_sha256(image: np.ndarray) -> str:
    """SHA-256 of an H×W×3 uint8 image's pixels (with its shape), independent of any file format."""
    img = np.ascontiguousarray(image, dtype=np.uint8)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"expected an H×W×3 image, got shape {img.shape}")
    h, w = img.shape[:2]
    return hashlib.sha256(b"RGB%dx%d:" % (w, h) + img.tobytes()).hexdigest()


def to_uint8(images) -> list[np.ndarray]:
    """Generator output [B,3,H,W] in [-1,1] -> list of H×W×3 uint8 (round half up, clamped)."""
    x = images.detach().float().cpu().clamp(-1, 1)
    x = ((x + 1) * 127.5 + 0.5).floor().clamp(0, 255).to(dtype=__import__("torch").uint8)
    return [np.ascontiguousarray(a.permute(1, 2, 0).numpy()) for a in x]


def to_tensor(image: np.ndarray):
    """H×W×3 uint8 -> [1,3,H,W] float tensor in [-1,1]."""
    import torch
    arr = np.array(image, dtype=np.uint8, copy=True)  # Portrait arrays are read-only
    t = torch.from_numpy(arr).permute(2, 0, 1).float().unsqueeze(0)
    return t / 127.5 - 1.0


@dataclass(frozen=True)
class Portrait:
    """A rendered face: its pixels, the latent z and caption that produced it, and the seed."""

    image: np.ndarray
    z: np.ndarray
    caption: str
    seed: Optional[int] = None
    _sha: str = field(default="", compare=False, repr=False)

    def __post_init__(self) -> None:
        img = np.ascontiguousarray(self.image, dtype=np.uint8)
        img.setflags(write=False)
        z = np.ascontiguousarray(self.z, dtype=np.float32).reshape(-1)
        z.setflags(write=False)
        object.__setattr__(self, "image", img)
        object.__setattr__(self, "z", z)
        object.__setattr__(self, "_sha", image_sha256(img))

    @property
    def sha256(self) -> str:
        return self._sha
