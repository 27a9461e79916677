"""Metrics: balanced accuracy, agreement, group means, Fréchet distance, KID, diversity, nearest sets,
washed-out portraits."""
from __future__ import annotations

import numpy as np
import pytest

from composer.train.metrics import (GROUPS, agreement, balanced_accuracy, frechet_distance,
                                    frechet_from_stats, group_scores, kernel_inception_distance, kid_ratio,
                                    mean_pairwise_distance, mmd2_unbiased, nearest_label_sets,
                                    polynomial_kernel, washed_out_rate, washed_out_share)


def test_balanced_accuracy_counts_rare_positives():
    truth = np.array([1] + [0] * 9, dtype=bool)
    never = np.zeros(10, dtype=bool)
    assert balanced_accuracy(never, truth) == pytest.approx(0.5)        # plain accuracy would be 0.9
    assert balanced_accuracy(truth, truth) == pytest.approx(1.0)
    pred = np.array([1, 1] + [0] * 8, dtype=bool)
    assert balanced_accuracy(pred, truth) == pytest.approx((1.0 + 8 / 9) / 2)
    assert balanced_accuracy(np.ones(4, bool), np.ones(4, bool)) == 1.0  # one class present
    with pytest.raises(ValueError):
        balanced_accuracy(np.ones(3, bool), np.ones(4, bool))


def test_agreement_per_attribute_and_groups():
    truth = np.array([[1, 0], [0, 0], [1, 1], [0, 1]], dtype=float)
    pred = np.array([[1, 1], [0, 1], [0, 1], [0, 0]], dtype=float)
    out = agreement(pred, truth, ("Male", "Young"))
    assert out["Male"]["accuracy"] == pytest.approx(0.75)
    assert out["Male"]["balanced_accuracy"] == pytest.approx(0.75)   # (1/2 + 2/2) / 2
    assert out["Young"]["accuracy"] == pytest.approx(0.25)
    assert out["Young"]["positives"] == 2 and out["Young"]["n"] == 4
    groups = group_scores({"Male": 0.8, "Black_Hair": 0.6, "Blond_Hair": 0.8})
    assert groups["sex"] == pytest.approx(0.8)
    assert groups["hair colour"] == pytest.approx(0.7)   # only the attributes given count
    assert "glasses" not in groups
    assert set(GROUPS) == {"sex", "age", "hair colour", "glasses", "facial hair", "smile", "hat"}
    with pytest.raises(ValueError):
        agreement(pred, truth, ("Male",))


def test_frechet_distance_properties():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(400, 6))
    b = rng.normal(size=(300, 6)) * 1.5 + 0.3
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    shifted = frechet_distance(a, a + 2.0)
    assert shifted == pytest.approx(6 * 4.0, rel=1e-6)        # mean shift only: ||2·1||² over 6 dims
    assert frechet_distance(a, b) > 0
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-9)


def test_frechet_closed_form_for_diagonal_gaussians():
    mu1, mu2 = np.zeros(3), np.array([1.0, 0.0, 2.0])
    c1, c2 = np.diag([1.0, 4.0, 9.0]), np.diag([4.0, 1.0, 1.0])
    # sum (mu diff)^2 + sum (sigma1 - sigma2)^2 for commuting covariances
    expected = 1 + 4 + (1 - 2) ** 2 + (2 - 1) ** 2 + (3 - 1) ** 2
    assert frechet_from_stats(mu1, c1, mu2, c2) == pytest.approx(expected)


def test_frechet_handles_rank_deficient_samples():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(5, 20)), rng.normal(size=(5, 20)) + 1
    d = frechet_distance(a, b)
    assert np.isfinite(d) and d > 0


def test_mean_pairwise_distance_and_nearest_sets():
    pts = np.array([[0.0, 0.0], [3.0, 4.0], [0.0, 0.0]])
    assert mean_pairwise_distance(pts) == pytest.approx((5 + 0 + 5) / 3)
    assert mean_pairwise_distance(np.ones((4, 3))) == pytest.approx(0.0)
    with pytest.raises(ValueError):
        mean_pairwise_distance(np.ones((1, 3)))
    labels = np.array([[1, 1, 0], [0, 0, 0], [1, 1, 1], [1, 0, 0]], dtype=float)
    assert list(nearest_label_sets(labels, np.array([1, 1, 0]), 3)) == [0, 2, 3]


def test_mmd2_matches_brute_force_formula():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(4, 3)), rng.normal(0.5, 1.0, size=(5, 3))
    k = lambda a, b: (float(a @ b) / 3 + 1) ** 3                             # noqa: E731
    xx = sum(k(x[i], x[j]) for i in range(4) for j in range(4) if i != j) / (4 * 3)
    yy = sum(k(y[i], y[j]) for i in range(5) for j in range(5) if i != j) / (5 * 4)
    xy = sum(k(x[i], y[j]) for i in range(4) for j in range(5)) / (4 * 5)
    assert mmd2_unbiased(x, y) == pytest.approx(xx + yy - 2 * xy, rel=1e-12)
    assert polynomial_kernel(x, y).shape == (4, 5)
    assert mmd2_unbiased(x, y) == pytest.approx(mmd2_unbiased(y, x), rel=1e-12)   # symmetric
    with pytest.raises(ValueError):
        mmd2_unbiased(x, y[:, :2])


def test_kid_is_unbiased_for_one_distribution_and_positive_for_a_shift():
    rng = np.random.default_rng(1)
    same = np.array([mmd2_unbiased(rng.normal(size=(30, 4)), rng.normal(size=(30, 4))) for _ in range(300)])
    # unbiased: the mean over repeats is 0 within its standard error (a biased V-statistic is > 0)
    assert abs(same.mean()) < 3 * same.std() / np.sqrt(len(same))
    assert (same < 0).any()                                              # so single estimates can be negative
    shifted = mmd2_unbiased(rng.normal(size=(30, 4)), rng.normal(1.0, 1.0, size=(30, 4)))
    assert shifted > 10 * same.std()


def test_kid_subsets_and_guarded_ratio():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(40, 4)), rng.normal(0.8, 1.0, size=(30, 4))
    k1, k2 = kernel_inception_distance(a, b, 5, 100, seed=3), kernel_inception_distance(a, b, 5, 100, seed=3)
    assert k1 == k2 and k1["subset_size"] == 15 and k1["subsets"] == 5      # min(100, 40 // 2, 30 // 2)
    assert k1["mean"] > 0 and k1["std"] > 0
    assert k1 != kernel_inception_distance(a, b, 5, 100, seed=4)
    assert kid_ratio({"mean": 0.6}, {"mean": 0.2, "std": 0.1}) == pytest.approx(3.0)
    # a floor at or below its own noise: the ratio is taken against the noise, never a tiny or negative floor
    assert kid_ratio({"mean": 0.6}, {"mean": -0.05, "std": 0.1}) == pytest.approx(6.0)
    assert kid_ratio({"mean": 0.6}, {"mean": 0.0, "std": 0.0}) > 0
    with pytest.raises(ValueError):
        kernel_inception_distance(a[:1], b)


def test_washed_out_counts_white_holes_in_the_face_box_only():
    rng = np.random.default_rng(0)
    faces = rng.integers(60, 200, (4, 64, 64, 3), dtype=np.uint8)     # ordinary skin, hair, background
    faces[1, :, :8] = 255                          # a white background strip beside the face: not counted
    faces[2, 20:40, 24:40] = 250                   # a white hole in the face: 320 of 1,280 box pixels
    faces[3, 20:40, 24:40] = [255, 255, 120]       # bright but not white in every channel: not counted
    share = washed_out_share(faces)
    assert share[0] == 0 and share[1] == 0 and share[3] == 0
    assert share[2] == pytest.approx(320 / (40 * 32))
    assert washed_out_rate(faces) == 0.25 and washed_out_rate(faces, share=0.3) == 0.0
    big = np.repeat(np.repeat(faces, 2, axis=1), 2, axis=2)                # the box scales with the image
    assert washed_out_share(big)[2] == pytest.approx(share[2])
    with pytest.raises(ValueError, match="N,H,W,3"):
        washed_out_share(faces[0])


def test_detail_energy_separates_luma_from_colour_detail():
    from composer.train.metrics import detail_energy
    flat = np.full((3, 8, 8, 3), 120, np.uint8)
    assert detail_energy(flat) == {"luma": 0.0, "cr": 0.0, "cb": 0.0}
    grey = np.zeros((3, 8, 8, 3), np.uint8)
    grey[:, ::2, ::2] = 200                       # grey checks: luma detail, no colour detail
    e = detail_energy(grey)
    assert e["luma"] > 1000 and e["cr"] == pytest.approx(0.0, abs=1e-6) and e["cb"] == pytest.approx(0.0, abs=1e-6)
    iso = np.full((3, 8, 8, 3), 100.0)
    iso[:, ::2, ::2, 0] += 60.0                   # red-green checks of (nearly) equal luma
    iso[:, ::2, ::2, 1] -= 60.0 * 0.299 / 0.587
    e = detail_energy(iso.round().astype(np.uint8))
    assert e["cr"] > 100 * max(e["luma"], 1e-9) and e["cr"] > 100
    with pytest.raises(ValueError, match="N,H,W,3"):
        detail_energy(np.zeros((2, 8, 8)))
