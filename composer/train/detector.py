"""A small real-vs-generated detector: an independent judge of realism for `composer evaluate`.

The attribute classifier was trained to read attributes, so its feature space forgives whatever does
not change an attribute (blotches, smeared edges, broken symmetry). This detector is trained for the
opposite question: is this face a photo or the candidate model's output? It is fitted per model on
real TRAIN faces against the model's portraits of train attribute sets, and scored on held-out real
TEST faces against NEW portraits (test attribute sets, other latent seeds). Its held-out accuracy
reads directly (50 % = indistinguishable), and its penultimate layer is a second feature space for
the Fréchet distance and KID.

Pure functions, deterministic for a seed on a fixed number of CPU threads: `build_detector`,
`train_step`, `fit_detector` (model + metrics), `detector_features`, `detector_scores`. The network
reads 64 px (larger images are area-resized through the classifier's `to_input`).
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Callable, Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from composer.train.classifier import to_input

Log = Callable[[str], None]


@dataclass(frozen=True)
class DetectorConfig:
    """Shape and recipe; the defaults train on 2,000 + 2,000 faces in a minute or two on one thread."""

    width: int = 16            # stem channels; stages double them (16-32-64-128)
    feature_dim: int = 64      # penultimate layer = the detector's FD / KID feature space
    epochs: int = 4
    batch: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-4
    seed: int = 0

    def to_json(self) -> dict:
        return asdict(self)


def _stage(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(cout, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2, inplace=True))


class DetectorNet(nn.Module):
    """64 px image in [-1,1] -> logit that it is generated (features: [B, feature_dim])."""

    def __init__(self, width: int = 16, feature_dim: int = 64):
        super().__init__()
        w = width
        stem = nn.Sequential(nn.Conv2d(3, w, 3, 2, 1, bias=False), nn.BatchNorm2d(w), nn.LeakyReLU(0.2, inplace=True))
        self.body = nn.Sequential(stem, _stage(w, 2 * w), _stage(2 * w, 4 * w), _stage(4 * w, 8 * w))
        self.neck = nn.Sequential(nn.Flatten(), nn.Linear(16 * 8 * w, feature_dim),
                                  nn.BatchNorm1d(feature_dim), nn.LeakyReLU(0.2, inplace=True))
        self.head = nn.Linear(feature_dim, 1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.neck(self.body(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).squeeze(1)


def build_detector(cfg: DetectorConfig = DetectorConfig()) -> DetectorNet:
    """A freshly initialised detector, seeded by cfg.seed without touching the global torch RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        return DetectorNet(cfg.width, cfg.feature_dim)


def train_step(net: DetectorNet, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor) -> float:
    """One BCE step on inputs x [B,3,64,64] and targets y [B] (1 = generated); returns the loss."""
    net.train()
    loss = F.binary_cross_entropy_with_logits(net(x), y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return float(loss.item())


def _inputs(images: np.ndarray) -> torch.Tensor:
    return torch.cat([to_input(images[i:i + 1024]) for i in range(0, len(images), 1024)])


@torch.no_grad()
def detector_scores(net: DetectorNet, images: np.ndarray, batch: int = 256) -> np.ndarray:
    """uint8 images [N,S,S,3] -> logits [N] (> 0: judged generated), float64."""
    net.eval()
    return np.concatenate([net(to_input(images[i:i + batch])).double().numpy()
                           for i in range(0, len(images), batch)])


@torch.no_grad()
def detector_features(net: DetectorNet, images: np.ndarray, batch: int = 256) -> np.ndarray:
    """uint8 images [N,S,S,3] -> penultimate features [N, feature_dim], float64."""
    net.eval()
    return np.concatenate([net.features(to_input(images[i:i + batch])).double().numpy()
                           for i in range(0, len(images), batch)])


def auc(real_scores: np.ndarray, fake_scores: np.ndarray) -> float:
    """P(score of a generated face > score of a real one), ties counting half (Mann-Whitney)."""
    r = np.sort(np.asarray(real_scores, dtype=np.float64))
    f = np.asarray(fake_scores, dtype=np.float64)
    below = np.searchsorted(r, f, side="left")
    ties = np.searchsorted(r, f, side="right") - below
    return float((below + 0.5 * ties).sum() / (len(r) * len(f)))


def judge(net: DetectorNet, real: np.ndarray, fake: np.ndarray) -> dict:
    """Accuracy of the detector on real and generated images (balanced: the mean of both hit rates)."""
    s_real, s_fake = detector_scores(net, real), detector_scores(net, fake)
    hit_real, hit_fake = float((s_real <= 0).mean()), float((s_fake > 0).mean())
    return {"accuracy": (hit_real + hit_fake) / 2, "real_called_real": hit_real,
            "generated_called_generated": hit_fake, "auc": auc(s_real, s_fake),
            "n_real": int(len(real)), "n_generated": int(len(fake))}


def fit_detector(real_train: np.ndarray, fake_train: np.ndarray, real_test: Optional[np.ndarray] = None,
                 fake_test: Optional[np.ndarray] = None, cfg: DetectorConfig = DetectorConfig(),
                 log: Log = print) -> tuple[DetectorNet, dict]:
    """Train a detector on uint8 real [N,S,S,3] (label 0) against generated [M,S,S,3] (label 1) with
    AdamW, a one-cycle schedule and horizontal flips; with held-out sets, also judge it on them.

    Returns (the net in eval mode, metrics: train and held-out accuracy, AUC, held-out accuracy after
    each epoch, final loss, seconds)."""
    if len(real_train) < 2 or len(fake_train) < 2:
        raise ValueError("the detector needs at least 2 real and 2 generated training images")
    start = time.perf_counter()
    rng = np.random.default_rng(cfg.seed)
    x_all = torch.cat([_inputs(real_train), _inputs(fake_train)])
    y_all = torch.cat([torch.zeros(len(real_train)), torch.ones(len(fake_train))])
    batch = min(cfg.batch, len(x_all))
    per_epoch = len(x_all) // batch
    net = build_detector(cfg)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=max(1, cfg.epochs * per_epoch),
                                                pct_start=0.15)
    loss, by_epoch = float("nan"), []
    for epoch in range(cfg.epochs):
        order = rng.permutation(len(x_all))
        for i in range(0, per_epoch * batch, batch):
            idx = torch.from_numpy(order[i:i + batch])
            flip = torch.from_numpy(rng.random(len(idx)) < 0.5)
            x = x_all[idx]
            loss = train_step(net, opt, torch.where(flip[:, None, None, None], x.flip(-1), x), y_all[idx])
            sched.step()
        held = ""
        if real_test is not None and fake_test is not None:
            by_epoch.append(judge(net, real_test, fake_test))
            held = f", held-out accuracy {by_epoch[-1]['accuracy']:.3f}"
        log(f"detector epoch {epoch + 1}/{cfg.epochs}: loss {loss:.4f}{held} ({time.perf_counter() - start:.0f} s)")
    net.eval()
    metrics = {"config": cfg.to_json(), "train_loss": loss, "n_train_real": int(len(real_train)),
               "n_train_generated": int(len(fake_train)), "train": judge(net, real_train, fake_train)}
    if by_epoch:
        # the final judge, and the accuracy after each epoch: a weaker, earlier judge that still moves
        # when the final one saturates near 100 %
        metrics["held_out"] = by_epoch[-1]
        metrics["held_out_accuracy_by_epoch"] = [round(j["accuracy"], 4) for j in by_epoch]
    metrics["seconds"] = round(time.perf_counter() - start, 1)
    return net, metrics
