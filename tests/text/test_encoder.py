"""Sentence encoder: padding never changes a caption's vector, pooling is part of the config, and
a short training run beats the untrained encoder on the two measurements the product relies on."""
from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from composer.gan.config import ModelConfig
from composer.text.captions import paraphrase
from composer.gan.encoder import TextEncoder
from composer.train.text_encoder import (EncoderTrainConfig, build_vocabulary, encode_texts, measure_encoder,
                                         train_encoder)


def small(pool: str) -> ModelConfig:
    return ModelConfig(image_size=64, ngf=8, ndf=8, emb_dim=16, hidden=16, cond_dim=32, text_pool=pool)


@pytest.mark.parametrize("pool", ["last", "last+max"])
def test_vector_does_not_depend_on_batch_padding(pool):
    torch.manual_seed(0)
    vocab = build_vocabulary(paraphrase, 40, samples=500)
    enc = TextEncoder(small(pool), len(vocab)).eval()
    short = "a young woman with blond hair"
    long = "an older man with gray hair, a mustache and a big nose, wearing glasses and a hat, smiling"
    with torch.no_grad():
        alone = encode_texts(enc, vocab, [short])
        padded = encode_texts(enc, vocab, [long, short])[1:]
    assert torch.allclose(alone, padded, atol=1e-5)
    assert alone.shape == (1, 32)


def test_unknown_pooling_is_rejected():
    with pytest.raises(ValueError, match="text_pool"):
        small("mean")


def test_old_bundle_config_defaults_to_last_state_pooling():
    cfg = ModelConfig.from_json({"image_size": 64, "ngf": 8, "ndf": 8})
    assert cfg.text_pool == "last"


def test_short_training_improves_probe_and_triplets():
    rng = np.random.default_rng(0)
    labels = (rng.random((600, 40)) < 0.3).astype(np.float32)
    fit, held = labels[:400], labels[400:]
    vocab = build_vocabulary(paraphrase, 40, samples=2000)
    cfg = small("last+max")
    untrained = TextEncoder(cfg, len(vocab))
    torch.manual_seed(0)
    before = measure_encoder(TextEncoder(cfg, len(vocab)), vocab, paraphrase, fit, held, probe_steps=200)
    enc = None
    for _, _, enc in train_encoder(fit, paraphrase, vocab, cfg, EncoderTrainConfig(steps=100, batch=32)):
        pass
    after = measure_encoder(enc, vocab, paraphrase, fit, held, probe_steps=200)
    assert untrained is not enc
    assert after["triplet_rate"] > before["triplet_rate"] + 0.1
    assert after["probe_accuracy"] > before["probe_accuracy"]
    assert 0.0 <= after["probe_accuracy_min_attribute"] <= after["probe_accuracy"] <= 1.0


def test_paraphrases_keep_every_attribute():
    """Every present attribute is in every paraphrase (no subsampling, nothing dropped)."""
    from composer.text.attributes import ATTRIBUTES
    rng = random.Random(3)
    vec = [1.0] * len(ATTRIBUTES)
    for _ in range(20):
        text = paraphrase(vec, rng)
        for words in (("glasses", "spectacles"), ("hat", "cap"), ("bangs", "fringe"), ("necklace",),
                      ("earrings",), ("lipstick",), ("goatee",), ("smil", "grin")):
            assert any(w in text for w in words), (words, text)
    assert " , " not in text and " . " not in text
