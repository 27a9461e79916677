"""Training-step cost of lazy MA-GP and DiffAugment at the CPU recipe (64 px, ngf 32, batch 32,
bf16 + channels_last), measured in one run with the configurations interleaved round by round, so
that the ratios share the machine's load.

    python bench/bench_regularisation.py --rounds 3 --steps 8 --out bench/results/regularisation.json
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_train_throughput import step_time  # noqa: E402
from composer.gan.config import ModelConfig  # noqa: E402

CONFIGS = [  # (name, gp_every, diffaug)
    ("MA-GP every step", 1, False),
    ("MA-GP every 4th (lazy)", 4, False),
    ("DiffAugment, MA-GP every step", 1, True),
    ("DiffAugment, MA-GP every 4th", 4, True),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--ngf", type=int, default=32)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=8, help="timed steps per round (a multiple of 4)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("bench/results/regularisation.json"))
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = ModelConfig(image_size=args.size, ngf=args.ngf, ndf=args.ngf)
    per_round = {name: [] for name, _, _ in CONFIGS}
    for r in range(args.rounds):
        for name, k, aug in CONFIGS:
            t = step_time(cfg, args.batch, torch.device("cpu"), True, True, args.steps, 2, gp_every=k, diffaug=aug)
            per_round[name].append(statistics.mean(t))
    base = per_round[CONFIGS[0][0]]
    rows = []
    print(f"{args.size}px ngf {args.ngf} batch {args.batch}, bf16 + channels_last, {args.rounds} rounds × "
          f"{args.steps} steps; speed = images/s, ratio vs MA-GP every step in the same round")
    for name, k, aug in CONFIGS:
        ratios = [b / x for b, x in zip(base, per_round[name])]
        row = {"config": name, "gp_every": k, "diffaugment": aug,
               "images_per_s_median": args.batch / statistics.median(per_round[name]),
               "speed_ratio_median": statistics.median(ratios), "speed_ratio_range": [min(ratios), max(ratios)]}
        rows.append(row)
        print(f"{name:32s} {row['images_per_s_median']:7.1f} img/s   ×{row['speed_ratio_median']:.2f} "
              f"({min(ratios):.2f}–{max(ratios):.2f})")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"torch": torch.__version__, "size": args.size, "ngf": args.ngf,
                                    "batch": args.batch, "rounds": args.rounds, "steps": args.steps,
                                    "threads": torch.get_num_threads(), "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
