"""The "Hand" tool panel: the mark library, the list of marks with their scale, rotation and
opacity, the feature shape sliders and the holistic sliders.

Emits intent only (the HandController turns it into session operations). Sliders run from -100 to
100 with a neutral centre (double-click a label's Reset to return to it) and report on release, so
each drag is one step in history.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Optional

from PyQt5.QtCore import QSize, Qt, pyqtSignal
from PyQt5.QtWidgets import (QButtonGroup, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout,
                             QListWidget, QPushButton, QScrollArea, QSlider, QToolButton, QVBoxLayout,
                             QWidget)

from composer.edit.hand import HandLayer
from composer.edit.holistic_settings import HOLISTIC, HolisticSettings
from composer.edit.marks import KINDS, Mark
from composer.edit.warps import WARPS, WarpSettings

MARK_LABELS = {"scar_line": "Scar", "scar_curved": "Curved scar", "mole": "Mole", "freckles": "Freckles",
               "tattoo": "Tattoo", "piercing": "Piercing", "wrinkles": "Wrinkles", "crows_feet": "Crow's feet",
               "eye_bags": "Eye bags", "cleft_chin": "Cleft chin", "brush": "Brush dab"}
assert set(MARK_LABELS) == set(KINDS)


def _slider(name: str) -> QSlider:
    s = QSlider(Qt.Horizontal, minimum=-100, maximum=100, value=0)
    s.setObjectName(name)
    s.setTickPosition(QSlider.TicksBelow)
    s.setTickInterval(100)            # a tick at the neutral centre
    s.setAccessibleName(name.replace("_", " "))
    return s


class HandTools(QWidget):
    """Signals: place_armed(kind or ""), mark_changed(index, Mark), mark_removed(index),
    warps_changed(WarpSettings), holistic_changed(HolisticSettings)."""

    place_armed = pyqtSignal(str)
    mark_changed = pyqtSignal(int, object)
    mark_removed = pyqtSignal(int)
    warps_changed = pyqtSignal(object)
    holistic_changed = pyqtSignal(object)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._layer = HandLayer()
        self._syncing = False
        inner = QWidget()
        col = QVBoxLayout(inner)

        library = QGroupBox("Marks: pick one, then click on the face")
        grid = QGridLayout(library)
        self.kind_buttons = QButtonGroup(self)
        self.kind_buttons.setExclusive(False)
        self._kind_button: dict[str, QToolButton] = {}
        for i, kind in enumerate(KINDS):
            b = QToolButton(text=MARK_LABELS[kind], checkable=True)
            b.setObjectName(f"mark_{kind}")
            b.setToolTip(f"Place a {MARK_LABELS[kind].lower()}: click on the portrait")
            b.toggled.connect(lambda on, k=kind: self._armed(k, on))
            grid.addWidget(b, i // 3, i % 3)
            self._kind_button[kind] = b
        col.addWidget(library)

        marks = QGroupBox("Marks on this portrait")
        ml = QVBoxLayout(marks)
        self.marks_list = QListWidget()
        self.marks_list.setObjectName("marks_list")
        self.marks_list.currentRowChanged.connect(self._show_selected)
        ml.addWidget(self.marks_list)
        form = QFormLayout()
        self.scale = QDoubleSpinBox(minimum=0.05, maximum=10.0, singleStep=0.1, value=1.0)
        self.rotation = QDoubleSpinBox(minimum=-360.0, maximum=360.0, singleStep=5.0, value=0.0)
        self.opacity = QDoubleSpinBox(minimum=0.0, maximum=1.0, singleStep=0.05, value=1.0)
        for label, box, name in (("Scale", self.scale, "scale"), ("Rotation°", self.rotation, "rotation"),
                                 ("Opacity", self.opacity, "opacity")):
            box.setObjectName(f"mark_{name}")
            box.setKeyboardTracking(False)
            box.valueChanged.connect(self._edited)
            form.addRow(label, box)
        ml.addLayout(form)
        self.delete_button = QPushButton("Delete mark")
        self.delete_button.setObjectName("delete_mark")
        self.delete_button.clicked.connect(self._delete)
        ml.addWidget(self.delete_button)
        col.addWidget(marks)

        self.warp_sliders = self._slider_group(col, "Feature shape (neutral in the centre)",
                                               {k: v[0] for k, v in WARPS.items()}, self._warps_released)
        self.holistic_sliders = self._slider_group(col, "Age, weight, masculinity, smile (redraws the face)",
                                                   {k: v[0] for k, v in HOLISTIC.items()}, self._holistic_released)
        col.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._show_selected(-1)

    def sizeHint(self) -> QSize:  # noqa: N802 - scrolls: leave the height to the portrait canvas
        return QSize(380, 230)

    def _slider_group(self, col: QVBoxLayout, title: str, labels: dict, released) -> dict[str, QSlider]:
        box = QGroupBox(title)
        form = QFormLayout(box)
        out = {}
        for name, label in labels.items():
            s = _slider(name)
            s.sliderReleased.connect(released)
            s.valueChanged.connect(lambda _v, s=s: (not s.isSliderDown() and not self._syncing) and released())
            reset = QToolButton(text="0")
            reset.setToolTip("Back to neutral")
            reset.clicked.connect(lambda _c, s=s: s.setValue(0))
            row = QHBoxLayout()
            row.addWidget(s, 1)
            row.addWidget(reset)
            form.addRow(label, row)
            out[name] = s
        col.addWidget(box)
        return out

    # -- state from the session ------------------------------------------------------
    def show_state(self, layer: HandLayer, holistic: HolisticSettings) -> None:
        self._syncing = True
        try:
            self._layer = layer
            row = self.marks_list.currentRow()
            self.marks_list.clear()
            for i, m in enumerate(layer.marks):
                self.marks_list.addItem(f"{i + 1}. {MARK_LABELS[m.kind]}  ({m.x:.2f}, {m.y:.2f})")
            if layer.marks:
                self.marks_list.setCurrentRow(min(max(row, 0), len(layer.marks) - 1))
            self._show_selected(self.marks_list.currentRow())
            for name, s in self.warp_sliders.items():
                s.setValue(int(round(getattr(layer.warps, name) * 100)))
            for name, s in self.holistic_sliders.items():
                s.setValue(int(round(getattr(holistic, name) * 100)))
        finally:
            self._syncing = False

    def warps(self) -> WarpSettings:
        return WarpSettings(**{k: s.value() / 100 for k, s in self.warp_sliders.items()})

    def holistic(self) -> HolisticSettings:
        return HolisticSettings(**{k: s.value() / 100 for k, s in self.holistic_sliders.items()})

    def armed_kind(self) -> str:
        return next((k for k, b in self._kind_button.items() if b.isChecked()), "")

    def disarm(self) -> None:
        for b in self._kind_button.values():
            b.setChecked(False)

    # -- intents ---------------------------------------------------------------------------
    def _armed(self, kind: str, on: bool) -> None:
        if on:
            for k, b in self._kind_button.items():
                if k != kind and b.isChecked():
                    b.setChecked(False)
        self.place_armed.emit(self.armed_kind())

    def _show_selected(self, row: int) -> None:
        ok = 0 <= row < len(self._layer.marks)
        for w in (self.scale, self.rotation, self.opacity, self.delete_button):
            w.setEnabled(ok)
        if ok:
            m = self._layer.marks[row]
            was, self._syncing = self._syncing, True
            self.scale.setValue(m.scale)
            self.rotation.setValue(m.rotation)
            self.opacity.setValue(m.opacity)
            self._syncing = was

    def _edited(self) -> None:
        row = self.marks_list.currentRow()
        if self._syncing or not 0 <= row < len(self._layer.marks):
            return
        m = self._layer.marks[row]
        new = replace(m, scale=self.scale.value(), rotation=self.rotation.value(), opacity=self.opacity.value())
        if new != m:
            self.mark_changed.emit(row, new)

    def _delete(self) -> None:
        row = self.marks_list.currentRow()
        if 0 <= row < len(self._layer.marks):
            self.mark_removed.emit(row)

    def _warps_released(self) -> None:
        if not self._syncing and self.warps() != self._layer.warps:
            self.warps_changed.emit(self.warps())

    def _holistic_released(self) -> None:
        if not self._syncing:
            self.holistic_changed.emit(self.holistic())


def new_mark(kind: str, x: float, y: float) -> Mark:
    """A mark of `kind` at face coordinates (x, y) with the kind's defaults."""
    return Mark(kind, min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0))


__all__ = ["HandTools", "MARK_LABELS", "new_mark"]
