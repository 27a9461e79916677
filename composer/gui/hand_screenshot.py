"""Screenshot of the Hand tools: a portrait with a scar, a mole, freckles and two shape warps.

    xvfb-run -a python -m composer.gui.hand_screenshot docs [--model PATH]

Drives the real window (describe, generate, pick, then the Hand panel) and saves
OUTDIR/screenshot-hand.png; settings and autosaves go to a temporary folder.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Optional, Sequence

from PyQt5.QtCore import QCoreApplication, QSettings
from PyQt5.QtWidgets import QApplication

from composer.gui.screenshots import run_step, screenshot_app, wait_until

TEXT = "a middle aged man with short black hair, a scar on his left cheek and a mole"


def take(outdir: Path, model: Optional[Path], timeout_s: float = 300.0) -> Path:
    from composer.gui.app import STYLE, create_window, load_engine

    app = QApplication.instance()
    if STYLE.exists() and app is not None:
        app.setStyleSheet(STYLE.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="composer-shots-") as tmp:
        QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tmp)
        window = create_window(loader=load_engine, model_path=model, recovery_root=Path(tmp) / "recovery")
        window.resize(1560, 940)
        window.show()
        window.load_model()
        wait_until(lambda: window.studio.engine is not None, timeout_s, "the model")
        window.description.free_text.setPlainText(TEXT)
        window.description.refresh()
        run_step(window, "generate", window.generate, timeout_s)
        window.studio.pick(min(2, window.grid.shown() - 1))
        window.tool_tabs.setCurrentWidget(window.hand_tools)
        hand = window.hand
        hand.place("scar_line", 0.69, 0.66)
        hand.place("mole", 0.41, 0.80)
        hand.place("freckles", 0.40, 0.63)
        window.hand_tools.warp_sliders["eye_spacing"].setValue(50)
        window.hand_tools.warp_sliders["jaw_width"].setValue(40)
        window.hand_tools.marks_list.setCurrentRow(0)
        for _ in range(5):
            QCoreApplication.processEvents()
        outdir.mkdir(parents=True, exist_ok=True)
        path = outdir / "screenshot-hand.png"
        window.grab().save(str(path))
        window.studio.mark_exported()
        window.close()
        return path


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m composer.gui.hand_screenshot", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("outdir", type=Path)
    p.add_argument("--model", type=Path, default=None)
    args = p.parse_args(argv)
    app = screenshot_app("composer-hand-screenshot")  # noqa: F841
    print(take(args.outdir, args.model))
    return 0


if __name__ == "__main__":
    sys.exit(main())
