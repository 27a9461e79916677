"""`composer gui`: open the Composer window (PyQt5 is imported only when it runs).

Before Qt starts, the command checks that there is a display to open the window on and says how to
get one; Qt would otherwise abort the process (SIGABRT) with its raw plugin text. It also gives Qt a
private runtime folder when the session has none ("QStandardPaths: XDG_RUNTIME_DIR not set").
"""
from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

DEVICES = ("auto", "cpu", "cuda")

NO_DISPLAY = ("no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set). Run "
              "`composer gui` in a desktop session, over `ssh -X`, or on a headless server under a virtual "
              "display: `xvfb-run composer gui` (apt-get install xvfb); QT_QPA_PLATFORM=offscreen runs it "
              "without any window (tests, screenshots). The command-line tools (generate, case, verify) "
              "need no display.")


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("gui", help="open the Composer window",
                              description="Open the Composer window. The model loads in the "
                                          "background; the window is usable meanwhile. Needs a display "
                                          "(DISPLAY or WAYLAND_DISPLAY), or QT_QPA_PLATFORM=offscreen.")
    p.add_argument("--model", type=Path, default=None,
                   help="model bundle folder to load (default: the shipped model in models/)")
    p.add_argument("--device", choices=DEVICES, default=None,
                   help="where to run the model (default: the last choice, else auto)")
    p.set_defaults(func=run)
    return p


def ensure_runtime_dir() -> None:
    """Set XDG_RUNTIME_DIR to a private folder (0700, under the temp dir) when the session has none."""
    if os.environ.get("XDG_RUNTIME_DIR"):
        return
    path = Path(tempfile.gettempdir()) / f"composer-runtime-{os.getuid()}"
    try:
        path.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(path)
        if st.st_uid != os.getuid() or (st.st_mode & 0o777) != 0o700 or not path.is_dir() or path.is_symlink():
            path = Path(tempfile.mkdtemp(prefix="composer-runtime-"))   # someone else's: a fresh one (0700)
    except OSError:
        return   # Qt falls back to its own default and says so; nothing worse
    os.environ["XDG_RUNTIME_DIR"] = str(path)


def display_problem(env=os.environ) -> str | None:
    """Why Qt could not open a window here, or None."""
    if env.get("QT_QPA_PLATFORM") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return NO_DISPLAY


def run(args: argparse.Namespace) -> int:
    from composer.cli.validate import check_model_arg
    from composer.errors import ComposerError

    problem = display_problem()
    if problem:
        raise ComposerError(problem)
    check_model_arg(args.model)
    ensure_runtime_dir()
    from composer.gui.fatal import install_fatal_handler
    install_fatal_handler()
    from composer.gui.app import run as run_gui

    return run_gui([], model=args.model, device=args.device)
