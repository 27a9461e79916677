#!/usr/bin/env python
"""Train the face-identity instrument (models/identity/) on the CelebA official-train identities.

    nice -n 5 python scripts/train_identity.py --data ../shared/data/celeba --out models/identity \
        --run runs/identity --minutes 60

Resumable: the run folder holds a checkpoint (safetensors + JSON); run the same command again after
an interruption or when --minutes ran out. Single-threaded by default (--threads 1).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/celeba"))
    ap.add_argument("--out", type=Path, default=Path("models/identity"))
    ap.add_argument("--run", type=Path, default=Path("runs/identity"))
    ap.add_argument("--minutes", type=float, default=None, help="stop (checkpointed) after this many minutes")
    ap.add_argument("--epochs", type=int, default=16)
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    import torch
    from composer.train.identity import IdentityConfig, fit_identity, save_identity
    torch.set_num_threads(args.threads)
    cfg = IdentityConfig(epochs=args.epochs, width=args.width, batch=args.batch, threads=args.threads, seed=args.seed)
    t0 = time.perf_counter()
    model = fit_identity(args.data, cfg, args.run, args.minutes, log=lambda s: print(s, flush=True))
    if model is None:
        return 3
    save_identity(args.out, model)
    print(f"saved {args.out} ({time.perf_counter() - t0:.0f} s this call)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
