"""Wires the Lock panel and the canvas's lock editing to the session: toggling a region, painting
with the brush or clearing the lock records the lock set in force as a step; a reference photo is
loaded, aligned (by hand when no face is found) and recorded as a lock source; re-synthesis runs
with the lock. `refresh` shows the lock in force on the editor, the toggles and the canvas.

Kept out of composer/gui/main_window.py so the window stays a composition of widgets; the window
keeps `resynthesise`, `clear_lock` and `import_photo` as one-line delegates for its callers.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import numpy as np
from PyQt5.QtCore import QObject

from composer.edit.lockset import BRUSH, LockSet, build_lock
from composer.errors import ComposerError
from composer.gui.controller import new_seed
from composer.gui.view_state import ViewState
from composer.gui.widgets.canvas import VIEW

if TYPE_CHECKING:
    from composer.gui.main_window import MainWindow


class LockController(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.studio = window.studio
        self.tools, self.canvas = window.lock_tools, window.canvas
        self.tools.region_toggled.connect(self._on_region)
        self.tools.clear_requested.connect(self.clear_lock)
        self.tools.resynthesise_requested.connect(self.resynthesise_now)
        self.tools.photo_requested.connect(self.choose_photo)
        self.canvas.photo_dropped.connect(self.import_photo)
        self.canvas.mask_changed.connect(self._on_stroke)

    # -- the lock set ----------------------------------------------------------------------
    def resynthesise(self) -> None:
        editor = self.canvas.editor()
        if editor is None:
            self.studio.error.emit("The model is not loaded yet.")
            return
        settings = replace(self.window.lock_defaults, n_candidates=self.window.settings.n_candidates,
                           seed=new_seed(), restart_sigma=self.tools.variation_value())
        self.studio.resynthesise(settings, editor.region_layers(), editor.paint_layer(), editor.to_json())

    def resynthesise_now(self) -> None:
        """Re-synthesise with the witness's latest words recorded first."""
        self.window.words.flush()
        self.resynthesise()

    def clear_lock(self) -> None:
        editor = self.canvas.editor()
        if editor is not None:
            editor.clear()
            self.canvas.refresh_overlay()
        self._record_lock(LockSet(()))

    def _on_region(self, name: str, on: bool) -> None:
        """A region toggled: lock it from the chosen source (or unlock it) and record the lock set."""
        editor = self.canvas.editor()
        if editor is None:
            return
        editor.set_region(name, on)
        self.canvas.refresh_overlay()
        self._record_lock(self.studio.view().lockset.with_region(name, self.tools.current_source() if on else None))

    def _on_stroke(self) -> None:
        """A brush/eraser stroke ended: the painted area is locked from the portrait it was painted
        on, recorded; the tool goes back to View unless the artist keeps it on."""
        editor = self.canvas.editor()
        view = self.studio.view()
        if editor is None or view.portrait is None:
            return
        lockset = view.lockset
        painted = bool((editor.paint_layer() > 0).any())
        brush_source = lockset.source_of(BRUSH) or (view.sources[0] if view.sources else None)
        self._record_lock(lockset.with_region(BRUSH, brush_source if painted else None))
        if not self.tools.keep_brush.isChecked():
            self.tools.set_tool(VIEW)

    def _record_lock(self, lockset: LockSet) -> None:
        editor = self.canvas.editor()
        if editor is None or self.studio.view().portrait is None:
            return
        self.studio.set_lock(lockset, editor.region_layers(), editor.paint_layer(), editor.to_json())

    # -- reference photos ------------------------------------------------------------------
    def choose_photo(self) -> None:
        path = self.window.dialogs.open_photo(self.window.settings.last_folder)
        if path:
            self.import_photo(path)

    def import_photo(self, path: str) -> None:
        """Load, align and record a reference photo; a bad file is reported, never fatal.

        When no face is found the artist may place it by clicking both eyes."""
        window = self.window
        size = self.studio.engine.image_size if self.studio.engine else None
        if size is None:
            self.studio.error.emit("Load a model before importing a photo.")
            return
        try:
            image, notices = window.parts.load_photo(Path(path))
        except ComposerError as exc:
            window.dialogs.error("Photo not usable", str(exc))
            return
        try:
            aligned = window.parts.align_photo(image, size)
        except ComposerError as exc:
            aligned = self._align_by_hand(image, size, str(exc))
        if aligned is None:
            window.status.showMessage(f"{Path(path).name} was not imported.", 8000)
            return
        window.save_settings(window.settings.with_(last_folder=str(Path(path).parent)))
        self.studio.import_reference(path, aligned)         # the refresh offers it as the lock source
        if notices:
            window.status.showMessage(" ".join(notices), 15000)

    def _align_by_hand(self, image: np.ndarray, size: int, reason: str) -> Optional[np.ndarray]:
        """Offer hand placement after a failed automatic alignment; None if declined."""
        dialogs = self.window.dialogs
        if not dialogs.photo_without_face(reason):
            return None
        eyes = dialogs.place_eyes(image)
        if eyes is None:
            return None
        try:
            return self.window.parts.align_by_eyes(image, eyes[0], eyes[1], size)
        except ComposerError as exc:
            dialogs.error("Photo not usable", str(exc))
            return None

    # -- redraw ----------------------------------------------------------------------------
    def refresh(self, view: ViewState) -> None:
        """Editor, toggles and sources follow the lock set in force (undo, history, recovery); the
        canvas shows the composite the next re-synthesis keeps."""
        sources = view.lockset
        step = self.studio.session.current
        just_imported = str(step.inputs["image_sha256"]) if step is not None and step.kind == "import_reference" else None
        self.tools.set_sources(view.sources, just_imported)      # a photo just brought in is offered first
        self.tools.show_lock({r.region: r.source for r in sources.regions if r.region != BRUSH},
                             view.portrait.sha256 if view.portrait is not None else "")
        editor = self.canvas.editor()
        image = view.reference
        if editor is not None:
            editor.set_regions(sources.names)
            if not self.canvas.stroking():        # never wipe a stroke being drawn
                editor.set_paint(view.lock.brush if view.lock is not None else None)
            self.canvas.refresh_overlay()
            if view.portrait is not None and sources.regions:
                try:
                    image, _ = build_lock(sources, view.portrait.image, self.studio.session.image,
                                          brush=editor.paint_layer(), masks=editor.region_layers())
                except (KeyError, ValueError):
                    image = view.reference
        self.canvas.set_image(image)
        own = view.portrait.sha256 if view.portrait is not None else ""
        from_photo = [r.source.label for r in sources.regions if r.source.sha256 != own]
        text = ("Reference: the picked portrait" + (f", with regions from {', '.join(sorted(set(from_photo)))}" if from_photo
                                                     else "")) if view.portrait is not None else "Pick a candidate to lock."
        self.tools.set_reference_text(text)
