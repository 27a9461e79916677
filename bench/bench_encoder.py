"""Benchmark of the sentence encoder's pooling: DAMSM's last hidden states vs last states + max-pool.

Both encoders train with the same captions, seed, batch and schedule on the CelebA train-split label
sets, and are measured on held-out captions of test-split label sets every `--every` steps: the
linear probe to the 40 attributes (mean and weakest attribute) and the paraphrase-vs-one-attribute
triplet rate (targets: 98 % and 95 %).

    python bench/bench_encoder.py [--steps 400] [--every 200] [--batch 64]

Writes bench/results/encoder.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from composer.gan.config import ModelConfig  # noqa: E402
from composer.text.attributes import ATTRIBUTES  # noqa: E402
from composer.train.data import load_celeba_labels  # noqa: E402
from composer.train.text_encoder import (EncoderTrainConfig, build_vocabulary, caption_writer,  # noqa: E402
                                         measure_encoder, train_encoder)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/celeba")
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--every", type=int, default=200)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--out", type=Path, default=ROOT / "bench/results/encoder.json")
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    fit, held = load_celeba_labels(a.data, "train"), load_celeba_labels(a.data, "test")
    caption = caption_writer(ATTRIBUTES)
    vocab = build_vocabulary(caption, len(ATTRIBUTES), seed=0)
    report = {"steps": a.steps, "batch": a.batch, "fit_label_sets": 4000, "held_out_label_sets": 2000, "runs": {}}
    for pool in ("last", "last+max"):
        cfg = ModelConfig(image_size=64, ngf=32, ndf=32, text_pool=pool)
        rows, t0 = [], time.perf_counter()
        train_cfg = EncoderTrainConfig(steps=a.steps, batch=a.batch, seed=0)
        for step, losses, enc in train_encoder(fit, caption, vocab, cfg, train_cfg):
            if step % a.every == 0 or step == a.steps:
                train_s = time.perf_counter() - t0
                m = measure_encoder(enc, vocab, caption, fit[:4000], held[:2000], seed=1)
                enc.train()
                rows.append({"step": step, "train_seconds": round(train_s, 1), **losses, **m})
                print(pool, json.dumps(rows[-1]), flush=True)
                t0 = time.perf_counter() - train_s
        report["runs"][pool] = rows
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=1))
    print("wrote", a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
