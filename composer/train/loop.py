"""The DF-GAN training loop: data on the device, frozen sentence encoder, hinge + MA-GP steps,
EMA generator, time budget, resumable checkpoints, per-epoch sample grids, bundle export.

Multi-process training runs under torchrun: each process samples its own batches and gradients are
averaged with all_reduce before every optimiser step (data parallelism, as DDP does, written out so
the matching-aware gradient penalty's double backward needs no DDP special-casing). Rank checks live
in `Dist` alone.
"""
from __future__ import annotations

import json
import math
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch
import torch.distributed as dist
from PIL import Image
from safetensors.torch import load_file, save_file
from tqdm import tqdm

from composer.errors import ModelError
from composer.gan.bundle import LoadedModel, load_bundle, save_bundle
from composer.gan.config import ModelConfig
from composer.gan.discriminator import Discriminator
from composer.gan.generator import Generator
from composer.gan.encoder import TextEncoder
from composer.gan.vocab import Vocabulary
from composer.train.config import TrainConfig
from composer.train.data import FaceData, load_celeba_labels, load_faces
from composer.train.diffaug import DiffAugmentConfig, augmenter
from composer.train.losses import (discriminator_loss, ema_decay_at, ema_update, feature_diversity_loss,
                                   generator_hinge, generator_loss, mode_seeking_loss)
from composer.train.state import load_state, save_state
from composer.train.text_encoder import (EncoderTrainConfig, caption_writer, encode_texts,
                                         finetune_text_encoder, fit_text_encoder)

RARE = {"Eyeglasses": 0.066, "Bald": 0.023, "Gray_Hair": 0.044, "Mustache": 0.041,
        "Wearing_Hat": 0.048, "Goatee": 0.064}
SAMPLE_STATES = [  # fixed captions of the sample grid: sex, age, hair, glasses, beard, smile
    {"Male": True, "Young": True, "Black_Hair": True, "Smiling": True},
    {"Male": False, "Young": True, "Blond_Hair": True, "Wavy_Hair": True, "Wearing_Lipstick": True},
    {"Male": True, "Young": False, "Gray_Hair": True, "Eyeglasses": True},
    {"Male": True, "Young": True, "Brown_Hair": True, "No_Beard": False, "Goatee": True, "Mustache": True},
    {"Male": False, "Young": False, "Black_Hair": True, "Eyeglasses": True, "Smiling": True},
    {"Male": True, "Young": False, "Bald": True, "No_Beard": False, "Mustache": True},
    {"Male": False, "Young": True, "Brown_Hair": True, "Bangs": True, "Smiling": True},
    {"Male": True, "Young": True, "Wearing_Hat": True, "5_o_Clock_Shadow": True},
]


@dataclass(frozen=True)
class Dist:
    rank: int = 0
    world: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    @classmethod
    def from_env(cls, device: torch.device) -> "Dist":
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world == 1:
            return cls()
        if not dist.is_initialized():
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        return cls(dist.get_rank(), world)

    def broadcast(self, module: torch.nn.Module) -> None:
        if self.world > 1:
            for p in module.state_dict().values():
                dist.broadcast(p, 0)

    def average_grads(self, module: torch.nn.Module) -> None:
        if self.world > 1:
            for p in module.parameters():
                if p.grad is not None:
                    dist.all_reduce(p.grad)
                    p.grad /= self.world

    def barrier(self) -> None:
        if self.world > 1:
            dist.barrier()


def resolve_device(name: str) -> torch.device:
    """The engine's device choice, but a training run refuses to fall back silently to the CPU."""
    from composer.engine import resolve_device as choose
    device, notice = choose(name)
    if notice:
        raise RuntimeError(f"{notice.split(':')[0]}; pass --device cpu to train on the CPU.")
    return device


def balance_weights(data: FaceData) -> np.ndarray:
    """Sampling weight per image: rare attributes drawn as if at least ~15% of the data."""
    w = np.ones(len(data), dtype=np.float64)
    for name, rate in RARE.items():
        if name in data.label_names:
            col = data.labels[:, data.label_names.index(name)] > 0.5
            freq = max(col.mean(), 1e-4) if col.any() else rate
            w = np.where(col, np.maximum(w, min(0.15 / freq, 4.0)), w)
    return w / w.sum()


def sample_captions(data: FaceData) -> list[str]:
    from composer.text.captions import render_caption
    if data.kind == "celeba":
        return [render_caption(s) for s in SAMPLE_STATES]
    writer, rng = caption_writer(data.label_names), random.Random(0)
    return [writer(data.labels[i], rng) for i in range(min(8, len(data)))]


def save_grid(images: torch.Tensor, rows: int, path: Path) -> None:
    x = ((images.float().clamp(-1, 1) + 1) * 127.5).round().byte().cpu()
    n, _, h, w = x.shape
    cols = math.ceil(n / rows)
    grid = torch.zeros(3, rows * h, cols * w, dtype=torch.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        grid[:, r * h:(r + 1) * h, c * w:(c + 1) * w] = x[i]
    Image.fromarray(grid.permute(1, 2, 0).numpy()).save(path)


def _model_config(cfg: TrainConfig) -> ModelConfig:
    """The model's shapes; a pre-trained encoder folder decides the sentence pooling."""
    pool = cfg.text_pool
    if cfg.encoder and (Path(cfg.encoder) / "encoder.json").is_file():
        saved = json.loads((Path(cfg.encoder) / "encoder.json").read_text("utf-8")).get("config", {})
        pool = saved.get("text_pool", "last")
    return ModelConfig(image_size=cfg.image_size, ngf=cfg.ngf, ndf=cfg.ndf, text_pool=pool)


def _encoder_labels(cfg: TrainConfig, data: FaceData) -> tuple[np.ndarray, np.ndarray]:
    """Label sets the text encoder is fitted on and measured against: CelebA's train and test
    splits, or a tag folder's own labels for both."""
    if data.kind == "celeba":
        return load_celeba_labels(Path(cfg.data), "train"), load_celeba_labels(Path(cfg.data), "test")
    return data.labels, data.labels


def prepare_encoder(cfg: TrainConfig, data: FaceData, mcfg: ModelConfig, d: Dist, log) -> tuple[TextEncoder, Vocabulary, dict]:
    folder = Path(cfg.encoder) if cfg.encoder else Path(cfg.out) / "encoder"
    if not (folder / "encoder.json").is_file():
        if cfg.encoder:
            raise FileNotFoundError(f"{folder / 'encoder.json'} not found (--encoder)")
        if d.main:
            log("training the text encoder on captions written from the labels")
            fit, held = _encoder_labels(cfg, data)
            enc, vocab, metrics = fit_text_encoder(fit, held, data.label_names, mcfg,
                                                   EncoderTrainConfig(steps=cfg.encoder_steps, batch=64, seed=cfg.seed), log)
            save_encoder(folder, enc, vocab, metrics, mcfg)
        d.barrier()
    meta = json.loads((folder / "encoder.json").read_text("utf-8"))
    m = meta.get("metrics", {})
    if m:
        log(f"text encoder ({folder}): held-out linear probe {m['probe_accuracy']:.4f} (weakest attribute "
            f"{m['probe_accuracy_min_attribute']:.4f}), paraphrase triplets {m['triplet_rate']:.4f}")
    vocab = Vocabulary.from_json(meta["vocab"])
    ecfg = ModelConfig.from_json(meta["config"])
    if (ecfg.emb_dim, ecfg.hidden, ecfg.cond_dim, ecfg.text_pool) != (mcfg.emb_dim, mcfg.hidden, mcfg.cond_dim,
                                                                      mcfg.text_pool):
        raise ValueError(f"{folder}: encoder shape does not match the model config")
    enc = TextEncoder(mcfg, len(vocab))
    enc.load_state_dict(load_file(str(folder / "encoder.safetensors")), strict=True)
    return enc.eval().requires_grad_(False), vocab, meta["metrics"]


def save_encoder(folder: Path, enc: TextEncoder, vocab: Vocabulary, metrics: dict, mcfg: ModelConfig) -> None:
    """A run's text encoder as data: encoder.safetensors + encoder.json (vocabulary, metrics, config)."""
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().contiguous() for k, v in enc.state_dict().items()},
              str(folder / "encoder.safetensors"))
    (folder / "encoder.json").write_text(json.dumps({"vocab": vocab.to_json(), "metrics": metrics,
                                                     "config": mcfg.to_json()}), "utf-8")


def continue_from(cfg: TrainConfig, data: FaceData) -> LoadedModel:
    """The bundle a run continues from (--init-from), checked against the run's shapes and labels."""
    model = load_bundle(Path(cfg.init_from), "cpu", need_discriminator=True)
    c = model.config
    if (c.image_size, c.ngf, c.ndf) != (cfg.image_size, cfg.ngf, cfg.ndf):
        raise ModelError(f"{cfg.init_from} is a {c.image_size} px model with ngf {c.ngf}, ndf {c.ndf}; this run asks "
                         f"for {cfg.image_size} px, ngf {cfg.ngf}, ndf {cfg.ndf}. Pass the bundle's --size, --ngf "
                         "and --ndf.")
    if model.label_names != data.label_names:
        raise ModelError(f"{cfg.init_from} was trained on other labels than {cfg.data} has; continue it on the "
                         "same kind of data.")
    return model


def _finetune_encoder(cfg: TrainConfig, data: FaceData, base: LoadedModel, mcfg: ModelConfig, log):
    """--encoder-finetune-steps: continue the bundle's encoder on the current caption templates."""
    fit, held = _encoder_labels(cfg, data)
    log(f"fine-tuning the continued text encoder for {cfg.encoder_finetune_steps} steps on today's captions")
    enc, metrics = finetune_text_encoder(base.encoder, base.vocab, fit, held, data.label_names, mcfg,
                                         EncoderTrainConfig(steps=cfg.encoder_finetune_steps, batch=64, lr=5e-4,
                                                            seed=cfg.seed), log)
    return enc, metrics


def _batch(images: torch.Tensor, idx: torch.Tensor, device: torch.device, channels_last: bool) -> torch.Tensor:
    """uint8 [N,S,S,3] on device -> float [B,3,S,S] in [-1,1], random horizontal flips (on device)."""
    x = images[idx.to(images.device)].to(device, non_blocking=True).permute(0, 3, 1, 2).float() / 127.5 - 1.0
    flip = torch.rand(x.shape[0], device=device) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x.contiguous()


def generator_step_loss(G, D, z: torch.Tensor, sent: torch.Tensor, augment, mode_seeking: float,
                        feature_diversity: float = 0.0, real_spread: Optional[torch.Tensor] = None
                        ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The G step's loss and its diversity terms (detached, for the progress bar).

    With a mode-seeking or feature-diversity weight, the second half of the batch repeats the first
    half's sentences with its own latents: `ms` is MSGAN's pixel-space term between the halves and
    `fd` the bounded feature-space one (`feature_diversity_loss`, measured against `real_spread`, the
    D step's distance between two real photos)."""
    if not (mode_seeking or feature_diversity):
        return generator_loss(D, G(z, sent), sent, augment), {}
    if feature_diversity and real_spread is None:
        raise ValueError("the feature-diversity term needs the real photos' spread from the D step")
    h = sent.shape[0] // 2
    sent = torch.cat([sent[:h], sent[:h]])
    fake = G(z, sent)
    feats = D.features(augment(fake) if augment is not None else fake)
    loss = generator_hinge(D, feats, sent)
    terms = {}
    if mode_seeking:
        terms["ms"] = mode_seeking_loss(fake[:h], fake[h:2 * h], z[:h], z[h:2 * h])
        loss = loss + mode_seeking * terms["ms"]
    if feature_diversity:
        terms["fd"] = feature_diversity_loss(feats[:h], feats[h:2 * h], real_spread)
        loss = loss + feature_diversity * terms["fd"]
    return loss, {k: v.detach() for k, v in terms.items()}


def train(cfg: TrainConfig, log=print) -> Path:
    """Train (or resume) a DF-GAN in cfg.out and export the bundle to cfg.out/bundle."""
    out = Path(cfg.out)
    device = resolve_device(cfg.device)
    d = Dist.from_env(device)
    if cfg.workers_threads:
        torch.set_num_threads(cfg.workers_threads)
    if d.main:
        out.mkdir(parents=True, exist_ok=True)
        (out / "settings.json").write_text(json.dumps(cfg.to_json(), indent=1), "utf-8")
    start = time.time()
    data = load_faces(Path(cfg.data), "train", cfg.image_size, cfg.limit, lowres_extra=cfg.lowres_extra)
    log(f"{len(data)} training images at {cfg.image_size} px on {device} (rank {d.rank}/{d.world})")
    resuming = (out / "state.json").is_file()
    base = continue_from(cfg, data) if cfg.init_from else None
    mcfg = base.config if base else _model_config(cfg)
    if base:  # the continued bundle's encoder becomes this run's, so a resume finds it like any other
        if d.main and not (out / "encoder" / "encoder.json").is_file():
            enc0, enc0_metrics = base.encoder, base.meta.get("metrics", {}).get("encoder", {})
            if cfg.encoder_finetune_steps:
                enc0, enc0_metrics = _finetune_encoder(cfg, data, base, mcfg, log)
            save_encoder(out / "encoder", enc0, base.vocab, enc0_metrics, mcfg)
        d.barrier()
    enc, vocab, enc_metrics = prepare_encoder(cfg, data, mcfg, d, log)
    enc = enc.to(device)
    torch.manual_seed(cfg.seed)
    G, D, G_ema = Generator(mcfg).to(device), Discriminator(mcfg).to(device), Generator(mcfg).to(device)
    if cfg.channels_last:
        G, D, G_ema = (m.to(memory_format=torch.channels_last) for m in (G, D, G_ema))
    G_ema.load_state_dict(G.state_dict())
    G_ema.requires_grad_(False)
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=cfg.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=cfg.betas)
    modules, optims = {"G": G, "D": D, "G_ema": G_ema}, {"G": opt_g, "D": opt_d}
    info = {"step": 0, "images_seen": 0, "train_seconds": 0.0}
    if resuming:
        info = load_state(out, modules, optims)
        log(f"resumed at step {info['step']}")
    elif base:
        G.load_state_dict(base.generator.state_dict())
        G_ema.load_state_dict(base.generator.state_dict())
        D.load_state_dict(base.discriminator.state_dict())
        done = base.meta.get("metrics", {})
        info = {"step": int(done.get("steps", 0)), "images_seen": int(done.get("images_seen", 0)),
                "train_seconds": float(done.get("train_seconds", 0.0)),
                "continued_from": {"path": str(cfg.init_from), "sha256": base.sha256,
                                   "step": int(done.get("steps", 0))}}
        log(f"continuing {cfg.init_from} (sha256 {base.sha256[:16]}) from step {info['step']}, fresh optimisers")
    for m in (G, D, G_ema):
        d.broadcast(m)
    images = torch.from_numpy(data.images).to(device)
    weights = torch.from_numpy(balance_weights(data) if cfg.balance else np.full(len(data), 1.0 / len(data)))
    gen = torch.Generator().manual_seed(cfg.seed * 1000 + d.rank + info["step"])
    rng = random.Random(cfg.seed * 1000 + d.rank + info["step"])
    writer = caption_writer(data.label_names)
    fixed_caps = sample_captions(data)
    fixed_z = torch.randn(8, mcfg.nz, generator=torch.Generator().manual_seed(1234)).to(device)
    with torch.no_grad():
        fixed_sent = encode_texts(enc, vocab, fixed_caps, device)
    steps_per_epoch = max(1, len(data) // (cfg.batch_size * d.world))
    sample_every = cfg.sample_every or steps_per_epoch
    amp = torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16)
    augment = augmenter(DiffAugmentConfig(policy=cfg.diffaug_policy)) if cfg.diffaugment else None
    if augment is not None:
        log(f"DiffAugment on every discriminator input: {', '.join(cfg.diffaug_policy)}")
    last_ckpt, t0, step0 = time.time(), time.time(), info["step"]
    budget = cfg.minutes * 60 if cfg.minutes else None
    bar = tqdm(total=cfg.max_steps, initial=step0, disable=not d.main, unit="step", dynamic_ncols=True)

    t0_box = [t0]

    @torch.no_grad()
    def sample_grid(path: Path) -> None:
        """Fixed captions (rows) × fixed z (columns) through the EMA generator."""
        imgs = torch.cat([G_ema(fixed_z, fixed_sent[i:i + 1].expand(8, -1)) for i in range(len(fixed_caps))])
        save_grid(imgs, len(fixed_caps), path)

    def checkpoint() -> None:
        """Save resumable state, the latest sample grid and an up-to-date bundle (rank 0 only)."""
        info["train_seconds"] += time.time() - t0_box[0]
        t0_box[0] = time.time()
        if d.main:
            save_state(out, modules, optims, info)
            sample_grid(out / "samples_latest.png")
            ips = (info["step"] - step0) * cfg.batch_size * d.world / max(time.time() - t0, 1e-9)
            _export(out, cfg, data, mcfg, G_ema, D, enc, vocab, enc_metrics, info, ips, log)
    while True:
        elapsed = time.time() - start
        if (budget and elapsed >= budget) or (cfg.max_steps and info["step"] >= cfg.max_steps):
            break
        idx = torch.multinomial(weights, cfg.batch_size, replacement=True, generator=gen)
        real = _batch(images, idx, device, cfg.channels_last)
        caps = [writer(data.labels[i], rng) for i in idx.tolist()]
        with torch.no_grad():
            sent = encode_texts(enc, vocab, caps, device)
        mis = torch.roll(sent, 1, 0)
        z = torch.randn(cfg.batch_size, mcfg.nz, device=device)
        with amp:
            fake = G(z, sent)
            loss_d, parts = discriminator_loss(D, real, fake, sent, mis, cfg.gp_k, cfg.gp_p,
                                               with_gp=info["step"] % cfg.gp_every == 0, augment=augment,
                                               gp_scale=float(cfg.gp_every))
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        d.average_grads(D)
        opt_d.step()
        with amp:
            loss_g, terms = generator_step_loss(G, D, z, sent, augment, cfg.mode_seeking, cfg.feature_diversity,
                                                parts["real_spread"])
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        d.average_grads(G)
        opt_g.step()
        ema_update(G_ema, G, ema_decay_at(info["step"], cfg.ema_decay))
        info["step"] += 1
        info["images_seen"] += cfg.batch_size * d.world
        bar.update(1)
        if info["step"] == step0 + 1 or info["step"] % 20 == 0:
            ips = (info["step"] - step0) * cfg.batch_size * d.world / (time.time() - t0)
            extra = {k: f"{v.item():.2f}" for k, v in terms.items()}
            bar.set_postfix(d=f"{loss_d.item():.3f}", g=f"{loss_g.item():.3f}", gp=f"{parts['gp'].item():.3f}",
                            ips=f"{ips:.0f}", **extra)
        if info["step"] % sample_every == 0 and d.main:
            sample_grid(out / f"samples_{info['step']:07d}.png")
        if time.time() - last_ckpt > cfg.checkpoint_minutes * 60:
            checkpoint()
            last_ckpt = time.time()
    bar.close()
    checkpoint()
    d.barrier()
    return out / "bundle"


def _export(out: Path, cfg: TrainConfig, data: FaceData, mcfg: ModelConfig, G_ema, D, enc, vocab,
            enc_metrics: dict, info: dict, ips: float, log) -> None:
    """Write the inference bundle (EMA generator, encoder, discriminator) as fp16 safetensors + JSON."""
    bundle = out / "bundle"
    meta = {"name": f"dfgan-{data.kind}-{cfg.image_size}px-ngf{cfg.ngf}", "label_names": list(data.label_names),
            "attribute_schema_version": 1 if data.kind == "celeba" else None,
            "data": {"path": str(cfg.data), "kind": data.kind, "images": len(data), "split": "train"},
            "recipe": cfg.to_json(), "metrics": {"encoder": enc_metrics, "steps": info["step"],
                                                       "images_seen": info["images_seen"],
                                                       "train_seconds": round(info["train_seconds"], 1),
                                                       **({"continued_from": info["continued_from"]}
                                                          if "continued_from" in info else {}),
                                                       "images_per_second_last_session": round(ips, 2)}}
    sha = save_bundle(bundle, mcfg, {"generator": G_ema, "encoder": enc, "discriminator": D}, vocab, meta)
    log(f"bundle written to {bundle} (sha256 {sha}); {info['step']} steps, {ips:.1f} img/s")
