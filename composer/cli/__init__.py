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

COMMANDS = ("gui", "generate", "train", "train_refiner", "evaluate", "case", "session", "verify", "reproduce")


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error that says where to look: "composer generate: error: argument
    --seed: must be between ... (see composer generate --help)", exit 2."""

    def error(self, message: str):  # noqa: D102
        from composer.cli.validate import safe
        self.exit(2, f"{self.prog}: error: {safe(message)} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="composer", description="Composer: composite portraits from a "
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


def _hint(e: BaseException) -> str:
    """One line for an OS or value error that escaped a command: what failed and what to do."""
    from composer.cli.validate import safe
    if isinstance(e, OSError):
        where = f" {e.filename}" if e.filename else ""
        return safe(f"cannot use{where}: {e.strerror or e} (check the path, its permissions and free space)")
    return safe(f"{e} (check the arguments with composer COMMAND --help; if they are right, re-run with "
                f"COMPOSER_DEBUG=1 and report the traceback)")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run a command; returns the exit status. Never prints a traceback for a user's mistake:
    errors are one line, "error: ... (what to do)", exit 2. COMPOSER_DEBUG=1 re-raises them."""
    import os

    from composer.cli.validate import safe
    from composer.errors import ComposerError
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, or a refused argument (one line, exit 2)
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ComposerError as e:
        if os.environ.get("COMPOSER_DEBUG"):
            raise
        print(f"error: {safe(e, keep_newlines=True)}", file=sys.stderr)
        return 2
    except (OSError, ValueError, OverflowError) as e:
        if os.environ.get("COMPOSER_DEBUG"):
            raise
        print(f"error: {_hint(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
