"""Holistic sliders move the sentence vector (not the pixels), z fixed; exact at neutral;
deterministic; through the lock optimiser the locked pixels hold."""
import numpy as np
import pytest
import torch

from composer.edit.holistic import (HOLISTIC, HolisticSettings, attribute_captions, holistic_images,
                                    holistic_resynthesise, holistic_sentence, identity_change, outside_face)
from composer.edit.lock import LockSettings
from composer.edit.masks import LockMask
from composer.text.captions import render_caption

STATE = {"Male": True, "Young": None, "Black_Hair": True, "Smiling": False}


pytestmark = pytest.mark.usefixtures("one_thread")


def test_neutral_is_the_caption_itself(tiny_engine):
    caption = render_caption(STATE)
    s = holistic_sentence(tiny_engine, STATE, HolisticSettings())
    assert torch.equal(s, tiny_engine.encode(caption))
    z = tiny_engine.latents(4, 2)
    images = holistic_images(tiny_engine, STATE, HolisticSettings(), z)
    assert all(np.array_equal(a, p.image) for a, p in zip(images, tiny_engine.render(caption, z)))


def test_slider_moves_along_the_attribute_direction(tiny_engine):
    base = tiny_engine.encode(render_caption(STATE))
    for name, (_, attr, sign) in HOLISTIC.items():
        up = holistic_sentence(tiny_engine, STATE, HolisticSettings(**{name: 1.0})) - base
        down = holistic_sentence(tiny_engine, STATE, HolisticSettings(**{name: -0.5})) - base
        with_attr, without = attribute_captions(STATE, name)
        assert attr.replace("_", " ").lower() not in without.lower() or "not" in without
        direction = tiny_engine.encode(with_attr) - tiny_engine.encode(without)
        assert float(direction.abs().sum()) > 0
        cos = torch.nn.functional.cosine_similarity(up, sign * direction).item()
        assert cos > 0.999, name
        assert torch.allclose(down, -0.5 * up, atol=1e-6)
    age = holistic_sentence(tiny_engine, STATE, HolisticSettings(age=1.0)) - base
    older = tiny_engine.encode(render_caption({**STATE, "Young": False}))
    younger = tiny_engine.encode(render_caption({**STATE, "Young": True}))
    assert torch.nn.functional.cosine_similarity(age, older - younger).item() > 0.999   # +age = older


def test_sliders_add_and_are_deterministic(tiny_engine):
    base = tiny_engine.encode(render_caption(STATE))
    both = holistic_sentence(tiny_engine, STATE, HolisticSettings(age=0.5, smile=-1))
    a = holistic_sentence(tiny_engine, STATE, HolisticSettings(age=0.5)) - base
    b = holistic_sentence(tiny_engine, STATE, HolisticSettings(smile=-1)) - base
    assert torch.allclose(both - base, a + b, atol=1e-6)
    z = tiny_engine.latents(1, 2)
    x1 = holistic_images(tiny_engine, STATE, HolisticSettings(weight=0.7), z)
    x2 = holistic_images(tiny_engine, STATE, HolisticSettings(weight=0.7), z.copy())
    assert all(np.array_equal(p, q) for p, q in zip(x1, x2))
    # (the tiny random model barely listens to its sentence; the bench measures the real one)


def test_slider_under_a_lock_holds_the_locked_pixels(tiny_engine):
    z0 = tiny_engine.latents(2, 1)[0]
    size = tiny_engine.image_size
    reference = holistic_images(tiny_engine, STATE, HolisticSettings(), z0[None])[0]
    mask = LockMask(regions=("eyes",)).render(size)
    progress = list(holistic_resynthesise(tiny_engine, STATE, HolisticSettings(age=1.0), z0, reference, mask,
                                          LockSettings(n_candidates=2, steps=2)))
    result = progress[-1].result
    assert progress[-1].done and len(result.images) == 2
    core = mask >= 1.0
    for img in result.images:
        assert np.array_equal(img[core], reference[core])
    again = list(holistic_resynthesise(tiny_engine, STATE, HolisticSettings(age=1.0), z0, reference, mask,
                                       LockSettings(n_candidates=2, steps=2)))[-1].result
    assert all(np.array_equal(a, b) for a, b in zip(result.images, again.images))


def test_settings_and_measures():
    h = HolisticSettings(age=0.3, masculinity=-1)
    assert HolisticSettings.from_json(h.to_json()) == h and not h.neutral and HolisticSettings(smile=-0.0).neutral
    with pytest.raises(ValueError):
        HolisticSettings(age=2)
    with pytest.raises(ValueError, match="unknown holistic"):
        HolisticSettings.from_json({"beauty": 1})
    a = np.zeros((64, 64, 3), np.uint8)
    b = a.copy()
    b[0, 0] = 255
    m = identity_change(a, b)
    assert m["outside_face_px"] > 0 and m["all_px"] > 0 and "feature_dist" not in m
    assert outside_face(64)[0, 0] and not outside_face(64)[40, 32]
