"""Export dialog over the real case-file layer (fake engine): fields, errors, preview."""
from __future__ import annotations

from PyQt5.QtCore import Qt

from composer.casefile.export import export_case
from composer.casefile.verify import verify_case
from composer.gui.export_dialog import ExportDialog, default_name
from composer.casefile.report_pdf import render_pdf


def picked_session(qtbot, make_window, export=None):
    window = make_window(export=export)
    with qtbot.waitSignal(window.studio.engine_ready, timeout=5000):
        window.load_model()
    with qtbot.waitSignal(window.description.interpreted, timeout=2000):
        qtbot.keyClicks(window.description.free_text, "a smiling man")
    with qtbot.waitSignal(window.studio.changed, timeout=5000,
                          check_params_cb=lambda: window.grid.shown() > 0):
        window.actions["generate"].trigger()
    qtbot.mouseClick(window.grid.tile(2), Qt.LeftButton)
    return window


def dialog_for(qtbot, window, folder):
    studio = window.studio

    def exporter(meta, path, render):
        return export_case(studio.session, studio.engine, meta, path, render_pdf=render)

    dialog = ExportDialog(exporter, render_pdf, str(folder))
    qtbot.addWidget(dialog)
    return dialog


def test_export_writes_verifiable_case_and_previews(qtbot, make_window, tmp_path):
    window = picked_session(qtbot, make_window)
    dialog = dialog_for(qtbot, window, tmp_path)
    qtbot.keyClicks(dialog.case_id, "2024/117")
    dialog.operator.setText("A. Artist")
    dialog.witness_ref.setText("W-3")
    assert dialog.path.text() == str(tmp_path / default_name("2024/117"))
    assert dialog.export()
    result = dialog.result_info()
    assert result.path.exists() and dialog.previewed()
    report = verify_case(result.path)
    assert report.ok, report.problems
    assert report.case_id == "2024/117"


def test_export_errors_keep_dialog_open(qtbot, make_window, tmp_path):
    window = picked_session(qtbot, make_window)
    dialog = dialog_for(qtbot, window, tmp_path)
    assert not dialog.export()                         # empty case number
    assert "case id is empty" in dialog.message.text()
    dialog.case_id.setText("17")
    (tmp_path / "taken.zip").write_bytes(b"x")
    dialog.path.setText(str(tmp_path / "taken.zip"))
    assert not dialog.export()
    assert "already exists" in dialog.message.text()
    assert dialog.result_info() is None and not dialog.previewed()


def test_exported_session_closes_without_asking(qtbot, make_window, dialogs):
    exported = []
    window = picked_session(qtbot, make_window, export=lambda w: exported.append(w) or True)
    window.actions["export"].trigger()
    assert exported == [window]
    assert window.close()
    assert "unexported_work" not in dialogs.asked
