"""The Composer main window: a composition of widgets wired to the Studio.

Left: the description panel. Centre: the candidate grid. Right: the canvas with
the lock tools. Dock: the history. The window holds no model logic: widgets
report intent, the Studio runs it in the background and records it, and the
window redraws from `studio.view()` whenever the Studio says something changed.

The witness's words are recorded as history (composer/gui/witness_words.py: debounced, and at
once before anything uses them), the grid says when the description no longer matches it, the
File menu's session commands live in composer/gui/session_files.py, the lock flow (regions, brush,
reference photos, re-synthesis) in composer/gui/lock_controller.py, and an interim or test model
is flagged permanently (composer/model_status.py).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
from PyQt5.QtCore import QRect, Qt
from PyQt5.QtGui import QGuiApplication
from PyQt5.QtWidgets import (QDockWidget, QMainWindow, QMessageBox, QScrollArea, QSplitter, QTabWidget,
                             QVBoxLayout, QWidget)

from composer.gui.actions import Actions, build_actions
from composer.gui.controller import Studio
from composer.gui.dialogs import CANCEL, EXPORT, Dialogs
from composer.gui.domain import Description, LockSettings
from composer.gui.mask_editor import MaskEditor, RegionMaskFn
from composer.gui.settings import GuiSettings, SettingsStore
from composer.gui.widgets.candidate_grid import CandidateGrid
from composer.gui.widgets.canvas import PortraitCanvas
from composer.gui.widgets.description_panel import DescriptionPanel
from composer.gui.widgets.history_panel import HistoryPanel
from composer.gui.widgets.lock_tools import LockTools
from composer.gui.widgets.hand_tools import HandTools
from composer.gui.hand_controller import HandController
from composer.gui.lock_controller import LockController
from composer.gui.widgets.status_bar import StatusBar
from composer.gui.widgets.witness_view import WitnessView
from composer.gui import mnemonics, screens
from composer.gui.session_files import SessionFiles
from composer.gui.witness_screen import WitnessScreen, qt_rect
from composer.gui.witness_words import CaptionNotice, DescriptionRecorder
from composer.model_status import window_warning

Point = tuple[float, float]
PhotoLoader = Callable[[Path], tuple[np.ndarray, tuple[str, ...]]]   # -> RGB pixels, notices
Aligner = Callable[[np.ndarray, int], np.ndarray]                   # photo -> size×size face
EyeAligner = Callable[[np.ndarray, Point, Point, int], np.ndarray]  # photo, eyes -> size×size




@dataclass(frozen=True)
class WindowParts:
    """What the window is built from (the app supplies the real ones, tests fakes)."""

    schema: object
    regions: Sequence[str]
    region_mask: RegionMaskFn
    interpret: Callable[[Description], object]       # used until a model is loaded
    load_photo: PhotoLoader                           # ImageError if the file is unusable
    align_photo: Aligner                              # ImageError if no face is found
    align_by_eyes: EyeAligner                         # hand-placed eyes (the fallback)
    export_dialog: Optional[Callable] = None          # (window) -> bool exported
    model_path: Optional[Path] = None


class MainWindow(QMainWindow):
    def __init__(self, studio: Studio, store: SettingsStore, parts: WindowParts,
                 dialogs: Optional[Dialogs] = None) -> None:
        super().__init__()
        self.setWindowTitle("Composer")
        self.setObjectName("composerMainWindow")
        self.setAcceptDrops(True)
        self.studio, self.store, self.parts = studio, store, parts
        self.dialogs = dialogs or Dialogs(self)
        self.settings: GuiSettings = store.load()
        self.lock_defaults = LockSettings()   # optimiser settings for re-synthesis (count/seed set per run)

        self.description = DescriptionPanel()
        self.description.set_schema(parts.schema)
        self.description.set_interpreter(parts.interpret)
        self.grid = CandidateGrid(self.settings.n_candidates)
        self.grid.set_strength(self.settings.evolve_strength)
        self.lock_tools = LockTools(parts.regions)
        self.hand_tools = HandTools()      # marks, feature shape, holistic sliders (composer/gui/hand_controller.py)
        self.canvas = PortraitCanvas(self.lock_tools.colours)
        self.history = HistoryPanel()
        self.witness = WitnessView()
        self.witness_screen = WitnessScreen(self)    # what the witness view shows, and on which screen
        self.status = StatusBar()
        self.setStatusBar(self.status)
        self.words = DescriptionRecorder(self.description, studio, self)    # the witness's words are history
        self.caption_notice = CaptionNotice(self.grid, self.description, studio, self.words, self)
        self._layout()
        self.actions: Actions = build_actions(self)
        self._wire()
        self.files = SessionFiles(self)          # File: New session, Open case file…, Open recent, Recover…
        mnemonics.apply_to_window(self, first=(self.grid, self.lock_tools, self.hand_tools))
        self.description.free_text.setFocus()    # the witness's words come first
        self._restore()
        self.set_engine(None)
        self.refresh()

    # -- construction -------------------------------------------------------------
    def _layout(self) -> None:
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(self.canvas, 1)
        self.tool_tabs = QTabWidget()
        self.tool_tabs.setObjectName("toolTabs")
        self.tool_tabs.addTab(self.lock_tools, "Lock")
        self.tool_tabs.addTab(self.hand_tools, "Hand")
        rl.addWidget(self.tool_tabs)
        splitter = QSplitter(Qt.Horizontal)
        splitter.setObjectName("mainSplitter")
        for w in (self.description, self.grid, right):
            splitter.addWidget(w)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 1)
        splitter.setSizes([340, 480, 480])
        scroll = QScrollArea()          # on a small screen (or QT_SCALE_FACTOR=2) the panes scroll
        scroll.setObjectName("mainScroll")   # instead of pushing the window off the screen
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setWidget(splitter)
        self.setCentralWidget(scroll)
        dock = QDockWidget("History", self)
        dock.setObjectName("historyDock")
        dock.setMinimumWidth(190)
        dock.setWidget(self.history)
        self.addDockWidget(Qt.RightDockWidgetArea, dock)

    def _wire(self) -> None:
        s, a = self.studio, self.actions
        self.description.interpreted.connect(s.set_description)
        self.description.interpreted.connect(lambda *_: self._on_description_edited())
        self.words.recorded.connect(self.refresh)
        self.grid.picked.connect(s.pick)
        self.grid.generate_requested.connect(self.generate)
        self.grid.evolve_requested.connect(self.evolve)
        self.lock = LockController(self)       # region toggles, brush strokes, photos, re-synthesis
        self.lock_tools.tool_changed.connect(self.canvas.set_tool)
        self.lock_tools.brush_radius_changed.connect(self.canvas.set_brush_radius)
        self.history.step_activated.connect(self.go_to)
        self.status.cancel_button.clicked.connect(s.cancel)
        s.changed.connect(self.refresh)
        self.hand = HandController(self, self.hand_tools)    # after refresh: it draws the hand-edited portrait
        s.moved.connect(self._show_session_description)
        s.busy.connect(lambda label: self.status.set_busy(label))
        s.progress.connect(lambda step, total: self.status.set_busy(
            self.studio.jobs.current_label or "Working", step, total))
        s.message.connect(lambda text: self.status.showMessage(text, 8000))
        s.error.connect(lambda text: self.status.showMessage(f"⚠ {text}", 15000))
        s.engine_ready.connect(self.set_engine)
        s.model_failed.connect(self._on_model_failed)
        for name, slot in {
            "export": self.export_case, "photo": self.lock.choose_photo, "quit": self.close,
            "retention": self.set_retention,
            "undo": self.undo, "redo": self.redo, "cancel": s.cancel,
            "describe": lambda: self.description.free_text.setFocus(),
            "generate": self.generate, "evolve": lambda: self.evolve(self.grid.strength_value()),
            "resynthesise": self.lock.resynthesise_now, "clear_lock": self.lock.clear_lock,
            "witness": self.show_witness, "witness_portrait": lambda _on: self.witness_screen.update(),
            "witness_full": self.show_witness_full_screen,
            "zoom_in": self.canvas.zoom_in, "zoom_out": self.canvas.zoom_out,
            "zoom_fit": self.canvas.zoom_fit, "reload": self.load_model, "about": self.about,
        }.items():
            a[name].triggered.connect(slot)
        for n, action in a.counts.items():
            action.setChecked(n == self.settings.n_candidates)
            action.triggered.connect(lambda _c, n=n: self.set_candidate_count(n))
        for device, action in a.devices.items():
            action.setChecked(device == self.settings.device)
            action.triggered.connect(lambda _c, d=device: self.set_device(d))
        a["refiner"].setChecked(self.settings.refiner)
        a["refiner"].triggered.connect(self.set_refiner)

    def _restore(self) -> None:
        geometry, state = self.store.geometry(), self.store.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
        if state is not None:
            self.restoreState(state)
        self.fit_to_screen()

    def fit_to_screen(self) -> None:
        """Keep the window, frame included, inside its screen's available area (a saved geometry
        from a larger screen, or the default size at QT_SCALE_FACTOR=2 on a small one)."""
        screen = self.screen_of_window()
        if screen is None:
            return
        outer, inner = qt_rect(self.frameGeometry()), qt_rect(self.geometry())
        x, y, w, h = screens.fit_rect(outer, qt_rect(screen.availableGeometry()))
        if (x, y, w, h) != outer:
            left, top = inner[0] - outer[0], inner[1] - outer[1]
            self.setGeometry(QRect(x + left, y + top, w - (outer[2] - inner[2]), h - (outer[3] - inner[3])))

    def screen_of_window(self):
        """The screen holding the window's centre (the primary screen if none does)."""
        centre = self.geometry().center()
        return QGuiApplication.screenAt(centre) or QGuiApplication.primaryScreen()

    # -- model ----------------------------------------------------------------------
    def load_model(self) -> None:
        self.status.set_model(None, None)
        self.studio.load_model(self.parts.model_path, self.settings.device)

    def set_engine(self, engine) -> None:
        """Show the loaded model (or its absence) and enable what needs it."""
        loaded = engine is not None
        self.status.set_device(engine.device.type if loaded else None)
        self.status.set_model(engine.name if loaded else None, engine.sha256 if loaded else None)
        warning = window_warning(engine)         # interim or test model: said on both screens, always
        self.status.set_model_warning(warning)
        self.witness.set_model_warning(warning)
        self.grid.set_can_generate(loaded)
        if loaded:
            self.description.set_interpreter(engine.describe)
            runtime = getattr(engine, "lock_runtime", None)
            if runtime is not None:            # the measured precision goes into every re-synthesis step
                self.lock_defaults = replace(self.lock_defaults, precision=runtime.precision)
            if self.canvas.editor() is None or self.canvas.editor().size != engine.image_size:
                self.canvas.set_editor(MaskEditor(engine.image_size, self.parts.region_mask))   # refresh() fills it
            cpu = engine.device.type == "cpu"
            note = (" — no GPU in use: running on the CPU (slower)." if cpu and self.settings.device != "cpu" else ".")
            if not engine.reads_attributes:
                note += (" This model was trained on a tag folder, not on the face attributes: the dropdowns "
                         "do not apply to it; use composer generate with its tags, or load a CelebA model.")
            if runtime is not None:
                note += f" {runtime.describe().capitalize()}."
            self.status.showMessage(f"Model {engine.name} ready" + note, 20000)
        self.refresh()

    def _on_model_failed(self, message: str) -> None:
        self.status.showMessage("No model loaded: describing works, generating needs a model.")
        self.dialogs.error("The model could not be loaded", message)

    def about(self) -> None:
        e = self.studio.engine
        model = (f"<p>Model: <b>{e.name}</b><br>SHA-256: <tt>{e.sha256}</tt><br>"
                 f"Device: {e.device.type.upper()}</p>") if e else "<p>No model loaded.</p>"
        QMessageBox.about(self, "About Composer",
                          "<h3>Composer</h3><p>Composite portraits from a witness's "
                          "description (DF-GAN text-to-face, region lock).</p>" + model)

    # -- actions ------------------------------------------------------------------------
    def generate(self) -> None:
        self.words.flush()
        self.studio.generate(self.settings.n_candidates)

    def evolve(self, strength: float) -> None:
        self.words.flush()
        self.save_settings(self.settings.with_(evolve_strength=strength))
        self.studio.evolve(self.settings.n_candidates, strength)

    # the lock flow is composer/gui/lock_controller.py; these stay for the window's callers
    def resynthesise(self) -> None:
        self.lock.resynthesise()

    def clear_lock(self) -> None:
        self.lock.clear_lock()

    def import_photo(self, path: str) -> None:
        self.lock.import_photo(path)

    def undo(self) -> None:
        """History undo; typed words are recorded first, so undo never discards them."""
        self.words.flush()
        self.studio.undo()

    def redo(self) -> None:
        self.words.flush()
        self.studio.redo()

    def go_to(self, step_id: Optional[int]) -> None:
        self.words.flush()
        self.studio.go_to(step_id)

    def _on_description_edited(self) -> None:
        self.words.schedule()
        self.caption_notice.update()

    def switch_session(self, session, note: str = "") -> None:
        """Work on `session` from now on (new, recovered or continued from a case file)."""
        self.words.timer.stop()
        self.history.forget_thumbnails()
        self.studio.replace_session(session)
        self.caption_notice.reset()
        if note:
            self.status.showMessage(note, 10000)

    def export_case(self) -> bool:
        self.words.flush()
        if self.parts.export_dialog is None:
            self.dialogs.error("Export unavailable", "The case-file exporter is not installed.")
            return False
        if self.parts.export_dialog(self):
            self.studio.mark_exported()
            return True
        return False

    def set_candidate_count(self, n: int) -> None:
        self.save_settings(self.settings.with_(n_candidates=n))
        self.grid.set_count(n)
        self.actions.counts[n].setChecked(True)

    def set_device(self, device: str, reload: bool = True) -> None:
        """Remember where the model should run; reload it there unless `reload` is False."""
        self.save_settings(self.settings.with_(device=device))
        self.actions.devices[device].setChecked(True)
        if reload:
            self.load_model()

    def set_refiner(self, on: bool) -> None:
        """The refiner opt-out: remember it and reload the model with it (the case record names
        the stages, so reproduce renders the same way)."""
        self.save_settings(self.settings.with_(refiner=bool(on)))
        self.load_model()

    # the witness view's screen is composer/gui/witness_screen.py; these stay for the window's callers
    def show_witness(self) -> None:
        self.witness_screen.show()

    def show_witness_full_screen(self) -> None:
        self.witness_screen.show_full_screen()

    def set_retention(self) -> None:
        """Ask how long exported sessions' recovery folders are kept; applied at the next start."""
        ok, days = self.dialogs.retention_days(self.settings.retention_days)
        if not ok:
            return
        self.save_settings(self.settings.with_(retention_days=days))
        self.status.showMessage("Recovered sessions are kept until deleted by hand." if days is None else
                                f"Exported sessions' recovery folders will be deleted {days} day(s) after export "
                                "(checked at each start).", 10000)

    def save_settings(self, settings: GuiSettings) -> None:
        self.settings = settings
        self.store.save(settings)

    # -- redraw -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw everything from the session's current step."""
        view = self.studio.view()
        self.grid.show_candidates([p.image for p in view.candidates], view.selected, view.caption)
        self.lock.refresh(view)
        self.history.show_session(self.studio.session)
        ready = self.studio.engine is not None
        self.lock_tools.set_ready(ready and view.portrait is not None)
        self.actions["evolve"].setEnabled(ready and view.portrait is not None)
        self.actions["resynthesise"].setEnabled(ready and view.portrait is not None)
        self.actions["generate"].setEnabled(ready)
        self.actions["undo"].setEnabled(self.studio.session.can_undo)
        self.actions["redo"].setEnabled(self.studio.session.can_redo)
        self.actions["export"].setEnabled(bool(self.studio.session.steps))
        self.witness_screen.update()
        self.caption_notice.update()

    def _show_session_description(self) -> None:
        d = self.studio.session.description
        self.description.set_description(Description.from_json(d))

    # -- Qt events ----------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - drop a photo anywhere
        self.canvas.dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802
        self.canvas.dropEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802
        self.words.flush()                   # the witness's last words are history too
        if self.studio.unexported:
            choice = self.dialogs.unexported_work()
            if choice == CANCEL or (choice == EXPORT and not self.export_case()):
                event.ignore()
                return
        self.witness_screen.remember_screen()
        self.store.save_window(self.saveGeometry(), self.saveState())
        self.store.save(self.settings)
        self.witness.close()
        self.studio.shutdown()
        if self.studio.session.steps:
            self.studio.session.finish()   # a normal end: not offered for recovery
        event.accept()
