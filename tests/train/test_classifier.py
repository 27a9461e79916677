"""The attribute classifier: learns an easy attribute, thresholds, safe storage."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from composer.errors import ModelError
from composer.train.classifier import (Classifier, ClassifierConfig, calibrate_thresholds, load_classifier,
                                       save_classifier, to_input, train_net)

TINY = ClassifierConfig(width=8, feature_dim=16, epochs=4, batch=32, lr=5e-3, threads=2)


def colour_faces(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """32 px noise images; label 0 = reddish, label 1 = random (unlearnable)."""
    rng = np.random.default_rng(seed)
    red = rng.random(n) < 0.5
    img = rng.integers(0, 120, size=(n, 32, 32, 3)).astype(np.uint8)
    img[red, :, :, 0] += 120
    labels = np.stack([red, rng.random(n) < 0.5], 1).astype(np.float32)
    return img, labels


def test_to_input_resizes_and_scales():
    x = to_input(np.full((2, 128, 128, 3), 255, np.uint8))
    assert x.shape == (2, 3, 64, 64) and torch.allclose(x, torch.ones_like(x))
    assert to_input(np.zeros((1, 64, 64, 3), np.uint8)).min() == -1


@pytest.fixture(scope="module")
def trained() -> Classifier:
    torch.set_num_threads(2)
    img, labels = colour_faces(320, 0)
    net = train_net(img, labels, TINY, log=lambda _: None)
    return Classifier(net, ("Reddish", "Coin"), np.full(2, 0.5), TINY)


def test_learns_a_trivial_attribute(trained):
    img, labels = colour_faces(200, 1)
    probs, feats = trained.run(img)
    pred = trained.predict(probs)
    assert (pred[:, 0] == (labels[:, 0] > 0.5)).mean() > 0.95
    assert feats.shape == (200, 16) and probs.shape == (200, 2)


def test_thresholds_maximise_balanced_accuracy():
    labels = np.array([[1], [0], [0], [0], [0]], dtype=float)
    probs = np.array([[0.3], [0.1], [0.05], [0.2], [0.15]])      # positive scored highest but below 0.5
    t = calibrate_thresholds(probs, labels)[0]
    assert 0.2 < t <= 0.3
    assert calibrate_thresholds(np.full((3, 1), 0.9), np.ones((3, 1)))[0] == 0.5   # one class: default


def test_save_load_round_trip(trained, tmp_path):
    clf = Classifier(trained.net, trained.label_names, np.array([0.4, 0.6]), TINY, {"note": 1})
    save_classifier(tmp_path / "clf", clf)
    back = load_classifier(tmp_path / "clf", ("Reddish", "Coin"))
    img = colour_faces(8, 2)[0]
    assert np.array_equal(back.run(img)[0], clf.run(img)[0])
    assert back.thresholds.tolist() == [0.4, 0.6] and back.meta == {"note": 1} and back.config == TINY
    assert not list((tmp_path / "clf").glob("*.pkl"))


def test_load_errors_are_model_errors(trained, tmp_path):
    folder = tmp_path / "clf"
    with pytest.raises(ModelError, match="missing"):
        load_classifier(folder)
    save_classifier(folder, Classifier(trained.net, trained.label_names, np.full(2, 0.5), TINY))
    with pytest.raises(ModelError, match="other labels"):
        load_classifier(folder, ("Male", "Young"))
    doc = json.loads((folder / "classifier.json").read_text())
    doc["config"]["width"] = 12
    (folder / "classifier.json").write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="mismatched"):
        load_classifier(folder)
    (folder / "classifier.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelError):
        load_classifier(folder)
