"""Lock tools: where locked pixels come from, region preset toggles (each in its overlay colour,
labelled with its source), brush/eraser, the re-synthesis variation, actions.

Emits intent only; the window records the lock set in the session and starts jobs.
"""
from __future__ import annotations

from typing import Mapping, Optional, Sequence

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QGridLayout, QGroupBox, QHBoxLayout,
                             QLabel, QPushButton, QSlider, QToolButton, QVBoxLayout, QWidget)

from composer.gui.widgets.canvas import BRUSH, ERASER, VIEW

# Re-synthesis variation: how far the restarts may move from the picked face (LockSettings.restart_sigma).
# bench/bench_resynth_spread.py measures the spread between candidates at these strengths.
VARIATIONS = ((0.5, "Small"), (1.5, "Medium"), (4.0, "Large"))
DEFAULT_VARIATION = 1.5

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
        self._names = tuple(regions)
        box = QGroupBox("Lock regions the witness confirms")
        outer = QVBoxLayout(box)
        self.source = QComboBox(objectName="lockSource")
        self.source.setToolTip("Where the next region you lock takes its pixels from: the picked portrait, "
                               "an imported photo, or a portrait picked earlier")
        outer.addLayout(_labelled("Lock from:", self.source))
        grid = QGridLayout()
        outer.addLayout(grid)
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
        self.keep_brush = QCheckBox("Keep on")
        self.keep_brush.setToolTip("Keep the brush or eraser on after a stroke (otherwise it switches back "
                                   "to View, so a stray click paints nothing)")
        tool_row.addWidget(self.keep_brush)
        self.brush = QSlider(Qt.Horizontal, minimum=1, maximum=40, value=6)
        self.brush.setAccessibleName("Brush size")
        self.brush.valueChanged.connect(lambda v: self.brush_radius_changed.emit(float(v)))
        size_row = QHBoxLayout()
        size_row.addWidget(QLabel("Brush size"))
        size_row.addWidget(self.brush, 1)

        self.variation = QComboBox(objectName="resynthVariation")
        for sigma, text in VARIATIONS:
            self.variation.addItem(text, sigma)
        self.variation.setCurrentIndex([v for v, _ in VARIATIONS].index(DEFAULT_VARIATION))
        self.variation.setToolTip("How far the re-synthesised candidates may move from the picked face "
                                  "outside the locked regions")

        self.clear_button = QPushButton("Clear lock")
        self.clear_button.clicked.connect(self.clear_requested)
        self.photo_button = QPushButton("Lock from &photo…")
        self.photo_button.clicked.connect(self.photo_requested)
        self.resynth_button = QPushButton("Re-synthesise unlocked")
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
        layout.addLayout(size_row)
        layout.addWidget(self.reference_label)
        layout.addLayout(_labelled("Spread of results:", self.variation))
        layout.addLayout(actions)

    def set_region_checked(self, name: str, on: bool) -> None:
        self._region_buttons[name].setChecked(on)

    def show_lock(self, sources: Mapping[str, object], portrait_sha: str = "") -> None:
        """Show the lock set in force (region -> its LockSource) without emitting toggles; a region
        whose pixels do not come from the picked portrait says where they come from."""
        for name, button in self._region_buttons.items():
            button.blockSignals(True)
            button.setChecked(name in sources)
            button.blockSignals(False)
            source = sources.get(name)
            label = getattr(source, "label", "") if source is not None else ""
            own = source is not None and getattr(source, "sha256", "") == portrait_sha
            short = "" if not label or own else f" ← {_short(label)}"
            button.setText(name.capitalize() + short)
            button.setToolTip(f"{name.capitalize()}: locked from {label}" if label
                              else f"Lock the {name} (keep them when re-synthesising)")

    def set_sources(self, sources: Sequence, current: Optional[str] = None) -> None:
        """Offer these LockSources (sha256, label), the picked portrait first. `current` selects one; else
        a photo or earlier portrait the artist chose stays chosen while the same portrait is picked, and
        a new pick makes the picked portrait the source again."""
        first = self.source.itemData(0) if self.source.count() else None
        same_pick = first is not None and bool(sources) and first.sha256 == sources[0].sha256
        keep = current or (self.current_source_sha() if same_pick else None)
        self.source.blockSignals(True)
        self.source.clear()
        for src in sources:
            self.source.addItem(src.label[:1].upper() + src.label[1:], src)
        shas = [src.sha256 for src in sources]
        self.source.setCurrentIndex(shas.index(keep) if keep in shas else 0)
        self.source.blockSignals(False)
        self.source.setEnabled(len(shas) > 1)

    def current_source(self):
        """The LockSource the next toggled region comes from (None before a pick)."""
        return self.source.currentData()

    def current_source_sha(self) -> Optional[str]:
        src = self.current_source()
        return None if src is None else src.sha256

    def variation_value(self) -> float:
        return float(self.variation.currentData())

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


def _labelled(text: str, field: QWidget) -> QHBoxLayout:
    """A row: the label (the field's buddy) and the field taking the rest of the width."""
    row, label = QHBoxLayout(), QLabel(text)
    label.setBuddy(field)
    row.addWidget(label)
    row.addWidget(field, 1)
    return row


def _short(label: str, limit: int = 14) -> str:
    if label.startswith("photo "):
        text = label[len("photo "):]
    elif label.startswith("the picked portrait (") and label.endswith(")"):
        text = label[len("the picked portrait ("):-1]          # "step 5"
    else:
        text = label.replace("'s portrait", "")
    return text if len(text) <= limit else text[:limit - 1] + "…"
