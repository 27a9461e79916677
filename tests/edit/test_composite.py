"""Paste-back keeps the locked core exact; seam score and PSNR behave."""
import numpy as np
import pytest

from composer.edit.composite import feather_blend, paste_back, poisson_blend, psnr, seam_band, seam_score
from composer.edit.masks import LockMask, Stroke


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:64, 0:64]
    ref = np.stack([xx * 3, yy * 3, (xx + yy) * 2], -1).clip(0, 255).astype(np.uint8)
    gen = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    mask = LockMask(("eyes",), (Stroke(0.0, 0.5, 0.1),)).render(64)  # also touches the left border
    return gen, ref, mask


@pytest.mark.parametrize("method", ["feather", "poisson"])
def test_core_exact_and_outside_generated(pair, method):
    gen, ref, mask = pair
    out = paste_back(gen, ref, mask, method)
    assert out.dtype == np.uint8 and out.shape == ref.shape
    core = mask >= 1.0
    assert np.array_equal(out[core], ref[core])
    if method == "feather":
        assert np.array_equal(out[mask == 0], gen[mask == 0])
    assert psnr(out, ref, core) == float("inf")


def test_poisson_follows_generated_gradients_away_from_lock(pair):
    gen, ref, mask = pair
    flat = np.full_like(gen, 90)
    out = poisson_blend(flat, ref, mask)
    far = mask == 0
    far[:, :20] = False
    # a flat generated image stays flat (its gradients are zero) except near the lock boundary
    assert np.abs(np.diff(out[far.nonzero()[0].min():, 40:].astype(int), axis=1)).mean() < 3


def test_seam_score_detects_hard_seams(pair):
    gen, ref, mask = pair
    hard = LockMask(("eyes",), feather=0.0).render(64)
    white = np.full_like(ref, 255)
    black = np.zeros_like(ref)
    bad = np.where(hard[..., None] >= 1, white, black).astype(np.uint8)
    assert seam_score(bad, hard) > 10 * max(seam_score(ref, hard), 1e-3)
    assert seam_band(hard).sum() > 0
    smooth = feather_blend(black, white, LockMask(("eyes",), feather=0.05).render(64))
    assert seam_score(smooth, hard) < seam_score(bad, hard)


def test_psnr_values():
    a = np.zeros((4, 4, 3), np.uint8)
    b = a.copy()
    b[0, 0, 0] = 255
    sel = np.ones((4, 4), bool)
    assert psnr(a, a, sel) == float("inf")
    assert psnr(a, b, sel) == pytest.approx(10 * np.log10(48), rel=1e-6)
