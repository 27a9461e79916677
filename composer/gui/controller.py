"""Studio: runs engine work off the GUI thread and records every step in the session.

The widgets report intent; the Studio turns it into Engine calls on a `JobRunner`,
records the outcome in the Qt-free session (which owns history, undo and autosave)
and emits `changed` so the window redraws from `view()`. It never blocks the GUI
thread, and a failing job becomes an `error` message, never a crash.
"""
from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Callable, Optional, Sequence

import numpy as np
from PyQt5.QtCore import QObject, pyqtSignal

from composer.errors import ComposerError, DescriptionError
from composer.gui.domain import Description, LockSettings
from composer.gui.view_state import ViewState, view_of
from composer.gui.workers import JobContext, JobRunner
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
        self._pending: Optional[tuple] = None   # (request id, record callback, start time)
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

    def _record_description(self) -> None:
        if self._description is None:
            return
        if description_json(self._description) != self.session.description:
            self.session.record_describe(self._description, self._interpretation)

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
        self._record_description()
        engine, session = self.engine, self.session
        return self._submit("Generating", lambda ctx: engine.candidates(caption, n, seed),
                            lambda out, t: session.record_generate(caption, n, seed, out, t))

    def evolve(self, n: int, strength: float, seed: Optional[int] = None) -> Optional[int]:
        """`n` variations around the portrait on the canvas."""
        portrait = self.view().portrait
        if not self._ready():
            return None
        if portrait is None:
            self.error.emit("Pick a candidate first: 'More like this' varies the picked face.")
            return None
        seed = new_seed() if seed is None else seed
        caption, z = portrait.caption, np.array(portrait.z)
        engine, session = self.engine, self.session
        return self._submit("Varying", lambda ctx: engine.evolve(caption, z, n, seed, strength),
                            lambda out, t: session.record_evolve(caption, z, n, seed, strength, out, t))

    def pick(self, index: int) -> None:
        view = self.view()
        if not 0 <= index < len(view.candidates):
            return
        self.session.record_pick(index)
        self.changed.emit()

    def import_reference(self, source: str, image: np.ndarray) -> None:
        """Use an (already aligned, model-size) photo as the lock reference."""
        self.session.record_import_reference(image, source)
        self.message.emit(f"Locked regions will now come from {Path(source).name}.")
        self.changed.emit()

    def resynthesise(self, mask: np.ndarray, regions: Sequence[str], mask_record: Optional[dict],
                     settings: LockSettings) -> Optional[int]:
        """Keep the masked pixels of the reference, re-synthesise the rest (progress + cancel)."""
        view = self.view()
        if not self._ready():
            return None
        if view.portrait is None or view.reference is None:
            self.error.emit("Pick a candidate first: re-synthesis starts from the picked face.")
            return None
        if not np.asarray(mask).any():
            self.error.emit("Nothing is locked: toggle a region or paint with the brush first.")
            return None
        caption, z0 = view.portrait.caption, np.array(view.portrait.z)
        lock = self.session.record_lock(mask, regions, mask_record)
        self.changed.emit()
        exact_mask = self.session.lock_mask(lock.id)   # what replay will see (8-bit quantised)
        mask_sha, ref_sha = lock.inputs["mask_sha256"], view.reference_sha256
        reference, engine, session = np.array(view.reference), self.engine, self.session

        def job(ctx: JobContext):
            result = None
            for p in engine.resynthesise(caption, z0, reference, exact_mask, settings):
                ctx.progress((p.step, p.total))
                ctx.check()
                result = p.result if p.done else result
            if result is None:
                raise ComposerError("The lock optimiser stopped without a result; try again.")
            return result

        return self._submit("Re-synthesising", job, lambda result, t: session.record_resynthesise(
            caption, z0, ref_sha, mask_sha, settings, result, t))

    def cancel(self) -> None:
        self.jobs.cancel()

    # -- history ------------------------------------------------------------------
    def undo(self) -> None:
        if self.session.can_undo:
            self.session.undo()
            self._moved()

    def redo(self) -> None:
        if self.session.can_redo:
            self.session.redo()
            self._moved()

    def go_to(self, step_id: Optional[int]) -> None:
        """Make `step_id` current (None = before the first step); the next action branches."""
        self.session.goto(step_id)
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
    def _submit(self, label: str, fn, record: Callable[[object, float], object]) -> int:
        """Run `fn` in the worker; when it succeeds, `record(result, seconds)` in the session."""
        rid = self.jobs.submit(label, fn)
        self._pending = (rid, record, time.perf_counter())
        return rid

    def _on_job_finished(self, rid: int, result) -> None:
        if self._pending is None or self._pending[0] != rid:
            return
        _, record, started = self._pending
        self._pending = None
        try:
            record(result, time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - a bad result must not take the window down
            self.error.emit(f"Could not record the result: {exc}")
        self.changed.emit()

    def _on_job_progress(self, _rid: int, value) -> None:
        if isinstance(value, tuple) and len(value) == 2:
            self.progress.emit(int(value[0]), int(value[1]))
