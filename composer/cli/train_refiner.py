"""`composer train-refiner`: train the 2× face refiner after a frozen generator, and attach it."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("train-refiner", help="train the 2x face refiner that follows the generator",
                              description="Paired stage (real train faces vs their LANCZOS downsample), then "
                                          "unpaired stage (the frozen generator's images: adversarial + "
                                          "consistency). Re-running with the same --out resumes. The refiner "
                                          "is written to OUT/bundle; --attach-to copies it into a generator "
                                          "bundle (its SHA-256 then covers the refiner).")
    p.add_argument("--data", type=Path, help="CelebA folder (celeba_attrs.csv + npz packs)")
    p.add_argument("--out", type=Path, required=True, help="run folder (the refiner goes to OUT/bundle)")
    p.add_argument("--generator", type=Path, default=Path("models/default"),
                   help="frozen generator bundle; its image size is the refiner's input (default models/default)")
    p.add_argument("--classifier", type=Path, default=Path("models/classifier"),
                   help="attribute classifier whose early layers give the feature loss")
    p.add_argument("--paired-minutes", type=float, default=18.0)
    p.add_argument("--unpaired-minutes", type=float, default=12.0)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--width", type=int, default=32, help="trunk channels (default 32)")
    p.add_argument("--blocks", type=int, default=3, help="residual blocks (default 3)")
    p.add_argument("--bf16", action="store_true", help="bf16 autocast (CPUs with AVX-512 BF16, GPUs)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--checkpoint-minutes", type=float, default=5.0)
    p.add_argument("--limit", type=int, default=None, help="use only the first N training faces (smoke tests)")
    p.add_argument("--pool", type=int, default=1536, help="generator images for the unpaired stage")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--attach-to", type=Path, default=None, metavar="BUNDLE",
                   help="after training, copy the refiner into this generator bundle (e.g. models/default)")
    p.add_argument("--attach-only", action="store_true", help="do not train; attach OUT/bundle to --attach-to")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from composer.errors import ComposerError
    from composer.train.refiner import RefinerTrainConfig, attach_refiner, train_refiner

    bundle = Path(args.out) / "bundle"
    if not args.attach_only:
        if args.data is None:
            raise ComposerError("give --data (the CelebA folder) to train the refiner")
        cfg = RefinerTrainConfig(data=str(args.data), out=str(args.out), generator=str(args.generator),
                                 classifier=str(args.classifier), paired_minutes=args.paired_minutes,
                                 unpaired_minutes=args.unpaired_minutes, batch=args.batch, width=args.width,
                                 blocks=args.blocks, bf16=args.bf16, threads=args.threads,
                                 checkpoint_minutes=args.checkpoint_minutes, limit=args.limit, pool=args.pool,
                                 seed=args.seed)
        try:
            bundle = train_refiner(cfg)
        except (RuntimeError, FileNotFoundError) as e:
            raise ComposerError(str(e)) from e
    if args.attach_to:
        if not (bundle / "refiner.json").is_file():
            raise ComposerError(f"{bundle} holds no trained refiner (refiner.json); train it first")
        doc = attach_refiner(bundle, args.attach_to)
        from composer.gan.bundle import bundle_sha256
        print(f"attached {bundle} to {args.attach_to}: {doc['config']['in_size']} -> "
              f"{2 * doc['config']['in_size']} px; bundle sha256 {bundle_sha256(args.attach_to)}")
    return 0
