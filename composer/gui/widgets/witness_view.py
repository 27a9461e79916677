"""Witness view: a second, clean window showing only the candidates or the portrait.

Meant for a second screen turned towards the witness: no menus, no captions or
scores that could lead them, just numbered faces on a neutral background.
F11 toggles full screen, Esc leaves it.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from PyQt5.QtCore import QRectF, Qt
from PyQt5.QtGui import QColor, QFont, QKeySequence, QPainter, QPixmap
from PyQt5.QtWidgets import QShortcut, QWidget

from composer.gui.images import to_pixmap
from composer.gui.widgets.candidate_grid import columns_for

CANDIDATES, PORTRAIT = "candidates", "portrait"


class WitnessView(QWidget):
    """Top-level window that shows numbered candidates or one portrait."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent, Qt.Window)
        self.setWindowTitle("Composer — witness view")
        self.setMinimumSize(320, 240)
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(self.backgroundRole(), QColor(40, 40, 40))
        self.setPalette(pal)
        self._pixmaps: list[QPixmap] = []
        self._mode = CANDIDATES
        QShortcut(QKeySequence(Qt.Key_F11), self, self.toggle_full_screen)
        QShortcut(QKeySequence(Qt.Key_Escape), self, self.showNormal)

    def mode(self) -> str:
        return self._mode

    def shown_count(self) -> int:
        return len(self._pixmaps)

    def show_candidates(self, images: Sequence[np.ndarray]) -> None:
        self._mode = CANDIDATES
        self._pixmaps = [to_pixmap(im) for im in images]
        self.update()

    def show_portrait(self, image: Optional[np.ndarray]) -> None:
        self._mode = PORTRAIT
        self._pixmaps = [] if image is None else [to_pixmap(image)]
        self.update()

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    def cells(self) -> list[QRectF]:
        """Where each face is drawn (square cells laid out like the artist's grid)."""
        n = len(self._pixmaps)
        if n == 0:
            return []
        cols = 1 if self._mode == PORTRAIT else columns_for(n)
        rows = (n + cols - 1) // cols
        margin, label = 16.0, (0.0 if self._mode == PORTRAIT else 28.0)
        cell = min((self.width() - margin * (cols + 1)) / cols,
                   (self.height() - margin * (rows + 1)) / rows - label)
        cell = max(cell, 8.0)
        x0 = (self.width() - cols * cell - (cols - 1) * margin) / 2
        y0 = (self.height() - rows * (cell + label) - (rows - 1) * margin) / 2
        return [QRectF(x0 + (i % cols) * (cell + margin), y0 + (i // cols) * (cell + label + margin),
                       cell, cell) for i in range(n)]

    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.SmoothPixmapTransform, True)
        p.setPen(QColor(230, 230, 230))
        font = QFont(self.font())
        font.setPointSize(14)
        p.setFont(font)
        for i, (rect, pixmap) in enumerate(zip(self.cells(), self._pixmaps)):
            p.drawPixmap(rect, pixmap, QRectF(pixmap.rect()))
            if self._mode == CANDIDATES:
                p.drawText(QRectF(rect.x(), rect.bottom(), rect.width(), 28.0),
                           Qt.AlignCenter, str(i + 1))
        p.end()
