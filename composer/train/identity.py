"""A small face-identity network: a measuring instrument and a simulated witness's memory.

It maps a 64 px face to a 128-d L2-normalised embedding; the cosine of two embeddings says how
alike two faces look as *people* (not as attribute sets). Trained on the CelebA official TRAIN split
only (identity column of celeba_meta.csv), with an ArcFace additive angular margin loss; measured on
verification pairs drawn from TEST identities only (same vs different person), the decision threshold
chosen on VAL identities' pairs. Never used inside generation: `bench/bench_witness.py` and
`composer.witness` use it to score portraits against a face the witness "saw".

Pure functions (`arcface_logits`, `arcface_loss`, `augment`; the verification metrics live in
`composer.train.verification`), a training loop that yields progress and resumes from `runs/` (safetensors + JSON
through `composer.train.state`, no pickle) under a minutes budget, and safetensors fp16 + model.json
for the shipped instrument (`models/identity/`). Deterministic for a seed on a fixed thread count:
the batch order depends only on (seed, epoch), the augmentation only on (seed, step).
"""
from __future__ import annotations

import csv
import json
import math
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from composer.errors import DataError, ModelError
from composer.train.classifier import to_input
from composer.train.verification import best_threshold, pair_scores, roc_auc, verification_pairs

INPUT_SIZE = 64
WEIGHTS, MANIFEST = "identity.safetensors", "model.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class IdentityConfig:
    """Network shape and training recipe (CPU, 1 thread, about an hour)."""

    width: int = 32            # stem channels; stages double them (32-64-128-256)
    embedding_dim: int = 128
    scale: float = 30.0        # ArcFace s
    margin: float = 0.3        # ArcFace m (radians), ramped in over `margin_warmup` steps
    margin_warmup: int = 600
    epochs: int = 10
    batch: int = 128
    lr: float = 3e-3
    weight_decay: float = 5e-4
    warmup_steps: int = 200
    min_images: int = 2        # identities with fewer train images are left out of the loss
    lowres_extra: bool = True  # the 64 px official-train pack joins the train faces
    crop_pad: int = 4          # random crop after reflect-padding (pixels at 64 px)
    jitter: float = 0.15       # brightness / contrast jitter amplitude
    threads: int = 1
    seed: int = 0

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> "IdentityConfig":
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def _stage(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.PReLU(cout),
        nn.Conv2d(cout, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.PReLU(cout))


class IdentityNet(nn.Module):
    """64 px image in [-1,1] -> 128-d embedding (L2-normalised by `embed`, raw from `forward`)."""

    def __init__(self, width: int = 32, embedding_dim: int = 128):
        super().__init__()
        w = width
        stem = nn.Sequential(nn.Conv2d(3, w, 3, 2, 1, bias=False), nn.BatchNorm2d(w), nn.PReLU(w))
        self.body = nn.Sequential(stem, _stage(w, 2 * w), _stage(2 * w, 4 * w), _stage(4 * w, 8 * w))
        self.neck = nn.Sequential(nn.BatchNorm2d(8 * w), nn.Dropout(0.1), nn.Flatten(),
                                  nn.Linear(16 * 8 * w, embedding_dim), nn.BatchNorm1d(embedding_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.neck(self.body(x))


# ---------------------------------------------------------------- pure functions: loss, augmentation

def arcface_logits(emb: torch.Tensor, weight: torch.Tensor, labels: torch.Tensor,
                   scale: float, margin: float) -> torch.Tensor:
    """ArcFace: s·cos(θ_y + m) for the true class, s·cos θ_j for the others.

    emb [B,D] (any norm), weight [C,D] (any norm), labels int [B]. Where θ_y + m would pass π the
    monotone CosFace-like fallback cos θ − m·sin m is used (the usual "th/mm" guard)."""
    cos = F.linear(F.normalize(emb, dim=1), F.normalize(weight, dim=1)).clamp(-1 + 1e-7, 1 - 1e-7)
    if margin == 0:
        return scale * cos
    cos_y = cos.gather(1, labels[:, None])
    sin_y = (1.0 - cos_y * cos_y).clamp_min(0).sqrt()
    target = cos_y * math.cos(margin) - sin_y * math.sin(margin)
    target = torch.where(cos_y > math.cos(math.pi - margin), target, cos_y - math.sin(math.pi - margin) * margin)
    return scale * cos.scatter(1, labels[:, None], target)


def arcface_loss(emb: torch.Tensor, weight: torch.Tensor, labels: torch.Tensor,
                 scale: float = 30.0, margin: float = 0.3) -> torch.Tensor:
    """Cross-entropy over the ArcFace logits."""
    return F.cross_entropy(arcface_logits(emb, weight, labels, scale, margin), labels)


def augment(x: torch.Tensor, gen: torch.Generator, pad: int = 4, jitter: float = 0.15) -> torch.Tensor:
    """Light augmentation of a batch in [-1,1]: horizontal flip, random crop (reflect pad), and
    per-image brightness / contrast / saturation jitter. Deterministic for the generator's state."""
    b, _, h, w = x.shape
    flip = torch.rand(b, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    if pad > 0:
        xp = F.pad(x, (pad, pad, pad, pad), mode="reflect")
        dx = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
        dy = torch.randint(0, 2 * pad + 1, (b,), generator=gen)
        x = torch.stack([xp[i, :, int(dy[i]):int(dy[i]) + h, int(dx[i]):int(dx[i]) + w] for i in range(b)])
    if jitter > 0:
        bright = (torch.rand(b, 1, 1, 1, generator=gen) * 2 - 1) * jitter
        contrast = 1 + (torch.rand(b, 1, 1, 1, generator=gen) * 2 - 1) * jitter
        sat = 1 + (torch.rand(b, 1, 1, 1, generator=gen) * 2 - 1) * jitter
        grey = x.mean(1, keepdim=True)
        x = grey + (x - grey) * sat
        mean = x.mean((1, 2, 3), keepdim=True)
        x = (x - mean) * contrast + mean + bright
        x = x.clamp(-1, 1)
    return x


def lr_at(step: int, total: int, cfg: IdentityConfig) -> float:
    """Linear warm-up then cosine decay to 1 % of the peak."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    t = min(1.0, (step - cfg.warmup_steps) / max(1, total - cfg.warmup_steps))
    return cfg.lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * t)))


# ---------------------------------------------------------------- the trained instrument

@dataclass(frozen=True)
class IdentityModel:
    """A trained IdentityNet with its verification threshold and measurements."""

    net: IdentityNet
    config: IdentityConfig
    threshold: float = 0.3                    # cosine cut for "same person", chosen on VAL pairs
    meta: dict = field(default_factory=dict)

    @torch.no_grad()
    def embed(self, images: np.ndarray, batch: int = 256, flip_tta: bool = True) -> np.ndarray:
        """uint8 images [N,S,S,3] (any S; area-resized to 64) -> L2-normalised float32 [N,D].

        With `flip_tta` the embedding is the normalised sum over the face and its mirror image."""
        self.net.eval()
        out = []
        for i in range(0, len(images), batch):
            x = to_input(images[i:i + batch])
            e = F.normalize(self.net(x), dim=1)
            if flip_tta:
                e = F.normalize(e + F.normalize(self.net(x.flip(-1)), dim=1), dim=1)
            out.append(e.float().numpy())
        if not out:
            return np.zeros((0, self.config.embedding_dim), np.float32)
        return np.concatenate(out)

    def similarity(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cosine similarity matrix [len(a), len(b)] between two uint8 image batches."""
        return self.embed(a) @ self.embed(b).T


def save_identity(folder: Path, model: IdentityModel) -> None:
    """Weights as fp16 safetensors (BN statistics and all), the rest as JSON (atomic)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sd = {}
    for k, v in model.net.state_dict().items():
        v = v.detach().cpu().contiguous()
        sd[k] = v.half() if v.is_floating_point() else v
    save_file(sd, str(folder / WEIGHTS))
    doc = {"format_version": FORMAT_VERSION, "kind": "identity-embedding", "config": model.config.to_json(),
           "threshold": float(model.threshold), "input_size": INPUT_SIZE, "meta": model.meta}
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    os.replace(tmp, folder / MANIFEST)


def load_identity(folder: Path) -> IdentityModel:
    """Rebuild the net from model.json and load its (fp16-stored) weights strictly, as float32."""
    folder = Path(folder)
    try:
        doc = json.loads((folder / MANIFEST).read_text("utf-8"))
        if doc.get("kind") != "identity-embedding":
            raise ValueError("model.json is not an identity-embedding manifest")
        cfg = IdentityConfig.from_json(doc["config"])
        net = IdentityNet(cfg.width, cfg.embedding_dim)
        sd = {k: (v.float() if v.is_floating_point() else v) for k, v in load_file(str(folder / WEIGHTS)).items()}
        net.load_state_dict(sd, strict=True)
    except FileNotFoundError as e:
        raise ModelError(f"{e.filename or folder}: identity model file missing "
                         "(train it with scripts/train_identity.py).") from None
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, SafetensorError) as e:
        raise ModelError(f"{folder} holds an unreadable or mismatched identity model ({e}).") from e
    if doc.get("format_version", 0) > FORMAT_VERSION:
        raise ModelError(f"{folder / MANIFEST} is a newer identity-model format; update Composer.")
    return IdentityModel(net.eval().requires_grad_(False), cfg, float(doc.get("threshold", 0.3)), doc.get("meta", {}))


# ---------------------------------------------------------------- data

def read_identities(folder: Path) -> dict[str, tuple[int, int]]:
    """image_id -> (partition, identity) from celeba_meta.csv."""
    path = Path(folder) / "celeba_meta.csv"
    if not path.is_file():
        raise DataError(f"{path} is missing: the identity network needs its identity column.")
    with open(path, newline="") as f:
        return {r["image_id"]: (int(r["partition"]), int(r["identity"])) for r in csv.DictReader(f)}


def load_identity_split(folder: Path, split: str, lowres_extra: bool = False,
                        limit: Optional[int] = None):
    """(uint8 images [N,64,64,3], identity ids int [N], FaceData) of one official split at 64 px."""
    from composer.train.data import load_celeba
    data = load_celeba(Path(folder), split, INPUT_SIZE, limit, lowres_extra=lowres_extra)
    meta = read_identities(folder)
    ids = np.array([meta[n][1] for n in data.ids], dtype=np.int64)
    return data.images, ids, data


# ---------------------------------------------------------------- training

@dataclass
class Progress:
    step: int
    total_steps: int
    epoch: int
    loss: float
    margin: float
    lr: float
    seconds: float
    done: bool = False


def _prepare(images: np.ndarray, identities: np.ndarray, cfg: IdentityConfig):
    """Keep identities with >= min_images faces; relabel 0..C-1. Returns (x float [N,3,64,64], y)."""
    uniq, counts = np.unique(identities, return_counts=True)
    keep_ids = uniq[counts >= cfg.min_images]
    keep = np.isin(identities, keep_ids)
    if keep.sum() < 2 or len(keep_ids) < 2:
        raise DataError("the identity network needs at least 2 identities with enough faces")
    lut = {int(v): i for i, v in enumerate(keep_ids)}
    y = torch.as_tensor([lut[int(v)] for v in identities[keep]], dtype=torch.long)
    imgs = images[keep]
    x = torch.cat([to_input(imgs[i:i + 2048]) for i in range(0, len(imgs), 2048)])
    return x, y, len(keep_ids)


def train_identity(images: np.ndarray, identities: np.ndarray, cfg: IdentityConfig,
                   run_dir: Optional[Path] = None, minutes: Optional[float] = None,
                   checkpoint_minutes: float = 5.0, result: Optional[dict] = None) -> Iterator[Progress]:
    """Fit an IdentityNet with ArcFace; yields Progress after the first step, every 20 and at the end.

    With `run_dir`, resumes from its state and checkpoints there every `checkpoint_minutes` and when
    stopping; `minutes` stops (after a checkpoint) when the budget is spent, leaving a resumable run.
    The trained net is put in `result["net"]` (a dict the caller passes) once all epochs are done."""
    torch.manual_seed(cfg.seed)
    x_all, y_all, n_classes = _prepare(images, identities, cfg)
    n = len(x_all)
    batch = min(cfg.batch, n)
    per_epoch = n // batch
    total = cfg.epochs * per_epoch
    net = IdentityNet(cfg.width, cfg.embedding_dim)
    head = nn.Linear(cfg.embedding_dim, n_classes, bias=False)
    nn.init.normal_(head.weight, std=0.01)
    params = list(net.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    step, spent = 0, 0.0
    if run_dir is not None and (Path(run_dir) / "state.json").is_file():
        from composer.train.state import load_state
        info = load_state(Path(run_dir), {"net": net, "head": head}, {"opt": opt})
        if info.get("config") != cfg.to_json() or info.get("n_images") != n:
            raise ModelError(f"{run_dir} holds a run with another recipe or data; use another run folder.")
        step, spent = int(info["step"]), float(info["seconds"])

    def checkpoint() -> None:
        if run_dir is not None:
            from composer.train.state import save_state
            save_state(Path(run_dir), {"net": net, "head": head}, {"opt": opt},
                       {"config": cfg.to_json(), "n_images": n, "n_classes": n_classes, "step": step,
                        "seconds": spent})

    start = time.perf_counter()
    last_ckpt = start
    base = spent
    net.train()
    loss_v, m = float("nan"), 0.0
    while step < total:
        epoch, k = divmod(step, per_epoch)
        order = np.random.default_rng([cfg.seed, epoch]).permutation(n)
        idx = torch.from_numpy(order[k * batch:(k + 1) * batch])
        gen = torch.Generator().manual_seed(cfg.seed * 1_000_003 + step)
        torch.manual_seed(cfg.seed * 1_000_003 + step)          # dropout: a function of the step too
        x = augment(x_all[idx], gen, cfg.crop_pad, cfg.jitter)
        m = cfg.margin * min(1.0, step / max(1, cfg.margin_warmup))
        lr = lr_at(step, total, cfg)
        for g in opt.param_groups:
            g["lr"] = lr
        loss = arcface_loss(net(x), head.weight, y_all[idx], cfg.scale, m)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        loss_v = float(loss.item())
        now = time.perf_counter()
        spent = base + now - start
        if step % 20 == 0 or step == 1:
            yield Progress(step, total, epoch, loss_v, m, lr, spent)
        if now - last_ckpt > checkpoint_minutes * 60:
            checkpoint()
            last_ckpt = now
        if minutes is not None and now - start > minutes * 60 and step < total:
            checkpoint()
            yield Progress(step, total, epoch, loss_v, m, lr, spent, done=False)
            return
    checkpoint()
    if result is not None:
        result["net"] = net.eval()
        result["seconds"] = spent
        result["n_images"] = n
        result["n_classes"] = n_classes
    yield Progress(step, total, cfg.epochs - 1, loss_v, m, lr_at(max(0, step - 1), total, cfg), spent, done=True)


def measure(model: IdentityModel, val: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray],
            seed: int = 0) -> dict:
    """Threshold on VAL pairs (best accuracy), accuracy and ROC AUC on TEST pairs (test identities)."""
    v_emb, t_emb = model.embed(val[0]), model.embed(test[0])
    v_pairs, v_same = verification_pairs(val[1], seed=seed)
    t_pairs, t_same = verification_pairs(test[1], seed=seed + 1)
    v_scores, t_scores = pair_scores(v_emb, v_pairs), pair_scores(t_emb, t_pairs)
    cut, v_acc = best_threshold(v_scores, v_same)
    return {"threshold": round(cut, 4), "val_accuracy": round(v_acc, 4), "val_auc": round(roc_auc(v_scores, v_same), 4),
            "test_accuracy": round(float(((t_scores >= cut) == t_same).mean()), 4),
            "test_auc": round(roc_auc(t_scores, t_same), 4),
            "test_best_accuracy_oracle": round(best_threshold(t_scores, t_same)[1], 4),
            "n_val_pairs": int(len(v_pairs)), "n_val_positive": int(v_same.sum()),
            "n_test_pairs": int(len(t_pairs)), "n_test_positive": int(t_same.sum()),
            "n_val_images": int(len(val[0])), "n_test_images": int(len(test[0])),
            "n_test_identities": int(len(np.unique(test[1]))),
            "pairs": "all same-identity pairs + as many random different-identity pairs, per split"}


def fit_identity(data_folder: Path, cfg: IdentityConfig = IdentityConfig(), run_dir: Optional[Path] = None,
                 minutes: Optional[float] = None, log: Callable[[str], None] = print) -> Optional[IdentityModel]:
    """Train on TRAIN (resumably), measure on VAL/TEST. Returns None when the budget ran out first."""
    torch.set_num_threads(cfg.threads)
    t0 = time.perf_counter()
    images, ids, _ = load_identity_split(data_folder, "train", cfg.lowres_extra)
    log(f"identity: {len(images)} train faces, {len(np.unique(ids))} identities "
        f"({time.perf_counter() - t0:.0f} s to load)")
    result: dict = {}
    for p in train_identity(images, ids, cfg, run_dir, minutes, result=result):
        if p.step % 100 == 0 or p.done or p.step == p.total_steps:
            log(f"identity step {p.step}/{p.total_steps} epoch {p.epoch + 1}: loss {p.loss:.3f} "
                f"m {p.margin:.2f} lr {p.lr:.2e} ({p.seconds:.0f} s)")
    if "net" not in result:
        log("identity: minutes budget spent; the run is checkpointed, run again to resume")
        return None
    del images
    val = load_identity_split(data_folder, "val")[:2]
    test = load_identity_split(data_folder, "test")[:2]
    model = IdentityModel(result["net"].requires_grad_(False), cfg)
    metrics = measure(model, val, test, cfg.seed)
    meta = {"verification": metrics, "train_seconds": round(result["seconds"], 1), "threads": cfg.threads,
            "n_train_images": result["n_images"], "n_train_identities": result["n_classes"],
            "splits": "fit on train identities; threshold on val pairs; measured on test pairs (test identities)",
            "data": "CelebA 128 px official-train faces resized to 64 (LANCZOS) + the 64 px low-res train pack",
            "loss": f"ArcFace s={cfg.scale} m={cfg.margin}", "use": "measuring instrument only; never in generation"}
    log(f"identity: test verification accuracy {metrics['test_accuracy']:.3f} at val threshold "
        f"{metrics['threshold']:.3f}, AUC {metrics['test_auc']:.3f}")
    return IdentityModel(model.net, cfg, metrics["threshold"], meta)
