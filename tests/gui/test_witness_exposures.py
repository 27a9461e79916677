"""Issue 16 §4: the witness view logs what it actually displays (audience "witness", with the time);
step outputs stay "artist"; the app's start-up hooks (retention cleanup, passphrase dialog)."""
from __future__ import annotations

import json

from PyQt5.QtCore import Qt

from composer.gui.app import start
from composer.record import recovery

from .test_main_window import describe_and_generate, loaded


def _status_lines(window):
    lines, show = [], window.status.showMessage
    window.status.showMessage = lambda text, ms=0: (lines.append(text), show(text, ms))
    return lines


def _witness(session):
    return [e for e in session.exposures if e.audience == "witness"]


def test_hidden_witness_view_logs_nothing(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window)
    s = window.studio.session
    assert not window.witness.isVisible()
    assert _witness(s) == [] and s.exposures and all(e.audience == "artist" for e in s.exposures)
    assert s.witness_view is True                  # a GUI session has a witness view, unused so far


def test_witness_view_logs_each_display_once_with_its_time(qtbot, make_window):
    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window)
    s = window.studio.session
    window.actions["witness"].trigger()            # shown: the 9 candidates are displayed now
    first = _witness(s)
    assert len(first) == 9 and {e.what for e in first} == {"candidates"}
    assert len({e.shown_at for e in first}) == 1 and first[0].shown_at
    assert [e.sha256 for e in first] == [p.sha256 for p in window.studio.view().candidates]
    window.refresh()                               # the same display again: not logged twice
    window.show_witness()
    assert len(_witness(s)) == 9
    qtbot.mouseClick(window.grid.tile(1), Qt.LeftButton)
    window.actions["witness_portrait"].trigger()   # now the portrait
    after = _witness(s)
    assert len(after) == 10 and after[-1].what == "portrait"
    assert after[-1].sha256 == window.studio.view().portrait.sha256
    window.witness.hide()                          # hidden and shown again: a new display
    window.refresh()
    assert len(_witness(s)) == 10                  # nothing logged while hidden
    window.show_witness()
    assert len(_witness(s)) == 11 and _witness(s)[-1].what == "portrait"
    saved = json.loads((s.folder / recovery.SESSION_FILE).read_text())
    assert sum(e.get("audience") == "witness" for e in saved["exposures"]) == 11
    assert saved["witness_view"] is True


def test_exported_record_counts_witness_and_artist_apart(qtbot, make_window, tmp_path):
    from composer.casefile.export import export_case
    from composer.casefile.record import CaseMeta
    from composer.casefile.report import report_text
    from composer.casefile.verify import verify_case

    window = loaded(qtbot, make_window())
    describe_and_generate(qtbot, window)
    window.actions["witness"].trigger()
    qtbot.mouseClick(window.grid.tile(2), Qt.LeftButton)
    captured = []

    def render(content):
        captured.append(content)
        return b"%PDF-1.4 fake"
    result = export_case(window.studio.session, window.studio.engine, CaseMeta("W-1"), tmp_path / "w.composer-case",
                         keys_dir=tmp_path / "keys", render_pdf=render)
    assert verify_case(result.path, keys_dir=tmp_path / "keys").ok
    c = captured[0]
    assert c.n_images_witness == 9 and c.n_images_shown >= 9
    text = report_text(c)
    assert "The witness view showed the witness 9 different images in 1 display" in text
    assert len(c.witness_displays) == 1 and "candidates" in c.witness_displays[0]
    assert window.studio.session.exported_at is not None


def test_start_runs_retention_cleanup_and_reports_one_line(qtbot, make_window, tmp_path):
    window = make_window(show=False)
    root = window.studio.session.folder.parent
    old = root / "old-session"
    recovery.write_state(old, {"format": recovery.FORMAT, "version": 1, "session_id": "old", "closed": True,
                               "saved_at": "2020-01-01T00:00:00+00:00", "exported_at": "2020-01-01T00:00:00+00:00",
                               "exported_steps": 0, "steps": []})
    window.settings = window.settings.with_(retention_days=30)
    lines = _status_lines(window)
    start(window, root)
    assert not old.exists()
    assert any("Deleted 1 exported session folder" in line for line in lines)
    with qtbot.waitSignal(window.studio.engine_ready, timeout=5000):
        pass


def test_start_survives_a_broken_recovery_root(qtbot, make_window, tmp_path):
    window = make_window(show=False)
    root = tmp_path / "linked-root"
    root.symlink_to(tmp_path)                      # a link: retention refuses it, the app still starts
    window.settings = window.settings.with_(retention_days=1)
    lines = _status_lines(window)
    start(window, root)
    assert [line for line in lines if "not cleaned up" in line and "symbolic link" in line]
    assert (tmp_path).exists()
    with qtbot.waitSignal(window.studio.engine_ready, timeout=5000):
        pass


def test_retention_setting_round_trips(tmp_path):
    from PyQt5.QtCore import QSettings

    from composer.gui.settings import SettingsStore
    q = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    store = SettingsStore(q)
    assert store.load().retention_days is None
    store.save(store.load().with_(retention_days=14))
    assert SettingsStore(QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)).load().retention_days == 14
    store.save(store.load().with_(retention_days=None))
    assert store.load().retention_days is None
    for bad in ("-3", "soon", "1e9", "99999999"):
        q.setValue("recovery/retention_days", bad)
        assert store.load().retention_days is None
