"""Modal questions the window asks, gathered in one injectable object.

Tests replace these methods (monkeypatch) instead of clicking real modal dialogs.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PyQt5.QtWidgets import QFileDialog, QMessageBox, QWidget

from composer.gui.eye_picker import EyePair, pick_eyes
from composer.gui.images import PHOTO_FILTER

EXPORT, DISCARD, CANCEL = "export", "discard", "cancel"


class Dialogs:
    """File pickers and message boxes parented to the main window."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        self.parent = parent

    def open_photo(self, folder: str) -> Optional[str]:
        path, _ = QFileDialog.getOpenFileName(self.parent, "Lock from photo", folder, PHOTO_FILTER)
        return path or None

    def photo_without_face(self, reason: str) -> bool:
        """The photo could not be aligned automatically: True to place the eyes by hand."""
        box = QMessageBox(QMessageBox.Warning, "Face not found",
                          f"The photo could not be aligned automatically:\n{reason}\n\n"
                          "You can place the face by hand by clicking on both eyes.",
                          QMessageBox.NoButton, self.parent)
        by_hand = box.addButton("Place the eyes by hand…", QMessageBox.AcceptRole)
        box.addButton(QMessageBox.Cancel)
        box.setDefaultButton(by_hand)
        box.exec_()
        return box.clickedButton() is by_hand

    def place_eyes(self, image: np.ndarray) -> Optional[EyePair]:
        """Let the artist click both eye centres; photo-pixel points, or None if cancelled."""
        return pick_eyes(image, self.parent)

    def choose_recovery(self, choices: list[str]) -> Optional[int]:
        """Offer autosaved sessions; the index chosen, or None to start afresh."""
        box = QMessageBox(QMessageBox.Question, "Recover session",
                          "Composer did not close normally last time. Recover the autosaved "
                          "session?\n\n" + "\n".join(choices[:5]),
                          QMessageBox.Yes | QMessageBox.No, self.parent)
        box.setDefaultButton(QMessageBox.Yes)
        return 0 if box.exec_() == QMessageBox.Yes else None

    def unexported_work(self) -> str:
        """Ask before closing with steps not yet exported: EXPORT, DISCARD or CANCEL."""
        box = QMessageBox(QMessageBox.Warning, "Unexported work",
                          "This session has steps that are not in a case file yet.\n"
                          "The autosave keeps them, but export now to have a signed record.",
                          QMessageBox.NoButton, self.parent)
        export = box.addButton("Export case file…", QMessageBox.AcceptRole)
        discard = box.addButton("Close without exporting", QMessageBox.DestructiveRole)
        box.addButton(QMessageBox.Cancel)
        box.setDefaultButton(export)
        box.exec_()
        clicked = box.clickedButton()
        return EXPORT if clicked is export else DISCARD if clicked is discard else CANCEL

    def open_case(self, folder: str) -> Optional[str]:
        """File → Open case file…: a .composer-case path, or None if cancelled."""
        path, _ = QFileDialog.getOpenFileName(self.parent, "Open case file", folder,
                                              "Composer case files (*.composer-case);;All files (*)")
        return path or None

    def review_case(self, case) -> bool:
        """Show a case read-only (history, final portrait); True to continue it as a new session."""
        from composer.gui.case_review import CaseReviewDialog
        return CaseReviewDialog(case, self.parent).exec_() == CaseReviewDialog.CONTINUE

    def choose_recovery_folder(self, folder: str) -> Optional[str]:
        """File → Recover…: a session's recovery folder (or a recovery root), or None if cancelled."""
        path = QFileDialog.getExistingDirectory(self.parent, "Recover session from folder", folder)
        return path or None

    def retention_days(self, current: Optional[int]) -> tuple[bool, Optional[int]]:
        """File → Recovered sessions: keep for…: (accepted, days or None = keep everything)."""
        from PyQt5.QtWidgets import QInputDialog
        days, ok = QInputDialog.getInt(
            self.parent, "Keep recovered sessions",
            "Recovery folders hold every image the witness saw. Delete a session's folder this many days after "
            "its case file was exported (0 = keep everything):", 0 if current is None else int(current), 0, 36500)
        return ok, (None if days == 0 else days)

    def error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.parent, title, text)

    def info(self, title: str, text: str) -> None:
        QMessageBox.information(self.parent, title, text)
