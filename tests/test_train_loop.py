"""Training loop: losses, resumable state, and 2-process data-parallel training (gloo, CPU)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from composer.gan.config import ModelConfig
from composer.gan.discriminator import Discriminator
from composer.gan.generator import Generator
from composer.train.losses import discriminator_loss, ema_update, ma_gradient_penalty

ROOT = Path(__file__).resolve().parents[1]


def tiny():
    torch.manual_seed(0)
    cfg = ModelConfig(image_size=64, ngf=4, ndf=4, emb_dim=8, hidden=8, cond_dim=16)
    return cfg, Generator(cfg), Discriminator(cfg)


def test_fusion_blocks_start_as_identity():
    cfg, G, _ = tiny()
    block = G.blocks[0].fuse1.a0
    x = torch.randn(2, block.gamma[2].out_features, 4, 4)
    assert torch.equal(block(x, torch.randn(2, cfg.nz + cfg.cond_dim)), x)


def test_ma_gp_is_zero_for_constant_critic_and_positive_otherwise():
    img = torch.randn(3, 3, 8, 8, requires_grad=True)
    sent = torch.randn(3, 4, requires_grad=True)
    assert ma_gradient_penalty((img * 0).sum((1, 2, 3)) + 1.0 + (sent * 0).sum(1), img, sent) == 0
    assert ma_gradient_penalty(img.sum((1, 2, 3)) + sent.sum(1), img, sent) > 0


def test_discriminator_loss_parts_and_grads():
    cfg, G, D = tiny()
    real = torch.rand(4, 3, 64, 64) * 2 - 1
    sent = torch.randn(4, cfg.cond_dim)
    fake = G(torch.randn(4, cfg.nz), sent)
    loss, parts = discriminator_loss(D, real, fake, sent, torch.roll(sent, 1, 0))
    loss.backward()
    assert set(parts) == {"d_real", "d_fake", "d_mis", "gp", "real_spread"}
    assert all(p.grad is not None for p in D.parameters() if p.requires_grad)
    assert all(p.grad is None for p in G.parameters())  # fakes are detached for D


def test_ema_update_moves_toward_model():
    _, G, _ = tiny()
    _, E, _ = tiny()
    with torch.no_grad():
        for p in G.parameters():
            p.add_(1.0)
    before = next(E.parameters()).clone()
    ema_update(E, G, 0.9)
    after = next(E.parameters())
    assert torch.allclose(after, before + 0.1, atol=1e-5)


def _train(args, tmp_path, nproc=1):
    data = tmp_path / "celeba"
    if not data.exists():
        data.mkdir()
        from tests.conftest import SHARED
        for f in ("celeba_attrs.csv", "celeba_meta.csv", "celeba128_shard00.npz"):
            os.symlink(SHARED / f, data / f)
    cmd = ["-m", "composer", "train", "--data", str(data), "--size", "64", "--ngf", "4", "--batch", "4",
           "--limit", "32", "--encoder-steps", "3", "--threads", "1", *args]
    if nproc > 1:
        cmd = ["-m", "torch.distributed.run", "--nproc_per_node", str(nproc), "--master_port", "29517", *cmd]
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, *cmd], capture_output=True, text=True, env=env, timeout=500)


@pytest.mark.timeout(900)
def test_resume_and_ddp(tmp_path, celeba_dir):
    run = tmp_path / "run"
    r = _train(["--out", str(run), "--steps", "2"], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads((run / "state.json").read_text())["info"]["step"] == 2
    assert json.loads((run / "settings.json").read_text())["image_size"] == 64
    r = _train(["--out", str(run), "--steps", "4"], tmp_path)  # resumes from step 2
    assert r.returncode == 0 and "resumed at step 2" in r.stdout + r.stderr
    assert json.loads((run / "state.json").read_text())["info"]["step"] == 4
    ddp = tmp_path / "ddp"
    r = _train(["--out", str(ddp), "--steps", "2", "--device", "cpu"], tmp_path, nproc=2)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "rank 1/2" in r.stdout + r.stderr
    info = json.loads((ddp / "state.json").read_text())["info"]
    assert info["images_seen"] == 2 * 4 * 2  # two processes, batch 4, two steps
    assert (ddp / "bundle" / "model.json").is_file()


@pytest.mark.timeout(600)
def test_init_from_continues_a_bundle(tmp_path, celeba_dir):
    """--init-from carries a bundle's weights, encoder and step count into a new run, which then resumes."""
    from composer.gan.bundle import load_bundle
    first = tmp_path / "first"
    assert _train(["--out", str(first), "--steps", "2"], tmp_path).returncode == 0
    base = load_bundle(first / "bundle")
    second = tmp_path / "second"
    r = _train(["--out", str(second), "--steps", "3", "--init-from", str(first / "bundle")], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"continuing {first / 'bundle'}" in r.stdout + r.stderr and "from step 2" in r.stdout + r.stderr
    cont = load_bundle(second / "bundle")
    metrics = cont.meta["metrics"]
    assert metrics["steps"] == 3 and metrics["continued_from"] == {"path": str(first / "bundle"),
                                                                    "sha256": base.sha256, "step": 2}
    assert cont.vocab.to_json() == base.vocab.to_json()
    for k, v in base.encoder.state_dict().items():  # the text encoder is the bundle's, unchanged
        assert torch.equal(cont.encoder.state_dict()[k], v)
    r = _train(["--out", str(second), "--steps", "4", "--init-from", str(first / "bundle")], tmp_path)
    assert r.returncode == 0 and "resumed at step 3" in r.stdout + r.stderr
    r = _train(["--out", str(tmp_path / "bad"), "--steps", "1", "--ngf", "8",
                "--init-from", str(first / "bundle")], tmp_path)
    assert r.returncode != 0 and "ngf 4" in r.stderr and "Traceback" not in r.stderr


def test_unreadable_data_folder(tmp_path):
    r = _train(["--out", str(tmp_path / "r"), "--steps", "1", "--data", str(tmp_path / "missing")], tmp_path)
    assert r.returncode == 2 and "does not exist" in r.stderr and "Traceback" not in r.stderr


def test_lazy_gp_step_skips_the_penalty_only():
    cfg, G, D = tiny()
    real = torch.rand(4, 3, 64, 64) * 2 - 1
    sent = torch.randn(4, cfg.cond_dim)
    fake = G(torch.randn(4, cfg.nz), sent).detach()
    with_gp, p1 = discriminator_loss(D, real.clone(), fake, sent, torch.roll(sent, 1, 0))
    without, p0 = discriminator_loss(D, real.clone(), fake, sent, torch.roll(sent, 1, 0), with_gp=False)
    assert float(p0["gp"]) == 0.0 and float(p1["gp"]) > 0.0
    assert torch.allclose(with_gp - p1["gp"], without, atol=1e-6)


def test_train_config_rejects_bad_gp_every():
    from composer.train.config import TrainConfig
    with pytest.raises(ValueError, match="gp-every"):
        TrainConfig(data="d", out="o", gp_every=0)


def test_ema_decay_warms_up_then_caps():
    from composer.train.losses import ema_decay_at
    assert ema_decay_at(0, 0.999) == pytest.approx(0.1)
    assert ema_decay_at(90, 0.999) == pytest.approx(0.91)
    assert ema_decay_at(100000, 0.999) == 0.999
    assert all(ema_decay_at(t, 0.995) <= ema_decay_at(t + 1, 0.995) for t in range(2000))


def test_trains_on_a_tag_folder_and_generates_from_its_words(tmp_path):
    """Any folder of face images with tags.csv (e.g. anime faces "blue hair red eyes") trains a
    bundle whose encoder knows the tag words, and `composer generate` uses it."""
    from PIL import Image
    folder = tmp_path / "faces"
    folder.mkdir()
    rng = np.random.default_rng(0)
    tags = ["blue hair red eyes", "pink hair green eyes", "blue hair green eyes", "black hair red eyes"]
    rows = ["file,tags"]
    for i in range(8):
        Image.fromarray(rng.integers(0, 256, (80, 72, 3), dtype=np.uint8)).save(folder / f"{i:02d}.png")
        rows.append(f"{i:02d}.png,{tags[i % 4]}")
    (folder / "tags.csv").write_text("\n".join(rows) + "\n")
    run = tmp_path / "run"
    r = _train(["--out", str(run), "--steps", "2", "--data", str(folder)], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    meta = json.loads((run / "bundle" / "model.json").read_text())
    assert {"blue", "hair", "red", "eyes", "pink"} <= set(meta["label_names"])
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    out = tmp_path / "gen"
    g = subprocess.run([sys.executable, "-m", "composer", "generate", "--model", str(run / "bundle"), "--caption",
                        "blue hair, red eyes, freckles", "-n", "2", "--out", str(out)], capture_output=True,
                       text=True, env=env, timeout=300)
    assert g.returncode == 0, g.stderr[-2000:]
    assert len(list(out.glob("*.png"))) == 2
    sidecar = json.loads(sorted(out.glob("*.json"))[0].read_text())
    assert sidecar["caption"] == "blue hair red eyes freckles"
    assert sidecar["report"]["not_understood"] == ["freckles"] and "not a tag of this model: freckles" in g.stdout
    bad = subprocess.run([sys.executable, "-m", "composer", "generate", "--model", str(run / "bundle"), "--caption",
                          "tall stranger", "--out", str(out.parent / "gen-bad")], capture_output=True, text=True, env=env, timeout=300)
    assert bad.returncode == 2 and "is a tag this model was trained on" in bad.stderr and "Traceback" not in bad.stderr
    assert not (out.parent / "gen-bad").exists()


def test_mode_seeking_term_falls_as_pairs_differ():
    """MSGAN's term is 1 / (image distance / latent distance): identical pairs score high, distinct low."""
    from composer.train.losses import mode_seeking_loss
    z_a, z_b = torch.zeros(4, 8), torch.ones(4, 8)
    same = torch.zeros(4, 3, 8, 8)
    assert float(mode_seeking_loss(same, same, z_a, z_b)) == pytest.approx(1e5)
    far = mode_seeking_loss(same, same + 1.0, z_a, z_b)
    near = mode_seeking_loss(same, same + 0.1, z_a, z_b)
    assert float(far) == pytest.approx(1.0, rel=1e-4) and float(near) == pytest.approx(10.0, rel=1e-3)


def test_generator_step_pairs_captions_for_mode_seeking():
    """With a weight, the G step repeats the first half's sentences and adds weight × the term; its
    gradient reaches G. With no weight it is the plain hinge loss, unchanged."""
    from composer.train.loop import generator_step_loss
    from composer.train.losses import generator_loss, mode_seeking_loss
    cfg, G, D = tiny()
    z, sent = torch.randn(4, cfg.nz), torch.randn(4, cfg.cond_dim)
    plain, none = generator_step_loss(G, D, z, sent, None, 0.0)
    assert none == {} and torch.allclose(plain, generator_loss(D, G(z, sent), sent))
    loss, terms = generator_step_loss(G, D, z, sent, None, 2.0)
    ms = terms["ms"]
    paired = torch.cat([sent[:2], sent[:2]])
    fake = G(z, paired)
    expect = generator_loss(D, fake, paired) + 2.0 * mode_seeking_loss(fake[:2], fake[2:], z[:2], z[2:])
    assert torch.allclose(loss, expect, rtol=1e-5) and float(ms) > 0
    G.zero_grad()
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in G.parameters())


def test_feature_diversity_is_bounded_by_the_real_spread():
    """1 for identical pairs, falling linearly with the pair's feature distance, 0 from the real photos'
    spread on (no reward for differing more than two photos do); the spread itself takes no gradient."""
    from composer.train.losses import feature_diversity_loss, feature_spread
    a = torch.zeros(4, 8, 4, 4)
    spread = torch.tensor(2.0, requires_grad=True)
    assert float(feature_diversity_loss(a, a, spread)) == pytest.approx(1.0)
    assert float(feature_diversity_loss(a, a + 1.0, spread)) == pytest.approx(0.5)
    assert float(feature_diversity_loss(a, a + 2.0, spread)) == 0.0
    assert float(feature_diversity_loss(a, a + 9.0, spread)) == 0.0
    mixed = torch.cat([a[:2], a[2:] + 9.0])   # one far pair does not pay for a look-alike pair
    assert float(feature_diversity_loss(a, mixed, spread)) == pytest.approx(0.5)
    b = torch.zeros(4, 8, 4, 4, requires_grad=True)
    feature_diversity_loss(a, b + 0.5, spread).backward()
    assert spread.grad is None and b.grad is not None and b.grad.abs().sum() > 0
    reals = torch.cat([torch.zeros(3, 2, 1, 1), torch.full((3, 2, 1, 1), 3.0)])
    assert float(feature_spread(reals)) == pytest.approx(3.0)


def test_generator_step_adds_the_feature_diversity_term():
    """The G step's feature term is computed on D's features of the paired fakes, against the D step's
    spread of real photos, and needs that spread."""
    from composer.train.loop import generator_step_loss
    from composer.train.losses import feature_diversity_loss, generator_loss
    cfg, G, D = tiny()
    z, sent = torch.randn(4, cfg.nz), torch.randn(4, cfg.cond_dim)
    spread = torch.tensor(50.0)
    loss, terms = generator_step_loss(G, D, z, sent, None, 0.0, 3.0, spread)
    assert set(terms) == {"fd"} and 0.0 < float(terms["fd"]) <= 1.0
    paired = torch.cat([sent[:2], sent[:2]])
    fake = G(z, paired)
    feats = D.features(fake)
    expect = generator_loss(D, fake, paired) + 3.0 * feature_diversity_loss(feats[:2], feats[2:], spread)
    assert torch.allclose(loss, expect, rtol=1e-5)
    both, terms = generator_step_loss(G, D, z, sent, None, 1.0, 3.0, spread)
    assert set(terms) == {"ms", "fd"} and both.item() > loss.item()
    with pytest.raises(ValueError, match="spread"):
        generator_step_loss(G, D, z, sent, None, 0.0, 1.0, None)


def test_discriminator_loss_reports_the_real_spread():
    from composer.train.losses import discriminator_loss, feature_spread
    cfg, G, D = tiny()
    real, sent = torch.rand(4, 3, cfg.image_size, cfg.image_size) * 2 - 1, torch.randn(4, cfg.cond_dim)
    fake = G(torch.randn(4, cfg.nz), sent)
    _, parts = discriminator_loss(D, real, fake, sent, torch.roll(sent, 1, 0), with_gp=False)
    assert torch.allclose(parts["real_spread"], feature_spread(D.features(real)), rtol=1e-5)
    assert float(parts["real_spread"]) > 0 and not parts["real_spread"].requires_grad


def test_train_config_checks_mode_seeking():
    from composer.train.config import TrainConfig
    with pytest.raises(ValueError, match="mode-seeking"):
        TrainConfig(data="d", out="o", mode_seeking=-1.0)
    with pytest.raises(ValueError, match="even"):
        TrainConfig(data="d", out="o", mode_seeking=1.0, batch_size=5)
    with pytest.raises(ValueError, match="feature-diversity"):
        TrainConfig(data="d", out="o", feature_diversity=-0.5)
    with pytest.raises(ValueError, match="even"):
        TrainConfig(data="d", out="o", feature_diversity=1.0, batch_size=5)


def test_cli_trains_with_mode_seeking(tmp_path, celeba_dir):
    run = tmp_path / "ms"
    r = _train(["--out", str(run), "--steps", "2", "--mode-seeking", "1"], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads((run / "settings.json").read_text())["mode_seeking"] == 1.0
    assert "ms=" in r.stderr


def test_cli_trains_with_feature_diversity(tmp_path, celeba_dir):
    run = tmp_path / "fd"
    r = _train(["--out", str(run), "--steps", "2", "--feature-diversity", "1"], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads((run / "settings.json").read_text())["feature_diversity"] == 1.0
    assert "fd=" in r.stderr and "ms=" not in r.stderr
