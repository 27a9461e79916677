"""DiffAugment, lazy MA-GP with DiffAugment, every train face at 64 px, and the facial-hair captions."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from composer.gan.config import ModelConfig
from composer.gan.discriminator import Discriminator
from composer.gan.generator import Generator
from composer.text.attributes import ATTRIBUTES
from composer.text.captions import paraphrase, render_caption
from composer.train.config import TrainConfig
from composer.train.data import load_celeba
from composer.train.diffaug import DiffAugmentConfig, augmenter, cutout, diff_augment, translation
from composer.train.losses import discriminator_loss, generator_loss


def test_diffaugment_shapes_randomness_and_gradient():
    x = torch.rand(4, 3, 16, 16, requires_grad=True)
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    a, b = diff_augment(x, gen=g1), diff_augment(x, gen=g2)
    assert a.shape == x.shape and torch.equal(a, b)                       # seeded: reproducible
    assert not torch.equal(a, diff_augment(x, gen=torch.Generator().manual_seed(2)))
    a.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0                   # differentiable


def test_translation_moves_content_and_cutout_zeroes_a_square():
    x = torch.arange(64, dtype=torch.float32).reshape(1, 1, 8, 8).repeat(16, 1, 1, 1) + 1
    t = translation(x, 0.25, torch.Generator().manual_seed(0))
    assert (t == 0).any() and not torch.equal(t, x)                         # shifted, zero fill
    c = cutout(x, 0.5, torch.Generator().manual_seed(0))
    zeros = (c == 0).flatten(1).sum(1)
    assert ((zeros > 0) & (zeros <= 16)).all()                              # at most a 4x4 square
    assert torch.equal(c[c != 0], x[c != 0])


def test_policy_is_checked_and_channels_last_kept():
    with pytest.raises(ValueError, match="unknown DiffAugment policy"):
        DiffAugmentConfig(policy=("rotate",))
    with pytest.raises(ValueError):
        TrainConfig(data="d", out="o", diffaugment="color,zoom")
    x = torch.rand(2, 3, 8, 8).contiguous(memory_format=torch.channels_last)
    assert diff_augment(x).is_contiguous(memory_format=torch.channels_last)
    y = torch.rand(2, 3, 8, 8)
    assert augmenter(None)(y) is y


def _tiny():
    torch.manual_seed(0)
    cfg = ModelConfig(image_size=64, ngf=4, ndf=4, emb_dim=8, hidden=8, cond_dim=16)
    return cfg, Generator(cfg), Discriminator(cfg)


def test_augmented_d_loss_keeps_penalty_on_plain_reals_and_scales_it():
    cfg, G, D = _tiny()
    real = torch.rand(4, 3, 64, 64) * 2 - 1
    sent = torch.randn(4, cfg.cond_dim)
    fake = G(torch.randn(4, cfg.nz), sent)
    aug = augmenter(DiffAugmentConfig(), torch.Generator().manual_seed(0))
    loss1, parts1 = discriminator_loss(D, real, fake, sent, torch.roll(sent, 1, 0), augment=aug)
    loss1.backward()
    assert parts1["gp"] > 0 and all(p.grad is not None for p in D.parameters() if p.requires_grad)
    assert all(p.grad is None for p in G.parameters())
    # the penalty is taken on un-augmented reals: the same with any augmentation draw
    _, parts2 = discriminator_loss(D, real, fake, sent, torch.roll(sent, 1, 0),
                                   augment=augmenter(DiffAugmentConfig(), torch.Generator().manual_seed(5)))
    assert torch.allclose(parts1["gp"], parts2["gp"])
    # lazy regularisation: gp_scale multiplies the penalty, with_gp=False skips it
    ident = lambda x: x  # noqa: E731
    base, p = discriminator_loss(D, real, fake, sent, torch.roll(sent, 1, 0), augment=ident, gp_scale=1.0)
    scaled, _ = discriminator_loss(D, real, fake, sent, torch.roll(sent, 1, 0), augment=ident, gp_scale=4.0)
    assert torch.allclose(scaled - base, 3 * p["gp"], rtol=1e-4, atol=1e-6)
    skipped, q = discriminator_loss(D, real, fake, sent, torch.roll(sent, 1, 0), augment=ident, with_gp=False)
    assert q["gp"] == 0 and torch.allclose(skipped, base - p["gp"], rtol=1e-4, atol=1e-6)


def test_generator_loss_sees_augmented_fakes():
    cfg, G, D = _tiny()
    sent = torch.randn(2, cfg.cond_dim)
    fake = G(torch.randn(2, cfg.nz), sent)
    plain = generator_loss(D, fake, sent)
    blank = generator_loss(D, fake, sent, augment=lambda x: x * 0)
    assert not torch.allclose(plain, blank)
    blank.backward()  # gradient does not reach G through an all-zero augmentation
    assert all(p.grad is None or p.grad.abs().sum() == 0 for p in G.parameters())


def _pack(path: Path, ids: list[int], size: int, key: str = "jpeg") -> None:
    blobs = []
    for i in ids:
        buf = io.BytesIO()
        Image.fromarray(np.full((size, size, 3), i % 255, np.uint8)).save(buf, "PNG")
        blobs.append(np.frombuffer(buf.getvalue(), np.uint8))
    offsets = np.concatenate([[0], np.cumsum([len(b) for b in blobs])]).astype(np.int64)
    np.savez(path, ids=np.array(ids, np.int32), offsets=offsets, **{key: np.concatenate(blobs)})


def test_every_train_face_at_64_px_but_never_val_or_test(tmp_path):
    _pack(tmp_path / "celeba128_train_webp85.npz", [1, 2, 3], 128, "webp")
    _pack(tmp_path / "celeba64_lowres_extra.npz", [10, 11, 12], 64)   # 12 is a test face
    with open(tmp_path / "celeba_attrs.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["image_id", *ATTRIBUTES])
        for i in (1, 2, 3, 10, 11, 12):
            w.writerow([f"{i:06d}.jpg", *[0] * len(ATTRIBUTES)])
    with open(tmp_path / "celeba_meta.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["image_id", "set", "file", "index", "partition", "identity"])
        for i, part in ((1, 0), (2, 0), (3, 0), (10, 0), (11, 0), (12, 2)):
            w.writerow([f"{i:06d}.jpg", "x", "x", 0, part, i])
    both = load_celeba(tmp_path, "train", 64, lowres_extra=True)
    assert both.ids == ("000001.jpg", "000002.jpg", "000003.jpg", "000010.jpg", "000011.jpg")
    assert both.images.shape == (5, 64, 64, 3)
    assert len(load_celeba(tmp_path, "train", 64)) == 3
    assert len(load_celeba(tmp_path, "train", 128, lowres_extra=True)) == 3  # no 128 px copies of the extras


def test_facial_hair_is_named_as_labelled():
    assert render_caption({"Male": True, "Mustache": True, "No_Beard": False}) == "a man, with a mustache"
    assert render_caption({"Male": True, "Goatee": True, "No_Beard": False}) == "a man, with a goatee"
    assert render_caption({"Male": True, "No_Beard": False}) == "a man, with a beard"
    import random
    rng = random.Random(0)
    vec = [0.0] * len(ATTRIBUTES)
    vec[ATTRIBUTES.index("Male")] = vec[ATTRIBUTES.index("Mustache")] = 1.0  # No_Beard stays 0
    for _ in range(50):
        cap = paraphrase(vec, rng)
        assert "beard" not in cap.replace("no beard", "").replace("beardless", "") and "mustache" in cap or "moustache" in cap
