"""Place a face by hand: the artist clicks the two eye centres on the photo.

Used when automatic face detection fails (a profile-ish photo, a small or blurred
face). The dialog shows the photo scaled to fit, marks each click, and returns the
two eye centres in the photo's own pixels; `composer.edit.align.align_by_eyes`
then puts them on the model's template positions. Esc cancels, Backspace takes
back the last click, Enter accepts once both eyes are placed.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PyQt5.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QPainter, QPen
from PyQt5.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPushButton, QSizePolicy,
                             QVBoxLayout, QWidget)

from composer.gui.images import to_pixmap

Point = tuple[float, float]
EyePair = tuple[Point, Point]
VIEW_MAX = 560          # px: the photo is shown at most this large (and never upscaled past 4×)
MARKER = {0: ("L", QColor(0, 114, 178)), 1: ("R", QColor(230, 159, 0))}


class EyeClickView(QWidget):
    """The photo, scaled to fit; left clicks add eye points (at most two), in photo pixels."""

    points_changed = pyqtSignal()

    def __init__(self, image: np.ndarray, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._pixmap = to_pixmap(image)
        self._size = (int(image.shape[1]), int(image.shape[0]))
        self._points: list[Point] = []
        scale = min(4.0, VIEW_MAX / max(self._size))
        self.setMinimumSize(max(160, round(self._size[0] * scale)), max(160, round(self._size[1] * scale)))
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setCursor(Qt.CrossCursor)
        self.setAccessibleName("Photo: click the two eyes")

    def points(self) -> list[Point]:
        return list(self._points)

    def undo(self) -> None:
        if self._points:
            self._points.pop()
            self.points_changed.emit()
            self.update()

    def target(self) -> QRectF:
        """Where the photo is drawn (aspect kept, centred)."""
        w, h = self._size
        s = min(self.width() / w, self.height() / h)
        return QRectF((self.width() - w * s) / 2, (self.height() - h * s) / 2, w * s, h * s)

    def to_photo(self, pos: QPointF) -> Optional[Point]:
        """Widget position -> photo pixel coordinates; None outside the photo."""
        t = self.target()
        if not t.contains(pos):
            return None
        s = t.width() / self._size[0]
        return ((pos.x() - t.left()) / s, (pos.y() - t.top()) / s)

    def to_widget(self, point: Point) -> QPointF:
        t = self.target()
        s = t.width() / self._size[0]
        return QPointF(t.left() + point[0] * s, t.top() + point[1] * s)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() != Qt.LeftButton or len(self._points) >= 2:
            return
        point = self.to_photo(QPointF(event.pos()))
        if point is not None:
            self._points.append(point)
            self.points_changed.emit()
            self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.SmoothPixmapTransform)
        p.setRenderHint(QPainter.Antialiasing)
        p.drawPixmap(self.target(), self._pixmap, QRectF(self._pixmap.rect()))
        for i, point in enumerate(self._points):
            label, colour = MARKER[i]
            c = self.to_widget(point)
            p.setPen(QPen(QColor("white"), 4))
            p.drawEllipse(c, 7, 7)
            p.setPen(QPen(colour, 2))
            p.drawEllipse(c, 7, 7)
            p.drawLine(c + QPointF(-11, 0), c + QPointF(11, 0))
            p.drawLine(c + QPointF(0, -11), c + QPointF(0, 11))
            p.drawText(c + QPointF(10, -10), label)
        p.end()


class EyePicker(QDialog):
    """Modal: click the left eye then the right eye (as seen in the photo)."""

    PROMPTS = ("Click the centre of the eye on the LEFT of the photo.",
               "Now click the centre of the eye on the RIGHT of the photo.",
               "Both eyes placed. Press Enter to align the photo, or Backspace to redo a click.")

    def __init__(self, image: np.ndarray, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Place the eyes by hand")
        self.view = EyeClickView(image)
        self.prompt = QLabel()
        self.prompt.setObjectName("eyePrompt")
        self.prompt.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("Align photo")
        self.redo = QPushButton("Undo click")
        self.redo.setToolTip("Take back the last click (Backspace)")
        self.redo.setAutoDefault(False)
        self.buttons.button(QDialogButtonBox.Ok).setDefault(True)
        self.buttons.addButton(self.redo, QDialogButtonBox.ResetRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)        # Esc also rejects
        self.redo.clicked.connect(self.view.undo)
        self.view.points_changed.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.buttons)
        self._update()

    def _update(self) -> None:
        n = len(self.view.points())
        self.prompt.setText(self.PROMPTS[n])
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(n == 2)
        self.redo.setEnabled(n > 0)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Backspace undoes, Esc/Enter as usual
        if event.key() == Qt.Key_Backspace:
            self.view.undo()
            return
        super().keyPressEvent(event)

    def accept(self) -> None:
        if len(self.view.points()) == 2:
            super().accept()

    def eyes(self) -> Optional[EyePair]:
        pts = self.view.points()
        return (pts[0], pts[1]) if len(pts) == 2 else None


def pick_eyes(image: np.ndarray, parent: Optional[QWidget] = None) -> Optional[EyePair]:
    """Run the picker; the two eye centres in photo pixels, or None if cancelled."""
    dialog = EyePicker(image, parent)
    return dialog.eyes() if dialog.exec_() == QDialog.Accepted else None
