"""The 2× refiner: the network, its training pieces, bundles with and without it, the engine's
G→R pipeline (and its bicubic opt-out), and the region lock at the output size."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from composer.gan.refiner import Refiner, RefinerConfig, lanczos_down2, upsample2


def _noisy(R: Refiner, seed: int = 0) -> Refiner:
    """Refiner with a non-zero last conv, so it differs from bicubic."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        R.up.weight.copy_(torch.randn(R.up.weight.shape, generator=g) * 0.05)
    return R.eval()


@pytest.mark.parametrize("size", [32, 64])
def test_shapes_and_fresh_refiner_is_bicubic(size):
    torch.manual_seed(0)
    R = Refiner(RefinerConfig(in_size=size, width=8, blocks=2)).eval()
    x = torch.rand(2, 3, size, size) * 2 - 1
    with torch.no_grad():
        y = R(x)
    assert y.shape == (2, 3, 2 * size, 2 * size)
    assert torch.equal(y, upsample2(x))
    with pytest.raises(ValueError):
        R(torch.zeros(1, 3, size + 2, size + 2))


def test_film_refiner_needs_the_sentence_and_uses_it():
    torch.manual_seed(0)
    R = _noisy(Refiner(RefinerConfig(in_size=32, width=8, blocks=1, cond_dim=6)))
    with torch.no_grad():
        for p in R.blocks[0].film.parameters():
            p.add_(0.3)
        x = torch.rand(1, 3, 32, 32)
        with pytest.raises(ValueError):
            R(x)
        a, b = R(x, torch.zeros(1, 6)), R(x, torch.ones(1, 6))
    assert a.shape == (1, 3, 64, 64) and not torch.equal(a, b)


def test_config_round_trip_and_validation():
    c = RefinerConfig(in_size=128, width=16, blocks=2)
    assert RefinerConfig.from_json(c.to_json()) == c and c.out_size == 256
    with pytest.raises(ValueError):
        RefinerConfig.from_json({**c.to_json(), "bogus": 1})
    with pytest.raises(ValueError):
        RefinerConfig(in_size=100)


def test_lanczos_down2_matches_pil():
    rng = np.random.default_rng(0)
    img = np.asarray(Image.fromarray((rng.random((16, 16, 3)) * 255).astype(np.uint8)).resize((64, 64), Image.BICUBIC))
    pil = np.asarray(Image.fromarray(img).resize((32, 32), Image.LANCZOS)).astype(np.float64)
    ours = lanczos_down2(torch.from_numpy(img.copy()).permute(2, 0, 1)[None].float())[0].permute(1, 2, 0).numpy()
    assert np.abs(np.clip(np.round(ours), 0, 255) - pil).max() <= 2
    assert np.abs(ours - pil).mean() < 0.6


def test_downsample_is_the_generator_data_resize(celeba_dir):
    from composer.train.data import load_celeba
    from composer.train.refiner import downsample_like_training
    hi, lo = load_celeba(celeba_dir, "train", 128, limit=3), load_celeba(celeba_dir, "train", 64, limit=3)
    assert np.array_equal(downsample_like_training(hi.images, 64), lo.images)


def test_training_steps_are_finite_and_change_the_refiner():
    from composer.train.refiner import PatchDiscriminator, RefinerTrainConfig, paired_step, unpaired_step
    import contextlib
    torch.manual_seed(0)
    cfg = RefinerTrainConfig(data="", out="")
    R, D = Refiner(RefinerConfig(in_size=32, width=8, blocks=1)), PatchDiscriminator(8)
    o1, o2 = torch.optim.Adam(R.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    hi = torch.rand(2, 3, 64, 64) * 2 - 1
    lo = lanczos_down2(hi).clamp(-1, 1)
    feats = lambda x: [x, F_avg(x)]  # noqa: E731
    before = R.up.weight.clone()
    t1 = paired_step(R, D, o1, o2, feats, lo, hi, cfg, contextlib.nullcontext())
    t2 = unpaired_step(R, D, o1, o2, feats, lo.flip(3), lo, hi, cfg, contextlib.nullcontext())
    assert all(np.isfinite(v) for v in {**t1, **t2}.values())
    assert not torch.equal(before, R.up.weight)


def F_avg(x):
    return torch.nn.functional.avg_pool2d(x, 2)


# --- bundles and the engine ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def refined_bundle(tiny_bundle, tmp_path_factory):
    from composer.train.refiner import attach_refiner, save_refiner
    root = tmp_path_factory.mktemp("refined")
    torch.manual_seed(1)
    save_refiner(root / "refiner", _noisy(Refiner(RefinerConfig(in_size=64, width=8, blocks=1))), {"name": "t"})
    bundle = root / "tiny-refined"
    shutil.copytree(tiny_bundle, bundle)
    attach_refiner(root / "refiner", bundle)
    return bundle


def test_attach_changes_the_bundle_hash_and_loads(tiny_bundle, refined_bundle):
    from composer.gan.bundle import bundle_sha256, load_bundle
    plain, refined = load_bundle(tiny_bundle), load_bundle(refined_bundle)
    assert plain.refiner is None and refined.refiner is not None
    assert bundle_sha256(tiny_bundle) != bundle_sha256(refined_bundle)
    (refined_bundle / "refiner.safetensors").write_bytes((refined_bundle / "refiner.safetensors").read_bytes() + b"x")
    try:
        assert bundle_sha256(refined_bundle) != refined.sha256      # the refiner's weights are hashed
    finally:
        data = (refined_bundle / "refiner.safetensors").read_bytes()[:-1]
        (refined_bundle / "refiner.safetensors").write_bytes(data)


def test_refiner_less_bundle_unchanged(tiny_engine):
    from composer.portrait import to_uint8
    assert tiny_engine.image_size == tiny_engine.generator_size == 64 and tiny_engine.stages is None
    z = tiny_engine.latents(3, 2)
    with torch.no_grad():
        direct = to_uint8(tiny_engine.model.generator(torch.from_numpy(z), tiny_engine.encode("a young man").expand(2, -1)))
    got = tiny_engine.render("a young man", z)
    assert all(np.array_equal(p.image, d) for p, d in zip(got, direct))


def test_engine_renders_g_then_r_deterministically(refined_bundle):
    from composer.engine import Engine
    from composer.portrait import to_uint8
    e = Engine.load(refined_bundle, "cpu")
    assert (e.image_size, e.generator_size, e.stages) == (128, 64, ["generator", "refiner"])
    a, b = e.candidates("a young woman, smiling", 3, 5), Engine.load(refined_bundle, "cpu").candidates(
        "a young woman, smiling", 3, 5)
    assert a[0].image.shape == (128, 128, 3)
    assert [p.sha256 for p in a] == [p.sha256 for p in b]
    off = e.with_stages(["generator", "bicubic"])
    assert off.stages == ["generator", "bicubic"] and off.with_stages(["generator", "refiner"]).refine
    z = e.latents(5, 3)
    with torch.no_grad():
        g = e.model.generator(torch.from_numpy(z), e.encode("a young woman, smiling").expand(3, -1))
    raw = off.render("a young woman, smiling", z)
    assert all(np.array_equal(p.image, q) for p, q in zip(raw, to_uint8(upsample2(g))))
    assert not np.array_equal(raw[0].image, a[0].image)


def test_lock_pastes_exact_pixels_at_the_output_size(refined_bundle):
    from composer.edit.lock import LockSettings
    from composer.edit.masks import region_mask
    from composer.engine import Engine
    e = Engine.load(refined_bundle, "cpu")
    ref = e.candidates("an older man", 1, 2)[0]
    mask = region_mask("eyes", e.image_size)
    settings = LockSettings(n_candidates=3, steps=3, seed=1)
    runs = [list(e.resynthesise("an older man, smiling", ref.z, ref.image, mask, settings))[-1].result
            for _ in range(2)]
    core = mask >= 1.0
    assert core.any()
    for img in runs[0].images:
        assert img.shape == (128, 128, 3)
        assert np.array_equal(img[core], ref.image[core])
    assert all(np.array_equal(a, b) for a, b in zip(runs[0].images, runs[1].images))
    with pytest.raises(Exception):
        list(e.resynthesise("an older man", ref.z, ref.image[::2, ::2], mask, settings))


@pytest.mark.parametrize("stages", [["generator", "refiner"], ["generator", "bicubic"]])
def test_case_with_refiner_reproduces_bit_identically(refined_bundle, tmp_path, stages):
    from composer.casefile.export import export_case
    from composer.casefile.record import CaseMeta
    from composer.casefile.reproduce import reproduce_case
    from composer.edit import LockSettings
    from composer.edit.masks import region_mask
    from composer.engine import Engine
    from composer.operations import Describe, Generate, Lock, Pick, Resynthesise, perform
    from composer.session import Session
    from composer.text.description import Description
    from tests.casefile.test_export_verify import fake_pdf

    engine = Engine.load(refined_bundle, "cpu").with_stages(stages)
    s = Session(tmp_path / "recovery")
    perform(Describe(Description(free_text="a smiling young man with blond hair")), engine, s)
    perform(Generate(s.caption, 2, 11), engine, s)
    perform(Pick(1), engine, s)
    chosen = s.current_portrait
    assert chosen.image.shape == (128, 128, 3)
    lock = perform(Lock(region_mask("eyes", engine.image_size), ["eyes"]), engine, s)
    perform(Resynthesise(s.caption, chosen.z, chosen.sha256, lock.inputs["mask_sha256"],
                         LockSettings(n_candidates=2, steps=2, seed=1)), engine, s)
    perform(Pick(0), engine, s)
    path, keys = tmp_path / "r.composer-case", tmp_path / "keys"
    export_case(Session.recover(s.folder), engine, CaseMeta("R-2"), path, keys_dir=keys, render_pdf=fake_pdf)
    report = reproduce_case(path, refined_bundle.parent, keys_dir=keys)
    assert report.ok, report.lines()


def test_generate_cli_writes_output_size_and_names_the_stages(refined_bundle, tmp_path):
    import json
    from composer.cli import main
    for flag, stage in (([], "refiner"), (["--no-refiner"], "bicubic")):
        out = tmp_path / stage
        assert main(["generate", "--caption", "a young man", "-n", "2", "--model", str(refined_bundle),
                     "--out", str(out)] + flag) == 0
        side = json.loads(sorted(out.glob("*.json"))[0].read_text())
        assert side["model"]["stages"] == ["generator", stage] and side["model"]["image_size"] == 128
        assert Image.open(sorted(out.glob("*.png"))[0]).size == (128, 128)


def test_gui_refiner_setting_round_trip(tmp_path):
    pytest.importorskip("PyQt5")
    from PyQt5.QtCore import QSettings
    from composer.gui.settings import SettingsStore
    store = SettingsStore(QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    assert store.load().refiner is True
    store.save(store.load().with_(refiner=False))
    assert store.load().refiner is False


def test_train_refiner_attach_only_cli(tiny_bundle, tmp_path, capsys):
    from composer.cli import main
    from composer.gan.bundle import bundle_sha256, load_bundle
    from composer.train.refiner import save_refiner
    save_refiner(tmp_path / "run" / "bundle", Refiner(RefinerConfig(in_size=64, width=8, blocks=1)), {"name": "t"})
    target = tmp_path / "models" / "tiny"
    shutil.copytree(tiny_bundle, target)
    assert main(["train-refiner", "--out", str(tmp_path / "run"), "--attach-only", "--attach-to", str(target)]) == 0
    assert bundle_sha256(target) in capsys.readouterr().out
    assert load_bundle(target).refiner is not None
    small = tmp_path / "run32" / "bundle"
    save_refiner(small, Refiner(RefinerConfig(in_size=32, width=8, blocks=1)), {"name": "t"})
    assert main(["train-refiner", "--out", str(small.parent), "--attach-only", "--attach-to", str(target)]) == 2
