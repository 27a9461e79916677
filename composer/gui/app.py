"""Start the Composer GUI: Qt application, settings, crash recovery, model loading.

`run(argv)` is what `python main.py` and `composer gui` call. `create_window` builds
a fully wired window from injectable parts (engine loader, dialogs, recovery
folder), which is how the tests build it with a fake engine.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Optional, Sequence

from PyQt5.QtCore import QCoreApplication, Qt
from PyQt5.QtWidgets import QApplication

from composer.edit.align import align_by_eyes, align_photo, load_image
from composer.edit.masks import region_mask
from composer.edit.regions import REGIONS
from composer.gui.controller import EngineLoader, Studio
from composer.gui.dialogs import Dialogs
from composer.gui.export_dialog import ExportDialog
from composer.gui.main_window import MainWindow, WindowParts
from composer.gui.recovery import offer_recovery
from composer.gui.settings import APPLICATION, DEVICES, ORGANISATION, SettingsStore
from composer.session import Session, default_recovery_root
from composer.text.description import interpret
from composer.text.schema import load_schema

STYLE = Path(__file__).resolve().parents[2] / "resources" / "style.qss"


def load_engine(path: Optional[Path], device: str, refine: Optional[bool] = None):
    """Engine.load on the worker thread; a CUDA request without a GPU falls back to the CPU.
    `refine` (default: the saved "Use the 2× refiner" setting) is the refiner opt-out."""
    import torch

    from composer.engine import Engine

    if device == "cuda" and not torch.cuda.is_available():
        device = "cpu"
    if refine is None:
        refine = SettingsStore().load().refiner
    engine = Engine.load(path, device=device, refine=refine)
    if engine.device.type == "cpu":          # measured, not guessed: see composer/edit/calibrate.py
        from composer.edit.calibrate import calibrate_lock
        engine.lock_runtime = calibrate_lock(engine)
    return engine


def region_parts():
    """Region preset names and the mask function from composer.edit."""
    return tuple(REGIONS), (lambda name, size: region_mask(name, size))


def export_with(studio: Studio, window: MainWindow) -> bool:
    """Run the export dialog for the studio's session; True if a case file was written."""
    from composer.casefile.export import export_case
    from composer.casefile.report_pdf import render_pdf

    if studio.engine is None:
        window.dialogs.error("Export needs the model", "Load the model first: the case file "
                             "records the model's identity so the portrait can be reproduced.")
        return False

    def exporter(meta, path, render):
        return export_case(studio.session, studio.engine, meta, path, render_pdf=render)

    dialog = ExportDialog(exporter, render_pdf, window.settings.last_folder, window)
    return bool(dialog.exec_()) and dialog.result_info() is not None


def create_window(loader: EngineLoader = load_engine, model_path: Optional[Path] = None,
                  dialogs: Optional[Dialogs] = None, recovery_root: Optional[Path] = None,
                  export: Optional[Callable] = None) -> MainWindow:
    """A wired main window with a fresh session autosaving under `recovery_root`
    (recovery of an earlier session is offered by `start`)."""
    schema = load_schema()
    regions, region_mask = region_parts()
    studio = Studio(Session(recovery_root or default_recovery_root()), loader)
    parts = WindowParts(schema=schema, regions=regions, region_mask=region_mask,
                        interpret=lambda d: interpret(d, schema), load_photo=load_image,
                        align_photo=align_photo, align_by_eyes=align_by_eyes,
                        export_dialog=export or (lambda w: export_with(studio, w)),
                        model_path=model_path)
    return MainWindow(studio, SettingsStore(), parts, dialogs)


def start(window: MainWindow, recovery_root: Optional[Path] = None) -> None:
    """Show the window, offer crash recovery, and start loading the model in the background."""
    window.show()
    window.fit_to_screen()      # now the window manager's frame is known
    from composer.record.retention import clean_at_start   # never raises: at most one status line
    cleaned = clean_at_start(recovery_root or default_recovery_root(), window.settings.retention_days)
    session, note = offer_recovery(window.dialogs, recovery_root or default_recovery_root())
    if session is not None:
        window.switch_session(session)
    if note or cleaned:
        window.status.showMessage(note or cleaned, 10000)
    window.load_model()


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="composer gui", description="Open the Composer window.")
    p.add_argument("--model", type=Path, default=None, help="model bundle (default: models/)")
    p.add_argument("--device", choices=DEVICES, default=None, help="override the saved device")
    return p.parse_args(list(argv))


def run(argv: Optional[Sequence[str]] = None, model: Optional[Path] = None,
        device: Optional[str] = None) -> int:
    """Open the window and run the event loop; returns the exit status."""
    if argv is None:
        argv = sys.argv[1:]
    args = parse_args(argv)
    QCoreApplication.setAttribute(Qt.AA_EnableHighDpiScaling, True)   # before QApplication
    QCoreApplication.setAttribute(Qt.AA_UseHighDpiPixmaps, True)
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "composer"])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    if STYLE.exists():
        app.setStyleSheet(STYLE.read_text(encoding="utf-8"))
    window = create_window(model_path=model or args.model)
    from composer.gui.passphrase import install as install_passphrase_dialog
    install_passphrase_dialog(window)     # a passphrase-protected signing key is asked for in a dialog
    chosen = device or args.device
    if chosen:
        window.set_device(chosen, reload=False)
    start(window)
    return app.exec_()
