"""`composer verify CASE`: check a case file's integrity and signature; exit 1 on any problem."""
from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("verify", help="check a .composer-case file (hashes, signature, record)",
                              description="Check that a case file is complete, unchanged and signed by a "
                                          "trusted key. Prints OK or every problem found. Exit status: 0 OK, 1 "
                                          "problems, 2 bad arguments, 3 intact but a legacy (pre-canonical) "
                                          "container.")
    p.add_argument("case", help="the .composer-case file")
    p.add_argument("--trust", action="append", default=[], metavar="KEYFILE",
                   help="accept only a case signed by the public key in KEYFILE (repeatable: one of these "
                        "keys, and no other; this workstation's key and trusted_keys/ are then not trusted)")
    p.add_argument("--keys-dir", default=None, help="folder of this workstation's keys (default: user config)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from composer.casefile.signing import local_trust, pinned_trust
    from composer.casefile.verify import verify_case
    from composer.errors import ComposerError

    try:
        trust = pinned_trust(args.trust) if args.trust else local_trust(args.keys_dir)
    except ComposerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    report = verify_case(args.case, trust=trust)
    print("\n".join(report.lines()), file=sys.stdout if report.exit_code == 0 else sys.stderr)
    return report.exit_code   # 0 OK; 1 problems; 3 intact but a legacy (pre-canonical) container
