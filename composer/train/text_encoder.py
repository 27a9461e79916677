"""Training and measuring the sentence encoder on captions written from attribute labels.

Objective: a linear head predicts every label from the sentence vector (BCE), and an InfoNCE term
pulls two paraphrases of the same label set together while pushing away captions that differ in a
single label (hard negatives). Both measurements the product relies on come from here: a linear
probe's accuracy on held-out captions, and the paraphrase-vs-one-attribute triplet rate.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from composer.gan.config import ModelConfig
from composer.gan.encoder import TextEncoder, batch_ids
from composer.gan.vocab import Vocabulary

CaptionFn = Callable[[Sequence[float], random.Random], str]


@dataclass(frozen=True)
class EncoderTrainConfig:
    steps: int = 3000
    batch: int = 128
    lr: float = 2e-3
    temperature: float = 0.1
    contrast_weight: float = 1.0
    seed: int = 0


def build_vocabulary(caption: CaptionFn, n_labels: int, samples: int = 40000, seed: int = 0,
                     extra: Sequence[str] = ()) -> Vocabulary:
    """Every word the caption writer can produce (random label sets cover every phrase)."""
    rng = random.Random(seed)
    texts = list(extra)
    for _ in range(samples):
        vec = [float(rng.random() < 0.5) for _ in range(n_labels)]
        texts.append(caption(vec, rng))
    return Vocabulary.build(texts)


def flip_one(vec: np.ndarray, rng: random.Random) -> np.ndarray:
    out = vec.copy()
    i = rng.randrange(len(out))
    out[i] = 1.0 - out[i]
    return out


def encode_texts(encoder: TextEncoder, vocab: Vocabulary, texts: Sequence[str], device=None) -> torch.Tensor:
    ids, lengths = batch_ids([vocab.encode(t) for t in texts], device)
    return encoder(ids, lengths)


def train_encoder(labels: np.ndarray, caption: CaptionFn, vocab: Vocabulary, model_config: ModelConfig,
                  cfg: EncoderTrainConfig, init: Optional[TextEncoder] = None) -> Iterator[tuple[int, dict, TextEncoder]]:
    """Yields (step, losses, encoder) every 50 steps and at the end; labels: [N,K] real label sets.
    `init` continues an existing encoder (a copy; the argument is not modified)."""
    torch.manual_seed(cfg.seed)
    rng = random.Random(cfg.seed)
    k = labels.shape[1]
    enc = TextEncoder(model_config, len(vocab))
    if init is not None:
        enc.load_state_dict(init.state_dict())
    enc.train().requires_grad_(True)
    head = torch.nn.Linear(model_config.cond_dim, k)
    opt = torch.optim.Adam(list(enc.parameters()) + list(head.parameters()), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, cfg.steps)
    for step in range(1, cfg.steps + 1):
        rows = [labels[rng.randrange(len(labels))] for _ in range(cfg.batch)]
        rows = [flip_one(r, rng) if rng.random() < 0.3 else r for r in rows]  # unseen combinations
        negs = [flip_one(r, rng) for r in rows]
        texts = [caption(r, rng) for r in rows] + [caption(r, rng) for r in rows] + [caption(r, rng) for r in negs]
        y = torch.tensor(np.stack(rows + rows + negs), dtype=torch.float32)
        s = encode_texts(enc, vocab, texts)
        bce = F.binary_cross_entropy_with_logits(head(s), y)
        u = F.normalize(s, dim=1)
        a, p, n = u[: cfg.batch], u[cfg.batch: 2 * cfg.batch], u[2 * cfg.batch:]
        logits = torch.cat([a @ p.T, (a * n).sum(1, keepdim=True)], dim=1) / cfg.temperature
        nce = F.cross_entropy(logits, torch.arange(cfg.batch))
        loss = bce + cfg.contrast_weight * nce
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0 or step == cfg.steps:
            yield step, {"bce": bce.item(), "nce": nce.item()}, enc


@torch.no_grad()
def measure_encoder(enc: TextEncoder, vocab: Vocabulary, caption: CaptionFn, fit_labels: np.ndarray,
                    test_labels: np.ndarray, seed: int = 1, probe_steps: int = 500) -> dict:
    """Linear-probe accuracy on held-out captions, and the paraphrase triplet rate."""
    enc.eval()
    rng = random.Random(seed)

    def embed(rows: np.ndarray) -> torch.Tensor:
        out = [encode_texts(enc, vocab, [caption(r, rng) for r in rows[i:i + 512]]) for i in range(0, len(rows), 512)]
        return torch.cat(out)

    x_fit, x_test = embed(fit_labels), embed(test_labels)
    y_fit = torch.tensor(fit_labels)
    probe = torch.nn.Linear(x_fit.shape[1], fit_labels.shape[1])
    with torch.enable_grad():
        opt = torch.optim.Adam(probe.parameters(), lr=1e-2)
        for _ in range(probe_steps):
            loss = F.binary_cross_entropy_with_logits(probe(x_fit), y_fit)
            opt.zero_grad()
            loss.backward()
            opt.step()
    pred = (probe(x_test) > 0).float().numpy()
    per_attr = (pred == test_labels).mean(0)
    anchors, pos = embed(test_labels), embed(test_labels)
    neg = embed(np.stack([flip_one(r, rng) for r in test_labels]))
    cos = lambda a, b: F.cosine_similarity(a, b, dim=1)
    triplet = (cos(anchors, pos) > cos(anchors, neg)).float().mean().item()
    return {"probe_accuracy": float(per_attr.mean()), "probe_accuracy_min_attribute": float(per_attr.min()),
            "triplet_rate": triplet, "n_fit": int(len(fit_labels)), "n_test": int(len(test_labels))}


def caption_writer(label_names: Sequence[str]) -> CaptionFn:
    """Paraphrases for CelebA's 40 attributes, or shuffled tag words for a tag folder."""
    from composer.text.attributes import ATTRIBUTES
    from composer.text.captions import paraphrase
    if tuple(label_names) == ATTRIBUTES:
        return paraphrase
    names = list(label_names)

    def tags(vec: Sequence[float], rng: random.Random) -> str:
        words = [n for n, v in zip(names, vec) if v > 0.5]
        rng.shuffle(words)
        return " ".join(words) or "face"
    return tags


def fit_text_encoder(fit_labels: np.ndarray, test_labels: np.ndarray, label_names: Sequence[str],
                     model_config: ModelConfig, cfg: EncoderTrainConfig, log=print):
    """Train, measure on held-out label sets, and return (encoder, vocab, metrics)."""
    caption = caption_writer(label_names)
    vocab = build_vocabulary(caption, len(label_names), seed=cfg.seed)
    enc = None
    for step, losses, enc in train_encoder(fit_labels, caption, vocab, model_config, cfg):
        if step % 500 == 0 or step == cfg.steps:
            log(f"encoder step {step}/{cfg.steps} bce {losses['bce']:.4f} nce {losses['nce']:.4f}")
    metrics = measure_encoder(enc, vocab, caption, fit_labels[:4000], test_labels[:2000], seed=cfg.seed + 1)
    enc.requires_grad_(False)
    return enc, vocab, metrics


def finetune_text_encoder(encoder: TextEncoder, vocab: Vocabulary, fit_labels: np.ndarray, test_labels: np.ndarray,
                          label_names: Sequence[str], model_config: ModelConfig, cfg: EncoderTrainConfig, log=print):
    """Continue a shipped encoder on today's caption templates (same vocabulary, so the generator's
    conditioning moves little); returns (encoder, metrics) measured as `fit_text_encoder` does."""
    caption = caption_writer(label_names)
    before = measure_encoder(encoder, vocab, caption, fit_labels[:4000], test_labels[:2000], seed=cfg.seed + 1)
    enc = encoder
    for step, losses, enc in train_encoder(fit_labels, caption, vocab, model_config, cfg, init=encoder):
        if step % 100 == 0 or step == cfg.steps:
            log(f"encoder fine-tune step {step}/{cfg.steps} bce {losses['bce']:.4f} nce {losses['nce']:.4f}")
    metrics = measure_encoder(enc, vocab, caption, fit_labels[:4000], test_labels[:2000], seed=cfg.seed + 1)
    metrics["before_finetune"] = {k: before[k] for k in ("probe_accuracy", "probe_accuracy_min_attribute",
                                                         "triplet_rate")}
    metrics["finetune_steps"] = cfg.steps
    enc.eval().requires_grad_(False)
    return enc, metrics
