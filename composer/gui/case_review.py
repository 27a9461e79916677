"""Read-only review of a case file: its final portrait, history and verification, nothing editable.

Shown by File → Open case file… (composer.casefile.reopen reads and verifies the file first). The
artist may close it, or continue the case as a new session (the dialog's result is CONTINUE).
"""
from __future__ import annotations

import html
from typing import Optional

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QListWidget, QVBoxLayout,
                             QWidget)

from composer.gui.images import thumbnail

PORTRAIT_SIDE = 256


class CaseReviewDialog(QDialog):
    """The case's final portrait beside its step-by-step history; result CONTINUE or Rejected."""

    CONTINUE = 2

    def __init__(self, case, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.case = case
        self.setWindowTitle(f"Case {case.case_id or '(no id)'}: {case.path.name} (read-only)")
        self.portrait = QLabel(alignment=Qt.AlignCenter)
        self.portrait.setObjectName("casePortrait")
        self.portrait.setMinimumSize(PORTRAIT_SIDE, PORTRAIT_SIDE)
        if case.final_portrait is not None:
            self.portrait.setPixmap(thumbnail(case.final_portrait, PORTRAIT_SIDE))
        else:
            self.portrait.setText("The final portrait is not in the file.")
        self.history = QListWidget()
        self.history.setObjectName("caseHistory")
        self.history.addItems(list(case.history))
        self.history.setAccessibleName("Case history")
        self.verification = QLabel(html.escape(case.verification), wordWrap=True)
        self.verification.setObjectName("caseVerification")
        self.warning = QLabel(html.escape(case.model_warning), wordWrap=True)
        self.warning.setObjectName("caseModelWarning")
        self.warning.setStyleSheet("#caseModelWarning { color: #8a5a00; font-weight: bold; }")
        self.warning.setVisible(bool(case.model_warning))
        record = case.record
        facts = QLabel(html.escape(f"Operator: {record.get('operator') or '—'} · Witness: "
                                   f"{record.get('witness_ref') or '—'} · Exported {record.get('exported_at', '')} · "
                                   f"Model {record.get('model', {}).get('name', '?')} · SHA-256 of the file "
                                   f"{case.file_sha256[:16]}…"), wordWrap=True)
        buttons = QDialogButtonBox()
        self.continue_button = buttons.addButton("&Continue as a new session", QDialogButtonBox.ActionRole)
        self.continue_button.setToolTip("Start a new session holding this case's steps; the case file is not changed")
        close = buttons.addButton(QDialogButtonBox.Close)
        self.continue_button.clicked.connect(lambda: self.done(self.CONTINUE))
        close.clicked.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(self.portrait)
        top.addWidget(self.history, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top, 1)
        layout.addWidget(facts)
        layout.addWidget(self.verification)
        layout.addWidget(self.warning)
        layout.addWidget(buttons)
        self.resize(760, 420)
