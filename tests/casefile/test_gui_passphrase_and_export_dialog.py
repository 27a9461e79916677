"""Issue 16 §4 (GUI parts): the signing key's passphrase dialog (asked once, cancellable with a
clean message) and the export dialog (no literal '&' in a label, the interim/test-model warning)."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from types import SimpleNamespace  # noqa: E402

import pytest  # noqa: E402
from PyQt5.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit  # noqa: E402

from composer.casefile import signing  # noqa: E402
from composer.casefile.export import export_case  # noqa: E402
from composer.casefile.record import CaseMeta  # noqa: E402
from composer.errors import CaseFileError  # noqa: E402
from composer.session import Session  # noqa: E402

from . import FakeEngine, fake_pdf, full_session  # noqa: E402


@pytest.fixture(autouse=True)
def no_env_passphrase(monkeypatch):
    monkeypatch.delenv(signing.PASSPHRASE_ENV, raising=False)
    yield
    signing.set_passphrase_provider(None)


def answer(text, accept=True, asked=None):
    """A `run` for the dialog: type `text` and press Sign (or Cancel)."""
    def run(dialog):
        if asked is not None:
            asked.append((dialog.windowTitle(), dialog.labelText(), dialog.textEchoMode()))
        dialog.setTextValue(text)
        return QDialog.Accepted if accept else QDialog.Rejected
    return run


def test_dialog_is_a_password_prompt_and_cancel_is_a_clean_error(qapp, tmp_path):
    from composer.gui.passphrase import CANCELLED, EMPTY, ask_passphrase, passphrase_dialog
    d = passphrase_dialog(tmp_path / "signing_key.pem")
    assert d.textEchoMode() == QLineEdit.Password and "signing_key.pem" in d.labelText() and d.isModal()
    asked = []
    assert ask_passphrase(tmp_path / "k.pem", run=answer("s3cret", asked=asked)) == "s3cret"
    assert asked[0][2] == QLineEdit.Password
    with pytest.raises(CaseFileError) as e:
        ask_passphrase(tmp_path / "k.pem", run=answer("typed but cancelled", accept=False))
    assert str(e.value) == CANCELLED and "\n" not in str(e.value)
    with pytest.raises(CaseFileError, match="No passphrase was entered"):
        ask_passphrase(tmp_path / "k.pem", run=answer(""))
    assert EMPTY.startswith("No passphrase")


def _session():
    return full_session(Session(None), FakeEngine())


def test_export_with_protected_key_asks_once_per_session(qapp, tmp_path):
    from composer.gui.passphrase import install
    keys = tmp_path / "keys"
    signing.create_signing_key(keys, "correct horse")
    asked = []

    def run(dialog):
        asked.append(1)
        dialog.setTextValue("correct horse")
        return QDialog.Accepted
    install(None, run)
    s = _session()
    for i in range(2):
        export_case(s, FakeEngine(), CaseMeta(f"P-{i}"), tmp_path / f"p{i}.composer-case", keys_dir=keys,
                    render_pdf=fake_pdf)
    assert len(asked) == 1 and (tmp_path / "p1.composer-case").exists()


def test_wrong_then_cancelled_passphrase(qapp, tmp_path):
    from composer.gui.passphrase import CANCELLED, install
    keys = tmp_path / "keys"
    signing.create_signing_key(keys, "right")
    answers = iter([("wrong", True), ("", False), ("right", True)])

    def run(dialog):
        text, ok = next(answers)
        dialog.setTextValue(text)
        return QDialog.Accepted if ok else QDialog.Rejected
    install(None, run)
    s = _session()
    target = tmp_path / "c.composer-case"
    with pytest.raises(CaseFileError, match="passphrase .* is wrong"):
        export_case(s, FakeEngine(), CaseMeta("W"), target, keys_dir=keys, render_pdf=fake_pdf)
    with pytest.raises(CaseFileError) as e:          # a wrong answer is forgotten: asked again, cancelled
        export_case(s, FakeEngine(), CaseMeta("W"), target, keys_dir=keys, render_pdf=fake_pdf)
    assert str(e.value) == CANCELLED and not target.exists() and s.exported_at is None
    export_case(s, FakeEngine(), CaseMeta("W"), target, keys_dir=keys, render_pdf=fake_pdf)
    assert target.exists() and s.exported_at


def test_export_dialog_shows_cancelled_passphrase_and_stays_open(qapp, tmp_path):
    from composer.casefile.report_pdf import render_pdf
    from composer.gui.export_dialog import ExportDialog
    from composer.gui.passphrase import CANCELLED, install
    keys = tmp_path / "keys"
    signing.create_signing_key(keys, "pw")
    install(None, answer("", accept=False))
    s = _session()
    dialog = ExportDialog(lambda meta, path, render: export_case(s, FakeEngine(), meta, path, keys_dir=keys,
                                                                 render_pdf=render), render_pdf, str(tmp_path))
    dialog.case_id.setText("D-1")
    dialog.path.setText(str(tmp_path / "d.composer-case"))
    assert not dialog.export()
    assert "Export cancelled" in dialog.message.text() and dialog.result_info() is None
    assert not (tmp_path / "d.composer-case").exists()
    assert CANCELLED.split(":")[0] in dialog.message.text()
    dialog.deleteLater()


def test_export_dialog_labels_have_buddies_not_literal_ampersands(qapp, tmp_path):
    from composer.gui.export_dialog import ExportDialog
    dialog = ExportDialog(lambda *a: None, lambda c: b"", str(tmp_path))
    form = dialog.findChild(QFormLayout)
    labels = [form.itemAt(r, QFormLayout.LabelRole).widget() for r in range(form.rowCount())]
    assert [label.text() for label in labels] == ["&Case number:", "&Operator:", "&Witness reference:", "&File:"]
    for label in labels:
        assert isinstance(label, QLabel) and label.buddy() is not None, label.text()
    assert labels[-1].buddy() is dialog.path
    dialog.deleteLater()


def test_export_dialog_warns_about_interim_and_test_models(qapp, tmp_path):
    from composer.gui.export_dialog import ExportDialog
    interim = ExportDialog(lambda *a: None, lambda c: b"", str(tmp_path),
                           model={"name": "dfgan-celeba-64px-ngf32", "image_size": 64})
    assert "interim model" in interim.model_warning() and not interim.warning.isHidden()
    release = ExportDialog(lambda *a: None, lambda c: b"", str(tmp_path),
                           model={"name": "dfgan-celeba-128px", "image_size": 128, "status": "release"})
    assert release.model_warning() == "" and release.warning.isHidden()
    # by default the warning comes from the main window's loaded engine
    from PyQt5.QtWidgets import QWidget
    window = QWidget()
    window.studio = SimpleNamespace(engine=FakeEngine())      # "fake-model", 16 px: a test model
    from_window = ExportDialog(lambda *a: None, lambda c: b"", str(tmp_path), window)
    assert "test model" in from_window.model_warning()
    window.studio = SimpleNamespace(engine=None)
    assert ExportDialog(lambda *a: None, lambda c: b"", str(tmp_path), window).model_warning() == ""
    for d in (interim, release, from_window):
        d.deleteLater()
    window.deleteLater()
