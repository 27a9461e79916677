"""`composer case`: build a signed case file headless (generate, pick, lock, re-synthesise, export)."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from composer.cli.validate import (check_model_arg, check_names, check_output_dir, check_output_file, description,
                                   int_range, safe, seed)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("case", help="build a case file without the GUI",
                              description="Generate candidates for a caption, pick one, optionally lock "
                                          "regions and re-synthesise the rest, and export a signed case file.")
    p.add_argument("--caption", required=True, type=description, help="the caption to render (at most 2,000 characters)")
    p.add_argument("--lock", action="append", default=[], metavar="REGION",
                   help="region to keep when re-synthesising (repeatable: eyes, nose, mouth, ...)")
    p.add_argument("--seed", type=seed, default=0, help="seed for candidates and re-synthesis (0 to 2**63-1; default 0)")
    p.add_argument("-n", type=int_range(1, 64), default=4, help="number of candidates, 1-64 (default 4)")
    p.add_argument("--pick", type=int_range(0, 63), default=0, help="candidate to pick, 0 to n-1 (default 0)")
    p.add_argument("--lock-steps", type=int_range(1, 100000), default=None,
                   help="optimisation steps, at least 1 (default: lock default)")
    p.add_argument("--out", required=True,
                   help="the .composer-case file to write (a file name; an existing folder is refused)")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument("--case-id", default=None, help="case number (default: the --out file name)")
    p.add_argument("--operator", default="", help="who made the portrait")
    p.add_argument("--witness", default="", help="witness reference")
    p.add_argument("--model", default=None, help="model bundle folder (default: the installed model)")
    p.add_argument("--keys-dir", default=None, help="folder of this workstation's keys (default: user config)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from composer.cli.gui import ensure_runtime_dir
    from composer.errors import ComposerError

    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")   # the PDF report is drawn with Qt
    ensure_runtime_dir()
    SUFFIX = ".composer-case"
    # Everything is checked before the work starts and before a signing key is made: nothing is
    # created when the inputs are wrong.
    out = Path(args.out)
    check_names(out, "case file")
    if args.out.endswith(("/", os.sep)) or out.is_dir():
        raise ComposerError(f"--out {safe(args.out)} is a folder; give the case file's name, for example "
                            f"{safe(out / ('case-1' + SUFFIX))}.")
    if out.suffix != SUFFIX:
        out = out.with_name(out.name + SUFFIX)
    if out.exists() and not args.force:
        raise ComposerError(f"{safe(out)} already exists; choose another name or use --force to replace it.")
    check_output_file(out, "case file", overwrite=args.force)
    if args.pick >= args.n:
        raise ComposerError(f"--pick {args.pick} is not one of the {args.n} candidates; choose 0 to {args.n - 1}.")
    check_model_arg(args.model)
    if args.keys_dir is not None:
        from composer.casefile.signing import PRIVATE_KEY
        if not (Path(args.keys_dir) / PRIVATE_KEY).exists():
            check_output_dir(args.keys_dir, "--keys-dir folder")
    from composer.casefile.builder import CaseRecipe, build_session
    from composer.casefile.export import export_case
    from composer.casefile.record import CaseMeta
    from composer.engine import Engine

    engine = Engine.load(Path(args.model) if args.model else None, device="cpu")
    recipe = CaseRecipe(args.caption, n=args.n, seed=args.seed, pick=args.pick, lock=tuple(args.lock),
                        lock_steps=args.lock_steps)
    session = build_session(engine, recipe)
    meta = CaseMeta(args.case_id or out.name[: -len(SUFFIX)], args.operator, args.witness)
    result = export_case(session, engine, meta, out, keys_dir=args.keys_dir, overwrite=args.force)
    print(safe(f"wrote {result.path} (case {result.case_id}, {len(session.steps)} steps, "
               f"signed by {result.signer_fingerprint[:16]})"))
    return 0
