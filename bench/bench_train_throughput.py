"""Training throughput (images/s) of one DF-GAN step (D with MA-GP, then G, then EMA), with and
without bf16 autocast and channels_last, measured in one run so the ratios are comparable.

    python bench/bench_train_throughput.py --size 128 --ngf 64 --batch 64 --out bench/results/train_throughput.json
Uses random images and sentence vectors (the data pipeline is measured by the training log).
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

from composer.gan.config import ModelConfig
from composer.gan.discriminator import Discriminator
from composer.gan.generator import Generator
from composer.train.diffaug import DiffAugmentConfig, augmenter
from composer.train.losses import discriminator_loss, ema_update, generator_loss


def step_time(cfg: ModelConfig, batch: int, device: torch.device, bf16: bool, cl: bool, steps: int, warmup: int,
              gp_every: int = 1, diffaug: bool = False) -> list[float]:
    """Seconds per training step; with gp_every > 1 the penalty runs on every gp_every-th step (lazy
    regularisation), so time `steps` as a multiple of gp_every for a fair average."""
    torch.manual_seed(0)
    augment = augmenter(DiffAugmentConfig()) if diffaug else None
    G, D, E = Generator(cfg).to(device), Discriminator(cfg).to(device), Generator(cfg).to(device)
    if cl:
        G, D, E = (m.to(memory_format=torch.channels_last) for m in (G, D, E))
    og = torch.optim.Adam(G.parameters(), 1e-4, betas=(0.0, 0.9))
    od = torch.optim.Adam(D.parameters(), 4e-4, betas=(0.0, 0.9))
    real = torch.rand(batch, 3, cfg.image_size, cfg.image_size, device=device) * 2 - 1
    if cl:
        real = real.contiguous(memory_format=torch.channels_last)
    sent = torch.randn(batch, cfg.cond_dim, device=device)
    amp = torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16)
    times = []
    for i in range(warmup + steps):
        if device.type == "cuda":
            torch.cuda.synchronize()
        t = time.perf_counter()
        z = torch.randn(batch, cfg.nz, device=device)
        with amp:
            fake = G(z, sent)
            ld, _ = discriminator_loss(D, real.clone(), fake, sent, torch.roll(sent, 1, 0),
                                       with_gp=i % gp_every == 0, augment=augment, gp_scale=float(gp_every))
        od.zero_grad(set_to_none=True)
        ld.backward()
        od.step()
        with amp:
            lg = generator_loss(D, G(z, sent), sent, augment)
        og.zero_grad(set_to_none=True)
        lg.backward()
        og.step()
        ema_update(E, G, 0.999)
        if device.type == "cuda":
            torch.cuda.synchronize()
        if i >= warmup:
            times.append(time.perf_counter() - t)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--ngf", type=int, default=32)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--data", default=None, help="unused; accepted for symmetry with training")
    ap.add_argument("--out", type=Path, default=Path("bench/results/train_throughput.json"))
    args = ap.parse_args()
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available() else
                          ("cpu" if args.device == "auto" else args.device))
    cfg = ModelConfig(image_size=args.size, ngf=args.ngf, ndf=args.ngf)
    rows = []
    for bf16 in (False, True):
        for cl in (False, True):
            t = step_time(cfg, args.batch, device, bf16, cl, args.steps, args.warmup)
            med = statistics.median(t)
            rows.append({"bf16": bf16, "channels_last": cl, "median_step_s": med, "images_per_s": args.batch / med})
    base = rows[0]["images_per_s"]
    print(f"device {device} ({torch.cuda.get_device_name() if device.type == 'cuda' else 'cpu'}), "
          f"{args.size}px ngf {args.ngf} batch {args.batch}, median of {args.steps} steps")
    print(f"{'bf16':>5} {'ch_last':>7} {'step s':>8} {'img/s':>8} {'vs fp32':>8}")
    for r in rows:
        r["ratio_vs_fp32"] = r["images_per_s"] / base
        print(f"{r['bf16']!s:>5} {r['channels_last']!s:>7} {r['median_step_s']:8.3f} {r['images_per_s']:8.1f} {r['ratio_vs_fp32']:8.2f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"device": str(device), "torch": torch.__version__, "size": args.size,
                                    "ngf": args.ngf, "batch": args.batch, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
