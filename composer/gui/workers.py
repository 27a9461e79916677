"""Background jobs for the GUI: model work never runs on the GUI thread.

A `JobRunner` owns one worker `QThread`. `submit(label, fn)` queues a job and
returns its request id; the job runs on the worker thread as `fn(ctx)` and may
report progress through `ctx.progress(value)` and poll `ctx.check()` between
expensive steps. A newer request supersedes the running one: the running job's
cancel flag is set (it stops at its next `check()`), any job still waiting is
dropped, and results of superseded requests are ignored by request id, so the
window only ever shows the answer to the latest question.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Optional

from PyQt5.QtCore import QObject, QThread, pyqtSignal

from composer.errors import ComposerError

log = logging.getLogger(__name__)


BACKGROUND_NICE = 5  # how much lower the worker's CPU priority is than the GUI thread's


def lower_thread_priority(step: int = BACKGROUND_NICE) -> bool:
    """Raise the calling thread's nice value by `step` (Linux keeps one per thread, and the torch
    threads this thread starts inherit it), so that on a machine with few cores the GUI thread still
    gets the CPU promptly while a model job keeps every core busy. Returns whether it took effect."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + step))
    except OSError:
        return False
    return True


class Cancelled(Exception):
    """Raised inside a job by `JobContext.check()` once the job has been cancelled."""


class JobContext:
    """What a running job sees: a cancel flag and a progress callback."""

    def __init__(self, request_id: int, emit_progress: Callable[[int, object], None]) -> None:
        self.request_id = request_id
        self._cancel = threading.Event()
        self._emit = emit_progress

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Stop the job here (raise `Cancelled`) if it has been cancelled or superseded."""
        if self._cancel.is_set():
            raise Cancelled()

    def progress(self, value: object) -> None:
        self._emit(self.request_id, value)


@dataclass
class _Job:
    request_id: int
    label: str
    fn: Callable[[JobContext], Any]
    ctx: JobContext


class _WorkerThread(QThread):
    """Runs queued jobs one at a time; holds at most one waiting job (the newest)."""

    progressed = pyqtSignal(int, object)
    succeeded = pyqtSignal(int, object)
    errored = pyqtSignal(int, str, str)
    cancelled = pyqtSignal(int)

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._lock = threading.Condition()
        self._pending: Optional[_Job] = None
        self._stopping = False

    def put(self, job: _Job) -> Optional[_Job]:
        """Queue `job`, returning the waiting job it replaced (never started), if any."""
        with self._lock:
            dropped, self._pending = self._pending, job
            self._lock.notify()
        return dropped

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._pending = None
            self._lock.notify()

    def _next(self) -> Optional[_Job]:
        with self._lock:
            while self._pending is None and not self._stopping:
                self._lock.wait()
            if self._stopping:
                return None
            job, self._pending = self._pending, None
            return job

    def run(self) -> None:  # noqa: D401 - QThread entry point
        lower_thread_priority()
        while (job := self._next()) is not None:
            try:
                job.ctx.check()
                result = job.fn(job.ctx)
                job.ctx.check()
            except Cancelled:
                self.cancelled.emit(job.request_id)
            except Exception as exc:  # noqa: BLE001 - shown to the user, window carries on
                # A user's mistake (ComposerError) is shown in the window only; a bug keeps its traceback.
                self.errored.emit(job.request_id, _message(exc),
                                  "" if isinstance(exc, ComposerError) else traceback.format_exc())
            else:
                self.succeeded.emit(job.request_id, result)


def _message(exc: BaseException) -> str:
    text = str(exc).strip()
    return text if text else type(exc).__name__


class JobRunner(QObject):
    """Submits jobs to the worker thread and reports only the current request's outcome.

    Signals (all on the GUI thread, all carry the request id):
    started(id, label), progress(id, value), finished(id, result), failed(id, message),
    cancelled(id), idle().
    """

    started = pyqtSignal(int, str)
    progress = pyqtSignal(int, object)
    finished = pyqtSignal(int, object)
    failed = pyqtSignal(int, str)
    cancelled = pyqtSignal(int)
    idle = pyqtSignal()

    def __init__(self, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self._next_id = 0
        self._current: Optional[_Job] = None
        self._thread = _WorkerThread()
        self._thread.progressed.connect(self._on_progress)
        self._thread.succeeded.connect(self._on_succeeded)
        self._thread.errored.connect(self._on_errored)
        self._thread.cancelled.connect(self._on_cancelled)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self._current is not None

    @property
    def current_label(self) -> str:
        return self._current.label if self._current else ""

    def submit(self, label: str, fn: Callable[[JobContext], Any]) -> int:
        """Run `fn(ctx)` on the worker thread, superseding any earlier request."""
        self._next_id += 1
        rid = self._next_id
        if self._current is not None:
            self._current.ctx.cancel()
        job = _Job(rid, label, fn, JobContext(rid, self._thread.progressed.emit))
        self._current = job
        self._thread.put(job)
        self.started.emit(rid, label)
        return rid

    def cancel(self) -> None:
        """Cancel the current request; its result, if it still arrives, is ignored."""
        job, self._current = self._current, None
        if job is not None:
            job.ctx.cancel()
            self.cancelled.emit(job.request_id)
            self.idle.emit()

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel everything and stop the worker thread (call before the app exits)."""
        if self._current is not None:
            self._current.ctx.cancel()
        self._current = None
        self._thread.stop()
        self._thread.wait(timeout_ms)

    def _is_current(self, rid: int) -> bool:
        return self._current is not None and self._current.request_id == rid

    def _on_progress(self, rid: int, value: object) -> None:
        if self._is_current(rid):
            self.progress.emit(rid, value)

    def _on_succeeded(self, rid: int, result: object) -> None:
        if self._is_current(rid):
            self._current = None
            self.finished.emit(rid, result)
            self.idle.emit()

    def _on_errored(self, rid: int, message: str, trace: str) -> None:
        if trace:
            log.warning("job %d failed: %s\n%s", rid, message, trace)
        else:
            log.info("job %d failed: %s", rid, message)
        if self._is_current(rid):
            self._current = None
            self.failed.emit(rid, message)
            self.idle.emit()

    def _on_cancelled(self, rid: int) -> None:
        if self._is_current(rid):
            self._current = None
            self.cancelled.emit(rid)
            self.idle.emit()
