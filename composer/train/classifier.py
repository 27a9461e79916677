"""Composer's own face-attribute classifier, the yardstick of `composer evaluate`.

A small CNN trained on the CelebA TRAIN split only, kept apart from the generator so that the
generator is never graded by a network it was trained with. It reads 64 px images (larger ones are
area-resized through `to_input`, the single path every image takes, real or generated), predicts the
40 attributes, and its penultimate layer is the feature space of the Fréchet distance and of the
diversity measure. Per-attribute decision thresholds are calibrated on the VAL split (best balanced
accuracy), so rare attributes such as Eyeglasses are neither always-off nor always-on.

Stored as safetensors + JSON (never pickle): `classifier.safetensors`, `classifier.json`.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from composer.errors import DataError, ModelError

INPUT_SIZE = 64
WEIGHTS, MANIFEST = "classifier.safetensors", "classifier.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ClassifierConfig:
    """Network shape and training recipe (CPU-friendly defaults: a few minutes on 2 threads)."""

    width: int = 24            # stem channels; the stages double them (24-48-96-192)
    feature_dim: int = 128     # penultimate layer = Fréchet / diversity feature space
    epochs: int = 5
    batch: int = 128
    lr: float = 3e-3
    weight_decay: float = 1e-4
    train_limit: Optional[int] = 16000
    threads: int = 2
    seed: int = 0

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> "ClassifierConfig":
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def _stage(cin: int, cout: int) -> nn.Sequential:
    """conv 3×3 + BN + ReLU, then a stride-2 conv 3×3 + BN + ReLU (halves the resolution)."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class AttributeNet(nn.Module):
    """64 px image in [-1,1] -> (features [B,feature_dim], logits [B,n_labels]).

    A stride-2 stem (64 -> 32 px) keeps CPU training to about a minute per epoch of 16k images."""

    def __init__(self, n_labels: int, width: int = 24, feature_dim: int = 128):
        super().__init__()
        w = width
        stem = nn.Sequential(nn.Conv2d(3, w, 3, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU(inplace=True))
        self.body = nn.Sequential(stem, _stage(w, 2 * w), _stage(2 * w, 4 * w), _stage(4 * w, 8 * w))
        self.neck = nn.Sequential(nn.Flatten(), nn.Linear(16 * 8 * w, feature_dim),
                                  nn.BatchNorm1d(feature_dim), nn.ReLU(inplace=True))
        self.head = nn.Linear(feature_dim, n_labels)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.neck(self.body(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def to_input(images: np.ndarray) -> torch.Tensor:
    """uint8 [N,S,S,3] -> float [N,3,64,64] in [-1,1] (area resize when S != 64)."""
    arr = np.ascontiguousarray(images, dtype=np.uint8)
    if not arr.flags.writeable:        # read-only views (e.g. of a cached pack): torch needs a copy
        arr = arr.copy()
    x = torch.from_numpy(arr).permute(0, 3, 1, 2).float()
    if x.shape[-1] != INPUT_SIZE or x.shape[-2] != INPUT_SIZE:
        x = F.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="area")
    return x / 127.5 - 1.0


@dataclass(frozen=True)
class Classifier:
    """A trained AttributeNet with its label names, thresholds (probability) and measurements."""

    net: AttributeNet
    label_names: tuple[str, ...]
    thresholds: np.ndarray                    # float [K], probability cut per attribute
    config: ClassifierConfig
    meta: dict = field(default_factory=dict)  # accuracies, data sizes, training time

    @torch.no_grad()
    def run(self, images: np.ndarray, batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """uint8 images [N,S,S,3] -> (probabilities [N,K], features [N,feature_dim]), float64."""
        self.net.eval()
        probs, feats = [], []
        for i in range(0, len(images), batch):
            f = self.net.features(to_input(images[i:i + batch]))
            feats.append(f.double().numpy())
            probs.append(torch.sigmoid(self.net.head(f)).double().numpy())
        return np.concatenate(probs), np.concatenate(feats)

    def predict(self, probs: np.ndarray) -> np.ndarray:
        """Probabilities [N,K] -> bool decisions [N,K] with the calibrated thresholds."""
        return probs >= self.thresholds[None, :]


def train_net(images: np.ndarray, labels: np.ndarray, cfg: ClassifierConfig,
              log: Callable[[str], None] = print) -> AttributeNet:
    """Fit an AttributeNet on uint8 images [N,S,S,3] and 0/1 labels [N,K] (BCE, flips, AdamW)."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    x_all = torch.cat([to_input(images[i:i + 1024]) for i in range(0, len(images), 1024)])
    y_all = torch.as_tensor(labels, dtype=torch.float32)
    if len(x_all) < 2:
        raise DataError("the attribute classifier needs at least 2 training images")
    batch = min(cfg.batch, len(x_all))
    net = AttributeNet(labels.shape[1], cfg.width, cfg.feature_dim)
    steps = cfg.epochs * (len(x_all) // batch)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.15)
    net.train()
    start = time.perf_counter()
    for epoch in range(cfg.epochs):
        order = rng.permutation(len(x_all))
        for i in range(0, len(order) - batch + 1, batch):
            idx = torch.from_numpy(order[i:i + batch])
            x, y = x_all[idx], y_all[idx]
            flip = torch.from_numpy(rng.random(len(idx)) < 0.5)
            x = torch.where(flip[:, None, None, None], x.flip(-1), x)
            loss = F.binary_cross_entropy_with_logits(net(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        log(f"classifier epoch {epoch + 1}/{cfg.epochs}: loss {loss.item():.4f} "
            f"({time.perf_counter() - start:.0f} s)")
    return net.eval()


def calibrate_thresholds(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per attribute, the probability cut with the best balanced accuracy on held-out data."""
    from composer.train.metrics import balanced_accuracy
    grid = np.linspace(0.02, 0.98, 49)
    out = np.full(probs.shape[1], 0.5)
    truth = labels > 0.5
    for k in range(probs.shape[1]):
        if truth[:, k].all() or not truth[:, k].any():
            continue
        scores = [balanced_accuracy(probs[:, k] >= t, truth[:, k]) for t in grid]
        out[k] = float(grid[int(np.argmax(scores))])
    return out


def save_classifier(folder: Path, clf: Classifier) -> None:
    """Weights as safetensors, everything else as JSON (written atomically)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in clf.net.state_dict().items()}, str(folder / WEIGHTS))
    doc = {"format_version": FORMAT_VERSION, "config": clf.config.to_json(), "label_names": list(clf.label_names),
           "thresholds": [float(t) for t in clf.thresholds], "meta": clf.meta}
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    os.replace(tmp, folder / MANIFEST)


def load_classifier(folder: Path, label_names: Optional[Sequence[str]] = None) -> Classifier:
    """Rebuild the net from classifier.json and load its weights strictly."""
    folder = Path(folder)
    try:
        doc = json.loads((folder / MANIFEST).read_text("utf-8"))
        cfg = ClassifierConfig.from_json(doc["config"])
        names = tuple(doc["label_names"])
        thresholds = np.asarray(doc["thresholds"], dtype=np.float64)
        if thresholds.shape != (len(names),):
            raise ValueError(f"{len(thresholds)} thresholds for {len(names)} labels")
        net = AttributeNet(len(names), cfg.width, cfg.feature_dim)
        net.load_state_dict(load_file(str(folder / WEIGHTS)), strict=True)
    except FileNotFoundError as e:
        raise ModelError(f"{e.filename or folder}: classifier file missing. Delete {folder} to retrain it.") from None
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, SafetensorError) as e:
        raise ModelError(f"{folder} holds an unreadable or mismatched classifier ({e}). "
                         f"Delete {folder} to retrain it.") from e
    if doc.get("format_version", 0) > FORMAT_VERSION:
        raise ModelError(f"{folder / MANIFEST} is a newer classifier format; update Composer or delete it.")
    if label_names is not None and tuple(label_names) != names:
        raise ModelError(f"{folder} classifies other labels than this data set's; use another --classifier "
                         "folder or delete it to retrain.")
    return Classifier(net.eval().requires_grad_(False), names, thresholds, cfg, doc.get("meta", {}))


def fit_classifier(data_folder: Path, cfg: ClassifierConfig = ClassifierConfig(),
                   log: Callable[[str], None] = print) -> Classifier:
    """Train on CelebA TRAIN, calibrate thresholds on VAL, measure per-attribute accuracy on TEST."""
    from composer.train.data import load_celeba
    from composer.train.metrics import agreement
    torch.set_num_threads(cfg.threads)
    start = time.perf_counter()
    train = load_celeba(Path(data_folder), "train", 128, cfg.train_limit)
    log(f"classifier: {len(train)} train images loaded ({time.perf_counter() - start:.0f} s)")
    net = train_net(train.images, train.labels, cfg, log)
    train_s = time.perf_counter() - start
    names = train.label_names
    del train
    clf = Classifier(net, names, np.full(len(names), 0.5), cfg)
    val = load_celeba(Path(data_folder), "val", 128)
    thresholds = calibrate_thresholds(clf.run(val.images)[0], val.labels)
    clf = Classifier(net, names, thresholds, cfg)
    test = load_celeba(Path(data_folder), "test", 128)
    per = agreement(clf.predict(clf.run(test.images)[0]), test.labels, names)
    meta = {"test_accuracy": {n: round(v["accuracy"], 4) for n, v in per.items()},
            "test_balanced_accuracy": {n: round(v["balanced_accuracy"], 4) for n, v in per.items()},
            "test_accuracy_mean": float(np.mean([v["accuracy"] for v in per.values()])),
            "test_balanced_accuracy_mean": float(np.mean([v["balanced_accuracy"] for v in per.values()])),
            "n_val": len(val), "n_test": len(test), "train_seconds": round(train_s, 1),
            "threads": cfg.threads, "splits": "fit on train, thresholds on val, measured on test"}
    log(f"classifier: test accuracy {meta['test_accuracy_mean']:.3f}, "
        f"balanced {meta['test_balanced_accuracy_mean']:.3f} ({time.perf_counter() - start:.0f} s in all)")
    return Classifier(net, names, thresholds, cfg, meta)


def ensure_classifier(folder: Path, data_folder: Path, cfg: ClassifierConfig = ClassifierConfig(),
                      log: Callable[[str], None] = print) -> Classifier:
    """Load the classifier cached in `folder`, or train it on `data_folder` and cache it there."""
    from composer.text.attributes import ATTRIBUTES
    folder = Path(folder)
    if (folder / MANIFEST).is_file():
        return load_classifier(folder, ATTRIBUTES)
    log(f"no classifier in {folder}: training one on the CelebA train split (a few minutes on CPU)")
    clf = fit_classifier(data_folder, cfg, log)
    save_classifier(folder, clf)
    log(f"classifier saved to {folder}")
    return clf
