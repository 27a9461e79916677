"""Candidate grid: 6 or 9 portraits; click (or Enter on a focused tile) picks one.

Below the grid sit the caption the grid was drawn from, a notice when the description has
changed since (with "Use the grid's description" / "Keep the new description"), the Generate and
"More like this" buttons and the evolve strength slider. The widget only reports intent
(`generate_requested`, `evolve_requested(strength)`, `picked(index)`, `use_grid_description`,
`keep_new_description`); the window and the controller do the work.
"""
from __future__ import annotations

import html
from typing import Optional, Sequence

import numpy as np
from PyQt5.QtCore import QSize, Qt, pyqtSignal
from PyQt5.QtGui import QIcon
from PyQt5.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QSlider,
                             QToolButton, QVBoxLayout, QWidget)

from composer.gui.images import thumbnail

TILE = 80           # smallest face shown, px
TILE_SOURCE = 320   # the icon is rendered once at this size; Qt scales it down to fit the tile
TILE_PADDING = 12   # border + padding around the face (see resources/style.qss)
QUOTE_MAX = 60      # characters of a caption quoted in the notice; the tooltip has all of it


def quoted(caption: str) -> str:
    text = caption if len(caption) <= QUOTE_MAX else caption[:QUOTE_MAX - 1].rstrip() + "…"
    return f"«{text}»"


def notice_text(grid_caption: str, current_caption: str) -> str:
    """The one line shown when the description no longer says what the grid was drawn from."""
    now = f"the description now says {quoted(current_caption)}" if current_caption else "the description is now empty"
    return f"The grid was drawn from {quoted(grid_caption)}; {now}."


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

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Enter picks the focused tile, like Space
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and self.isEnabled():
            self.click()
            return
        super().keyPressEvent(event)

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
    use_grid_description = pyqtSignal()     # restore the description the grid was drawn from
    keep_new_description = pyqtSignal()     # dismiss the notice: the new words stand

    def __init__(self, count: int = 9, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._tiles: list[CandidateTile] = []
        self._board = TileBoard()
        self._selected: Optional[int] = None
        self._can_generate = True
        self._caption_text = ""
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
        self._caption = QLabel(wordWrap=True, textInteractionFlags=Qt.TextSelectableByMouse)
        self._caption.setObjectName("gridCaption")
        self._caption_title = QLabel("<b>Drawn from</b>")
        self.notice = QFrame()
        self.notice.setObjectName("gridCaptionNotice")
        self.notice.setFrameShape(QFrame.StyledPanel)
        self.notice.setStyleSheet("#gridCaptionNotice { background: #fff3cd; border: 1px solid #e0b84c; }")
        self.notice_label = QLabel(wordWrap=True)
        self.notice_label.setObjectName("gridCaptionNoticeText")
        self.use_button = QPushButton("&Use the grid's description")
        self.use_button.setToolTip("Put the description the grid was drawn from back into the description panel")
        self.keep_button = QPushButton("&Keep the new description")
        self.keep_button.setToolTip("The next More like this or re-synthesis uses the new words")
        self.use_button.clicked.connect(self.use_grid_description)
        self.keep_button.clicked.connect(self.keep_new_description)
        nl = QVBoxLayout(self.notice)
        nl.setContentsMargins(6, 4, 6, 4)
        nl.addWidget(self.notice_label)
        nb = QHBoxLayout()
        nb.addWidget(self.use_button)
        nb.addWidget(self.keep_button)
        nb.addStretch(1)
        nl.addLayout(nb)
        self.notice.hide()

        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.evolve_button)
        strength = QHBoxLayout()
        strength.addWidget(QLabel("Variation strength"))
        strength.addWidget(self.strength, 1)
        strength.addWidget(self._strength_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self._board, 1)
        layout.addWidget(self._caption_title)
        layout.addWidget(self._caption)
        layout.addWidget(self.notice)
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
        self._caption.setText(html.escape(caption) if caption else "<i>No candidates yet.</i>")
        self._caption.setToolTip(caption)
        self._caption_text = caption
        self._mark(selected)

    def caption(self) -> str:
        """The caption the grid was drawn from ("" when the grid is empty)."""
        return self._caption_text

    def show_notice(self, grid_caption: str, current_caption: str, can_restore: bool = True) -> None:
        """Say that the description changed since the grid was drawn."""
        self.notice_label.setText(html.escape(notice_text(grid_caption, current_caption)))
        self.notice_label.setToolTip(f"Grid: {grid_caption}\nDescription: {current_caption}")
        self.use_button.setEnabled(can_restore)
        self.notice.show()

    def hide_notice(self) -> None:
        self.notice.hide()

    def notice_shown(self) -> bool:
        return not self.notice.isHidden()

    def notice_message(self) -> str:
        return self.notice_label.text() if self.notice_shown() else ""

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
