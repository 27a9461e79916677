"""The witness's words are history: debounced recording, Ctrl+Z in the text box, history undo,
corrections, and the grid's "drawn from … / now says …" notice."""
from __future__ import annotations

from PyQt5.QtCore import Qt

from composer.gui.witness_words import RECORD_DELAY_MS

from .test_main_window import describe_and_generate, loaded


def describes(window):
    return [s for s in window.studio.session.steps if s.kind == "describe"]


def type_words(qtbot, window, text, replace=False):
    box = window.description.free_text
    box.setFocus()
    if replace:
        box.selectAll()
    with qtbot.waitSignal(window.description.interpreted, timeout=2000):
        qtbot.keyClicks(box, text)


def test_description_edit_is_recorded_debounced(qtbot, make_window):
    window = loaded(qtbot, make_window())
    assert window.words.timer.interval() == RECORD_DELAY_MS == 1500
    type_words(qtbot, window, "a smiling man")
    assert window.words.pending() and describes(window) == []      # not while the witness speaks
    qtbot.wait(400)
    assert describes(window) == []
    qtbot.waitUntil(lambda: len(describes(window)) == 1, timeout=3000)
    assert describes(window)[0].inputs["description"]["free_text"] == "a smiling man"
    assert window.history.item_count() == 1                         # and the history shows it
    window.description.set_choice("hair_colour", "black")           # dropdowns count as edits too
    window.words.flush()
    assert describes(window)[-1].inputs["description"]["choices"]["hair_colour"] == "black"


def test_words_are_recorded_before_more_like_this_and_history_moves(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window, "a smiling man")
    qtbot.mouseClick(window.grid.tile(0), Qt.LeftButton)
    type_words(qtbot, window, " with a beard")
    with qtbot.waitSignal(window.studio.changed, timeout=5000,
                          check_params_cb=lambda: window.studio.session.current.kind == "evolve"):
        window.actions["evolve"].trigger()
    kinds = [s.kind for s in window.studio.session.steps]
    assert kinds == ["describe", "generate", "pick", "describe", "evolve"]
    assert describes(window)[-1].inputs["description"]["free_text"] == "a smiling man with a beard"


def test_statement_survives_ctrl_z_in_the_text_box(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window, "a smiling man")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    current = window.studio.session.current.id
    type_words(qtbot, window, " with a black beard")
    box = window.description.free_text
    qtbot.keyClick(box, Qt.Key_Z, Qt.ControlModifier)
    assert box.toPlainText() == "a smiling man with a black"      # one word back, not the statement
    assert window.studio.session.current.id == current            # the window's history did not move
    qtbot.keyClick(box, Qt.Key_Y, Qt.ControlModifier)
    assert box.toPlainText() == "a smiling man with a black beard"
    for _ in range(4):
        qtbot.keyClick(box, Qt.Key_Z, Qt.ControlModifier)
    assert box.toPlainText() == "a smiling man"                   # word by word, never all at once
    # the same key with the focus elsewhere is the history's undo
    window.grid.tile(0).setFocus()
    window.words.flush()
    before = window.studio.session.current.id
    qtbot.keyClick(window.grid.tile(0), Qt.Key_Z, Qt.ControlModifier)
    assert window.studio.session.current.id != before


def test_history_undo_restores_the_earlier_description_and_never_discards_typed_words(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window, "a smiling man")
    type_words(qtbot, window, "blond woman", replace=True)
    assert describes(window)[-1].inputs["description"]["free_text"] == "a smiling man"
    window.actions["undo"].trigger()              # the typed words become a step, then undo moves back
    assert describes(window)[-1].inputs["description"]["free_text"] == "blond woman"
    assert window.studio.session.current.kind == "generate"
    assert window.description.description().free_text == "a smiling man"
    assert not window.words.flush()               # showing the earlier words is not a new edit
    window.actions["redo"].trigger()
    assert window.description.description().free_text == "blond woman"
    assert not window.words.flush() and len(describes(window)) == 2


def test_corrections_are_kept_in_order_in_the_describe_history(qtbot, make_window):
    window = make_window()                       # no model: the real text layer interprets
    type_words(qtbot, window, "a man with no glasses")
    window.words.flush()
    type_words(qtbot, window, ". Correction: he wore glasses")
    window.words.flush()
    first, later = (s.inputs for s in describes(window))
    assert first["description"]["free_text"] == "a man with no glasses"
    assert later["description"]["free_text"].startswith("a man with no glasses. Correction: he wore glasses")
    assert first["interpretation"]["state"]["Eyeglasses"] is False
    assert later["interpretation"]["state"]["Eyeglasses"] is True             # the later one wins
    (correction,) = [c for c in later["interpretation"]["corrections"] if c["attribute"] == "Eyeglasses"]
    assert correction["earlier_value"] is False and correction["later_value"] is True
    assert correction["earlier_start"] < correction["later_start"]


def test_grid_caption_notice_and_both_buttons(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window, "a smiling man")
    grid_caption = window.studio.view().caption
    assert window.grid.caption() == grid_caption and not window.grid.notice_shown()
    type_words(qtbot, window, "blond woman", replace=True)
    assert window.grid.notice_shown()
    message = window.grid.notice_message()
    assert "The grid was drawn from" in message and "the description now says" in message
    # keep: the notice goes, the new words are recorded
    qtbot.mouseClick(window.grid.keep_button, Qt.LeftButton)
    assert not window.grid.notice_shown()
    assert describes(window)[-1].inputs["description"]["free_text"] == "blond woman"
    type_words(qtbot, window, " smiling")        # a further change: the notice is back
    assert window.grid.notice_shown()
    # use the grid's: the description the grid was drawn from comes back, and is recorded
    qtbot.mouseClick(window.grid.use_button, Qt.LeftButton)
    assert window.description.description().free_text == "a smiling man"
    assert window.description.caption_preview() == grid_caption
    assert not window.grid.notice_shown()
    assert describes(window)[-1].inputs["description"] == describes(window)[0].inputs["description"]


def test_going_back_before_a_new_description_shows_the_notice(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window, "a smiling man")
    window.history.activate(1)                 # back to the describe step, before the grid
    assert not window.grid.notice_shown()      # no grid there
    window.history.activate(2)
    assert not window.grid.notice_shown()


def test_enter_picks_the_focused_tile(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window)
    tile = window.grid.tile(4)
    tile.setFocus()
    qtbot.keyClick(tile, Qt.Key_Return)
    assert window.grid.selected() == 4 and window.studio.session.current.kind == "pick"
    assert window.studio.session.current.inputs["index"] == 4


def test_free_text_first_in_tab_order_and_every_dropdown_has_a_tooltip(qtbot, make_window):
    window = make_window()
    box = window.description.free_text
    window.activateWindow()
    qtbot.waitUntil(lambda: window.focusWidget() is box, timeout=2000)
    combos = list(window.description._combos.values())
    for expected in combos[:3]:                  # Tab: from the words to the dropdowns, in order
        qtbot.keyClick(window.focusWidget(), Qt.Key_Tab)
        assert window.focusWidget() is expected
    for gid, combo in window.description._combos.items():
        assert combo.toolTip().strip(), gid
    window.description.set_choice("sex", "male")
    assert window.description.tooltip("sex").startswith("Sex")
