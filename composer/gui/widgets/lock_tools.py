"""Lock tools: region preset toggles (each in its overlay colour), brush/eraser, actions.

Emits intent only; the window applies toggles to the MaskEditor and starts jobs.
"""
from __future__ import annotations

from typing import Optional, Sequence

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import (QButtonGroup, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                             QPushButton, QSlider, QToolButton, QVBoxLayout, QWidget)

from composer.gui.widgets.canvas import BRUSH, ERASER, VIEW

# Distinct, colour-blind-friendly overlay colours (Okabe-Ito), cycled if there are more regions.
PALETTE = ((230, 159, 0), (86, 180, 233), (0, 158, 115), (240, 228, 66),
           (0, 114, 178), (213, 94, 0), (204, 121, 167))


def region_colours(names: Sequence[str]) -> dict[str, tuple[int, int, int]]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


class LockTools(QWidget):
    """Region toggles + tool choice + brush size + lock actions."""

    region_toggled = pyqtSignal(str, bool)
    tool_changed = pyqtSignal(str)
    brush_radius_changed = pyqtSignal(float)
    clear_requested = pyqtSignal()
    resynthesise_requested = pyqtSignal()
    photo_requested = pyqtSignal()

    def __init__(self, regions: Sequence[str], parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.colours = region_colours(regions)
        self._region_buttons: dict[str, QToolButton] = {}
        box = QGroupBox("Lock regions the witness confirms")
        grid = QGridLayout(box)
        for i, name in enumerate(regions):
            button = QToolButton(text=name.capitalize(), checkable=True)
            r, g, b = self.colours[name]
            button.setStyleSheet(f"QToolButton:checked {{ background: rgb({r},{g},{b}); }}"
                                 f"QToolButton {{ border-left: 6px solid rgb({r},{g},{b}); }}")
            button.setToolTip(f"Lock the {name} (keep them when re-synthesising)")
            button.toggled.connect(lambda on, n=name: self.region_toggled.emit(n, on))
            grid.addWidget(button, i // 4, i % 4)
            self._region_buttons[name] = button

        self._tools = QButtonGroup(self)
        tool_row = QHBoxLayout()
        for tool, text, tip in ((VIEW, "&View", "Pan and zoom"),
                                (BRUSH, "&Brush", "Paint more area to lock"),
                                (ERASER, "&Eraser", "Remove area from the lock")):
            button = QToolButton(text=text.replace("&", ""), checkable=True)
            button.setToolTip(tip)
            button.setObjectName(f"tool_{tool}")
            self._tools.addButton(button)
            button.toggled.connect(lambda on, t=tool: on and self.tool_changed.emit(t))
            tool_row.addWidget(button)
        self._tools.buttons()[0].setChecked(True)
        self.brush = QSlider(Qt.Horizontal, minimum=1, maximum=40, value=6)
        self.brush.setAccessibleName("Brush size")
        self.brush.valueChanged.connect(lambda v: self.brush_radius_changed.emit(float(v)))
        tool_row.addWidget(QLabel("Size"))
        tool_row.addWidget(self.brush, 1)

        self.clear_button = QPushButton("Clear lock")
        self.clear_button.clicked.connect(self.clear_requested)
        self.photo_button = QPushButton("Lock from &photo…")
        self.photo_button.clicked.connect(self.photo_requested)
        self.resynth_button = QPushButton("&Re-synthesise unlocked")
        self.resynth_button.setToolTip("Keep the locked regions, redraw the rest (Ctrl+R)")
        self.resynth_button.clicked.connect(self.resynthesise_requested)
        self.reference_label = QLabel("Reference: the picked portrait")
        self.reference_label.setWordWrap(True)
        font = self.resynth_button.font()
        font.setBold(True)
        self.resynth_button.setFont(font)       # the primary action of this panel
        actions = QGridLayout()
        actions.addWidget(self.clear_button, 0, 0)
        actions.addWidget(self.photo_button, 0, 1)
        actions.addWidget(self.resynth_button, 1, 0, 1, 2)

        layout = QVBoxLayout(self)
        layout.addWidget(box)
        layout.addLayout(tool_row)
        layout.addWidget(self.reference_label)
        layout.addLayout(actions)

    def set_region_checked(self, name: str, on: bool) -> None:
        self._region_buttons[name].setChecked(on)

    def checked_regions(self) -> tuple[str, ...]:
        return tuple(n for n, b in self._region_buttons.items() if b.isChecked())

    def set_tool(self, tool: str) -> None:
        for button in self._tools.buttons():
            if button.objectName() == f"tool_{tool}":
                button.setChecked(True)

    def set_reference_text(self, text: str) -> None:
        self.reference_label.setText(text)

    def set_ready(self, ready: bool) -> None:
        """Lock actions need a model and a picked portrait."""
        self.resynth_button.setEnabled(ready)
