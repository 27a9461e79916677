"""`composer session run SCRIPT`: run a session script headless (drills, examples, tests) and write
its case file (the script's export steps)."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from composer.cli.validate import check_model_arg, check_output_dir, safe


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("session", help="run a session script headless",
                              description="Run the window's operations from a JSON/YAML script and write the "
                                          "case file its export steps name (docs/session-script.md).")
    sub = p.add_subparsers(dest="session_command", metavar="ACTION")
    run_p = sub.add_parser("run", help="run a script", description="Run a session script: describe, generate, "
                           "pick, more like this, lock, re-synthesise, undo, branch, hand tools, export.")
    run_p.add_argument("script", help="the .json/.yaml session script")
    run_p.add_argument("--model", default=None, help="model bundle folder (default: the installed model)")
    run_p.add_argument("--keys-dir", default=None, help="folder of this workstation's keys (default: user config)")
    run_p.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: torch's choice)")
    run_p.set_defaults(func=run)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def run(args: argparse.Namespace) -> int:
    from composer.cli.gui import ensure_runtime_dir
    from composer.errors import ComposerError
    from composer.script import ScriptRunner, load_script

    script = load_script(args.script)          # every step is checked before the model loads
    check_model_arg(args.model)
    if args.keys_dir is not None:
        from composer.casefile.signing import PRIVATE_KEY
        if not (Path(args.keys_dir) / PRIVATE_KEY).exists():
            check_output_dir(args.keys_dir, "--keys-dir folder")
    if not any(s.op == "export" for s in script.steps):
        print("note: the script has no export step; nothing will be written.")
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")   # the PDF report is drawn with Qt
    ensure_runtime_dir()
    import torch

    from composer.engine import Engine
    from composer.session import Session
    if args.threads:
        if args.threads < 1:
            raise ComposerError("--threads must be at least 1.")
        torch.set_num_threads(args.threads)
    engine = Engine.load(Path(args.model) if args.model else None, device="cpu")
    session = Session(None)
    runner = ScriptRunner(engine, session, script, keys_dir=Path(args.keys_dir) if args.keys_dir else None)
    for done in runner.run():
        step = done.recorded
        what = f"→ step {step.id} {step.kind}" if step is not None and hasattr(step, "kind") else ""
        print(safe(f"{done.step.index:>3} {done.step.op:<14} {what} {done.note}".rstrip()))
    print(safe(f"done: {len(session.steps)} steps recorded, {len(runner.exported)} case file(s) written"))
    return 0
