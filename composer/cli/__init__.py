"""`composer` command line: one sub-command per module, all over the same Engine as the GUI.

Sub-command modules define `register(subparsers)` and set `func(args) -> int`; heavy imports (torch,
PyQt5) happen inside `func`, so `composer --help` is instant and headless commands never load Qt.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from typing import Optional, Sequence

from composer import __version__

COMMANDS = ("gui", "generate", "train", "evaluate", "case", "verify", "reproduce")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="composer", description="Composer: composite portraits from a "
                                     "witness description, with region lock and verifiable case files.")
    parser.add_argument("--version", action="version", version=f"composer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"composer.cli.{name}")
        except ImportError as e:  # a broken optional front end must not take the others down
            print(f"warning: command {name!r} unavailable: {e}", file=sys.stderr)
            continue
        module.register(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    from composer.errors import ComposerError
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ComposerError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
