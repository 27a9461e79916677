"""The refine loop in the real window: the current description drives re-synthesis, the lock set
is part of each step (undo, history, recovery restore it), and a lock may combine sources."""
from __future__ import annotations

import numpy as np
from PyQt5.QtCore import Qt

from composer.edit.lockset import LockSet
from composer.gui.mask_editor import Stroke
from composer.gui.widgets.canvas import BRUSH, VIEW
from composer.operations import ImportReference, perform
from composer.session import Session

from .fake_engine import FakeEngine
from .test_main_window import describe_and_generate, loaded


def pick(qtbot, window, index=0):
    qtbot.mouseClick(window.grid.tile(index), Qt.LeftButton)
    assert window.studio.view().portrait is not None


def toggle(qtbot, window, region):
    qtbot.mouseClick(window.lock_tools._region_buttons[region], Qt.LeftButton)


def resynthesise(qtbot, window):
    with qtbot.waitSignal(window.studio.changed, timeout=5000, check_params_cb=lambda: (
            window.studio.session.current.kind == "resynthesise")):
        window.actions["resynthesise"].trigger()
    return window.studio.session.current


def edit_text(qtbot, window, text):
    window.description.free_text.clear()
    with qtbot.waitSignal(window.description.interpreted, timeout=2000):
        qtbot.keyClicks(window.description.free_text, text)


def test_resynthesis_and_more_like_this_follow_the_edited_description(qtbot, make_window):
    window = loaded(qtbot, make_window(engine=FakeEngine(lock_steps=2)))
    window.set_candidate_count(6)
    describe_and_generate(qtbot, window, "a smiling man")
    first = window.studio.view().caption
    pick(qtbot, window)
    toggle(qtbot, window, "eyes")
    edit_text(qtbot, window, "a man with blond hair")
    new_caption = window.studio._interpretation.caption
    assert new_caption != first
    step = resynthesise(qtbot, window)
    assert step.inputs["caption"] == new_caption                 # the witness's correction applies
    kinds = [s.kind for s in window.studio.session.lineage()]
    assert kinds.index("describe", 1) < kinds.index("resynthesise")   # the edit is in the history
    pick(qtbot, window, 1)
    with qtbot.waitSignal(window.studio.changed, timeout=5000, check_params_cb=lambda: (
            window.studio.session.current.kind == "evolve")):
        window.actions["evolve"].trigger()
    assert window.studio.session.current.inputs["caption"] == new_caption


def test_lock_set_is_history_undo_redo_and_goto_restore_it(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window)
    pick(qtbot, window)
    toggle(qtbot, window, "eyes")
    toggle(qtbot, window, "mouth")
    session = window.studio.session
    assert [s.kind for s in session.steps][-2:] == ["lock", "lock"]
    assert window.studio.view().lock.lockset.names == ("eyes", "mouth")
    eyes_only = session.steps[-2].id
    window.actions["undo"].trigger()
    assert window.lock_tools.checked_regions() == ("eyes",)
    assert window.canvas.editor().regions == ("eyes",)
    window.actions["redo"].trigger()
    assert set(window.lock_tools.checked_regions()) == {"eyes", "mouth"}
    window.studio.go_to(eyes_only)
    assert window.lock_tools.checked_regions() == ("eyes",)
    window.clear_lock()
    assert window.lock_tools.checked_regions() == () and session.current.kind == "lock"
    window.actions["undo"].trigger()
    assert window.lock_tools.checked_regions() == ("eyes",)


def test_brush_is_off_after_a_stroke_and_the_painted_layer_is_restored(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window)
    pick(qtbot, window)
    window.lock_tools.set_tool(BRUSH)
    window.canvas.editor().add_stroke(Stroke(((6.0, 6.0), (20.0, 6.0)), radius=3.0))
    window.canvas.mask_changed.emit()
    assert window.canvas.tool() == VIEW                         # a stray click now paints nothing
    painted = window.canvas.editor().paint_layer()
    assert painted.max() == 1.0
    toggle(qtbot, window, "nose")
    window.canvas.editor().clear()
    window.actions["undo"].trigger()                            # back to the brush-only lock
    assert np.array_equal(window.canvas.editor().paint_layer(), painted)
    window.lock_tools.keep_brush.setChecked(True)
    window.lock_tools.set_tool(BRUSH)
    window.canvas.editor().add_stroke(Stroke(((6.0, 20.0),), radius=2.0))
    window.canvas.mask_changed.emit()
    assert window.canvas.tool() == BRUSH


def test_crash_recovery_restores_the_lock_set(qtbot, make_window, tmp_path):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window)
    pick(qtbot, window)
    toggle(qtbot, window, "eyes")
    window.lock_tools.set_tool(BRUSH)
    window.canvas.editor().add_stroke(Stroke(((6.0, 26.0),), radius=3.0))
    window.canvas.mask_changed.emit()
    before = window.studio.view().lock
    recovered = Session.recover(window.studio.session.folder)
    window.studio.replace_session(recovered)
    after = window.studio.view().lock
    assert after.lockset == before.lockset and after.reference_sha256 == before.reference_sha256
    assert np.array_equal(after.brush, before.brush)
    assert window.lock_tools.checked_regions() == ("eyes",)
    assert np.array_equal(window.canvas.editor().paint_layer(), before.brush)


def test_regions_from_several_sources_compose_one_reference(qtbot, make_window):
    window = loaded(qtbot, make_window(engine=FakeEngine(lock_steps=2)))
    window.set_candidate_count(6)
    describe_and_generate(qtbot, window)
    pick(qtbot, window, 3)
    earlier = window.studio.view().portrait
    pick(qtbot, window, 0)
    portrait = window.studio.view().portrait
    photo = np.full((32, 32, 3), 77, np.uint8)
    window.studio.import_reference("/cases/photo-A.png", photo)
    labels = [s.label for s in window.studio.view().sources]
    assert labels == ["the picked portrait (step 4)", "photo photo-A.png", "step 3's portrait"]
    sources = {s.label: s for s in window.studio.view().sources}
    for region, label in (("eyes", "the picked portrait (step 4)"), ("mouth", "photo photo-A.png"),
                          ("nose", "step 3's portrait")):
        window.lock_tools.source.setCurrentIndex(labels.index(label))
        toggle(qtbot, window, region)
    lock = window.studio.view().lock
    assert [(r.region, r.source.label) for r in lock.lockset.regions] == [
        ("eyes", "the picked portrait (step 4)"), ("mouth", "photo photo-A.png"), ("nose", "step 3's portrait")]
    assert sources["photo photo-A.png"].sha256 == lock.lockset.source_of("mouth").sha256
    assert "Mouth ← photo-A.png" in window.lock_tools._region_buttons["mouth"].text()
    editor = window.canvas.editor()
    step = resynthesise(qtbot, window)
    assert step.inputs["reference_sha256"] == lock.reference_sha256
    order = [("eyes", portrait.image), ("mouth", photo), ("nose", earlier.image)]
    for i, (name, image) in enumerate(order):                # a later region wins where they overlap
        core = editor.region_layer(name) == 1.0
        for later, _ in order[i + 1:]:
            core &= editor.region_layer(later) == 0.0
        assert core.any(), name
        for candidate in window.studio.view().candidates:
            assert np.array_equal(candidate.image[core], image[core]), name


def test_a_new_pick_keeps_the_lock_and_its_sources(qtbot, make_window):
    window = loaded(qtbot, make_window(engine=FakeEngine(lock_steps=2)))
    window.set_candidate_count(6)
    describe_and_generate(qtbot, window)
    pick(qtbot, window, 0)
    first = window.studio.view().portrait
    toggle(qtbot, window, "eyes")
    resynthesise(qtbot, window)
    pick(qtbot, window, 2)
    lock = window.studio.view().lock
    assert lock.lockset.source_of("eyes").sha256 == first.sha256   # the eyes the witness confirmed
    step = resynthesise(qtbot, window)                              # laid again over the new pick
    lock_step = window.studio.session.step(step.parent)
    assert lock_step.kind == "lock" and lock_step.inputs["base_sha256"] == window.studio.view().portrait.sha256


def test_import_photo_does_not_replace_the_locks(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window)
    pick(qtbot, window)
    toggle(qtbot, window, "eyes")
    perform(ImportReference(np.zeros((32, 32, 3), np.uint8), "/x/b.png"), None, window.studio.session)
    window.studio.changed.emit()
    assert window.studio.view().lock.lockset.names == ("eyes",)
    assert window.lock_tools.checked_regions() == ("eyes",)
    assert LockSet(()).with_region("eyes", None) == LockSet(())


def test_a_chosen_source_stays_until_a_new_pick(qtbot, make_window):
    window = loaded(qtbot, make_window())
    window.set_candidate_count(6)
    describe_and_generate(qtbot, window)
    pick(qtbot, window, 0)
    window.studio.import_reference("/x/photo-B.png", np.full((32, 32, 3), 9, np.uint8))
    assert window.lock_tools.current_source().label == "photo photo-B.png"     # offered at once
    toggle(qtbot, window, "mouth")
    assert window.lock_tools.current_source().label == "photo photo-B.png"     # still chosen
    pick(qtbot, window, 2)
    assert window.lock_tools.current_source().label.startswith("the picked portrait")
    toggle(qtbot, window, "eyes")
    lock = window.studio.view().lock.lockset
    assert lock.source_of("eyes").sha256 == window.studio.view().portrait.sha256
    assert lock.source_of("mouth").label == "photo photo-B.png"
