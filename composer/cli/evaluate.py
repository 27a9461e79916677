"""`composer evaluate --model DIR --data FOLDER`: grade a generator with Composer's own attribute
classifier (trained on the CelebA train split on first use and cached), print a table and write JSON."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "evaluate", help="measure a model: attribute agreement, Fréchet distance, diversity",
        description="Generate a portrait for each CelebA test attribute set and judge it with Composer's own "
                    "attribute classifier (trained on the train split on first use, then cached). Reports "
                    "agreement with the requested attributes against real photos, the Fréchet distance in "
                    "the classifier's feature space, and diversity among candidates.")
    p.add_argument("--model", default=None,
                   help="model bundle folder (default: $COMPOSER_MODEL, else models/default)")
    p.add_argument("--data", required=True, help="CelebA folder (celeba_attrs.csv, celeba_meta.csv, npz packs)")
    p.add_argument("--limit", type=int, default=None, help="use N test attribute sets (seeded subsample)")
    p.add_argument("--classifier", default=str(REPO / "models" / "classifier"),
                   help="classifier folder; trained there if it holds none")
    p.add_argument("--out", default=None, help="JSON report (default runs/eval/<model name>.json)")
    p.add_argument("--diversity-captions", type=int, default=20, help="captions of the diversity measure")
    p.add_argument("--candidates", type=int, default=9, help="candidates per caption for diversity (>= 2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the latents and of the subsample")
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    p.set_defaults(func=run)


def _write_json(path: Path, doc: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def run(args: argparse.Namespace) -> int:
    import torch

    from composer.errors import ComposerError, DataError
    from composer.engine import Engine
    from composer.train.classifier import ClassifierConfig, ensure_classifier
    from composer.train.evaluate import EvalConfig, evaluate, format_report

    if (args.limit is not None and args.limit < 2) or args.candidates < 2 or args.diversity_captions < 1:
        print("error: --limit and --candidates must be at least 2 (distances need two samples), "
              "--diversity-captions at least 1", file=sys.stderr)
        return 2
    torch.set_num_threads(max(1, args.threads))
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    try:
        data = Path(args.data)
        if not data.is_dir():
            raise DataError(f"data folder {data} does not exist; pass --data with the CelebA folder "
                            "(for example ../shared/data/celeba)")
        model = Engine.load(Path(args.model) if args.model else None, "cpu").model
        clf = ensure_classifier(Path(args.classifier), data, ClassifierConfig(threads=max(1, args.threads)), log)
        report = evaluate(model, clf, data, EvalConfig(limit=args.limit, seed=args.seed,
                                                    diversity_captions=args.diversity_captions,
                                                    diversity_candidates=args.candidates), log)
        out = Path(args.out) if args.out else Path("runs") / "eval" / f"{model.name}.json"
        _write_json(out, report)
    except ComposerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(format_report(report))
    print(f"\nreport written to {out}")
    return 0
