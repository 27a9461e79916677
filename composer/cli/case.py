"""`composer case`: build a signed case file headless (generate, pick, lock, re-synthesise, export)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("case", help="build a case file without the GUI",
                              description="Generate candidates for a caption, pick one, optionally lock "
                                          "regions and re-synthesise the rest, and export a signed case file.")
    p.add_argument("--caption", required=True, help="the caption to render")
    p.add_argument("--lock", action="append", default=[], metavar="REGION",
                   help="region to keep when re-synthesising (repeatable: eyes, nose, mouth, ...)")
    p.add_argument("--seed", type=int, default=0, help="seed for candidates and re-synthesis (default 0)")
    p.add_argument("-n", type=int, default=4, help="number of candidates (default 4)")
    p.add_argument("--pick", type=int, default=0, help="candidate to pick (default 0)")
    p.add_argument("--lock-steps", type=int, default=None, help="optimisation steps (default: lock default)")
    p.add_argument("--out", required=True, help="the .composer-case file to write")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument("--case-id", default=None, help="case number (default: the --out file name)")
    p.add_argument("--operator", default="", help="who made the portrait")
    p.add_argument("--witness", default="", help="witness reference")
    p.add_argument("--model", default=None, help="model bundle folder (default: the installed model)")
    p.add_argument("--keys-dir", default=None, help="folder of this workstation's keys (default: user config)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from composer.casefile.builder import CaseRecipe, build_session
    from composer.casefile.export import SUFFIX, export_case
    from composer.casefile.record import CaseMeta
    from composer.errors import ComposerError

    out = Path(args.out)
    if out.suffix != SUFFIX:
        out = out.with_name(out.name + SUFFIX)
    try:
        if out.exists() and not args.force:
            raise ComposerError(f"{out} already exists; choose another name or use --force to replace it.")
        from composer.engine import Engine
        engine = Engine.load(Path(args.model) if args.model else None, device="cpu")
        recipe = CaseRecipe(args.caption, n=args.n, seed=args.seed, pick=args.pick, lock=tuple(args.lock),
                            lock_steps=args.lock_steps)
        session = build_session(engine, recipe)
        meta = CaseMeta(args.case_id or out.name[: -len(SUFFIX)], args.operator, args.witness)
        result = export_case(session, engine, meta, out, keys_dir=args.keys_dir, overwrite=args.force)
    except ComposerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {result.path} (case {result.case_id}, {len(session.steps)} steps, "
          f"signed by {result.signer_fingerprint[:16]})")
    return 0
