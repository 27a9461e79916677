"""Training the 2× face refiner R (composer/gan/refiner.py), in two stages on one time budget.

Paired stage: real official-train CelebA faces at 2S against their S px downsample made exactly as
the generator's training data was made (PIL LANCZOS of the decoded image, `data._decode`). Loss:
Charbonnier + a feature loss (the first two stages of the project's attribute classifier, applied at
2S) + a hinge patch-adversarial loss from a small patch discriminator at 2S.

Unpaired stage: inputs are the frozen generator's own images (the bundle's generator, captions
written from real train label sets). Loss: the patch-adversarial loss against real 2S faces + a
consistency loss lanczos_down2(R(x)) ≈ x (R keeps what G drew) + the paired loss on a real batch at
a lower weight (so R does not drift from faithful upsampling while it learns G's domain).

Resumable (state.safetensors + state.json, no pickle); the bundle is refiner.safetensors (fp16) +
refiner.json. `attach_refiner` puts it into a generator bundle (model.json["refiner"] + the weight
file listed under files, so the bundle's SHA-256 covers both).
"""
from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file, save_file
from torch import nn

from composer.errors import ModelError
from composer.gan.refiner import Refiner, RefinerConfig, lanczos_down2, upsample2

REFINER_WEIGHTS, REFINER_MANIFEST = "refiner.safetensors", "refiner.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class RefinerTrainConfig:
    data: str
    out: str
    generator: str = "models/default"      # frozen generator bundle (unpaired stage)
    classifier: str = "models/classifier"  # feature loss network
    paired_minutes: float = 18.0
    unpaired_minutes: float = 12.0
    batch: int = 16
    lr: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple = (0.5, 0.99)
    w_pixel: float = 1.0
    w_feature: float = 0.1
    w_adv_paired: float = 0.01
    w_adv_unpaired: float = 0.03
    w_consistency: float = 2.0
    w_paired_in_unpaired: float = 0.5
    pool: int = 1536                       # generator images made at the unpaired stage's start
    width: int = 32
    blocks: int = 3
    bf16: bool = False
    channels_last: bool = True
    threads: int = 1
    checkpoint_minutes: float = 5.0
    limit: Optional[int] = None
    seed: int = 0

    def to_json(self) -> dict:
        d = asdict(self)
        d["betas"] = list(self.betas)
        return d


# --- networks used only in training -------------------------------------------------------------
class PatchDiscriminator(nn.Module):
    """PatchGAN at 2S: three stride-2 convs and a 3×3 head -> logits [B,1,2S/8,2S/8] (spectral norm)."""

    def __init__(self, width: int = 32):
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm
        w = width
        self.net = nn.Sequential(
            sn(nn.Conv2d(3, w, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
            sn(nn.Conv2d(w, 2 * w, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
            sn(nn.Conv2d(2 * w, 4 * w, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
            sn(nn.Conv2d(4 * w, 1, 3, 1, 1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ClassifierFeatures(nn.Module):
    """The stem and first stage of the project's attribute classifier (frozen, eval-mode BN), on
    the full-resolution image: edges and textures at 1/2 and 1/4 of the input size."""

    def __init__(self, folder: Path):
        super().__init__()
        from composer.train.classifier import load_classifier
        body = load_classifier(Path(folder)).net.body
        self.stem, self.stage1 = body[0], body[1]
        self.eval().requires_grad_(False)

    def train(self, mode: bool = True):  # always eval (BN statistics stay the classifier's)
        return super().train(False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        a = self.stem(x)
        return [a, self.stage1(a)]


# --- pure losses ----------------------------------------------------------------------------------
def charbonnier(a: torch.Tensor, b: torch.Tensor, eps: float = 1e-3) -> torch.Tensor:
    return torch.sqrt((a.float() - b.float()) ** 2 + eps * eps).mean()


def feature_loss(features: Callable, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Mean L1 between the feature maps of a (prediction) and b (target, no gradient)."""
    fa = features(a)
    with torch.no_grad():
        fb = features(b)
    return sum(F.l1_loss(x.float(), y.float()) for x, y in zip(fa, fb)) / len(fa)


def d_hinge(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return F.relu(1.0 - real.float()).mean() + F.relu(1.0 + fake.float()).mean()


def g_hinge(fake: torch.Tensor) -> torch.Tensor:
    return -fake.float().mean()


def consistency_loss(out: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """downsample(R(x)) ≈ x, with the LANCZOS downsample that made the generator's data."""
    return charbonnier(lanczos_down2(out.float()), x.float())


def paired_losses(R: nn.Module, D: nn.Module, features: Callable, lo: torch.Tensor, hi: torch.Tensor,
                  cfg: RefinerTrainConfig) -> tuple[torch.Tensor, torch.Tensor, dict]:
    """(R's loss, R's output, logged terms) of one paired batch."""
    out = R(lo)
    pix = charbonnier(out, hi)
    feat = feature_loss(features, out, hi)
    adv = g_hinge(D(out))
    loss = cfg.w_pixel * pix + cfg.w_feature * feat + cfg.w_adv_paired * adv
    return loss, out, {"pixel": pix.item(), "feature": feat.item(), "adv": adv.item()}


def d_step(D: nn.Module, opt: torch.optim.Optimizer, real: torch.Tensor, fake: torch.Tensor, amp) -> float:
    with amp:
        loss = d_hinge(D(real), D(fake.detach()))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss.item()


def paired_step(R, D, opt_r, opt_d, features, lo, hi, cfg: RefinerTrainConfig, amp) -> dict:
    """One paired step: D on (real hi, R(lo)), then R."""
    with amp:
        loss, out, terms = paired_losses(R, D, features, lo, hi, cfg)
    opt_r.zero_grad(set_to_none=True)
    loss.backward()
    opt_r.step()
    terms["d"] = d_step(D, opt_d, hi, out, amp)
    return terms


def unpaired_step(R, D, opt_r, opt_d, features, gen_lo, lo, hi, cfg: RefinerTrainConfig, amp) -> dict:
    """One unpaired step: R on G's images (adversarial vs real + consistency) plus the paired loss
    on a real batch at w_paired_in_unpaired; D on (real hi, R(G))."""
    with amp:
        out = R(gen_lo)
        adv = g_hinge(D(out))
        cons = consistency_loss(out, gen_lo)
        ploss, _, pterms = paired_losses(R, D, features, lo, hi, cfg)
        loss = cfg.w_adv_unpaired * adv + cfg.w_consistency * cons + cfg.w_paired_in_unpaired * ploss
    opt_r.zero_grad(set_to_none=True)
    loss.backward()
    opt_r.step()
    return {"adv_gen": adv.item(), "consistency": cons.item(), "pixel": pterms["pixel"],
            "feature": pterms["feature"], "d": d_step(D, opt_d, hi, out, amp)}


# --- data -----------------------------------------------------------------------------------------
def downsample_like_training(images: np.ndarray, size: int) -> np.ndarray:
    """uint8 [N,2S,2S,3] -> [N,S,S,3] with PIL LANCZOS, as data._decode resizes a decoded image."""
    return np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.LANCZOS), dtype=np.uint8)
                     for im in images])


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 [B,S,S,3] -> float [B,3,S,S] in [-1,1]."""
    return images.permute(0, 3, 1, 2).float() / 127.5 - 1.0


@torch.no_grad()
def generator_pool(model, labels: np.ndarray, n: int, seed: int, batch: int = 64) -> torch.Tensor:
    """n images of the frozen generator, captions written from random real label rows, z ~ N(0, I)."""
    from composer.train.text_encoder import caption_writer, encode_texts
    writer, rng = caption_writer(model.label_names or ()), random.Random(seed)
    gen = torch.Generator().manual_seed(seed)
    out = []
    for i in range(0, n, batch):
        k = min(batch, n - i)
        rows = [labels[rng.randrange(len(labels))] for _ in range(k)]
        sent = encode_texts(model.encoder, model.vocab, [writer(r, rng) for r in rows])
        z = torch.randn(k, model.config.nz, generator=gen)
        out.append(model.generator(z, sent).clamp(-1, 1))
    return torch.cat(out)


# --- bundle ---------------------------------------------------------------------------------------
def save_refiner(folder: Path, R: Refiner, meta: dict) -> str:
    """refiner.safetensors (fp16) + refiner.json; returns the weight file's SHA-256."""
    import hashlib
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu", torch.float16).contiguous() for k, v in R.state_dict().items()}
    save_file(state, str(folder / REFINER_WEIGHTS))
    sha = hashlib.sha256((folder / REFINER_WEIGHTS).read_bytes()).hexdigest()
    doc = {"format_version": FORMAT_VERSION, "config": R.config.to_json(), "weights_sha256": sha, **meta}
    _write_json(folder / REFINER_MANIFEST, doc)
    return sha


def load_refiner_weights(file: Path, config: RefinerConfig, device="cpu") -> Refiner:
    """Rebuild R from its config and load the weights strictly (fp32, eval, no grad)."""
    R = Refiner(config)
    try:
        state = load_file(str(file))
    except FileNotFoundError:
        raise ModelError(f"{file} is missing. Reinstall the model bundle.") from None
    except Exception as e:  # safetensors raises its own error type
        raise ModelError(f"{file} is corrupt ({e}). Reinstall the model bundle.") from e
    expected = R.state_dict()
    if set(state) != set(expected) or any(state[k].shape != expected[k].shape for k in expected):
        raise ModelError(f"{file} does not match the refiner config in model.json; the weights belong "
                         "to another refiner.")
    R.load_state_dict({k: v.to(expected[k].dtype) for k, v in state.items()}, strict=True)
    return R.to(device).eval().requires_grad_(False)


def attach_refiner(refiner_dir: Path, bundle_dir: Path) -> dict:
    """Copy a trained refiner into a generator bundle: refiner.safetensors beside the generator,
    model.json gains files["refiner"] and "refiner" (config, recipe, metrics, weights hash), so the
    bundle's SHA-256 covers it. The refiner's input size must be the generator's image size."""
    refiner_dir, bundle_dir = Path(refiner_dir), Path(bundle_dir)
    doc = json.loads((refiner_dir / REFINER_MANIFEST).read_text("utf-8"))
    manifest = json.loads((bundle_dir / "model.json").read_text("utf-8"))
    config = RefinerConfig.from_json(doc["config"])
    if config.in_size != manifest["config"]["image_size"]:
        raise ModelError(f"the refiner in {refiner_dir} takes {config.in_size} px images; the generator in "
                         f"{bundle_dir} draws {manifest['config']['image_size']} px.")
    shutil.copyfile(refiner_dir / REFINER_WEIGHTS, bundle_dir / REFINER_WEIGHTS)
    manifest["files"]["refiner"] = [REFINER_WEIGHTS]
    manifest["refiner"] = {k: v for k, v in doc.items() if k != "format_version"}
    _write_json(bundle_dir / "model.json", manifest)
    return manifest["refiner"]


def _write_json(path: Path, doc: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


# --- the loop -------------------------------------------------------------------------------------
def train_refiner(cfg: RefinerTrainConfig, log=print) -> Path:
    """Train (or resume) R in cfg.out; the bundle goes to cfg.out/bundle. Returns that folder."""
    from composer.gan.bundle import load_bundle
    from composer.train.data import load_celeba
    from composer.train.state import load_state, save_state
    from composer.train.loop import save_grid, sample_captions

    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    (out / "settings.json").write_text(json.dumps(cfg.to_json(), indent=1), "utf-8")
    gmodel = load_bundle(Path(cfg.generator), "cpu")
    size = gmodel.config.image_size
    t_load = time.time()
    data = load_celeba(Path(cfg.data), "train", 2 * size, cfg.limit)
    hi_all = torch.from_numpy(data.images)
    lo_all = torch.from_numpy(downsample_like_training(data.images, size))
    log(f"{len(data)} train faces at {2 * size} px and their {size} px LANCZOS downsample "
        f"({time.time() - t_load:.0f} s)")
    torch.manual_seed(cfg.seed)
    rcfg = RefinerConfig(in_size=size, width=cfg.width, blocks=cfg.blocks)
    R, D = Refiner(rcfg), PatchDiscriminator()
    feats = ClassifierFeatures(Path(cfg.classifier))
    if cfg.channels_last:
        R, D, feats = (m.to(memory_format=torch.channels_last) for m in (R, D, feats))
    opt_r = torch.optim.Adam(R.parameters(), lr=cfg.lr, betas=tuple(cfg.betas))
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=tuple(cfg.betas))
    info = {"step": 0, "paired_steps": 0, "unpaired_steps": 0, "paired_seconds": 0.0, "unpaired_seconds": 0.0}
    if (out / "state.json").is_file():
        info = load_state(out, {"R": R, "D": D}, {"R": opt_r, "D": opt_d})
        log(f"resumed at step {info['step']} ({info['paired_seconds']:.0f} s paired, "
            f"{info['unpaired_seconds']:.0f} s unpaired)")
    amp = torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16)
    fmt = torch.channels_last if cfg.channels_last else torch.contiguous_format
    fixed_caps = sample_captions(data)
    from composer.train.text_encoder import encode_texts
    with torch.no_grad():
        fixed_sent = encode_texts(gmodel.encoder, gmodel.vocab, fixed_caps)
        fixed_z = torch.randn(8, gmodel.config.nz, generator=torch.Generator().manual_seed(1234))
        fixed = torch.cat([gmodel.generator(fixed_z, fixed_sent[i:i + 1].expand(8, -1)) for i in range(8)]).clamp(-1, 1)
    pool = None
    last_ckpt = time.time()

    def checkpoint(final: bool = False) -> None:
        save_state(out, {"R": R, "D": D}, {"R": opt_r, "D": opt_d}, info)
        with torch.no_grad():
            R.eval()
            grid = torch.cat([torch.cat([upsample2(fixed[i:i + 1]), R(fixed[i:i + 1].contiguous(memory_format=fmt))], 3)
                              for i in range(0, 64, 8)])
            R.train()
        save_grid(grid, 8, out / "samples_latest.png")
        meta = {"name": f"refiner-{size}to{2 * size}", "recipe": cfg.to_json(),
                "metrics": {k: (round(v, 1) if isinstance(v, float) else v) for k, v in info.items()},
                "data": {"kind": "celeba", "split": "train", "images": len(data),
                         "input": f"{2 * size} px faces, {size} px by PIL LANCZOS (as the generator's data)"},
                "generator": {"path": str(cfg.generator), "sha256": gmodel.sha256, "name": gmodel.name}}
        save_refiner(out / "bundle", R, meta)
        log(f"checkpoint at step {info['step']}{' (final)' if final else ''}")

    rng_idx = torch.Generator().manual_seed(cfg.seed * 1000 + info["step"])
    while True:
        paired = info["paired_seconds"] < cfg.paired_minutes * 60
        if not paired and info["unpaired_seconds"] >= cfg.unpaired_minutes * 60:
            break
        if not paired and pool is None:
            t = time.time()
            pool = generator_pool(gmodel, data.labels, cfg.pool, cfg.seed + 7)
            pool = pool.contiguous(memory_format=fmt)
            log(f"unpaired stage: {len(pool)} generator images in the pool ({time.time() - t:.0f} s)")
        t = time.time()
        idx = torch.randint(0, len(data), (cfg.batch,), generator=rng_idx)
        flip = torch.rand(cfg.batch, generator=rng_idx) < 0.5
        hi = to_float(hi_all[idx])
        lo = to_float(lo_all[idx])
        hi = torch.where(flip[:, None, None, None], hi.flip(3), hi).contiguous(memory_format=fmt)
        lo = torch.where(flip[:, None, None, None], lo.flip(3), lo).contiguous(memory_format=fmt)
        if paired:
            terms = paired_step(R, D, opt_r, opt_d, feats, lo, hi, cfg, amp)
        else:
            g = pool[torch.randint(0, len(pool), (cfg.batch,), generator=rng_idx)]
            terms = unpaired_step(R, D, opt_r, opt_d, feats, g, lo, hi, cfg, amp)
        dt = time.time() - t
        info["step"] += 1
        info["paired_steps" if paired else "unpaired_steps"] += 1
        info["paired_seconds" if paired else "unpaired_seconds"] += dt
        if info["step"] % 25 == 0:
            log(f"step {info['step']} {'paired' if paired else 'unpaired'} {dt:.2f} s/step " +
                " ".join(f"{k} {v:.4f}" for k, v in terms.items()))
        if time.time() - last_ckpt > cfg.checkpoint_minutes * 60:
            checkpoint()
            last_ckpt = time.time()
    checkpoint(final=True)
    return out / "bundle"
