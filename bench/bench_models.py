"""Compare model bundles (for example the shipped model and a longer-trained candidate) with
`composer evaluate`'s three measurements over several latent seeds, so that a difference between
models can be set against the spread that the seed alone causes.

    python bench/bench_models.py --models models/default runs/cpu64c/bundle --seeds 0 1 2 \
        --limit 1000 --out bench/results/models.json

Per model and seed: requested-attribute agreement (all 40 attributes, generated / real photos with
the same attributes), the weakest group's ratio, the Fréchet distance as a ratio to the real-train vs
real-test floor, and diversity as a ratio to real photos with the nearest attribute sets. The table
gives the median over the seeds and the range.
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

from composer.gan.bundle import load_bundle  # noqa: E402
from composer.train.classifier import ClassifierConfig, ensure_classifier  # noqa: E402
from composer.train.evaluate import EvalConfig, evaluate  # noqa: E402
from tables import models_table  # noqa: E402  (bench/tables.py renders every README table)

MEASURES = {  # name: (how to read it from an evaluate report, which way is better)
    "agreement_ratio": (lambda r: r["agreement"]["all_attributes_generated"] / r["agreement"]["all_attributes_real"],
                        "higher"),
    "weakest_group_ratio": (lambda r: r["agreement"]["group_ratio_min"], "higher"),
    "frechet_ratio": (lambda r: r["frechet"]["ratio"], "lower"),
    "diversity_ratio": (lambda r: r["diversity"]["ratio"], "higher"),
}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", nargs="+", type=Path, required=True, help="bundle folders")
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/celeba")
    p.add_argument("--classifier", type=Path, default=ROOT / "models/classifier")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", type=Path, default=ROOT / "bench/results/models.json")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    quiet = lambda msg: None  # noqa: E731
    clf = ensure_classifier(a.classifier, a.data, ClassifierConfig(threads=a.threads), print)
    doc = {"seeds": a.seeds, "limit": a.limit, "better": {k: b for k, (_, b) in MEASURES.items()}, "models": []}
    for path in a.models:
        model = load_bundle(path)
        runs = []
        for seed in a.seeds:
            r = evaluate(model, clf, a.data, EvalConfig(limit=a.limit, seed=seed), quiet)
            runs.append({"seed": seed, **{k: fn(r) for k, (fn, _) in MEASURES.items()}})
            print(f"{path} seed {seed}: " + ", ".join(f"{k} {runs[-1][k]:.3f}" for k in MEASURES), flush=True)
        m = model.meta.get("metrics", {})
        doc["models"].append({
            "path": str(path), "name": model.name, "sha256": model.sha256, "steps": m.get("steps"),
            "images_seen": m.get("images_seen"), "train_seconds": m.get("train_seconds"), "runs": runs,
            "median": {k: statistics.median(r[k] for r in runs) for k in MEASURES},
            "range": {k: [min(r[k] for r in runs), max(r[k] for r in runs)] for k in MEASURES}})
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(doc, indent=1), "utf-8")
    print()
    print(models_table(doc))
    print(f"\nwritten to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
