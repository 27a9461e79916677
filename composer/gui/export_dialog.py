"""Export case file dialog: case number, operator, witness reference, target file.

Calls the case-file layer (composer.casefile.export.export_case through an injected
`exporter`), then shows the result and a preview of the report page. Errors the
artist can fix (empty case number, existing file, unwritable folder) are shown in
the dialog, which stays open. A model that is interim or a test model is named in a warning
above the fields before anything is exported (the same warning the report prints).
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from PyQt5.QtGui import QPixmap
from PyQt5.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                             QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget)

from composer.casefile.record import CaseMeta
from composer.casefile.report import model_warning
from composer.errors import ComposerError
from composer.gui.widgets.page_preview import render_page_preview

# exporter(meta, path, render_pdf) -> ExportResult (path, record_sha256, signer_fingerprint, ...)
Exporter = Callable[[CaseMeta, Path, Callable], object]
from composer.casefile.export import SUFFIX  # one extension for the window and the CLI: .composer-case


def _engine_model(parent: Optional[QWidget]) -> Optional[dict]:
    """The loaded engine's identity from the main window (`parent.studio.engine`), or None."""
    engine = getattr(getattr(parent, "studio", None), "engine", None)
    if engine is None:
        return None
    try:
        model = {"name": str(engine.name), "image_size": int(engine.image_size)}
    except (AttributeError, TypeError, ValueError):
        return None
    from composer.casefile.record import _status   # the record's own reading of the bundle's status
    model.update(_status(engine))
    return model


def default_name(case_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", case_id.strip()).strip("-") or "case"
    return f"case-{safe}{SUFFIX}"


class ExportDialog(QDialog):
    """Collects CaseMeta, exports, previews. `result_info()` holds the ExportResult."""

    def __init__(self, exporter: Exporter, render_pdf: Callable, folder: str,
                 parent: Optional[QWidget] = None, model: Optional[Mapping[str, Any]] = None) -> None:
        """`model`: the record's model identity (name, image_size, status) for the interim/test
        warning; by default it is read from the parent window's loaded engine, if any."""
        super().__init__(parent)
        self.setWindowTitle("Export case file")
        self._exporter, self._render_pdf = exporter, render_pdf
        self._folder = folder or str(Path.home())
        self._result = None
        self._content = None
        self.case_id = QLineEdit()
        self.operator = QLineEdit()
        self.witness_ref = QLineEdit()
        self.path = QLineEdit()
        self.case_id.textEdited.connect(self._suggest_path)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form = QFormLayout()
        form.addRow("&Case number:", self.case_id)          # a widget field: Qt sets the buddy
        form.addRow("&Operator:", self.operator)
        form.addRow("&Witness reference:", self.witness_ref)
        file_label = QLabel("&File:")                        # a layout field: the buddy is set here,
        file_label.setBuddy(self.path)                       # else the label shows a literal "&"
        form.addRow(file_label, row)
        self.warning = QLabel(wordWrap=True)
        self.warning.setObjectName("modelWarning")
        self.warning.setStyleSheet("color:#b00; font-weight:bold")
        self.set_model(model if model is not None else _engine_model(parent))
        self.message = QLabel(wordWrap=True)
        self.preview = QLabel()
        self.preview.setMinimumSize(300, 300)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        self.export_button = self.buttons.addButton("&Export", QDialogButtonBox.AcceptRole)
        self.buttons.accepted.connect(self.export)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.warning)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.preview, 1)
        layout.addWidget(self.buttons)
        self._suggest_path()

    def set_model(self, model: Optional[Mapping[str, Any]]) -> None:
        """Show the interim/test-model warning for `model` (hidden when there is none)."""
        text = model_warning(model) if model else ""
        self.warning.setText(text)
        self.warning.setVisible(bool(text))

    def model_warning(self) -> str:
        return self.warning.text()

    def meta(self) -> CaseMeta:
        return CaseMeta(case_id=self.case_id.text().strip(), operator=self.operator.text().strip(),
                        witness_ref=self.witness_ref.text().strip())

    def result_info(self):
        return self._result

    def export(self) -> bool:
        """Export now; on success show the result and the page preview (the dialog stays open)."""
        if self._result is not None:
            self.accept()
            return True
        path = Path(self.path.text().strip()).expanduser()
        if not self.path.text().strip():
            self._fail("Choose where to save the case file.")
            return False
        try:
            self._result = self._exporter(self.meta(), path, self._capture)
        except ComposerError as exc:
            self._fail(str(exc))
            return False
        r = self._result
        self.message.setText(f"Saved <b>{html.escape(str(r.path))}</b><br>"
                             f"record SHA-256 <tt>{r.record_sha256}</tt>"
                             f"<br>signed by <tt>{r.signer_fingerprint}</tt>")
        if self._content is not None and getattr(self._content, "model_warning", ""):
            self.warning.setText(self._content.model_warning)   # exactly what the report printed
            self.warning.setVisible(True)
        if self._content is not None:
            self.preview.setPixmap(QPixmap.fromImage(render_page_preview(self._content)))
        self.export_button.setText("&Done")
        self.buttons.button(QDialogButtonBox.Cancel).setEnabled(False)
        for w in (self.case_id, self.operator, self.witness_ref, self.path):
            w.setReadOnly(True)
        return True

    def previewed(self) -> bool:
        return self.preview.pixmap() is not None and not self.preview.pixmap().isNull()

    def _capture(self, content) -> bytes:
        self._content = content
        return self._render_pdf(content)

    def _fail(self, text: str) -> None:
        self.message.setText(f"<span style='color:#b00'>{html.escape(text)}</span>")

    def _suggest_path(self) -> None:
        self.path.setText(str(Path(self._folder) / default_name(self.case_id.text())))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save case file", self.path.text(),
                                              f"Case files (*{SUFFIX})")
        if path:
            self.path.setText(path)
