"""Washed-out portraits per model: the share of portraits whose central face box is more than 10 %
near-white (composer.train.metrics.washed_out_rate), beside the same share among real test photos.

The check is in pixel space, outside both feature spaces of `composer evaluate`, because those reward
the failure: a generator trained with a heavy mode-seeking term can push some latents to faces with
white holes, which look "diverse" to a classifier. Each seed draws the same test attribute sets and
latents as `composer evaluate --seeds` (1,000 sets by default) and generates only, so a model takes
about 15 s per seed on one thread.

    python bench/bench_washed_out.py --models models/default runs/ft3ms2/bundle --seeds 0 1 2 \
        --out bench/results/washed_out.json
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from composer.cli.validate import check_output_file  # noqa: E402
from composer.errors import ComposerError  # noqa: E402
from composer.gan.bundle import load_bundle  # noqa: E402
from composer.train.data import load_celeba  # noqa: E402
from composer.train.evaluate import caption_of, generate, spread, subsample  # noqa: E402
from composer.train.metrics import NEAR_WHITE, WASHED_OUT_SHARE, washed_out_rate  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", nargs="+", type=Path, required=True, help="bundle folders")
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/celeba")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", type=Path, default=ROOT / "bench/results/washed_out.json")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    try:
        check_output_file(a.out, "--out")
        models = [load_bundle(m) for m in a.models]
        test = load_celeba(a.data, "test", models[0].config.image_size)
    except ComposerError as e:
        p.error(str(e))
    picks = {s: subsample(len(test), a.limit, s) for s in a.seeds}
    real = spread([washed_out_rate(test.images[picks[s]]) for s in a.seeds])
    print(f"real test photos: {real['median']:.3f} ({real['min']:.3f}-{real['max']:.3f})", flush=True)
    doc = {"seeds": a.seeds, "limit": a.limit, "share": WASHED_OUT_SHARE, "white": NEAR_WHITE, "real_test": real, "models": []}
    for path, model in zip(a.models, models):
        t0 = time.perf_counter()
        rates = []
        for s in a.seeds:
            rows = test.labels[picks[s]]
            rates.append(washed_out_rate(generate(model, [caption_of(r) for r in rows], s)))
        row = {"path": str(path), "name": model.name, "sha256": model.sha256,
               "steps": model.meta.get("metrics", {}).get("steps"),
               "mode_seeking": model.meta.get("recipe", {}).get("mode_seeking"),
               "washed_out": spread(rates), "seconds": round(time.perf_counter() - t0, 1)}
        doc["models"].append(row)
        w = row["washed_out"]
        times = f", {w['median'] / real['median']:.1f}x the real rate" if real["median"] > 0 else ""
        print(f"{path} ({model.sha256[:8]}, step {row['steps']}, mode-seeking {row['mode_seeking']}): "
              f"{w['median']:.3f} ({w['min']:.3f}-{w['max']:.3f}){times}", flush=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(doc, indent=1), "utf-8")
    print(f"written to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
