"""Compare model bundles (for example the shipped model and a longer-trained candidate) with
`composer evaluate`'s measurements over several latent seeds, so that a difference between models can
be set against the spread that the seed alone causes.

    python bench/bench_models.py --models models/default runs/cpu64c/bundle --seeds 0 1 2 \
        --limit 1000 --out bench/results/models.json

Per model and seed (composer.train.evaluate.MEASURES): requested-attribute agreement (all 40
attributes, generated / real photos with the same attributes), the weakest group's ratio, the Fréchet
distance and KID in the classifier's features with their real-vs-real floors and ratios, diversity as
a ratio to real photos with the nearest attribute sets, and the real-vs-generated detector (trained
per model and seed; `--no-detector` skips it): held-out accuracy, AUC, Fréchet distance and KID in its
features with the real val-vs-test floor. Per-attribute ratios of Bald, Mustache, Double_Chin, Chubby
and Gray_Hair are kept too. The table gives the median over the seeds and the range; the JSON also
keeps every seed's value. A full run (1,000 sets, 3 seeds, detector) takes about 10 minutes per
model on one thread.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from composer.cli.validate import check_output_file  # noqa: E402
from composer.errors import ComposerError  # noqa: E402
from composer.gan.bundle import load_bundle  # noqa: E402
from composer.train.classifier import ClassifierConfig, ensure_classifier  # noqa: E402
from composer.train.evaluate import WATCHED_ATTRIBUTES, EvalConfig, evaluate_seeds  # noqa: E402
from tables import models_table  # noqa: E402  (bench/tables.py renders every README table)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", nargs="+", type=Path, required=True, help="bundle folders")
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/celeba")
    p.add_argument("--classifier", type=Path, default=ROOT / "models/classifier")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--limit", type=int, default=1000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--detector", action=argparse.BooleanOptionalAction, default=True,
                   help="train and score the real-vs-generated detector per model and seed")
    p.add_argument("--detector-train", type=int, default=2000, help="real train faces for the detector")
    p.add_argument("--out", type=Path, default=ROOT / "bench/results/models.json")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    quiet = lambda msg: None  # noqa: E731
    try:
        check_output_file(a.out, "--out")              # fail on an unwritable --out before any work
    except ComposerError as e:
        p.error(str(e))
    clf = ensure_classifier(a.classifier, a.data, ClassifierConfig(threads=a.threads), print)
    cfg = EvalConfig(limit=a.limit, detector=a.detector, detector_train=a.detector_train)
    doc = {"seeds": a.seeds, "limit": a.limit, "detector": a.detector, "better": {}, "floors": [], "models": []}
    for path in a.models:
        model = load_bundle(path)
        r = evaluate_seeds(model, clf, a.data, cfg, a.seeds, quiet)
        s = r["summary"]
        doc["better"] = {k: b for k, b in s["better"].items() if b}
        doc["floors"] = [k for k, b in s["better"].items() if not b]
        runs = [{"seed": seed, **{k: v["values"][i] for k, v in s["measures"].items()}}
                for i, seed in enumerate(a.seeds)]
        for run in runs:
            print(f"{path} seed {run['seed']}: " + ", ".join(f"{k} {run[k]:.4g}" for k in s["measures"]), flush=True)
        m = model.meta.get("metrics", {})
        doc["models"].append({
            "path": str(path), "name": model.name, "sha256": model.sha256, "steps": m.get("steps"),
            "images_seen": m.get("images_seen"), "train_seconds": m.get("train_seconds"), "runs": runs,
            "median": {k: v["median"] for k, v in s["measures"].items()},
            "range": {k: [v["min"], v["max"]] for k, v in s["measures"].items()},
            "attribute_ratios": {k: s["attribute_ratios"][k] for k in WATCHED_ATTRIBUTES
                                 if k in s["attribute_ratios"]},
            "seconds": r["seconds_all_seeds"]})
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(doc, indent=1), "utf-8")
    print()
    print(models_table(doc))
    print(f"\nwritten to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
