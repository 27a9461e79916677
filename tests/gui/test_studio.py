"""Studio: engine work in the background, every outcome recorded in the real Session."""
from __future__ import annotations

import numpy as np
import pytest

from composer.edit.lockset import LockSet
from composer.errors import ModelError
from composer.gui.controller import Studio
from composer.gui.domain import Description, LockSettings
from composer.session import Session

from .fake_engine import FakeEngine


@pytest.fixture
def studio(qtbot, fake_engine):
    s = Studio(Session(), lambda path, device: fake_engine)
    with qtbot.waitSignal(s.engine_ready, timeout=5000):
        s.load_model(None, "cpu")
    yield s
    s.shutdown()


def describe(studio, text="a smiling man"):
    d = Description(choices={}, free_text=text)
    studio.set_description(d, studio.engine.describe(d))


def generate(qtbot, studio, n=6, seed=3):
    with qtbot.waitSignal(studio.changed, timeout=5000, check_params_cb=lambda: bool(
            studio.view().candidates)):
        studio.generate(n, seed=seed)


def lock_top(studio, mask):
    """Lock the "eyes" region, drawn here as `mask`, from the picked portrait."""
    source = studio.view().sources[0]
    studio.set_lock(LockSet(()).with_region("eyes", source), {"eyes": mask})


def test_generate_records_describe_and_generate_steps(qtbot, studio, fake_engine):
    describe(studio)
    generate(qtbot, studio)
    kinds = [s.kind for s in studio.session.steps]
    assert kinds == ["describe", "generate"]
    view = studio.view()
    assert len(view.candidates) == 6 and view.selected is None and view.portrait is None
    expected = fake_engine.candidates(view.caption, 6, 3)
    assert [p.sha256 for p in view.candidates] == [p.sha256 for p in expected]
    assert studio.unexported


def test_generate_without_description_reports_error(qtbot, studio):
    with qtbot.waitSignal(studio.error) as blocker:
        assert studio.generate(6) is None
    assert "Nothing is described" in blocker.args[0]
    assert studio.session.steps == ()


def test_pick_evolve_undo_and_branch(qtbot, studio):
    describe(studio)
    generate(qtbot, studio)
    studio.pick(2)
    view = studio.view()
    assert view.selected == 2 and view.portrait.sha256 == view.candidates[2].sha256
    with qtbot.waitSignal(studio.changed, timeout=5000):
        studio.evolve(6, 0.4, seed=9)
    assert studio.session.current.kind == "evolve"
    assert studio.view().portrait.sha256 == view.portrait.sha256   # still working on the pick
    studio.undo()
    assert studio.session.current.kind == "pick" and studio.session.can_redo
    studio.pick(4)                                                # branch from the old grid
    assert len(studio.session.children(studio.session.current.parent)) == 2
    assert len(studio.session.steps) == 5                         # nothing lost


def test_resynthesise_keeps_locked_pixels_and_reports_progress(qtbot, studio):
    describe(studio)
    generate(qtbot, studio)
    studio.pick(0)
    mask = np.zeros((32, 32), np.float32)
    mask[:16] = 1.0
    steps = []
    studio.progress.connect(lambda step, total: steps.append((step, total)))
    with qtbot.waitSignal(studio.changed, timeout=5000,
                          check_params_cb=lambda: studio.session.current.kind == "resynthesise"):
        lock_top(studio, mask)
        studio.resynthesise(LockSettings(n_candidates=4))
    view = studio.view()
    reference = studio.session.current_portrait.image
    assert len(view.candidates) == 4
    for p in view.candidates:
        assert np.array_equal(p.image[:16], reference[:16])
    assert steps[-1] == (4, 4)
    assert [s.kind for s in studio.session.steps][-2:] == ["lock", "resynthesise"]


def test_new_request_supersedes_running_one(qtbot, fake_engine):
    slow = FakeEngine(delay_s=0.05, lock_steps=40)
    studio = Studio(Session(), lambda path, device: slow)
    with qtbot.waitSignal(studio.engine_ready, timeout=5000):
        studio.load_model(None, "cpu")
    describe(studio)
    generate(qtbot, studio)
    studio.pick(0)
    lock_top(studio, np.ones((32, 32), np.float32))
    studio.resynthesise(LockSettings(n_candidates=4))
    with qtbot.waitSignal(studio.changed, timeout=10000,
                          check_params_cb=lambda: studio.session.current.kind == "generate"):
        studio.generate(6, seed=11)
    assert "resynthesise" not in [s.kind for s in studio.session.steps]
    studio.shutdown()


def test_model_error_is_reported_and_window_state_survives(qtbot):
    def broken(path, device):
        raise ModelError("models/x.safetensors is missing: run `composer train` or copy a model there")

    studio = Studio(Session(), broken)
    with qtbot.waitSignal(studio.model_failed, timeout=5000) as blocker:
        studio.load_model(None, "auto")
    assert "models/x.safetensors" in blocker.args[0]
    with qtbot.waitSignal(studio.error):
        studio.generate(6)
    studio.shutdown()
