"""Engine facade: determinism, evolve, bad input, and clear errors for broken bundles."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from composer.engine import Engine
from composer.errors import ComposerError, DescriptionError, ModelError
from composer.text.description import Description


def test_candidates_are_deterministic(tiny_engine):
    a = tiny_engine.candidates("a young man with black hair", 3, seed=7)
    b = tiny_engine.candidates("a young man with black hair", 3, seed=7)
    assert [p.sha256 for p in a] == [p.sha256 for p in b]
    assert len({p.sha256 for p in a}) == 3
    assert a[0].image.shape == (64, 64, 3) and a[0].image.dtype == np.uint8
    c = tiny_engine.candidates("a young man with black hair", 3, seed=8)
    assert a[0].sha256 != c[0].sha256


def test_render_matches_recorded_z(tiny_engine):
    first = tiny_engine.candidates("an older woman with glasses", 2, seed=1)
    again = tiny_engine.render("an older woman with glasses", np.stack([p.z for p in first]))
    assert [p.sha256 for p in again] == [p.sha256 for p in first]


def test_evolve_strength(tiny_engine):
    parent = tiny_engine.latents(3, 1)[0]
    same = tiny_engine.evolve_latents(parent, 4, seed=5, strength=0.0)
    assert np.allclose(same, parent[None], atol=1e-6)
    far = tiny_engine.evolve_latents(parent, 4, seed=5, strength=1.0)
    assert np.allclose(far, tiny_engine.latents(5, 4))
    mid = tiny_engine.evolve_latents(parent, 4, seed=5, strength=0.3)
    d_mid = np.linalg.norm(mid - parent, axis=1).mean()
    assert 0 < d_mid < np.linalg.norm(far - parent, axis=1).mean()


def test_bad_requests(tiny_engine):
    with pytest.raises(ComposerError):
        tiny_engine.candidates("a man", 0, seed=1)
    with pytest.raises(ComposerError):
        tiny_engine.candidates("a man", 1000, seed=1)
    with pytest.raises(DescriptionError):
        tiny_engine.encode("   ")
    with pytest.raises(ComposerError):
        tiny_engine.render("a man", np.full((1, tiny_engine.nz), np.nan, np.float32))
    # unknown words are reported, not dropped silently, and still render
    assert tiny_engine.caption_unknown_words("a man with zebra hair") == ["zebra"]
    assert len(tiny_engine.candidates("a man with zebra hair", 1, seed=1)) == 1


def test_describe_goes_through_schema(tiny_engine):
    interp = tiny_engine.describe(Description(free_text="blonde woman with specs, not smiling"))
    assert "blond" in interp.caption and "eyeglasses" in interp.caption
    assert not tiny_engine.caption_unknown_words(interp.caption)


def test_missing_and_corrupt_bundles(tiny_bundle, tmp_path):
    with pytest.raises(ModelError, match="does not exist"):
        Engine.load(tmp_path / "nowhere", "cpu")
    broken = tmp_path / "broken"
    shutil.copytree(tiny_bundle, broken)
    gen = sorted(broken.glob("generator*.safetensors"))[0]
    gen.write_bytes(gen.read_bytes()[: len(gen.read_bytes()) // 2])
    with pytest.raises(ModelError, match=gen.name):
        Engine.load(broken, "cpu")
    mism = tmp_path / "mismatch"
    shutil.copytree(tiny_bundle, mism)
    manifest = json.loads((mism / "model.json").read_text())
    manifest["config"]["ngf"] = 16
    (mism / "model.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="does not match"):
        Engine.load(mism, "cpu")
    (mism / "model.json").write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        Engine.load(mism, "cpu")


def test_missing_gpu_falls_back(tiny_bundle):
    import torch
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    eng = Engine.load(tiny_bundle, "cuda")
    assert eng.device.type == "cpu" and "CPU" in eng.notice


def test_sha_is_stable(tiny_engine, tiny_bundle):
    from composer.gan.bundle import bundle_sha256
    assert tiny_engine.sha256 == bundle_sha256(tiny_bundle) and len(tiny_engine.sha256) == 64


def test_sentence_cache_is_a_bounded_lru(monkeypatch):
    import types

    import torch

    import composer.engine as eng

    calls = []

    def encoder(ids, lengths):
        calls.append(ids.shape[1])
        return torch.zeros(1, 4)

    vocab = types.SimpleNamespace(encode=lambda caption: [1] * len(caption.split()))
    engine = eng.Engine(types.SimpleNamespace(vocab=vocab, encoder=encoder), None, torch.device("cpu"))
    monkeypatch.setattr(eng, "ENCODE_CACHE", 2)
    for caption in ("a", "a b", "a", "a b c", "a", "a b"):   # "a b" is dropped when "a b c" comes in
        engine.encode(caption)
    assert calls == [1, 2, 3, 2]
