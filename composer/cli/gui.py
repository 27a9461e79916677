"""`composer gui`: open the Composer window (PyQt5 is imported only when it runs)."""
from __future__ import annotations

import argparse
from pathlib import Path

DEVICES = ("auto", "cpu", "cuda")


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("gui", help="open the Composer window",
                              description="Open the Composer window. The model loads in the "
                                          "background; the window is usable meanwhile.")
    p.add_argument("--model", type=Path, default=None,
                   help="model bundle to load (default: the shipped model in models/)")
    p.add_argument("--device", choices=DEVICES, default=None,
                   help="where to run the model (default: the last choice, else auto)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from composer.gui.app import run as run_gui

    return run_gui([], model=args.model, device=args.device)
