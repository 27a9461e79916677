"""`composer train`: train a DF-GAN (and its text encoder) on CelebA or on a tagged face folder."""
from __future__ import annotations

import argparse
from pathlib import Path

from composer.cli.validate import fraction, int_range, positive_float, seed


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train", help="train a model on CelebA or your own tagged faces",
                              description="Train the text encoder (if none is given) and a DF-GAN. The run "
                                          "folder keeps settings.json, resumable state, sample grids and the "
                                          "exported bundle (OUT/bundle). Re-running with the same --out resumes. "
                                          "Multi-GPU: torchrun --nproc_per_node N -m composer train ...")
    p.add_argument("--data", type=Path, required=True,
                   help="CelebA folder (celeba_attrs.csv + npz packs) or a folder of images with tags.csv (file,tags)")
    p.add_argument("--out", type=Path, required=True, help="run folder")
    p.add_argument("--size", type=int, default=128, choices=(64, 128, 256), help="image size (default 128)")
    p.add_argument("--ngf", type=int_range(1, 4096), default=64, help="generator width (default 64)")
    p.add_argument("--ndf", type=int_range(1, 4096), default=None, help="discriminator width (default = ngf)")
    p.add_argument("--batch", type=int_range(2, 65536), default=32, help="batch size per process (default 32)")
    p.add_argument("--minutes", type=positive_float, default=None, help="wall-clock budget; stops cleanly and exports")
    p.add_argument("--steps", type=int_range(1), default=None, help="stop after this many steps")
    p.add_argument("--device", default="auto", help="auto (cuda if present), cuda or cpu")
    p.add_argument("--bf16", action="store_true", help="bf16 autocast (GPUs; also faster on CPUs with AVX-512 BF16)")
    p.add_argument("--channels-last", action="store_true", help="channels_last memory format (GPUs; also faster on the development CPU with --bf16)")
    p.add_argument("--no-balance", action="store_true", help="disable class-balanced sampling of rare attributes")
    p.add_argument("--encoder", type=Path, default=None, help="pre-trained encoder folder (encoder.json + .safetensors)")
    p.add_argument("--encoder-steps", type=int_range(0), default=1500)
    p.add_argument("--text-pool", default="last+max", choices=("last", "last+max"),
                   help="sentence vector of a newly trained encoder (default last+max)")
    p.add_argument("--gp-every", type=int_range(1), default=1,
                   help="apply the matching-aware gradient penalty every N discriminator steps (default 1)")
    p.add_argument("--ema-decay", type=fraction, default=0.999,
                   help="decay of the generator's moving average (warmed up over the first steps; default 0.999)")
    p.add_argument("--checkpoint-minutes", type=positive_float, default=5.0)
    p.add_argument("--sample-every", type=int_range(0), default=0, help="steps between sample grids (default: each epoch)")
    p.add_argument("--threads", type=int_range(0, 1024), default=0, help="CPU threads (default: torch's choice)")
    p.add_argument("--limit", type=int_range(2), default=None, help="use only the first N images (smoke tests)")
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--init-from", type=Path, default=None, metavar="BUNDLE",
                   help="continue training a model bundle (e.g. models/default): its generator, discriminator "
                        "and text encoder, its step count carried on; the optimiser starts fresh")
    p.add_argument("--diffaugment", default="", metavar="POLICY",
                   help="DiffAugment every discriminator input, real and generated, e.g. "
                        "color,translation,cutout (default: off)")
    p.add_argument("--no-lowres-extra", action="store_true",
                   help="at 64 px, leave out the 9,017 official-train faces that exist only at 64 px")
    p.add_argument("--encoder-finetune-steps", type=int_range(0), default=0,
                   help="with --init-from: fine-tune its text encoder for N steps on today's caption templates")
    p.add_argument("--mode-seeking", type=float, default=0.0, metavar="WEIGHT",
                   help="MSGAN mode-seeking term in the generator step: half the batch repeats the other "
                        "half's captions with new latents, and G is pushed to make the pairs differ "
                        "(default 0 = off; 1 is MSGAN's weight)")
    p.add_argument("--feature-diversity", type=float, default=0.0, metavar="WEIGHT",
                   help="bounded mode-seeking in the discriminator's features: pairs drawn for one caption "
                        "are pushed apart until they differ as much as two real photos do, and no further "
                        "(default 0 = off)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from composer.errors import ComposerError
    from composer.train.config import TrainConfig
    from composer.train.loop import train

    try:
        cfg = TrainConfig(data=str(args.data), out=str(args.out), image_size=args.size, ngf=args.ngf,
                          ndf=args.ndf or args.ngf, batch_size=args.batch, minutes=args.minutes,
                          max_steps=args.steps, device=args.device, bf16=args.bf16,
                          channels_last=args.channels_last, balance=not args.no_balance,
                          encoder=str(args.encoder) if args.encoder else None, encoder_steps=args.encoder_steps,
                          checkpoint_minutes=args.checkpoint_minutes, sample_every=args.sample_every,
                          workers_threads=args.threads, limit=args.limit, seed=args.seed,
                          text_pool=args.text_pool, gp_every=args.gp_every,
                          ema_decay=args.ema_decay,
                          init_from=str(args.init_from) if args.init_from else None,
                          diffaugment=args.diffaugment, mode_seeking=args.mode_seeking,
                          feature_diversity=args.feature_diversity, lowres_extra=not args.no_lowres_extra,
                          encoder_finetune_steps=args.encoder_finetune_steps)
    except ValueError as e:
        raise ComposerError(str(e)) from e
    if cfg.minutes is None and cfg.max_steps is None:
        raise ComposerError("give --minutes or --steps so the run knows when to stop")
    from composer.cli.validate import check_output_dir
    check_output_dir(args.out, "run folder (--out)")   # before any work: nothing is half-done
    if not args.data.is_dir():
        what = "is a file, not a folder" if args.data.exists() else "does not exist"
        raise ComposerError(f"--data {args.data} {what}; pass the CelebA folder (celeba_attrs.csv + npz "
                            "packs) or a folder of images with tags.csv")
    try:
        train(cfg)
    except (RuntimeError, FileNotFoundError) as e:
        raise ComposerError(str(e)) from e
    return 0
