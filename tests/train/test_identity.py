"""The identity network on tiny synthetic data: shapes, the ArcFace loss, training lowers the loss,
determinism, resuming, the fp16 save/load round trip and the verification metrics."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from composer.errors import ModelError
from composer.train.identity import (IdentityConfig, IdentityModel, IdentityNet, arcface_logits, arcface_loss,
                                     augment, load_identity, save_identity, train_identity)
from composer.train.verification import best_threshold, pair_scores, roc_auc, verification_pairs

TINY = IdentityConfig(width=4, embedding_dim=8, epochs=3, batch=16, lr=5e-3, warmup_steps=2, margin_warmup=4,
                      scale=16.0, margin=0.2, threads=1)


pytestmark = pytest.mark.usefixtures("one_thread")    # tests/conftest.py


def faces(n_ids: int = 4, per: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each 'identity' is a random colour layout at 8×8 blown up to 64 px; its images add noise."""
    rng = np.random.default_rng(seed)
    images, ids = [], []
    for k in range(n_ids):
        base = rng.integers(0, 256, (8, 8, 3)).repeat(8, 0).repeat(8, 1).astype(np.float64)
        for _ in range(per):
            images.append(np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8))
            ids.append(100 + k)
    return np.stack(images), np.array(ids)


def train(cfg=TINY, run_dir=None, minutes=None):
    images, ids = faces()
    result: dict = {}
    progress = list(train_identity(images, ids, cfg, run_dir, minutes, result=result))
    return result, progress


def test_shapes_and_normalised_embeddings():
    net = IdentityNet(4, 8).eval()
    assert net(torch.zeros(3, 3, 64, 64)).shape == (3, 8)
    model = IdentityModel(net, IdentityConfig(width=4, embedding_dim=8))
    emb = model.embed(faces(2, 3)[0])
    assert emb.shape == (6, 8) and emb.dtype == np.float32
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    assert model.embed(faces(1, 2)[0][:, ::2, ::2]).shape == (2, 8)      # 32 px is resized to 64


def test_arcface_margin_lowers_only_the_true_class():
    torch.manual_seed(0)
    emb, weight, labels = torch.randn(5, 8), torch.randn(3, 8), torch.tensor([0, 1, 2, 0, 1])
    plain = arcface_logits(emb, weight, labels, 10.0, 0.0)
    cos = torch.nn.functional.normalize(emb, dim=1) @ torch.nn.functional.normalize(weight, dim=1).T
    assert torch.allclose(plain, 10 * cos, atol=1e-5)
    margin = arcface_logits(emb, weight, labels, 10.0, 0.3)
    true = torch.zeros_like(margin, dtype=torch.bool).scatter(1, labels[:, None], True)
    assert torch.equal(margin[~true], plain[~true])
    assert (margin[true] < plain[true]).all()
    theta = torch.acos(cos.gather(1, labels[:, None]).clamp(-1, 1))
    ok = theta + 0.3 < math.pi
    assert torch.allclose(margin[true][ok[:, 0]], 10 * torch.cos(theta + 0.3)[ok], atol=1e-4)
    assert arcface_loss(emb, weight, labels, 10.0, 0.3) > arcface_loss(emb, weight, labels, 10.0, 0.0)


def test_augment_is_seeded_and_keeps_range():
    x = torch.rand(4, 3, 64, 64) * 2 - 1
    a = augment(x, torch.Generator().manual_seed(3))
    b = augment(x, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and a.shape == x.shape and a.abs().max() <= 1
    assert not torch.equal(a, augment(x, torch.Generator().manual_seed(4)))


def test_training_lowers_the_loss_and_separates_identities():
    result, progress = train(IdentityConfig(**{**TINY.to_json(), "epochs": 12}))
    assert progress[-1].done and progress[-1].step == progress[-1].total_steps
    images, ids = faces()
    net = result["net"]
    head_free = IdentityModel(net, TINY)
    emb = head_free.embed(images)
    pairs, same = verification_pairs(ids, seed=0)
    assert roc_auc(pair_scores(emb, pairs), same) > 0.9
    # the loss at the end (full margin) is below the first step's (no margin yet)
    assert progress[0].step == 1 and progress[-1].loss < 0.5 * progress[0].loss


def test_training_is_deterministic_and_resumes_exactly(tmp_path):
    a, _ = train()
    b, _ = train()
    for (k, va), vb in zip(a["net"].state_dict().items(), b["net"].state_dict().values()):
        assert torch.equal(va, vb), k
    # stop after the first step (budget spent), then resume to the end: the same weights
    run = tmp_path / "run"
    first, progress = train(run_dir=run, minutes=1e-9)
    assert "net" not in first and not progress[-1].done and (run / "state.safetensors").is_file()
    resumed, progress = train(run_dir=run)
    assert progress[-1].done
    for (k, va), vb in zip(a["net"].state_dict().items(), resumed["net"].state_dict().values()):
        assert torch.allclose(va.float(), vb.float(), atol=1e-6), k
    with pytest.raises(ModelError):
        train(IdentityConfig(**{**TINY.to_json(), "seed": 5}), run_dir=run)


def test_save_load_round_trip_in_fp16(tmp_path):
    result, _ = train()
    model = IdentityModel(result["net"], TINY, 0.42, {"verification": {"test_auc": 0.5}})
    save_identity(tmp_path / "identity", model)
    from safetensors.torch import load_file
    stored = load_file(str(tmp_path / "identity" / "identity.safetensors"))
    assert all(v.dtype == torch.float16 for v in stored.values() if v.is_floating_point())
    back = load_identity(tmp_path / "identity")
    assert back.config == TINY and back.threshold == pytest.approx(0.42) and back.meta["verification"]["test_auc"] == 0.5
    images = faces(2, 3)[0]
    assert np.allclose(back.embed(images), model.embed(images), atol=2e-2)
    (tmp_path / "identity" / "identity.safetensors").write_bytes(b"junk")
    with pytest.raises(ModelError):
        load_identity(tmp_path / "identity")
    with pytest.raises(ModelError):
        load_identity(tmp_path / "nothing")


def test_verification_metrics():
    ids = np.array([1, 1, 1, 2, 2, 3])
    pairs, same = verification_pairs(ids, seed=0)
    assert same.sum() == 4 and (~same).sum() == 4
    assert all((ids[a] == ids[b]) == s for (a, b), s in zip(pairs, same))
    assert verification_pairs(ids, seed=0)[0].tolist() == pairs.tolist()
    assert roc_auc(np.array([0.9, 0.8, 0.1, 0.2]), np.array([True, True, False, False])) == 1.0
    assert roc_auc(np.array([0.5, 0.5]), np.array([True, False])) == 0.5
    cut, acc = best_threshold(np.array([0.9, 0.7, 0.4, 0.1]), np.array([True, True, False, False]))
    assert acc == 1.0 and 0.4 < cut < 0.7
