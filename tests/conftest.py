"""Shared fixtures: a tiny random-weight model bundle (built once per session) and headless Qt."""
from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "celeba"


def build_tiny_bundle(path: Path, image_size: int = 64, seed: int = 0) -> str:
    """A real bundle with random weights: exercises every code path in seconds."""
    import torch

    from composer.gan.bundle import save_bundle
    from composer.gan.config import ModelConfig
    from composer.gan.discriminator import Discriminator
    from composer.gan.generator import Generator
    from composer.text.attributes import ATTRIBUTES
    from composer.text.captions import paraphrase
    from composer.gan.encoder import TextEncoder
    from composer.train.text_encoder import build_vocabulary

    torch.manual_seed(seed)
    cfg = ModelConfig(image_size=image_size, ngf=8, ndf=8, emb_dim=16, hidden=16, cond_dim=32)
    vocab = build_vocabulary(paraphrase, 40, samples=3000)
    mods = {"generator": Generator(cfg), "encoder": TextEncoder(cfg, len(vocab)), "discriminator": Discriminator(cfg)}
    return save_bundle(path, cfg, mods, vocab, {"name": "tiny-random", "label_names": list(ATTRIBUTES)},
                       dtype=torch.float32)


@pytest.fixture(scope="session")
def tiny_bundle(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("models") / "tiny"
    build_tiny_bundle(path)
    return path


@pytest.fixture(scope="session")
def tiny_engine(tiny_bundle):
    from composer.engine import Engine
    return Engine.load(tiny_bundle, "cpu")


@pytest.fixture(scope="session")
def celeba_dir() -> Path:
    if not (SHARED / "celeba_attrs.csv").is_file():
        pytest.skip("../shared/data/celeba is not present")
    return SHARED


@pytest.fixture(scope="module")
def one_thread():
    """One torch thread, restored after: two OpenMP threads on a shared 2-core box spin against other
    jobs (10x slower), and one thread is what determinism is promised for."""
    import torch
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)
