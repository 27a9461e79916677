"""Wires the Hand panel to the session: every mark, shape and slider change is an operation of
`composer.operations.hand`, recorded as a step (undo, branches, case file, reproduce), and the
canvas and the witness view show the hand-edited portrait.

The layer follows the artist: when a new portrait is picked (re-synthesis, More like this, a new
description), the current marks and shape are re-applied to it as a step of their own. A holistic
slider redraws the picked face's z under the moved condition, through the lock optimiser when
regions are locked, and the result is picked at once.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from PyQt5.QtCore import QEvent, QObject, QPointF, Qt

from composer.errors import ComposerError
from composer.operations import Pick, perform
from composer.operations.hand import (add_mark, apply_to_current, current_holistic, current_layer, edit_mark,
                                      final_image, final_step, holistic_from_session, needs_reapply,
                                      remove_mark, set_warps)
from composer.gui.widgets.hand_tools import HandTools, new_mark


class _SlideAndPick:
    """A holistic slider move whose record also picks its best result and re-applies the hand layer."""

    def __init__(self, operation: Any, engine: Any) -> None:
        self.operation, self.engine = operation, engine

    def run(self, engine: Any, session: Any):
        return (yield from self.operation.run(engine, session))

    def record(self, session: Any, result: Any, duration_s: float = 0.0) -> Any:
        step = self.operation.record(session, result, duration_s)
        best = int((step.notes.get("order") or [0])[0])
        step = perform(Pick(best, step.id), self.engine, session)
        if needs_reapply(session):
            step = perform(apply_to_current(session), self.engine, session)
        return step


class HandController(QObject):
    def __init__(self, window: Any, tools: HandTools) -> None:
        super().__init__(window)
        self.window, self.tools = window, tools
        self.studio = window.studio
        self._steps_seen = len(self.studio.session.steps)
        self._placing = ""
        tools.place_armed.connect(self._arm)
        tools.mark_changed.connect(lambda i, m: self._do(lambda s: edit_mark(s, i, m)))
        tools.mark_removed.connect(lambda i: self._do(lambda s: remove_mark(s, i)))
        tools.warps_changed.connect(lambda w: self._do(lambda s: set_warps(s, w)))
        tools.holistic_changed.connect(self.slide)
        window.canvas.installEventFilter(self)
        self.studio.changed.connect(self.refresh)

    # -- placing marks on the canvas -------------------------------------------------------
    def _arm(self, kind: str) -> None:
        self._placing = kind
        self.window.canvas.setCursor(Qt.CrossCursor if kind else Qt.ArrowCursor)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - a click places the armed mark
        # getattr: Qt may deliver an event while this wrapper is being torn down with its window
        if (getattr(self, "_placing", "") and event.type() == QEvent.MouseButtonPress
                and event.button() == Qt.LeftButton and self.window.canvas.has_image()):
            x, y = self.window.canvas.to_image(QPointF(event.pos()))
            size = float(self.studio.engine.image_size if self.studio.engine else 1)
            self.place(self._placing, x / size, y / size)
            return True
        return False

    def place(self, kind: str, x: float, y: float) -> None:
        """Add a mark of `kind` at face coordinates (x, y)."""
        self._do(lambda s: add_mark(s, new_mark(kind, x, y)))

    # -- operations --------------------------------------------------------------------
    def _do(self, build) -> None:
        session = self.studio.session
        try:
            perform(build(session), self.studio.engine, session)
        except (ComposerError, IndexError, ValueError) as exc:
            self.studio.error.emit(str(exc))
        self.studio.changed.emit()

    def slide(self, sliders) -> None:
        """Redraw the picked face under the moved condition (in the background)."""
        session = self.studio.session
        if self.studio.engine is None or sliders == current_holistic(session):
            return
        lock = self.studio.view().lock
        settings, lock_step = None, None
        if lock is not None and lock.lockset.regions:            # the slider goes through the lock
            editor = self.window.canvas.editor()
            lock_step = self.studio.set_lock(lock.lockset, editor.region_layers() if editor else {},
                                             lock.brush)        # laid over this portrait if it was not
            settings = replace(self.window.lock_defaults, n_candidates=1) if lock_step is not None else None
        try:
            op = holistic_from_session(session, sliders, settings, lock_step if settings else None)
        except ComposerError as exc:
            self.studio.error.emit(str(exc))
            self.refresh()
            return
        self.studio._submit("Moving the sliders", _SlideAndPick(op, self.studio.engine))

    # -- redraw ----------------------------------------------------------------------------
    def refresh(self) -> None:
        session = self.studio.session
        added = len(session.steps) > self._steps_seen
        self._steps_seen = len(session.steps)
        if added and session.current is not None and session.current.kind == "pick" and needs_reapply(session):
            perform(apply_to_current(session), self.studio.engine, session)   # the layer follows the artist
            self.studio.changed.emit()        # redraw the window with the new step (seen: no repeat)
            return
        self.tools.show_state(current_layer(session), current_holistic(session))
        self.tools.setEnabled(session.current_portrait is not None)
        step = final_step(session)
        if step is not None and step.kind != "pick":
            image = final_image(session)
            view = self.studio.view()
            if view.reference_sha256 == step.inputs.get("base_sha256"):
                self.window.canvas.set_image(image)        # the portrait as the witness will see it
            if self.window.actions["witness_portrait"].isChecked() or not view.candidates:
                self.window.witness.show_portrait(image)

    def final(self) -> Optional[Any]:
        return final_image(self.studio.session)
