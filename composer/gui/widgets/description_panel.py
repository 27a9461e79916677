"""Description panel: attribute dropdowns, free text, live caption preview.

The panel owns no interpretation logic: it builds a `Description` from what the
artist entered, asks the injected `interpret` callable (engine.describe, or the
text layer's interpret before a model is loaded) for an Interpretation, and shows
it: caption preview, understood/not-understood marks, conflicts. Dropdowns the
free text implies are set for the artist (and reset when the text stops implying
them, unless the artist touched them since).

The free text comes first in the Tab order (the witness's own words are the heart of the
description); every dropdown has a tooltip saying what it sets.
"""
from __future__ import annotations

import html
from typing import Callable, Optional

from PyQt5.QtCore import Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QLabel, QScrollArea,
                             QVBoxLayout, QWidget)

from composer.gui.domain import Description
from composer.text.schema import UNSPECIFIED as SCHEMA_UNSPECIFIED
from composer.gui.widgets.free_text import FreeTextEdit, marks_from

UNSPECIFIED = ""                    # a Description omits groups left unspecified

DEBOUNCE_MS = 120
LABEL_WRAP = 16     # longer group labels wrap onto two lines so the dropdowns keep their width
Interpreter = Callable[[Description], object]


def combo_tip(group) -> str:
    """A dropdown's tooltip: what it sets and its choices."""
    options = [o.label for o in group.options if o.id != SCHEMA_UNSPECIFIED]
    listed = ", ".join(options[:8]) + (", …" if len(options) > 8 else "")
    return (f"{group.label}: what the witness said about it ({listed}). "
            "Leave it unspecified to let the free text or the model decide.")


class DescriptionPanel(QWidget):
    """Emits `interpreted(description, interpretation)` after each (debounced) change."""

    interpreted = pyqtSignal(object, object)
    failed = pyqtSignal(str)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self._interpret: Optional[Interpreter] = None
        self._combos: dict[str, QComboBox] = {}
        self._tips: dict[str, str] = {}          # group -> the dropdown's own tooltip
        self._auto: dict[str, str] = {}          # group -> option set from the free text
        self._text_last = True
        self._interpretation = None
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)

        self._form = QFormLayout()
        self._form.setRowWrapPolicy(QFormLayout.DontWrapRows)
        box = QGroupBox("Attributes")
        box.setLayout(self._form)
        scroll = self._scroll = QScrollArea()
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(box)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        self.free_text = FreeTextEdit()
        self.free_text.setAccessibleName("Free-text description")
        self.free_text.edited.connect(self._on_text_edited)
        self._caption = QLabel(wordWrap=True, textInteractionFlags=Qt.TextSelectableByMouse)
        self._caption.setObjectName("captionPreview")
        self._notes = QLabel(wordWrap=True)
        self._notes.setObjectName("interpretationNotes")

        text_box = QGroupBox("Free text")
        tl = QVBoxLayout(text_box)
        tl.addWidget(self.free_text)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 3)
        layout.addWidget(text_box, 2)
        layout.addWidget(QLabel("<b>Caption</b>"))
        layout.addWidget(self._caption)
        layout.addWidget(self._notes)
        self._show_caption("")

    # -- setup -------------------------------------------------------------------
    def set_schema(self, schema) -> None:
        """Build one dropdown per schema group (groups: id, label, options[id, label])."""
        while self._form.rowCount():
            self._form.removeRow(0)
        self._combos.clear()
        self._tips.clear()
        for group in schema.groups:
            combo = QComboBox()
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
            combo.setAccessibleName(group.label)
            combo.addItem("unspecified", UNSPECIFIED)
            for option in group.options:
                if option.id == SCHEMA_UNSPECIFIED:
                    continue  # the schema's own "unspecified" is our first item
                combo.addItem(option.label, option.id)
            combo.activated.connect(lambda _i, gid=group.id: self._on_combo_changed(gid))
            self._tips[group.id] = combo_tip(group)
            combo.setToolTip(self._tips[group.id])
            label = QLabel(f"&{group.label}:", wordWrap=len(group.label) > LABEL_WRAP)
            label.setBuddy(combo)
            self._form.addRow(label, combo)
            self._combos[group.id] = combo
        self._tab_order()
        box = self._scroll.widget()   # never clip a dropdown: the panel is as wide as the form
        self._scroll.setMinimumWidth(box.minimumSizeHint().width()
                                     + self._scroll.verticalScrollBar().sizeHint().width())

    def set_interpreter(self, interpret: Optional[Interpreter]) -> None:
        self._interpret = interpret
        self.schedule()

    # -- state -------------------------------------------------------------------
    def description(self) -> Description:
        choices = {gid: c.currentData() for gid, c in self._combos.items()
                   if c.currentData() != UNSPECIFIED}
        return Description(choices=choices, free_text=self.free_text.toPlainText(),
                           text_last=self._text_last)

    def set_description(self, description: Description) -> None:
        """Show `description` (e.g. after undo) without treating it as a new edit."""
        for gid, combo in self._combos.items():
            oid = description.choices.get(gid, UNSPECIFIED)
            self._select(combo, UNSPECIFIED if oid == SCHEMA_UNSPECIFIED else oid)
        self.free_text.set_text(description.free_text)
        self._text_last = description.text_last
        self._auto.clear()
        self.refresh()

    def set_choice(self, group_id: str, option_id: str) -> None:
        """Choose `option_id` ("" or "unspecified" = none) in a group, as if the artist had."""
        option_id = UNSPECIFIED if option_id == SCHEMA_UNSPECIFIED else option_id
        self._select(self._combos[group_id], option_id)
        self._on_combo_changed(group_id)

    def choice(self, group_id: str) -> str:
        return self._combos[group_id].currentData()

    def interpretation(self):
        return self._interpretation

    def schedule(self) -> None:
        self._timer.start()

    def flush(self) -> None:
        """Interpret now if an edit is still waiting for the debounce (before it is recorded)."""
        if self._timer.isActive():
            self.refresh()

    def tooltip(self, group_id: str) -> str:
        return self._combos[group_id].toolTip()

    # -- interpretation ------------------------------------------------------------
    def refresh(self) -> None:
        """Interpret the current description now and show the result."""
        self._timer.stop()
        if self._interpret is None:
            return
        description = self.description()
        try:
            interp = self._interpret(description)
        except Exception as exc:  # noqa: BLE001 - reported, the panel stays usable
            self._notes.setText(f"<span style='color:#b00'>{html.escape(str(exc))}</span>")
            self.failed.emit(str(exc))
            return
        if self._text_last and self._apply_implied(dict(getattr(interp, "implied_choices", {}))):
            description = self.description()
            interp = self._interpret(description)
        self._interpretation = interp
        self.free_text.set_marks(marks_from(interp, len(description.free_text)))
        self._show_caption(interp.caption)
        self._show_notes(interp)
        self.interpreted.emit(description, interp)

    def _apply_implied(self, implied: dict[str, str]) -> bool:
        changed = False
        for gid, oid in implied.items():
            combo = self._combos.get(gid)
            if combo is not None and combo.currentData() != oid:
                changed |= self._select(combo, oid)
                self._auto[gid] = oid
        for gid in [g for g in self._auto if g not in implied]:
            combo = self._combos[gid]
            if combo.currentData() == self._auto.pop(gid):
                changed |= self._select(combo, UNSPECIFIED)
        for gid, combo in self._combos.items():
            combo.setToolTip(self._tip(gid))
        return changed

    def _tip(self, group_id: str) -> str:
        base = self._tips.get(group_id, "")
        return base + ("\n(set from the free text)" if group_id in self._auto else "")

    def _tab_order(self) -> None:
        """Free text first, then the dropdowns top to bottom."""
        chain = [self.free_text] + list(self._combos.values())
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)

    def _show_caption(self, caption: str) -> None:
        self._caption.setText(html.escape(caption) if caption else "<i>Nothing described yet.</i>")

    def _show_notes(self, interp) -> None:
        lines = [f"⚠ {html.escape(c.message)}" for c in getattr(interp, "conflicts", ())]
        unknown = [html.escape(u.text) for u in getattr(interp, "not_understood", ())]
        if unknown:
            lines.append("Not understood: " + ", ".join(unknown))
        self._notes.setText("<br>".join(lines))

    def notes(self) -> str:
        return self._notes.text()

    def caption_preview(self) -> str:
        """The caption currently previewed ("" when nothing is described)."""
        return self._interpretation.caption if self._interpretation is not None else ""

    @staticmethod
    def _select(combo: QComboBox, option_id: str) -> bool:
        index = combo.findData(option_id)
        if index < 0 or index == combo.currentIndex():
            return False
        combo.setCurrentIndex(index)
        return True

    def _on_combo_changed(self, group_id: str) -> None:
        self._auto.pop(group_id, None)
        self._combos[group_id].setToolTip(self._tip(group_id))
        self._text_last = False
        self.schedule()

    def _on_text_edited(self) -> None:
        self._text_last = True
        self.schedule()
