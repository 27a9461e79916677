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
from PyQt5.QtWidgets import (QGridLayout, QHBoxLayout, QLabel, QPushButton, QSlider,
                             QToolButton, QVBoxLayout, QWidget)

from composer.gui.images import thumbnail

TILE = 120


class CandidateTile(QToolButton):
    """One checkable portrait thumbnail."""

    def __init__(self, index: int, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.index = index
        self.setCheckable(True)
        self.setAutoExclusive(False)
        self.setIconSize(QSize(TILE, TILE))
        self.setMinimumSize(TILE + 8, TILE + 8)
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
            self.setIcon(QIcon(thumbnail(image, TILE)))
            self.setToolTip(f"Candidate {self.index + 1} (press to pick)")
        self.setAccessibleName(f"Candidate {self.index + 1}")


def columns_for(count: int) -> int:
    return 3 if count in (6, 9) else max(1, int(np.ceil(np.sqrt(count))))


class CandidateGrid(QWidget):
    """Shows candidate images; `picked(index)` when the artist chooses one."""

    picked = pyqtSignal(int)
    generate_requested = pyqtSignal()
    evolve_requested = pyqtSignal(float)

    def __init__(self, count: int = 9, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._tiles: list[CandidateTile] = []
        self._grid = QGridLayout()
        self._grid.setSpacing(4)
        self._selected: Optional[int] = None
        self._can_generate = True
        self.generate_button = QPushButton("&Generate")
        self.generate_button.setToolTip("Draw new candidates for the caption (Ctrl+G)")
        self.evolve_button = QPushButton("&More like this")
        self.evolve_button.setToolTip("Variations around the picked candidate (Ctrl+M)")
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

        controls = QHBoxLayout()
        controls.addWidget(self.generate_button)
        controls.addWidget(self.evolve_button)
        controls.addWidget(QLabel("Strength"))
        controls.addWidget(self.strength, 1)
        controls.addWidget(self._strength_label)
        layout = QVBoxLayout(self)
        layout.addLayout(self._grid)
        layout.addWidget(self._caption)
        layout.addLayout(controls)
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
            self._grid.removeWidget(tile)
            tile.deleteLater()
        self._tiles = []
        cols = columns_for(count)
        for i in range(count):
            tile = CandidateTile(i)
            tile.clicked.connect(lambda _c=False, i=i: self._on_clicked(i))
            tile.show_image(images[i] if i < len(images) else None)
            self._grid.addWidget(tile, i // cols, i % cols)
            self._tiles.append(tile)
        self._mark(self._selected if self._selected is not None and self._selected < count else None)

    def show_candidates(self, images: Sequence[np.ndarray], selected: Optional[int] = None,
                        caption: str = "") -> None:
        for i, tile in enumerate(self._tiles):
            tile.show_image(images[i] if i < len(images) else None)
        self._caption.setText(caption)
        self._mark(selected)

    def set_selected(self, index: Optional[int]) -> None:
        self._mark(index)

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
