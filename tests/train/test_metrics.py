"""Metrics: balanced accuracy, agreement, group means, Fréchet distance, diversity, nearest sets."""
from __future__ import annotations

import numpy as np
import pytest

from composer.train.metrics import (GROUPS, agreement, balanced_accuracy, frechet_distance,
                                    frechet_from_stats, group_scores, mean_pairwise_distance,
                                    nearest_label_sets)


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
