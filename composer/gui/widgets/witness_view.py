"""Witness view: a second, clean window showing only the candidates or the portrait.

Meant for a second screen turned towards the witness: no menus, no captions or
scores that could lead them, just numbered faces on a neutral background.
F11 toggles full screen, Esc leaves it.

What the witness actually sees is reported to an exposure sink (`set_exposure_sink`, the session's
`note_witness_shown`): each time images are displayed while the window is visible, and again when
it is shown after being hidden, with the images and "candidates" or "portrait".
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import numpy as np
from PyQt5.QtCore import QRectF, Qt
from PyQt5.QtGui import QColor, QFont, QKeySequence, QPainter, QPixmap
from PyQt5.QtWidgets import QShortcut, QWidget

from composer.gui.images import to_pixmap
from composer.gui.widgets.candidate_grid import columns_for

CANDIDATES, PORTRAIT = "candidates", "portrait"
ExposureSink = Callable[[Sequence[np.ndarray], str], object]


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
        self._images: list[np.ndarray] = []
        self._mode = CANDIDATES
        self._sink: Optional[ExposureSink] = None
        QShortcut(QKeySequence(Qt.Key_F11), self, self.toggle_full_screen)
        QShortcut(QKeySequence(Qt.Key_Escape), self, self.showNormal)

    def mode(self) -> str:
        return self._mode

    def shown_count(self) -> int:
        return len(self._pixmaps)

    def set_exposure_sink(self, sink: Optional[ExposureSink]) -> None:
        """`sink(images, what)` is told what the witness is shown (None: nobody is told)."""
        self._sink = sink

    def show_candidates(self, images: Sequence[np.ndarray]) -> None:
        self._mode = CANDIDATES
        self._images = list(images)
        self._pixmaps = [to_pixmap(im) for im in self._images]
        self.update()
        self._report()

    def show_portrait(self, image: Optional[np.ndarray]) -> None:
        self._mode = PORTRAIT
        self._images = [] if image is None else [image]
        self._pixmaps = [to_pixmap(im) for im in self._images]
        self.update()
        self._report()

    def _report(self, images: Optional[Sequence[np.ndarray]] = None) -> None:
        """Tell the sink what is on the witness's screen now (only while the window is visible)."""
        if self._sink is not None and (images is not None or self.isVisible()):
            self._sink(self._images if images is None else images, self._mode)

    def showEvent(self, event) -> None:  # noqa: N802 - shown (again): the witness sees it now
        super().showEvent(event)
        self._report()

    def hideEvent(self, event) -> None:  # noqa: N802 - hidden: the next showing is a new display
        super().hideEvent(event)
        self._report(images=())

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

    def set_model_warning(self, text: str) -> None:
        """A small amber line at the bottom while an interim or test model is loaded ("" hides it):
        whoever looks at this screen knows these faces are not a likeness to rely on."""
        from PyQt5.QtWidgets import QLabel, QVBoxLayout
        label = getattr(self, "_model_warning", None)
        if label is None:
            label = self._model_warning = QLabel(self)
            label.setObjectName("witnessModelWarning")
            label.setAlignment(Qt.AlignCenter)
            label.setWordWrap(True)
            label.setStyleSheet("#witnessModelWarning { color: #ffbf00; font-size: 11px; }")
            layout = self.layout() or QVBoxLayout(self)
            layout.setContentsMargins(8, 0, 8, 4)
            layout.addStretch(1)
            layout.addWidget(label)
        label.setText(text)
        label.setVisible(bool(text))
