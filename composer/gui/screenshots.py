"""Screenshots of the main window and the witness view, driven through the real engine.

    python -m composer.gui.screenshots OUTDIR [--model PATH] [--text "..."]

Loads the model, types a description (one word of it not understood), generates
candidates, picks one, asks for "more like this", picks again, locks the eyes,
re-synthesises the rest, picks a result, and saves OUTDIR/screenshot-main.png and OUTDIR/screenshot-witness.png.
Run it under a display or `xvfb-run`; settings and autosaves go to a temporary folder
so a real user's preferences are untouched.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Callable, Optional, Sequence

from PyQt5.QtCore import QCoreApplication, QEventLoop, QSettings, Qt, QTimer
from PyQt5.QtWidgets import QApplication

DEFAULT_TEXT = "young woman with wavy brown hair and arched eyebrows, smiling, earrings, a scar on the chin"


def wait_until(ready: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run the event loop until `ready()` (checked every 50 ms) or fail after `timeout_s`."""
    loop = QEventLoop()
    timer = QTimer(interval=50)
    timer.timeout.connect(lambda: ready() and loop.quit())
    deadline = QTimer(singleShot=True, interval=int(timeout_s * 1000))
    deadline.timeout.connect(loop.quit)
    timer.start()
    deadline.start()
    loop.exec_()
    timer.stop()
    if not ready():
        raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def run_step(window, kind: str, start: Callable[[], object], timeout_s: float) -> None:
    """Start a job and wait until the session records a step of `kind`."""
    start()
    wait_until(lambda: not window.studio.jobs.busy and window.studio.session.current is not None
               and window.studio.session.current.kind == kind, timeout_s, f"the {kind} step")


def drive(window, text: str, timeout_s: float, lock_steps: int) -> None:
    """One short, realistic session: describe, generate, pick, vary, pick, lock the eyes (and the mouth
    from a photo), correct the description, re-synthesise, pick."""
    from composer.edit import LockSettings

    window.lock_defaults = LockSettings(steps=lock_steps)
    window.description.free_text.setPlainText(text)
    window.description.refresh()
    run_step(window, "generate", window.generate, timeout_s)
    window.studio.pick(min(4, window.grid.shown() - 1))
    run_step(window, "evolve", lambda: window.evolve(0.4), timeout_s)
    window.studio.pick(min(1, window.grid.shown() - 1))
    window.lock_tools.set_region_checked("eyes", True)
    photo = Path(__file__).resolve().parents[2] / "examples" / "session-photo-A.png"
    if photo.is_file():              # a second source: the mouth of a photo (a generated face, eyes known)
        from composer.edit.align import align_by_eyes, load_image
        size = window.studio.engine.image_size
        window.studio.import_reference(str(photo), align_by_eyes(load_image(photo)[0], (49, 66), (77.5, 66), size))
        window.lock_tools.set_region_checked("mouth", True)
    window.description.free_text.setPlainText(text + ", wearing glasses")     # the witness corrects
    window.description.refresh()
    run_step(window, "resynthesise", window.resynthesise, timeout_s)
    window.studio.pick(0)


def take(outdir: Path, model: Optional[Path], text: str, timeout_s: float,
         loader: Optional[Callable] = None, lock_steps: int = 20) -> list[Path]:
    """Drive a window through one short session and save the two screenshots."""
    from composer.gui.app import STYLE, create_window, load_engine

    app = QApplication.instance()
    if STYLE.exists() and app is not None:
        app.setStyleSheet(STYLE.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="composer-shots-") as tmp:
        scratch = Path(tmp)
        QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(scratch))
        window = create_window(loader=loader or load_engine, model_path=model,
                               recovery_root=scratch / "recovery")
        failure: list[str] = []
        window.studio.model_failed.connect(failure.append)
        window.resize(1560, 940)
        window.show()
        window.load_model()
        wait_until(lambda: window.studio.engine is not None or bool(failure), timeout_s, "the model")
        if failure:
            raise SystemExit(f"model could not be loaded: {failure[0]}")
        drive(window, text, timeout_s, lock_steps)
        window.show_witness()
        window.witness.resize(1200, 800)
        for _ in range(5):
            QCoreApplication.processEvents()
        outdir.mkdir(parents=True, exist_ok=True)
        paths = [outdir / "screenshot-main.png", outdir / "screenshot-witness.png"]
        window.grab().save(str(paths[0]))
        window.witness.grab().save(str(paths[1]))
        window.studio.mark_exported()
        window.close()
        return paths


def screenshot_app(name: str) -> QApplication:
    """The QApplication of a screenshot script: high-DPI aware, offscreen when there is no display."""
    QCoreApplication.setAttribute(Qt.AA_EnableHighDpiScaling, True)
    QCoreApplication.setAttribute(Qt.AA_UseHighDpiPixmaps, True)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QApplication.instance() or QApplication([name])


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m composer.gui.screenshots", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("outdir", type=Path)
    p.add_argument("--model", type=Path, default=None)
    p.add_argument("--text", default=DEFAULT_TEXT)
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per wait")
    p.add_argument("--lock-steps", type=int, default=20, help="optimiser steps for the re-synthesis")
    args = p.parse_args(argv)
    app = screenshot_app("composer-screenshots")  # noqa: F841
    for path in take(args.outdir, args.model, args.text, args.timeout, lock_steps=args.lock_steps):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
