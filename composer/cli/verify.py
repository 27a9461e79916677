"""`composer verify CASE`: check a case file's integrity and signature; exit 1 on any problem."""
from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("verify", help="check a .composer-case file (hashes, signature, record)",
                              description="Check that a case file is complete, unchanged and signed by a "
                                          "trusted key. Prints OK or every problem found.")
    p.add_argument("case", help="the .composer-case file")
    p.add_argument("--trust", action="append", default=[], metavar="KEYFILE",
                   help="also trust the signer whose public key is in KEYFILE (repeatable)")
    p.add_argument("--keys-dir", default=None, help="folder of this workstation's keys (default: user config)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from composer.casefile.signing import trusted_fingerprints
    from composer.casefile.verify import verify_case
    from composer.errors import ComposerError

    try:
        trusted = trusted_fingerprints(args.keys_dir, args.trust)
    except ComposerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    report = verify_case(args.case, trusted_keys=trusted)
    print("\n".join(report.lines()), file=sys.stdout if report.ok else sys.stderr)
    return 0 if report.ok else 1
