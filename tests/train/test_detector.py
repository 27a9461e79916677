"""The real-vs-generated detector: seeded determinism, shapes, and the AUC helper (tiny random data)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from composer.train.detector import (DetectorConfig, auc, build_detector, detector_features,
                                     detector_scores, fit_detector, train_step)

TINY = DetectorConfig(width=4, feature_dim=8, epochs=2, batch=4, seed=0)


pytestmark = pytest.mark.usefixtures("one_thread")    # tests/conftest.py


def _faces(seed: int, n: int, size: int = 32, bright: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.integers(0, 200, size=(n, size, size, 3)) + bright, 0, 255).astype(np.uint8)


def test_fit_is_deterministic_for_a_seed():
    real, fake = _faces(0, 8), _faces(1, 8, bright=50)
    runs = [fit_detector(real, fake, _faces(2, 4), _faces(3, 4, bright=50), cfg, log=lambda _: None)
            for cfg in (TINY, TINY, DetectorConfig(width=4, feature_dim=8, epochs=2, batch=4, seed=1))]
    (n1, m1), (n2, m2), (n3, _) = runs
    for k, v in n1.state_dict().items():
        assert torch.equal(v, n2.state_dict()[k])
    assert {k: v for k, v in m1.items() if k != "seconds"} == {k: v for k, v in m2.items() if k != "seconds"}
    assert any(not torch.equal(v, n3.state_dict()[k]) for k, v in n1.state_dict().items())
    h = m1["held_out"]
    assert 0 <= h["accuracy"] <= 1 and 0 <= h["auc"] <= 1 and h["n_real"] == 4
    assert len(m1["held_out_accuracy_by_epoch"]) == 2
    assert detector_features(n1, real).shape == (8, 8) and detector_scores(n1, fake).shape == (8,)


def test_build_and_train_step_leave_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    net = build_detector(TINY)
    assert torch.equal(torch.rand(1), expected)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    loss = train_step(net, opt, torch.zeros(4, 3, 64, 64), torch.tensor([0.0, 1.0, 0.0, 1.0]))
    assert np.isfinite(loss)
    with pytest.raises(ValueError):
        fit_detector(_faces(0, 1), _faces(1, 4), cfg=TINY, log=lambda _: None)


def test_auc():
    assert auc(np.array([0.0, 1.0]), np.array([2.0, 3.0])) == 1.0
    assert auc(np.array([2.0, 3.0]), np.array([0.0, 1.0])) == 0.0
    assert auc(np.array([1.0, 1.0]), np.array([1.0, 1.0])) == 0.5
