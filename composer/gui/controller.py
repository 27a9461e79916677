"""Studio: runs the session's operations off the GUI thread.

The widgets report intent; the Studio turns it into an operation of `composer.operations`
(the same ones the headless builder and `composer reproduce` run), runs it on a `JobRunner`
(progress and cancel), has it record its step in the Qt-free session (which owns history,
undo and autosave) and emits `changed` so the window redraws from `view()`. It never blocks
the GUI thread, and a failing job becomes an `error` message, never a crash.
"""
from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Callable, Mapping, Optional

import numpy as np
from PyQt5.QtCore import QObject, pyqtSignal

from composer.edit.lockset import LockSet, LockSource, build_lock, paint_to_u8
from composer.errors import ComposerError, DescriptionError
from composer.gui.domain import Description, LockSettings
from composer.gui.view_state import ViewState, view_of
from composer.gui.workers import JobContext, JobRunner
from composer.operations import (Describe, Evolve, Generate, GoTo, ImportReference, Lock, Pick, Redo,
                                 Resynthesise, Undo, perform, run_to_end)
from composer.portrait import image_sha256
from composer.record.codec import mask_sha256, quantise_mask
from composer.session import description_json

EngineLoader = Callable[[Optional[Path], str], object]


def new_seed() -> int:
    return secrets.randbelow(2 ** 31 - 1)


class Studio(QObject):
    """Engine + session + jobs.

    Signals: changed (anything to redraw), moved (undo/redo/go-to: the description may
    differ), busy(label|None), progress(step, total), message(str), error(str),
    engine_ready(engine), model_failed(message).
    """

    changed = pyqtSignal()
    moved = pyqtSignal()
    busy = pyqtSignal(object)
    progress = pyqtSignal(int, int)
    message = pyqtSignal(str)
    error = pyqtSignal(str)
    engine_ready = pyqtSignal(object)
    model_failed = pyqtSignal(str)

    def __init__(self, session, loader: EngineLoader, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.session = session
        self.engine = None
        self._loader = loader
        self._description: Optional[Description] = None
        self._interpretation = None
        self.jobs = JobRunner(self)
        self.loading = JobRunner(self)
        self.jobs.started.connect(lambda _rid, label: self.busy.emit(label))
        self.jobs.idle.connect(lambda: self.busy.emit(None))
        self.jobs.failed.connect(lambda _rid, msg: self.error.emit(msg))
        self.jobs.cancelled.connect(lambda _rid: self.message.emit("Cancelled."))
        self.jobs.finished.connect(self._on_job_finished)
        self.jobs.progress.connect(self._on_job_progress)
        self._pending: Optional[tuple] = None   # (request id, operation, session, start time)
        self._exported_steps = 0
        self.loading.finished.connect(self._on_loaded)
        self.loading.failed.connect(lambda _rid, msg: self.model_failed.emit(msg))

    # -- model ------------------------------------------------------------------
    def load_model(self, path: Optional[Path], device: str) -> None:
        """Load the model in the background; `engine_ready` or `model_failed` follows."""
        self.message.emit(f"Loading the model{f' from {path}' if path else ''}…")
        self.loading.submit("load model", lambda ctx: self._loader(path, device))

    def _on_loaded(self, _rid: int, engine) -> None:
        self.engine = engine
        self.engine_ready.emit(engine)
        self.changed.emit()

    def shutdown(self) -> None:
        self.jobs.shutdown()
        self.loading.shutdown()

    # -- description --------------------------------------------------------------
    def set_description(self, description: Description, interpretation) -> None:
        self._description, self._interpretation = description, interpretation

    def view(self) -> ViewState:
        return view_of(self.session)

    def _caption(self) -> str:
        interp = self._interpretation
        if interp is None or getattr(interp, "empty", False) or not interp.caption:
            raise DescriptionError("Nothing is described yet: choose some attributes or type "
                                   "what the witness said, then generate.")
        return interp.caption

    def record_description(self) -> None:
        """Record the panel's description as a describe step if it differs from the session's (the
        witness's words are history too, even before they are used for a Generate)."""
        if self._description is None:
            return
        if description_json(self._description) != self.session.description:
            perform(Describe(self._description, self._interpretation), self.engine, self.session)

    def _ready(self) -> bool:
        if self.engine is None:
            self.error.emit("The model is not loaded yet; wait for it or open one (Model menu).")
            return False
        return True

    # -- actions ----------------------------------------------------------------
    def generate(self, n: int, seed: Optional[int] = None) -> Optional[int]:
        """Draw `n` new candidates for the current caption; returns the request id."""
        if not self._ready():
            return None
        try:
            caption = self._caption()
        except ComposerError as exc:
            self.error.emit(str(exc))
            return None
        seed = new_seed() if seed is None else seed
        self.record_description()
        return self._submit("Generating", Generate(caption, n, seed))

    def evolve(self, n: int, strength: float, seed: Optional[int] = None) -> Optional[int]:
        """`n` variations around the portrait on the canvas, drawn for the CURRENT description's
        caption (the witness's corrections apply), which the step records."""
        portrait = self.view().portrait
        if not self._ready():
            return None
        if portrait is None:
            self.error.emit("Pick a candidate first: 'More like this' varies the picked face.")
            return None
        try:
            caption = self._caption()
        except ComposerError as exc:
            self.error.emit(str(exc))
            return None
        seed = new_seed() if seed is None else seed
        self.record_description()
        return self._submit("Varying", Evolve(caption, np.array(portrait.z), n, seed, strength))

    def pick(self, index: int) -> None:
        view = self.view()
        if not 0 <= index < len(view.candidates):
            return
        perform(Pick(index), self.engine, self.session)
        self.changed.emit()

    def import_reference(self, source: str, image: np.ndarray) -> Optional[LockSource]:
        """Bring in an (already aligned, output-size) photo as a lock source. It does not replace the
        locks already set: the artist locks regions from it (it becomes the offered source)."""
        step = perform(ImportReference(image, source), self.engine, self.session)
        self.message.emit(f"{Path(source).name} is a lock source now: toggle the regions to take from it.")
        self.changed.emit()
        return LockSource(str(step.inputs["image_sha256"]), "photo " + Path(source).name)

    def set_lock(self, lockset: LockSet, masks: Mapping[str, np.ndarray], brush: Optional[np.ndarray] = None,
                 lock_json: Optional[dict] = None) -> Optional[object]:
        """Record the lock set as a step over the picked portrait (so undo, history and recovery
        restore it); nothing is recorded when it equals the lock in force. Returns the lock step."""
        view = self.view()
        if view.portrait is None:
            self.error.emit("Pick a candidate first: locks keep parts of the picked face.")
            return None
        try:
            reference, mask = build_lock(lockset, view.portrait.image, self.session.image, brush=brush, masks=masks)
        except (KeyError, ValueError) as exc:
            self.error.emit(f"Could not lock: {exc}.")
            return None
        current = view.lock
        if current is None and not lockset.regions:
            return None                      # nothing locked, nothing to clear
        brush_sha = mask_sha256(paint_to_u8(brush)) if brush is not None and np.asarray(brush).any() else ""
        if (current is not None and current.lockset == lockset and current.base_sha256 == view.portrait.sha256
                and current.mask_sha256 == mask_sha256(quantise_mask(mask))
                and current.reference_sha256 == image_sha256(reference)
                and brush_sha == (self.session.step(current.step_id).inputs.get("brush_sha256") or "")):
            return self.session.step(current.step_id)
        step = perform(Lock(mask, lockset.names, lock_json, lockset, reference, view.portrait.sha256, brush),
                       self.engine, self.session)
        self.changed.emit()
        return step

    def resynthesise(self, settings: LockSettings, masks: Optional[Mapping[str, np.ndarray]] = None,
                     brush: Optional[np.ndarray] = None, lock_json: Optional[dict] = None) -> Optional[int]:
        """Keep the locked pixels (each region from its source), re-synthesise the rest for the
        CURRENT description's caption (progress + cancel). A lock laid over an earlier portrait is
        laid again over the picked one first (`masks`/`brush`: the window's editor layers)."""
        view = self.view()
        if not self._ready():
            return None
        if view.portrait is None:
            self.error.emit("Pick a candidate first: re-synthesis starts from the picked face.")
            return None
        lock = view.lock
        if lock is None or not lock.lockset.regions:
            self.error.emit("Nothing is locked: toggle a region or paint with the brush first.")
            return None
        try:
            caption = self._caption()
        except ComposerError as exc:
            self.error.emit(str(exc))
            return None
        self.record_description()
        if lock.base_sha256 != view.portrait.sha256 or not lock.reference_sha256:
            if self.set_lock(lock.lockset, masks or {}, brush if brush is not None else lock.brush, lock_json) is None:
                return None
            lock = self.view().lock
        if not self.session.lock_mask(lock.step_id).any():
            self.error.emit("Nothing is locked: toggle a region or paint with the brush first.")
            return None
        return self._submit("Re-synthesising", Resynthesise(caption, np.array(view.portrait.z),
                                                            lock.reference_sha256, lock.mask_sha256, settings))

    def cancel(self) -> None:
        self.jobs.cancel()

    # -- history ------------------------------------------------------------------
    def undo(self) -> None:
        if self.session.can_undo:
            perform(Undo(), self.engine, self.session)
            self._moved()

    def redo(self) -> None:
        if self.session.can_redo:
            perform(Redo(), self.engine, self.session)
            self._moved()

    def go_to(self, step_id: Optional[int]) -> None:
        """Make `step_id` current (None = before the first step); the next action branches."""
        perform(GoTo(step_id), self.engine, self.session)
        self._moved()

    def _moved(self) -> None:
        self.moved.emit()
        self.changed.emit()

    def replace_session(self, session) -> None:
        """Switch to another (e.g. recovered) session; its steps count as unexported."""
        self.jobs.cancel()
        self.session = session
        self._exported_steps = 0
        self._moved()

    @property
    def unexported(self) -> bool:
        """Steps were taken since the last case-file export."""
        return len(self.session.steps) > self._exported_steps

    def mark_exported(self) -> None:
        self._exported_steps = len(self.session.steps)

    # -- internals ----------------------------------------------------------------
    def _submit(self, label: str, operation) -> int:
        """Run `operation` in the worker (its progress shown, cancellable); when it succeeds, it
        records its step in the session, here on the GUI thread."""
        engine, session = self.engine, self.session

        def job(ctx: JobContext):
            def on_progress(p) -> None:
                ctx.progress((p.step, p.total))
                ctx.check()
            return run_to_end(operation.run(engine, session), on_progress)

        rid = self.jobs.submit(label, job)
        self._pending = (rid, operation, session, time.perf_counter())
        return rid

    def _on_job_finished(self, rid: int, result) -> None:
        if self._pending is None or self._pending[0] != rid:
            return
        _, operation, session, started = self._pending
        self._pending = None
        try:
            operation.record(session, result, time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - a bad result must not take the window down
            self.error.emit(f"Could not record the result: {exc}")
        self.changed.emit()

    def _on_job_progress(self, _rid: int, value) -> None:
        if isinstance(value, tuple) and len(value) == 2:
            self.progress.emit(int(value[0]), int(value[1]))
