"""File menu: New session, Open case file… (review / continue), Open recent, Recover…; bad input is
one clear message, never a traceback."""
from __future__ import annotations


import pytest
from PyQt5.QtCore import Qt

from composer.casefile.export import export_case
from composer.casefile.record import CaseMeta
from composer.casefile.reopen import ORIGIN_NOTE, read_case
from composer.gui.case_review import CaseReviewDialog
from composer.record.recovery import find_recovery

from .fake_engine import FakeEngine
from .test_main_window import describe_and_generate, loaded


def fake_pdf(content) -> bytes:
    return b"%PDF-1.4 fake report"


@pytest.fixture
def case_file(qtbot, make_window, tmp_path):
    """A case exported from a real window session (describe, generate, pick)."""
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window, "a smiling man")
    qtbot.mouseClick(window.grid.tile(2), Qt.LeftButton)
    path = tmp_path / "cases" / "c-17.composer-case"
    path.parent.mkdir()
    export_case(window.studio.session, FakeEngine(), CaseMeta("C-17", "Officer A"), path, render_pdf=fake_pdf)
    window.studio.mark_exported()
    return path, [s.kind for s in window.studio.session.steps], window.studio.session.current_portrait.sha256


def menu_texts(window, title):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == title)
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def test_file_menu_has_the_session_commands(make_window):
    window = make_window(show=False)
    texts = menu_texts(window, "File")
    for wanted in ("New session", "Open case file…", "Open recent", "Recover session…", "Export case file…"):
        assert wanted in texts
    assert window.actions["recover"].isVisible()
    assert window.actions["witness_full"].shortcut().toString() == "F11"


def test_new_session_asks_about_unexported_work_and_starts_fresh(qtbot, make_window, dialogs):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window)
    old = window.studio.session
    dialogs.unexported_answer = "cancel"
    window.actions["new_session"].trigger()
    assert window.studio.session is old and dialogs.asked == ["unexported_work"]
    dialogs.unexported_answer = "discard"
    window.actions["new_session"].trigger()
    new = window.studio.session
    assert new is not old and not new.steps and new.folder.parent == old.folder.parent
    assert window.grid.shown() == 0 and window.history.item_count() == 0
    assert window.description.description().free_text == ""
    assert old.session_id not in [i.session_id for i in find_recovery(old.folder.parent)]   # finished


def test_recover_a_chosen_folder_and_refuse_a_bad_one(qtbot, make_window, dialogs, tmp_path):
    first = loaded(qtbot, make_window())
    describe_and_generate(qtbot, first)
    shas = [p.sha256 for p in first.studio.view().candidates]
    folder = first.studio.session.folder
    first.studio.shutdown()                                  # a crash: nothing finished
    second = make_window()
    dialogs.choose_recovery_folder = lambda start: str(tmp_path / "nowhere")
    second.actions["recover"].trigger()
    assert len(dialogs.errors) == 1 and "\n" not in dialogs.errors[0][1]
    assert not second.studio.session.steps
    dialogs.choose_recovery_folder = lambda start: str(folder)
    second.actions["recover"].trigger()
    assert [p.sha256 for p in second.studio.view().candidates] == shas
    assert second.history.item_count() == 2
    second.files.recover(str(folder))                          # it is open already
    assert "already open" in dialogs.errors[-1][1]


def test_open_case_review_only_then_continue_as_new_session(qtbot, make_window, dialogs, case_file):
    path, kinds, final_sha = case_file
    window = make_window()
    reviewed = []
    dialogs.open_case = lambda folder: str(path)
    dialogs.review_case = lambda case: reviewed.append(case) or False      # just look at it
    window.actions["open_case"].trigger()
    assert reviewed[0].case_id == "C-17" and reviewed[0].verified and not window.studio.session.steps
    assert window.settings.recent_cases == (str(path),)
    dialogs.review_case = lambda case: True                                 # continue it
    window.actions["open_case"].trigger()
    session = window.studio.session
    assert [s.kind for s in session.steps] == kinds and session.current_portrait.sha256 == final_sha
    origin = session.steps[0].notes[ORIGIN_NOTE]
    assert origin["case_id"] == "C-17" and origin["file_sha256"] == read_case(path).file_sha256
    assert window.grid.shown() == 9 and window.description.description().free_text == "a smiling man"
    assert window.studio.unexported                                          # a new session's work


def test_case_review_dialog_shows_history_and_portrait(qtbot, case_file):
    case = read_case(case_file[0])
    dialog = CaseReviewDialog(case)
    qtbot.addWidget(dialog)
    assert dialog.history.count() == 3 and dialog.history.item(0).text().startswith("1. Describe")
    assert dialog.portrait.pixmap() is not None and not dialog.portrait.pixmap().isNull()
    assert "Verified" in dialog.verification.text() and dialog.warning.text()   # a fake (test) model


def test_corrupt_case_file_is_one_clear_message(qtbot, make_window, dialogs, tmp_path, case_file):
    window = make_window()
    bad = tmp_path / "bad.composer-case"
    bad.write_bytes(case_file[0].read_bytes()[:700])
    dialogs.open_case = lambda folder: str(bad)
    dialogs.review_case = lambda case: pytest.fail("a corrupt case must not be shown")
    window.actions["open_case"].trigger()
    (title, text), = dialogs.errors
    assert "bad.composer-case" in text and "\n" not in text and "Traceback" not in text
    assert not window.studio.session.steps


def test_recent_cases_menu_greys_missing_files_and_removes_them(qtbot, make_window, dialogs, case_file, tmp_path):
    window = make_window()
    gone = tmp_path / "gone.composer-case"
    window.files.remember(str(gone))
    window.files.remember(str(case_file[0]))
    actions = [a for a in window.actions.recent_menu.actions() if a.data()]
    assert [a.data() for a in actions] == [str(case_file[0]), str(gone)]
    assert actions[0].isEnabled() and not actions[1].isEnabled() and "(missing)" in actions[1].text()
    assert actions[0].text().startswith("&1 ")
    assert not window.files.open_recent(str(gone))
    assert len(dialogs.errors) == 1 and "no longer exists" in dialogs.errors[0][1]
    assert window.settings.recent_cases == (str(case_file[0]),)
    for i in range(10):                                     # at most 8 are kept
        window.files.remember(str(tmp_path / f"{i}.composer-case"))
    assert len(window.settings.recent_cases) == 8
    assert make_window(show=False).settings.recent_cases == window.settings.recent_cases   # kept in settings
