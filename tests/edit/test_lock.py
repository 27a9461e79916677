"""The lock optimiser's invariants on a tiny random model: exact locked pixels, bit-exact
determinism, replay of a time-budgeted run, clean cancellation, generator untouched."""
import json

import numpy as np
import pytest
import torch

from composer.edit.lock import LockSettings, lock_optimise, resynthesise, start_latents
from composer.edit.masks import LockMask
from composer.errors import ImageError
from composer.gan.config import ModelConfig
from composer.gan.discriminator import Discriminator
from composer.gan.generator import Generator
from composer.portrait import to_uint8

FAST = dict(n_candidates=3, steps=3)


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    cfg = ModelConfig(image_size=64, ngf=8, ndf=8)
    gen, disc = Generator(cfg), Discriminator(cfg)
    with torch.no_grad():  # a trained-like model: the sentence matters, D's residual branches are on
        for block in disc.blocks:
            block.gamma.fill_(0.5)
        for name, p in gen.named_parameters():
            if ".gamma.2.weight" in name or ".beta.2.weight" in name:
                p.normal_(0.0, 0.05)
    sentence = torch.randn(1, cfg.cond_dim, generator=torch.Generator().manual_seed(1))
    z0 = torch.randn(cfg.nz, generator=torch.Generator().manual_seed(2)).numpy()
    with torch.no_grad():
        ref = to_uint8(gen(torch.randn(1, cfg.nz, generator=torch.Generator().manual_seed(3)), sentence))[0]
    mask = LockMask(("eyes", "mouth")).render(64)
    return gen, disc, sentence, z0, ref, mask


def run(model, sentence=None, **kw):
    gen, disc, s, z0, ref, mask = model
    last = None
    for last in lock_optimise(gen, s if sentence is None else sentence, z0, ref, mask, discriminator=disc,
                              settings=LockSettings(**{**FAST, **kw})):
        pass
    assert last.done and last.result is not None
    return last.result


def snapshot(module):
    return [(n, p.detach().clone(), p.requires_grad, p.grad) for n, p in module.named_parameters()]


def test_locked_core_is_exact_for_both_paste_backs(model):
    ref, mask = model[4], model[5]
    core = mask >= 1.0
    for method in ("feather", "poisson"):
        res = run(model, paste_back=method)
        assert len(res.images) == 3 and sorted(res.order) == [0, 1, 2]
        for img in res.images:
            assert img.dtype == np.uint8 and np.array_equal(img[core], ref[core])
        free = mask == 0
        assert np.abs(res.images[0][free].astype(int) - ref[free]).mean() > 1.0  # not a copy


def test_deterministic_bit_exact(model):
    a, b = run(model, seed=5), run(model, seed=5)
    assert np.array_equal(a.z, b.z) and a.region_loss == b.region_loss
    assert all(np.array_equal(x, y) for x, y in zip(a.images, b.images))
    assert not np.array_equal(a.z[1:], run(model, seed=6).z[1:])


def test_time_budget_replay_is_identical(model):
    budgeted = run(model, steps=50, time_budget_s=1e-6)
    assert budgeted.steps_run == 1
    replay = run(model, steps=budgeted.steps_run)
    assert np.array_equal(budgeted.z, replay.z)
    assert all(np.array_equal(x, y) for x, y in zip(budgeted.images, replay.images))


def test_candidate_zero_starts_at_z0(model):
    z0 = model[3]
    assert np.array_equal(run(model, steps=0).z[0], z0)
    starts = start_latents(torch.from_numpy(z0), 4, 1.0, 0)
    assert torch.equal(starts[0], torch.from_numpy(z0)) and starts.shape == (4, z0.size)


def test_loss_decreases_and_progress_reports(model):
    gen, disc, s, z0, ref, mask = model
    steps = list(lock_optimise(gen, s, z0, ref, mask, discriminator=disc, preview_every=2,
                               settings=LockSettings(n_candidates=2, steps=6, lr=0.05)))
    assert [p.step for p in steps[:-1]] == list(range(1, 7)) and all(p.total == 6 for p in steps)
    assert steps[1].images is not None and steps[0].images is None
    assert steps[-1].losses["region"] < steps[0].losses["region"]


def test_cancellation_leaves_no_state_and_generator_unchanged(model):
    gen, disc, s, z0, ref, mask = model
    before_g, before_d = snapshot(gen), snapshot(disc)
    grad_mode = torch.is_grad_enabled()
    it = lock_optimise(gen, s, z0, ref, mask, discriminator=disc,
                       settings=LockSettings(n_candidates=2, steps=10, caption_weight=0.5, precision="bf16"))
    first = next(it)
    assert not first.done and "caption" in first.losses
    assert torch.is_grad_enabled() == grad_mode and not torch.is_autocast_enabled("cpu")
    it.close()
    with torch.no_grad():
        run(model)
    for before, module in ((before_g, gen), (before_d, disc)):
        for (n, p, rg, g), (n2, p2) in zip(before, module.named_parameters()):
            assert n == n2 and torch.equal(p, p2) and p2.requires_grad == rg and p2.grad is None and g is None
    assert gen.training == Generator(gen.config).training


def test_new_sentence_keeps_locked_region(model):
    gen, disc, s, z0, ref, mask = model
    other = torch.randn(1, s.shape[1], generator=torch.Generator().manual_seed(9))
    res = None
    for p in resynthesise(gen, other, z0, ref, mask, discriminator=disc, settings=LockSettings(**FAST)):
        res = p.result
    core = mask >= 1.0
    assert all(np.array_equal(img[core], ref[core]) for img in res.images)
    same = run(model)
    assert not np.array_equal(res.raw_images[0], same.raw_images[0])


def test_feature_extractor_choices(model):
    for kind in ("discriminator", "random_conv", "pixel"):
        res = run(model, features=kind, n_candidates=1, steps=1)
        assert np.isfinite(res.region_loss).all()


def test_bad_inputs_raise_clear_errors(model):
    gen, disc, s, z0, ref, mask = model
    with pytest.raises(ImageError, match="nothing is locked"):
        next(lock_optimise(gen, s, z0, ref, np.zeros_like(mask), settings=LockSettings(**FAST)))
    with pytest.raises(ImageError, match="64×64"):
        next(lock_optimise(gen, s, z0, ref[:32], mask, settings=LockSettings(**FAST)))
    with pytest.raises(ValueError):
        LockSettings(paste_back="glue")


def test_settings_json_round_trip():
    s = LockSettings(n_candidates=4, time_budget_s=2.5, paste_back="poisson", caption_weight=0.2)
    assert LockSettings.from_json(json.loads(json.dumps(s.to_json()))) == s
    assert LockSettings.from_json({"steps": 7}).steps == 7
    with pytest.raises(ValueError):
        LockSettings.from_json({"nonsense": 1})


def test_generator_window_is_the_crop_of_the_full_image(model):
    gen = model[0]
    z = torch.randn(2, gen.config.nz, generator=torch.Generator().manual_seed(5))
    s = model[2]
    with torch.no_grad():
        full = gen(z, s)
        for box in [(0, 64, 0, 64), (20, 44, 8, 56), (0, 5, 0, 64), (50, 64, 57, 64), (31, 32, 31, 32)]:
            assert torch.allclose(gen.window(z, s, box), full[:, :, box[0]:box[1], box[2]:box[3]], atol=1e-6), box
        with pytest.raises(ValueError, match="not inside"):
            gen.window(z, s, (10, 70, 0, 8))


@pytest.mark.parametrize("regions", [("eyes",), ("mouth",), ("eyes", "mouth"), ("face",)])
def test_lock_window_covers_the_mask_in_whole_pyramid_steps(regions):
    from composer.edit.lock import lock_window
    mask = LockMask(regions).render(64)
    y0, y1, x0, x1 = lock_window(mask, 16)
    ys, xs = np.nonzero(mask > 0)
    assert 0 <= y0 <= ys.min() and ys.max() < y1 <= 64 and 0 <= x0 <= xs.min() and xs.max() < x1 <= 64
    assert (y1 - y0) % 16 == 0 and (x1 - x0) % 16 == 0


def test_lock_window_at_the_image_border():
    from composer.edit.lock import lock_window
    mask = np.zeros((64, 64), np.float32)
    mask[60:, 61:] = 1.0
    assert lock_window(mask, 16) == (48, 64, 48, 64)


def test_windowed_and_whole_image_runs_both_hold_the_lock(model):
    _, _, _, _, ref, mask = model
    core = mask >= 1.0
    windowed, whole = run(model, window=True), run(model, window=False)
    for res in (windowed, whole):
        assert all(np.array_equal(img[core], ref[core]) for img in res.images)
    assert not np.array_equal(windowed.z, whole.z)   # a different (cropped) feature loss
    assert np.array_equal(run(model, window=True).z, windowed.z)


def test_settings_saved_before_windows_replay_without_them():
    assert LockSettings().window is True
    assert LockSettings.from_json({"steps": 7}).window is False
    assert LockSettings.from_json(LockSettings().to_json()).window is True


def test_settings_saved_before_random_conv_default_keep_their_extractor():
    """Old case files were optimised with the discriminator's features and must replay with them."""
    assert LockSettings().features == "random_conv"
    assert LockSettings.from_json({"steps": 7}).features == "discriminator"
    assert LockSettings.from_json(LockSettings().to_json()).features == "random_conv"
