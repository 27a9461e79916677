"""The Composer main window: a composition of widgets wired to the Studio.

Left: the description panel. Centre: the candidate grid. Right: the canvas with
the lock tools. Dock: the history. The window holds no model logic: widgets
report intent, the Studio runs it in the background and records it, and the
window redraws from `studio.view()` whenever the Studio says something changed.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QSplitter, QTabWidget, QVBoxLayout, QWidget

from composer.errors import ComposerError
from composer.gui.actions import Actions, build_actions
from composer.gui.controller import Studio, new_seed
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
from composer.gui.widgets.status_bar import StatusBar
from composer.gui.widgets.witness_view import WitnessView

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
        self.status = StatusBar()
        self.setStatusBar(self.status)
        self._layout()
        self.actions: Actions = build_actions(self)
        self._wire()
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
        self.setCentralWidget(splitter)
        dock = QDockWidget("History", self)
        dock.setObjectName("historyDock")
        dock.setMinimumWidth(190)
        dock.setWidget(self.history)
        self.addDockWidget(Qt.RightDockWidgetArea, dock)

    def _wire(self) -> None:
        s, a = self.studio, self.actions
        self.description.interpreted.connect(s.set_description)
        self.grid.picked.connect(s.pick)
        self.grid.generate_requested.connect(self.generate)
        self.grid.evolve_requested.connect(self.evolve)
        self.lock_tools.region_toggled.connect(self._on_region)
        self.lock_tools.tool_changed.connect(self.canvas.set_tool)
        self.lock_tools.brush_radius_changed.connect(self.canvas.set_brush_radius)
        self.lock_tools.clear_requested.connect(self.clear_lock)
        self.lock_tools.resynthesise_requested.connect(self.resynthesise)
        self.lock_tools.photo_requested.connect(self.choose_photo)
        self.canvas.photo_dropped.connect(self.import_photo)
        self.history.step_activated.connect(s.go_to)
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
            "export": self.export_case, "photo": self.choose_photo, "quit": self.close,
            "undo": s.undo, "redo": s.redo, "cancel": s.cancel,
            "describe": lambda: self.description.free_text.setFocus(),
            "generate": self.generate, "evolve": lambda: self.evolve(self.grid.strength_value()),
            "resynthesise": self.resynthesise, "clear_lock": self.clear_lock,
            "witness": self.show_witness, "witness_portrait": lambda _on: self._update_witness(),
            "zoom_in": self.canvas.zoom_in, "zoom_out": self.canvas.zoom_out,
            "zoom_fit": self.canvas.zoom_fit, "reload": self.load_model, "about": self.about,
        }.items():
            a[name].triggered.connect(slot)
        a["recover"].setVisible(False)
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

    # -- model ----------------------------------------------------------------------
    def load_model(self) -> None:
        self.status.set_model(None, None)
        self.studio.load_model(self.parts.model_path, self.settings.device)

    def set_engine(self, engine) -> None:
        """Show the loaded model (or its absence) and enable what needs it."""
        loaded = engine is not None
        self.status.set_device(engine.device.type if loaded else None)
        self.status.set_model(engine.name if loaded else None, engine.sha256 if loaded else None)
        self.grid.set_can_generate(loaded)
        if loaded:
            self.description.set_interpreter(engine.describe)
            if self.canvas.editor() is None or self.canvas.editor().size != engine.image_size:
                self.canvas.set_editor(MaskEditor(engine.image_size, self.parts.region_mask))
                for name in self.lock_tools.checked_regions():
                    self._on_region(name, True)
            cpu = engine.device.type == "cpu"
            note = (" — no GPU in use: running on the CPU (slower)." if cpu and self.settings.device != "cpu" else ".")
            if not engine.reads_attributes:
                note += (" This model was trained on a tag folder, not on the face attributes: the dropdowns "
                         "do not apply to it; use composer generate with its tags, or load a CelebA model.")
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
        self.studio.generate(self.settings.n_candidates)

    def evolve(self, strength: float) -> None:
        self._save_settings(self.settings.with_(evolve_strength=strength))
        self.studio.evolve(self.settings.n_candidates, strength)

    def resynthesise(self) -> None:
        editor = self.canvas.editor()
        if editor is None:
            self.studio.error.emit("The model is not loaded yet.")
            return
        settings = replace(self.lock_defaults, n_candidates=self.settings.n_candidates, seed=new_seed())
        self.studio.resynthesise(editor.mask(), editor.regions, editor.to_json(), settings)

    def clear_lock(self) -> None:
        for name in self.lock_tools.checked_regions():
            self.lock_tools.set_region_checked(name, False)
        if self.canvas.editor() is not None:
            self.canvas.editor().clear()
            self.canvas.refresh_overlay()

    def _on_region(self, name: str, on: bool) -> None:
        editor = self.canvas.editor()
        if editor is not None:
            editor.set_region(name, on)
            self.canvas.refresh_overlay()

    def choose_photo(self) -> None:
        path = self.dialogs.open_photo(self.settings.last_folder)
        if path:
            self.import_photo(path)

    def import_photo(self, path: str) -> None:
        """Load, align and record a reference photo; a bad file is reported, never fatal.

        When no face is found the artist may place it by clicking both eyes."""
        size = self.studio.engine.image_size if self.studio.engine else None
        if size is None:
            self.studio.error.emit("Load a model before importing a photo.")
            return
        try:
            image, notices = self.parts.load_photo(Path(path))
        except ComposerError as exc:
            self.dialogs.error("Photo not usable", str(exc))
            return
        try:
            aligned = self.parts.align_photo(image, size)
        except ComposerError as exc:
            aligned = self._align_by_hand(image, size, str(exc))
        if aligned is None:
            self.status.showMessage(f"{Path(path).name} was not imported.", 8000)
            return
        self._save_settings(self.settings.with_(last_folder=str(Path(path).parent)))
        self.studio.import_reference(path, aligned)
        if notices:
            self.status.showMessage(" ".join(notices), 15000)

    def _align_by_hand(self, image: np.ndarray, size: int, reason: str) -> Optional[np.ndarray]:
        """Offer hand placement after a failed automatic alignment; None if declined."""
        if not self.dialogs.photo_without_face(reason):
            return None
        eyes = self.dialogs.place_eyes(image)
        if eyes is None:
            return None
        try:
            return self.parts.align_by_eyes(image, eyes[0], eyes[1], size)
        except ComposerError as exc:
            self.dialogs.error("Photo not usable", str(exc))
            return None

    def export_case(self) -> bool:
        if self.parts.export_dialog is None:
            self.dialogs.error("Export unavailable", "The case-file exporter is not installed.")
            return False
        if self.parts.export_dialog(self):
            self.studio.mark_exported()
            return True
        return False

    def set_candidate_count(self, n: int) -> None:
        self._save_settings(self.settings.with_(n_candidates=n))
        self.grid.set_count(n)
        self.actions.counts[n].setChecked(True)

    def set_device(self, device: str, reload: bool = True) -> None:
        """Remember where the model should run; reload it there unless `reload` is False."""
        self._save_settings(self.settings.with_(device=device))
        self.actions.devices[device].setChecked(True)
        if reload:
            self.load_model()

    def set_refiner(self, on: bool) -> None:
        """The refiner opt-out: remember it and reload the model with it (the case record names
        the stages, so reproduce renders the same way)."""
        self._save_settings(self.settings.with_(refiner=bool(on)))
        self.load_model()

    def show_witness(self) -> None:
        self._update_witness()
        self.witness.show()
        self.witness.raise_()

    def _save_settings(self, settings: GuiSettings) -> None:
        self.settings = settings
        self.store.save(settings)

    # -- redraw -------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw everything from the session's current step."""
        view = self.studio.view()
        self.grid.show_candidates([p.image for p in view.candidates], view.selected, view.caption)
        self.canvas.set_image(view.reference)
        self.lock_tools.set_reference_text(f"Reference: {view.reference_label}"
                                           if view.reference_label else "Pick a candidate to lock.")
        self.history.show_session(self.studio.session)
        ready = self.studio.engine is not None
        self.lock_tools.set_ready(ready and view.portrait is not None)
        self.actions["evolve"].setEnabled(ready and view.portrait is not None)
        self.actions["resynthesise"].setEnabled(ready and view.portrait is not None)
        self.actions["generate"].setEnabled(ready)
        self.actions["undo"].setEnabled(self.studio.session.can_undo)
        self.actions["redo"].setEnabled(self.studio.session.can_redo)
        self.actions["export"].setEnabled(bool(self.studio.session.steps))
        self._update_witness()

    def _update_witness(self) -> None:
        view = self.studio.view()
        if self.actions["witness_portrait"].isChecked() or not view.candidates:
            self.witness.show_portrait(view.portrait.image if view.portrait else None)
        else:
            self.witness.show_candidates([p.image for p in view.candidates])

    def _show_session_description(self) -> None:
        d = self.studio.session.description
        self.description.set_description(Description.from_json(d))

    # -- Qt events ----------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - drop a photo anywhere
        self.canvas.dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802
        self.canvas.dropEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.studio.unexported:
            choice = self.dialogs.unexported_work()
            if choice == CANCEL or (choice == EXPORT and not self.export_case()):
                event.ignore()
                return
        self.store.save_window(self.saveGeometry(), self.saveState())
        self.store.save(self.settings)
        self.witness.close()
        self.studio.shutdown()
        if self.studio.session.steps:
            self.studio.session.finish()   # a normal end: not offered for recovery
        event.accept()
