"""Paste-back: put the reference's locked pixels back into an optimised face, and measure seams.

Two blends:
* `feather_blend`: alpha blend with the (feathered) lock mask as alpha.
* `poisson_blend`: gradient-domain fill (cv2.seamlessClone, NORMAL_CLONE) of the *free* area: the
  generated face's gradients are kept there while its values are pulled to meet the reference at
  the lock boundary. The locked area is never a clone target, so it stays the reference.

Both finish with `exact_core`: wherever mask == 1 the output equals the reference bit for bit.
"""
from __future__ import annotations

import cv2
import numpy as np

PAD = 8  # px of reflected border around the image for seamlessClone (it cannot touch the edge)


def _check(generated: np.ndarray, reference: np.ndarray, mask: np.ndarray) -> tuple:
    gen, ref = np.asarray(generated, np.uint8), np.asarray(reference, np.uint8)
    m = np.clip(np.asarray(mask, np.float32), 0.0, 1.0)
    if gen.shape != ref.shape or gen.ndim != 3 or gen.shape[2] != 3 or m.shape != gen.shape[:2]:
        raise ValueError(f"paste-back needs matching H×W×3 images and an H×W mask, got "
                         f"{gen.shape}, {ref.shape}, {m.shape}")
    return gen, ref, m


def exact_core(out: np.ndarray, reference: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = out.copy()
    core = mask >= 1.0
    out[core] = reference[core]
    return out


def feather_blend(generated: np.ndarray, reference: np.ndarray, mask: np.ndarray) -> np.ndarray:
    gen, ref, m = _check(generated, reference, mask)
    a = m[..., None]
    out = np.floor(a * ref.astype(np.float32) + (1 - a) * gen.astype(np.float32) + 0.5)
    return exact_core(np.clip(out, 0, 255).astype(np.uint8), ref, m)


def poisson_blend(generated: np.ndarray, reference: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Poisson-fill the free area (mask < 1) from the generated face, bounded by the reference.
    The feather band is part of the fill, then the mask's alpha blends the result as in
    `feather_blend` so the transition stays soft."""
    gen, ref, m = _check(generated, reference, mask)
    locked = m >= 1.0
    if not locked.any() or locked.all():
        return feather_blend(gen, ref, m)
    free = np.where(locked, 0, 255).astype(np.uint8)
    big = lambda a: cv2.copyMakeBorder(a, PAD, PAD, PAD, PAD, cv2.BORDER_REFLECT)
    # dst carries the reference in the lock and the generated face elsewhere, so the image border
    # (reflected) pulls the fill towards the generated face and only the lock pulls it to the reference
    src, dst = big(gen), big(exact_core(gen, ref, m))
    clone_mask = cv2.copyMakeBorder(free, PAD, PAD, PAD, PAD, cv2.BORDER_REFLECT)
    clone_mask[:2], clone_mask[-2:], clone_mask[:, :2], clone_mask[:, -2:] = 0, 0, 0, 0
    ys, xs = np.nonzero(clone_mask)
    # seamlessClone centres the mask's bounding box at `center`; same box in src and dst -> no shift
    centre = (int((xs.min() + xs.max() + 1) // 2), int((ys.min() + ys.max() + 1) // 2))
    filled = cv2.seamlessClone(src[..., ::-1].copy(), dst[..., ::-1].copy(), clone_mask, centre, cv2.NORMAL_CLONE)
    filled = filled[PAD:-PAD, PAD:-PAD, ::-1]
    return feather_blend(filled, ref, m)


def paste_back(generated: np.ndarray, reference: np.ndarray, mask: np.ndarray, method: str) -> np.ndarray:
    if method == "feather":
        return feather_blend(generated, reference, mask)
    if method == "poisson":
        return poisson_blend(generated, reference, mask)
    if method == "none":
        return np.asarray(generated, np.uint8).copy()
    raise ValueError(f"unknown paste-back method {method!r}")


def seam_band(mask: np.ndarray, width: int = 2) -> np.ndarray:
    """Pixels within `width` px of the lock boundary (the 0.5 contour)."""
    core = (np.asarray(mask, np.float32) >= 0.5).astype(np.uint8)
    k = np.ones((2 * width + 1, 2 * width + 1), np.uint8)
    return (cv2.dilate(core, k) - cv2.erode(core, k)).astype(bool)


def gradient_energy(image: np.ndarray) -> np.ndarray:
    g = np.asarray(image, np.float32)
    gx = np.zeros_like(g)
    gy = np.zeros_like(g)
    gx[:, :-1] = g[:, 1:] - g[:, :-1]
    gy[:-1] = g[1:] - g[:-1]
    return (gx ** 2 + gy ** 2).sum(axis=-1)


def seam_score(image: np.ndarray, mask: np.ndarray, width: int = 2) -> float:
    """Mean gradient energy in the seam band / mean energy elsewhere. A seamless composite scores
    about what the untouched reference scores on the same band (compare the two)."""
    band = seam_band(mask, width)
    if not band.any() or band.all():
        return float("nan")
    e = gradient_energy(image)
    return float(e[band].mean() / max(e[~band].mean(), 1e-6))


def psnr(a: np.ndarray, b: np.ndarray, where: np.ndarray) -> float:
    """PSNR (dB, 8-bit peak) over pixels where `where` is true; inf when identical."""
    sel = np.asarray(where, bool)
    if not sel.any():
        return float("nan")
    d = np.asarray(a, np.float64)[sel] - np.asarray(b, np.float64)[sel]
    mse = float((d ** 2).mean())
    return float("inf") if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))
