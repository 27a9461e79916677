"""The signing key's passphrase, asked in a dialog when a case file is exported.

`install(window)` registers a `SessionPassphrase` provider with `composer.casefile.signing`: the
first export that needs a passphrase-protected key asks for it in a password field (the text is
never shown), later exports in the same session reuse it, and a wrong passphrase is forgotten so
the next export asks again. Cancelling raises a CaseFileError whose message the export dialog
shows; nothing is written. COMPOSER_KEY_PASSPHRASE, when set, still takes precedence.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from PyQt5.QtWidgets import QDialog, QInputDialog, QLineEdit, QWidget

from composer.casefile.signing import SessionPassphrase, set_passphrase_provider
from composer.errors import CaseFileError

CANCELLED = "Export cancelled: the signing key's passphrase was not entered. Nothing was written."
EMPTY = "No passphrase was entered for the signing key. Nothing was written; export again to retry."


def passphrase_dialog(path: Path, parent: Optional[QWidget] = None) -> QInputDialog:
    """A modal password prompt naming the key file."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle("Signing key passphrase")
    dialog.setLabelText(f"The signing key {Path(path).name} is protected by a passphrase.\n"
                        "Enter it to sign the case file:")
    dialog.setInputMode(QInputDialog.TextInput)
    dialog.setTextEchoMode(QLineEdit.Password)
    dialog.setOkButtonText("Sign")
    dialog.setModal(True)
    return dialog


def ask_passphrase(path: Path, parent: Optional[QWidget] = None,
                   run: Optional[Callable[[QInputDialog], int]] = None) -> str:
    """Ask for the passphrase; CaseFileError when cancelled or left empty. `run` shows the dialog
    and returns its result code (default: `exec_`; tests answer it without an event loop)."""
    dialog = passphrase_dialog(path, parent)
    try:
        accepted = (run or (lambda d: d.exec_()))(dialog) == QDialog.Accepted
        text = dialog.textValue()
    finally:
        dialog.deleteLater()
    if not accepted:
        raise CaseFileError(CANCELLED)
    if not text:
        raise CaseFileError(EMPTY)
    return text


def install(parent: Optional[QWidget] = None,
            run: Optional[Callable[[QInputDialog], int]] = None) -> SessionPassphrase:
    """Register the dialog as this process's passphrase provider (asked once per session)."""
    provider = SessionPassphrase(lambda path: ask_passphrase(path, parent, run))
    set_passphrase_provider(provider)
    return provider
