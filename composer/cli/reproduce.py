"""`composer reproduce CASE`: re-run every step on CPU and check every image is bit-identical."""
from __future__ import annotations

import argparse
import sys

from composer.cli.validate import int_range


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("reproduce", help="re-create every image of a case file and compare",
                              description="Load the model the case names (by SHA-256), replay every step "
                                          "on CPU and check every candidate and the final portrait.")
    p.add_argument("case", help="the .composer-case file")
    p.add_argument("--models", action="append", default=None, metavar="DIR",
                   help="folder to search for model bundles (repeatable; default: $COMPOSER_MODELS, models/)")
    p.add_argument("--trust", action="append", default=[], metavar="KEYFILE",
                   help="accept only a case signed by the public key in KEYFILE (repeatable; the local key "
                        "and trusted_keys/ are then not trusted)")
    p.add_argument("--unverified", action="store_true",
                   help="replay even a case that fails verification (for investigation; the report says so)")
    p.add_argument("--keys-dir", default=None, help="folder of this workstation's keys (default: user config)")
    p.add_argument("--threads", type=int_range(1, 1024), default=None, metavar="N",
                   help="CPU threads to replay with when the case file does not record them (cases written "
                        "before Composer recorded the thread count); a recorded count always wins")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from composer.casefile.reproduce import reproduce_case
    from composer.casefile.signing import local_trust, pinned_trust
    from composer.errors import ComposerError

    try:
        trust = pinned_trust(args.trust) if args.trust else local_trust(args.keys_dir)
        report = reproduce_case(args.case, args.models, trust=trust, unverified=args.unverified,
                                threads=args.threads)
    except ComposerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("\n".join(report.lines()), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1
