"""A lock set: the regions the witness confirmed, each with the image its pixels come from.

A lock may combine sources: the eyes of the current portrait, the mouth of photo A, the nose of
an earlier step's portrait. Each region keeps its source (an image by content hash, with a label
for the artist); the brush layer keeps the image it was painted on. `compose` layers every
source's pixels, in order, over the base portrait (the one the re-synthesis starts from) through
each layer's feathered mask, giving ONE reference image and ONE mask for the lock optimiser;
its paste-back then keeps exactly those pixels. Pure numpy: the GUI, the script runner and the
simulated witness all build the same lock from the same data.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy as np

from composer.edit.regions import REGIONS

BRUSH = "brush"     # the layer name of painted strokes


@dataclass(frozen=True)
class LockSource:
    """An image a locked region keeps: its content hash and what the artist calls it."""
    sha256: str
    label: str

    def to_json(self) -> dict:
        return {"sha256": self.sha256, "label": self.label}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "LockSource":
        return cls(str(d["sha256"]), str(d.get("label", "")))


@dataclass(frozen=True)
class RegionLock:
    """One locked region (a preset name, or BRUSH for painted strokes) and its source."""
    region: str
    source: LockSource

    def __post_init__(self) -> None:
        if self.region != BRUSH and self.region not in REGIONS:
            raise ValueError(f"unknown region {self.region!r}; choose from: {', '.join(REGIONS)}")

    def to_json(self) -> dict:
        return {"region": self.region, **self.source.to_json()}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "RegionLock":
        return cls(str(d["region"]), LockSource.from_json(d))


@dataclass(frozen=True)
class LockSet:
    """The regions locked now, in the order they were locked (a later region wins where two overlap)."""
    regions: tuple[RegionLock, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.region for r in self.regions if r.region != BRUSH)

    @property
    def has_brush(self) -> bool:
        return any(r.region == BRUSH for r in self.regions)

    def source_of(self, region: str) -> Optional[LockSource]:
        return next((r.source for r in self.regions if r.region == region), None)

    def with_region(self, region: str, source: Optional[LockSource]) -> "LockSet":
        """This set with `region` locked from `source` (moved to the end), or unlocked (None)."""
        kept = tuple(r for r in self.regions if r.region != region)
        return LockSet(kept + ((RegionLock(region, source),) if source is not None else ()))

    def to_json(self) -> list:
        return [r.to_json() for r in self.regions]

    @classmethod
    def from_json(cls, d: Any) -> "LockSet":
        return cls(tuple(RegionLock.from_json(r) for r in (d or [])))


def compose(base: np.ndarray, layers: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """(reference uint8 H×W×3, mask float32 H×W): `base` with each (source image, float mask) layer
    blended over it in order, and the union (max) of the layers' masks."""
    base = np.asarray(base)
    if base.dtype != np.uint8 or base.ndim != 3 or base.shape[2] != 3:
        raise ValueError(f"the base portrait must be an H×W×3 uint8 image, got {base.dtype} {base.shape}")
    out = base.astype(np.float32)
    union = np.zeros(base.shape[:2], np.float32)
    for image, mask in layers:
        image, m = np.asarray(image), np.clip(np.nan_to_num(np.asarray(mask, np.float32)), 0.0, 1.0)
        if image.shape != base.shape or m.shape != base.shape[:2]:
            raise ValueError(f"a lock source is {image.shape} with a {m.shape} mask; the portrait is {base.shape}: "
                             "align the photo to the portrait's framing first")
        out += (image.astype(np.float32) - out) * m[..., None]
        np.maximum(union, m, out=union)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8), union


RegionMaskFn = Callable[[str, int, np.ndarray], np.ndarray]   # (region, size, source image) -> float mask


def default_region_mask(region: str, size: int, image: np.ndarray) -> np.ndarray:
    """The preset's feathered mask, its anchored shapes refined by detections on its source."""
    from composer.edit.masks import region_mask
    return region_mask(region, size, image=image)


def paint_to_u8(paint: np.ndarray) -> np.ndarray:
    """The window's painted layer (+1 brush, -1 eraser, 0 untouched; the eraser may cut holes in a
    region) as 8 bits for the record: 128 is untouched, 255 brush, 1 eraser."""
    return np.clip(np.rint(np.asarray(paint, np.float32) * 127.0 + 128.0), 1, 255).astype(np.uint8)


def paint_from_u8(u8: np.ndarray) -> np.ndarray:
    """Inverse of `paint_to_u8` (exact for -1, 0 and +1)."""
    return ((np.asarray(u8, np.float32) - 128.0) / 127.0).astype(np.float32)


def build_lock(lockset: LockSet, base: np.ndarray, image: Callable[[str], np.ndarray], *,
               brush: Optional[np.ndarray] = None, region_mask: RegionMaskFn = default_region_mask,
               masks: Optional[Mapping[str, np.ndarray]] = None) -> tuple[np.ndarray, np.ndarray]:
    """The composite reference and mask of `lockset` over `base`.

    `image(sha)` gives a source's pixels; a region's mask is `masks[region]` when given (the
    window's editor already drew it), else `region_mask(region, size, source)`. `brush` is the
    painted layer (+1 brush, -1 eraser): the BRUSH layer's mask is its positive part, and the
    eraser cuts its negative part out of every region."""
    size = int(np.asarray(base).shape[0])
    paint = None if brush is None else np.asarray(brush, np.float32)
    keep = None if paint is None else 1.0 - np.clip(-paint, 0.0, 1.0)
    layers = []
    for r in lockset.regions:
        source = np.asarray(image(r.source.sha256))
        if r.region == BRUSH:
            if paint is None:
                continue
            m = np.clip(paint, 0.0, 1.0)
        else:
            m = masks[r.region] if masks is not None and r.region in masks else region_mask(r.region, size, source)
            if keep is not None:
                m = np.asarray(m, np.float32) * keep
        layers.append((source, m))
    return compose(base, layers)
