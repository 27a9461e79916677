"""`composer evaluate --model DIR --data FOLDER`: grade a generator with Composer's own attribute
classifier (trained on the CelebA train split on first use and cached), KID, and a real-vs-generated
detector trained for the model, over several latent seeds; print tables and write JSON."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from composer.cli.validate import check_model_arg, check_output_file, int_range, seed

REPO = Path(__file__).resolve().parents[2]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "evaluate", help="measure a model: attribute agreement, Fréchet distance, KID, diversity, realism detector",
        description="Generate a portrait for each CelebA test attribute set and judge it with Composer's own "
                    "attribute classifier (trained on the train split on first use, then cached). Reports "
                    "agreement with the requested attributes against real photos, the Fréchet distance and "
                    "KID in the classifier's feature space, diversity among candidates, and a real-vs-generated "
                    "detector trained for this model (held-out accuracy, Fréchet distance and KID in its "
                    "features), each beside its real-vs-real floor, as median (range) over --seeds latent seeds.")
    p.add_argument("--model", default=None,
                   help="model bundle folder (default: $COMPOSER_MODEL, else models/default)")
    p.add_argument("--data", required=True, help="CelebA folder (celeba_attrs.csv, celeba_meta.csv, npz packs)")
    p.add_argument("--limit", type=int, default=None, help="use N test attribute sets (seeded subsample)")
    p.add_argument("--classifier", default=str(REPO / "models" / "classifier"),
                   help="classifier folder; trained there if it holds none")
    p.add_argument("--out", default=None, help="JSON report (default runs/eval/<model name>.json)")
    p.add_argument("--diversity-captions", type=int, default=20, help="captions of the diversity measure")
    p.add_argument("--candidates", type=int, default=9, help="candidates per caption for diversity (>= 2)")
    p.add_argument("--seed", type=seed, default=0, help="first seed of the latents and of the subsample")
    p.add_argument("--seeds", type=int, default=3,
                   help="number of seeds (--seed, --seed+1, ...); figures are reported as median (range)")
    p.add_argument("--detector", action=argparse.BooleanOptionalAction, default=True,
                   help="train and score the real-vs-generated detector (about a minute per seed)")
    p.add_argument("--detector-train", type=int, default=2000,
                   help="real train faces for the detector, against as many portraits (>= 2)")
    p.add_argument("--kid-subsets", type=int, default=50, help="random subsets KID is averaged over")
    p.add_argument("--threads", type=int_range(1, 1024), default=2, help="torch CPU threads")
    p.set_defaults(func=run)


def _write_json(path: Path, doc: dict) -> None:
    from composer.atomic import atomic_write_text
    atomic_write_text(path, json.dumps(doc, indent=1, sort_keys=True), overwrite=True)


def run(args: argparse.Namespace) -> int:
    import torch

    from composer.errors import ComposerError, DataError
    from composer.engine import Engine
    from composer.train.classifier import ClassifierConfig, ensure_classifier
    from composer.train.evaluate import EvalConfig, evaluate_seeds, format_report, format_summary

    if (args.limit is not None and args.limit < 2) or args.candidates < 2 or args.diversity_captions < 1:
        print("error: --limit and --candidates must be at least 2 (distances need two samples), "
              "--diversity-captions at least 1", file=sys.stderr)
        return 2
    if args.seeds < 1 or args.kid_subsets < 1 or (args.detector and args.detector_train < 2):
        print("error: --seeds and --kid-subsets must be at least 1, --detector-train at least 2", file=sys.stderr)
        return 2
    torch.set_num_threads(max(1, args.threads))
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    try:
        if args.out:    # name length, a folder, an unwritable place: refused before any work (creates nothing)
            check_output_file(Path(args.out), "--out report")
        check_model_arg(args.model)
        data = Path(args.data)
        if not data.is_dir():
            raise DataError(f"data folder {data} does not exist; pass --data with the CelebA folder "
                            "(for example ../shared/data/celeba)")
        model = Engine.load(Path(args.model) if args.model else None, "cpu").model
        out = Path(args.out) if args.out else Path("runs") / "eval" / f"{model.name}.json"
        check_output_file(out, "--out report")          # the default path too, before the classifier
        clf = ensure_classifier(Path(args.classifier), data, ClassifierConfig(threads=max(1, args.threads)), log)
        cfg = EvalConfig(limit=args.limit, seed=args.seed, diversity_captions=args.diversity_captions,
                         diversity_candidates=args.candidates, kid_subsets=args.kid_subsets,
                         detector=args.detector, detector_train=args.detector_train)
        report = evaluate_seeds(model, clf, data, cfg, range(args.seed, args.seed + args.seeds), log)
        _write_json(out, report)
    except ComposerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(format_report(report))
    print()
    print(format_summary(report))
    print(f"\nreport written to {out} (seed {args.seed}'s report at the top level; every seed under \"runs\", "
          "median (range) under \"summary\")")
    return 0
