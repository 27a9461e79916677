"""The whole artist's loop in the real window over a REAL model (no fakes below the GUI):
describe -> generate -> pick -> lock the eyes -> re-synthesise -> pick -> undo/redo ->
export a signed case file -> verify it -> replay it bit-identically.

Runs on the tiny random-weight bundle (tests/conftest.py) and, when it is installed,
on the shipped model in models/default.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PyQt5.QtCore import Qt

from composer.casefile.export import export_case
from composer.casefile.record import CaseMeta
from composer.casefile.reproduce import reproduce_case
from composer.casefile.verify import verify_case
from composer.edit import LockSettings
from composer.casefile.report_pdf import render_pdf

SHIPPED = Path(__file__).resolve().parents[2] / "models" / "default"
TEXT = "a young woman with long blond hair and a zorblax"


@pytest.fixture(params=["tiny", "shipped"])
def model_path(request, tiny_bundle) -> Path:
    if request.param == "tiny":
        return tiny_bundle
    if not (SHIPPED / "model.json").is_file():
        pytest.skip("no shipped model in models/default")
    return SHIPPED


def wait_for(qtbot, window, kind: str, timeout: int = 20000) -> None:
    """Wait until the session's current step is `kind` (the job ran and was recorded)."""
    qtbot.waitUntil(lambda: window.studio.session.current is not None
                    and window.studio.session.current.kind == kind
                    and not window.studio.jobs.busy, timeout=timeout)


def test_artist_loop_on_real_model(qtbot, make_window, tmp_path, model_path):
    from composer.engine import Engine

    engine = Engine.load(model_path, "cpu")
    window = make_window(engine=engine)
    with qtbot.waitSignal(window.studio.engine_ready, timeout=20000):
        window.load_model()
    assert window.status.model_text() == f"{engine.name} · {engine.sha256[:12]}"
    window.set_candidate_count(6)
    window.lock_defaults = LockSettings(steps=3)

    with qtbot.waitSignal(window.description.interpreted, timeout=5000):
        qtbot.keyClicks(window.description.free_text, TEXT)
    assert "zorblax" in window.description.notes()
    assert any(m.kind == "unknown" and TEXT[m.start:m.end] == "zorblax"
               for m in window.description.free_text.marks())

    window.actions["generate"].trigger()
    wait_for(qtbot, window, "generate")
    assert window.grid.shown() == 6
    shas = {p.sha256 for p in window.studio.view().candidates}
    assert len(shas) == 6                              # six different faces

    qtbot.mouseClick(window.grid.tile(2), Qt.LeftButton)
    picked = window.studio.view().portrait
    assert window.canvas.has_image() and picked.image.shape == (engine.image_size,) * 2 + (3,)

    window.lock_tools.set_region_checked("eyes", True)
    mask = window.canvas.editor().mask()
    assert mask.shape == (engine.image_size,) * 2 and mask.max() == 1.0
    window.actions["resynthesise"].trigger()
    wait_for(qtbot, window, "resynthesise")
    results = window.studio.view().candidates
    assert len(results) == 6 and window.grid.shown() == 6
    locked = window.studio.session.lock_mask(window.studio.session.steps[-2].id) == 1
    for p in results:                                  # the locked eyes are the picked eyes
        assert np.array_equal(p.image[locked], picked.image[locked])

    qtbot.mouseClick(window.grid.tile(0), Qt.LeftButton)
    kinds = [s.kind for s in window.studio.session.steps]
    assert kinds == ["describe", "generate", "pick", "lock", "resynthesise", "pick"]
    final = window.studio.view().portrait.sha256
    window.actions["undo"].trigger()
    assert window.studio.session.current.kind == "resynthesise"
    window.actions["redo"].trigger()
    assert window.studio.view().portrait.sha256 == final
    assert window.history.item_count() == 6

    keys, case = tmp_path / "keys", tmp_path / "case.zip"
    export_case(window.studio.session, engine, CaseMeta("E2E-1", "tester"), case,
                keys_dir=keys, render_pdf=render_pdf)
    window.studio.mark_exported()
    report = verify_case(case, keys_dir=keys)
    assert report.ok, report.lines()
    assert report.record["final"]["sha256"] == final
    replay = reproduce_case(case, [model_path.parent], keys_dir=keys)
    assert replay.ok, replay.lines()
