"""The main window end to end over the fake engine: load, describe, generate, pick,
evolve, lock, history, witness view, settings, close and crash recovery."""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import Qt
from PyQt5.QtGui import QKeySequence

from composer.errors import ModelError
from composer.gui.app import start
from composer.gui.mask_editor import Stroke
from composer.gui.widgets.canvas import BRUSH

from .fake_engine import FakeEngine


def loaded(qtbot, window):
    with qtbot.waitSignal(window.studio.engine_ready, timeout=5000):
        window.load_model()
    return window


def describe_and_generate(qtbot, window, text="a smiling man"):
    with qtbot.waitSignal(window.description.interpreted, timeout=2000):
        qtbot.keyClicks(window.description.free_text, text)
    with qtbot.waitSignal(window.studio.changed, timeout=5000,
                          check_params_cb=lambda: window.grid.shown() > 0):
        window.actions["generate"].trigger()


def test_model_loads_in_background_and_status_shows_identity(qtbot, make_window):
    window = make_window()
    assert not window.actions["generate"].isEnabled()
    loaded(qtbot, window)
    assert window.status.device_text() == "CPU"
    assert window.status.model_text().startswith("fake-dfgan · 000000000000")
    assert window.actions["generate"].isEnabled()


def test_model_error_shows_dialog_and_window_stays_usable(qtbot, make_window, dialogs):
    def missing(path, device):
        raise ModelError("no model at models/composer.safetensors: train one with `composer "
                         "train` or copy the shipped bundle there")

    window = make_window(loader=missing)
    with qtbot.waitSignal(window.studio.model_failed, timeout=5000):
        window.load_model()
    assert dialogs.errors and "models/composer.safetensors" in dialogs.errors[0][1]
    with qtbot.waitSignal(window.description.interpreted, timeout=2000):
        qtbot.keyClicks(window.description.free_text, "young man")
    assert "young" in window.description.caption_preview()   # the real text layer still works
    assert window.status.model_text() == "no model"


def test_generate_pick_evolve_undo_redo_and_branch(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window)
    assert window.grid.shown() == 9
    qtbot.mouseClick(window.grid.tile(3), Qt.LeftButton)
    assert window.canvas.has_image() and window.grid.selected() == 3
    assert window.actions["evolve"].isEnabled()
    with qtbot.waitSignal(window.studio.changed, timeout=5000,
                          check_params_cb=lambda: window.studio.session.current.kind == "evolve"):
        window.actions["evolve"].trigger()
    kinds = [s.kind for s in window.studio.session.steps]
    assert kinds == ["describe", "generate", "pick", "evolve"]
    assert window.history.item_count() == 4
    window.actions["undo"].trigger()
    assert window.studio.session.current.kind == "pick" and window.grid.selected() == 3
    window.actions["redo"].trigger()
    assert window.studio.session.current.kind == "evolve"
    window.history.activate(2)                      # back to the first grid
    qtbot.mouseClick(window.grid.tile(5), Qt.LeftButton)
    assert len(window.studio.session.steps) == 5     # the evolve branch is still there
    assert window.history.item_text(4).startswith("4. More like this")


def test_description_restored_on_undo(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window, "a smiling man")
    window.description.free_text.selectAll()
    describe_and_generate(qtbot, window, "blond woman")
    window.history.activate(2)
    assert window.description.description().free_text == "a smiling man"


def test_brush_lock_resynthesise_fills_grid(qtbot, make_window):
    window = loaded(qtbot, make_window(engine=FakeEngine(lock_steps=3)))
    window.set_candidate_count(6)
    describe_and_generate(qtbot, window)
    qtbot.mouseClick(window.grid.tile(0), Qt.LeftButton)
    window.lock_tools.set_tool(BRUSH)
    assert window.canvas.tool() == BRUSH
    editor = window.canvas.editor()
    assert editor.size == 32
    editor.add_stroke(Stroke(((4.0, 4.0), (28.0, 4.0)), radius=3.0))
    window.canvas.mask_changed.emit()             # the stroke ends: the lock set is recorded
    assert window.canvas.tool() != BRUSH          # and the brush is off again
    with qtbot.waitSignal(window.studio.changed, timeout=5000, check_params_cb=lambda: (
            window.studio.session.current.kind == "resynthesise")):
        window.actions["resynthesise"].trigger()
    assert window.grid.shown() == 6
    ref = window.studio.session.current_portrait.image
    mask = window.studio.session.lock_mask(window.studio.session.steps[-2].id)
    for p in window.studio.view().candidates:
        assert np.array_equal(p.image[mask == 1], ref[mask == 1])


def test_lock_without_mask_is_reported(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window)
    qtbot.mouseClick(window.grid.tile(0), Qt.LeftButton)
    with qtbot.waitSignal(window.studio.error) as blocker:
        window.actions["resynthesise"].trigger()
    assert "Nothing is locked" in blocker.args[0]


def test_witness_view_follows_candidates_and_portrait(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window)
    window.actions["witness"].trigger()
    assert window.witness.isVisible() and window.witness.shown_count() == 9
    qtbot.mouseClick(window.grid.tile(1), Qt.LeftButton)
    window.actions["witness_portrait"].trigger()
    assert window.witness.mode() == "portrait" and window.witness.shown_count() == 1
    window.witness.toggle_full_screen()
    assert window.witness.isFullScreen()


def test_every_action_is_keyboard_reachable(make_window):
    window = make_window(show=False)
    for name, action in window.actions.by_name.items():
        assert not action.shortcut().isEmpty() or "&" in action.text(), name
    assert window.actions["undo"].shortcut() == QKeySequence("Ctrl+Z")
    assert window.actions["redo"].shortcut() == QKeySequence("Ctrl+Shift+Z")


def test_settings_persist_between_windows(qtbot, make_window):
    window = make_window()
    window.set_candidate_count(6)
    window.resize(760, 560)            # within the offscreen screen (800×600): a larger one is fitted
    window.close()
    again = make_window()
    assert again.grid.count() == 6 and again.actions.counts[6].isChecked()
    assert again.size().width() == 760


def test_close_with_unexported_work_asks(qtbot, make_window, dialogs):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window)
    dialogs.unexported_answer = "cancel"
    assert not window.close() and window.isVisible()
    dialogs.unexported_answer = "discard"
    assert window.close()
    assert dialogs.asked.count("unexported_work") == 2


def test_crash_recovery_offers_autosave(qtbot, make_window, dialogs):
    first = loaded(qtbot, make_window())
    describe_and_generate(qtbot, first)
    shas = [p.sha256 for p in first.studio.view().candidates]
    first.studio.shutdown()          # simulate a crash: no close, no finish()
    second = make_window()
    start(second, second.studio.session.folder.parent)
    assert "choose_recovery" in dialogs.asked
    assert [p.sha256 for p in second.studio.view().candidates] == shas
    assert second.grid.shown() == 9
    with qtbot.waitSignal(second.studio.engine_ready, timeout=5000):
        pass


def test_cancel_resynthesis_shows_progress_then_stops(qtbot, make_window):
    window = loaded(qtbot, make_window(engine=FakeEngine(delay_s=0.02, lock_steps=200)))
    describe_and_generate(qtbot, window)
    qtbot.mouseClick(window.grid.tile(0), Qt.LeftButton)
    window.canvas.editor().add_stroke(Stroke(((8.0, 8.0),), radius=4.0))
    window.canvas.mask_changed.emit()
    with qtbot.waitSignal(window.studio.progress, timeout=5000):
        window.actions["resynthesise"].trigger()
    assert window.status.progress.isVisible()
    assert window.status.progress.maximum() == 200
    with qtbot.waitSignal(window.studio.busy, timeout=5000, check_params_cb=lambda v: v is None):
        window.actions["cancel"].trigger()
    assert window.studio.session.current.kind == "lock"       # no resynthesise step recorded
    assert "Cancelled" in window.status.currentMessage()


def test_worker_exception_becomes_status_message(qtbot, make_window):
    class Exploding(FakeEngine):
        def candidates(self, caption, n, seed):
            raise RuntimeError("CUDA out of memory")

    window = loaded(qtbot, make_window(engine=Exploding()))
    with qtbot.waitSignal(window.description.interpreted, timeout=2000):
        qtbot.keyClicks(window.description.free_text, "a man")
    with qtbot.waitSignal(window.studio.error, timeout=5000):
        window.actions["generate"].trigger()
    assert "CUDA out of memory" in window.status.currentMessage()
    assert window.isVisible() and window.actions["generate"].isEnabled()
