"""Candidate grid: 6 or 9 portraits; click (or Enter on a focused tile) picks one.

Below the grid sit the Generate and "More like this" buttons and the evolve
strength slider; the widget only reports intent (`generate_requested`,
`evolve_requested(strength)`, `picked(index)`), the controller does the work.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
from PyQt5.QtCore import QSize, Qt, pyqtSignal
from PyQt5.QtGui import QIcon
from PyQt5.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider,
                             QToolButton, QVBoxLayout, QWidget)

from composer.gui.images import thumbnail

TILE = 80           # smallest face shown, px
TILE_SOURCE = 320   # the icon is rendered once at this size; Qt scales it down to fit the tile
TILE_PADDING = 12   # border + padding around the face (see resources/style.qss)


class CandidateTile(QToolButton):
    """One checkable portrait thumbnail that grows with the space the grid gets."""

    def __init__(self, index: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.index = index
        self.setCheckable(True)
        self.setAutoExclusive(False)
        self.setIconSize(QSize(TILE, TILE))
        self.setMinimumSize(TILE + TILE_PADDING, TILE + TILE_PADDING)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setObjectName("candidateTile")
        self.image: Optional[np.ndarray] = None

    def show_image(self, image: Optional[np.ndarray]) -> None:
        self.image = image
        self.setEnabled(image is not None)
        if image is None:
            self.setIcon(QIcon())
            self.setToolTip("")
        else:
            self.setIcon(QIcon(thumbnail(image, TILE_SOURCE)))
            self.setToolTip(f"Candidate {self.index + 1} (press to pick)")
        self.setAccessibleName(f"Candidate {self.index + 1}")

    def resizeEvent(self, event) -> None:  # noqa: N802 - keep the face as large as the tile allows
        side = max(16, min(self.width(), self.height()) - TILE_PADDING)
        self.setIconSize(QSize(side, side))
        super().resizeEvent(event)


def columns_for(count: int) -> int:
    return 3 if count in (6, 9) else max(1, int(np.ceil(np.sqrt(count))))


class TileBoard(QWidget):
    """Lays tiles out as equal squares, as large as the board allows, centred."""

    SPACING = 6

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.tiles: list[CandidateTile] = []
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def set_tiles(self, tiles: list[CandidateTile]) -> None:
        self.tiles = tiles
        for tile in tiles:
            tile.setParent(self)
            tile.show()
        cols = columns_for(max(1, len(tiles)))
        rows = (len(tiles) + cols - 1) // cols
        side = TILE + TILE_PADDING
        self.setMinimumSize(cols * side + (cols - 1) * self.SPACING, rows * side + (rows - 1) * self.SPACING)
        self._place()

    def resizeEvent(self, event) -> None:  # noqa: N802
        self._place()
        super().resizeEvent(event)

    def _place(self) -> None:
        if not self.tiles:
            return
        cols = columns_for(len(self.tiles))
        rows = (len(self.tiles) + cols - 1) // cols
        gap = self.SPACING
        side = int(min((self.width() - gap * (cols - 1)) / cols, (self.height() - gap * (rows - 1)) / rows))
        x0 = (self.width() - cols * side - gap * (cols - 1)) // 2
        y0 = (self.height() - rows * side - gap * (rows - 1)) // 2
        for i, tile in enumerate(self.tiles):
            tile.setGeometry(x0 + (i % cols) * (side + gap), y0 + (i // cols) * (side + gap), side, side)


class CandidateGrid(QWidget):
    """Shows candidate images; `picked(index)` when the artist chooses one."""

    picked = pyqtSignal(int)
    generate_requested = pyqtSignal()
    evolve_requested = pyqtSignal(float)

    def __init__(self, count: int = 9, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._tiles: list[CandidateTile] = []
        self._board = TileBoard()
        self._selected: Optional[int] = None
        self._can_generate = True
        self.generate_button = QPushButton("&Generate")
        self.generate_button.setToolTip("Draw new candidates for the caption (Ctrl+G)")
        self.evolve_button = QPushButton("&More like this")
        self.evolve_button.setToolTip("Variations around the picked candidate (Ctrl+E)")
        self.strength = QSlider(Qt.Horizontal, minimum=5, maximum=100, value=50)
        self.strength.setAccessibleName("Variation strength")
        self.strength.setToolTip("How far variations may stray from the picked face")
        self._strength_label = QLabel()
        self.strength.valueChanged.connect(self._show_strength)
        self.generate_button.clicked.connect(self.generate_requested)
        self.evolve_button.clicked.connect(
            lambda: self.evolve_requested.emit(self.strength_value()))
        self._caption = QLabel(wordWrap=True)
        self._caption.setObjectName("gridCaption")

        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.evolve_button)
        strength = QHBoxLayout()
        strength.addWidget(QLabel("Variation strength"))
        strength.addWidget(self.strength, 1)
        strength.addWidget(self._strength_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self._board, 1)
        layout.addWidget(self._caption)
        layout.addLayout(buttons)
        layout.addLayout(strength)
        self.set_count(count)
        self._show_strength(self.strength.value())
        self._update_buttons()

    # -- public API --------------------------------------------------------------
    def count(self) -> int:
        return len(self._tiles)

    def set_count(self, count: int) -> None:
        """Resize the grid to `count` tiles (images beyond the count are hidden)."""
        images = [t.image for t in self._tiles]
        for tile in self._tiles:
            tile.deleteLater()
        self._tiles = []
        for i in range(count):
            tile = CandidateTile(i)
            tile.clicked.connect(lambda _c=False, i=i: self._on_clicked(i))
            tile.show_image(images[i] if i < len(images) else None)
            self._tiles.append(tile)
        self._board.set_tiles(self._tiles)
        self._mark(self._selected if self._selected is not None and self._selected < count else None)

    def show_candidates(self, images: Sequence[np.ndarray], selected: Optional[int] = None,
                        caption: str = "") -> None:
        for i, tile in enumerate(self._tiles):
            tile.show_image(images[i] if i < len(images) else None)
        self._caption.setText(caption)
        self._mark(selected)

    def selected(self) -> Optional[int]:
        return self._selected

    def shown(self) -> int:
        """How many tiles currently show an image."""
        return sum(t.image is not None for t in self._tiles)

    def tile(self, index: int) -> CandidateTile:
        return self._tiles[index]

    def strength_value(self) -> float:
        return self.strength.value() / 100.0

    def set_strength(self, value: float) -> None:
        self.strength.setValue(int(round(min(1.0, max(0.05, value)) * 100)))

    def set_can_generate(self, enabled: bool) -> None:
        self.generate_button.setEnabled(enabled)
        self._can_generate = enabled
        self._update_buttons()

    # -- internals ---------------------------------------------------------------
    def _on_clicked(self, index: int) -> None:
        self._mark(index)
        self.picked.emit(index)

    def _mark(self, index: Optional[int]) -> None:
        self._selected = index
        for tile in self._tiles:
            tile.setChecked(tile.index == index)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.evolve_button.setEnabled(self._can_generate and self._selected is not None)

    def _show_strength(self, value: int) -> None:
        self._strength_label.setText(f"{value / 100:.2f}")
