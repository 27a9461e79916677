"""JobRunner: results arrive on the GUI thread, newer requests supersede older ones,
failures are reported, and the event loop stays responsive while a CPU-bound job runs."""
from __future__ import annotations

import os
import statistics
import sys
import threading
import time

import pytest
from PyQt5.QtCore import QElapsedTimer, QTimer

from composer.gui.workers import BACKGROUND_NICE, JobRunner


@pytest.fixture
def runner(qtbot):
    r = JobRunner()
    yield r
    r.shutdown()


def test_result_is_delivered_on_gui_thread(qtbot, runner):
    seen = {}

    def job(ctx):
        seen["thread"] = threading.current_thread()
        ctx.progress(1)
        return 41 + 1

    with qtbot.waitSignal(runner.finished, timeout=5000) as blocker:
        rid = runner.submit("answer", job)
    assert blocker.args == [rid, 42]
    assert seen["thread"] is not threading.main_thread()
    assert not runner.busy


def test_newer_request_supersedes_running_one(qtbot, runner):
    started = threading.Event()
    stopped_at = []

    def slow(ctx):
        started.set()
        for i in range(500):
            time.sleep(0.005)
            try:
                ctx.check()
            except Exception:
                stopped_at.append(i)
                raise
        return "stale"

    finished = []
    runner.finished.connect(lambda rid, value: finished.append((rid, value)))
    first = runner.submit("slow", slow)
    assert started.wait(5)
    with qtbot.waitSignal(runner.finished, timeout=5000):
        second = runner.submit("fast", lambda ctx: "fresh")
    assert finished == [(second, "fresh")]
    assert first != second and stopped_at and stopped_at[0] < 499


def test_failure_is_reported_and_runner_keeps_working(qtbot, runner):
    def broken(ctx):
        raise RuntimeError("model exploded")

    with qtbot.waitSignal(runner.failed, timeout=5000) as blocker:
        runner.submit("broken", broken)
    assert blocker.args[1] == "model exploded"
    with qtbot.waitSignal(runner.finished, timeout=5000) as blocker:
        runner.submit("ok", lambda ctx: 7)
    assert blocker.args[1] == 7


def test_cancel_stops_job_and_ignores_its_result(qtbot, runner):
    release = threading.Event()
    results = []
    runner.finished.connect(lambda rid, value: results.append(value))

    def waits(ctx):
        release.wait(5)
        ctx.check()
        return "too late"

    with qtbot.waitSignal(runner.cancelled, timeout=2000):
        runner.submit("waits", waits)
        runner.cancel()
    release.set()
    with qtbot.waitSignal(runner.finished, timeout=5000):
        runner.submit("next", lambda ctx: "next")
    assert results == ["next"]


def test_event_loop_latency_while_torch_job_runs(qtbot, runner, record_property):
    """A 10 ms QTimer must keep firing on time (< 50 ms late) during a CPU-busy torch job."""
    torch = pytest.importorskip("torch")
    a = torch.randn(256, 256)

    def busy(ctx):
        t_end = time.perf_counter() + 1.0
        steps = 0
        while time.perf_counter() < t_end:
            a @ a  # noqa: B018 - CPU work
            steps += 1
            ctx.check()
        return steps

    period_ms = 10
    clock = QElapsedTimer()
    lateness: list[float] = []
    last = [0.0]

    def ping():
        now = clock.nsecsElapsed() / 1e6
        lateness.append(now - last[0] - period_ms)
        last[0] = now

    timer = QTimer(interval=period_ms)
    timer.timeout.connect(ping)
    with qtbot.waitSignal(runner.finished, timeout=10000) as blocker:
        runner.submit("busy", busy)
        clock.start()
        timer.start()
    timer.stop()
    assert blocker.args[1] > 0
    samples = lateness[1:]
    assert len(samples) >= 20
    worst, median = max(samples), statistics.median(samples)
    p95 = statistics.quantiles(samples, n=20)[-1]
    record_property("latency_max_ms", worst)
    record_property("latency_p95_ms", p95)
    record_property("latency_median_ms", median)
    print(f"event-loop lateness over {len(samples)} pings: max {worst:.1f} ms, p95 {p95:.1f} ms, "
          f"median {median:.1f} ms")
    # A job on the GUI thread (or one holding the GIL) shows up as one ~1000 ms gap and few pings.
    # One scheduler stall of a few tens of ms on a loaded CI host is the machine, not the design,
    # so the bounds are on the typical ping and on any stall a person would notice.
    assert p95 < 20.0
    assert worst < 250.0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_worker_thread_runs_below_the_gui_threads_priority(qtbot, runner):
    """Model jobs run niced, so that on two cores the window still gets the CPU when it needs it."""
    def nice(ctx):
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    with qtbot.waitSignal(runner.finished, timeout=5000) as blocker:
        runner.submit("nice", nice)
    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert blocker.args[1] == min(19, gui + BACKGROUND_NICE)
