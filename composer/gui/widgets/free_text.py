"""Free-text box that marks what the interpreter understood and what it did not.

Understood words get a soft green background; words it did not understand get a
red wavy underline and a tooltip giving the reason. Marks come from the
Interpretation's character offsets and are painted by a QSyntaxHighlighter, so the
text itself is never modified.

The witness's statement is precious: Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y here are the text box's own
undo and redo (never the window's history undo), and they go back one word at a time, so one
Ctrl+Z can never wipe a whole statement typed in one go (Qt merges a typing run into one step).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from PyQt5.QtCore import QEvent, Qt, pyqtSignal
from PyQt5.QtGui import QColor, QKeySequence, QSyntaxHighlighter, QTextCharFormat
from PyQt5.QtWidgets import QPlainTextEdit, QToolTip

UNDERSTOOD = "understood"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class TextMark:
    """A span [start, end) of the free text, its kind and the tooltip shown over it."""

    start: int
    end: int
    kind: str
    tooltip: str = ""


def marks_from(interpretation, text_length: int) -> tuple[TextMark, ...]:
    """Marks for the free-text spans of an Interpretation (dropdown matches are skipped)."""
    out: list[TextMark] = []
    for m in getattr(interpretation, "understood", ()):
        if getattr(m, "source", "text") != "text":
            continue
        value = "yes" if getattr(m, "value", True) else "no"
        how = getattr(m, "how", "")
        note = f" ({how})" if how.startswith("negated") else ""
        out.append(TextMark(m.start, m.end, UNDERSTOOD,
                            f"understood: {m.attribute.replace('_', ' ')} = {value}{note}"))
    for u in getattr(interpretation, "not_understood", ()):
        out.append(TextMark(u.start, u.end, UNKNOWN, f"not understood: {u.reason}"))
    return tuple(k for k in out if 0 <= k.start < k.end <= text_length)


def _formats() -> dict[str, QTextCharFormat]:
    good = QTextCharFormat()
    good.setBackground(QColor(200, 240, 200))
    bad = QTextCharFormat()
    bad.setUnderlineStyle(QTextCharFormat.WaveUnderline)
    bad.setUnderlineColor(QColor(200, 30, 30))
    return {UNDERSTOOD: good, UNKNOWN: bad}


class _Highlighter(QSyntaxHighlighter):
    def __init__(self, document) -> None:
        super().__init__(document)
        self.marks: tuple[TextMark, ...] = ()
        self._formats = _formats()

    def highlightBlock(self, text: str) -> None:  # noqa: N802 - Qt override
        base = self.currentBlock().position()
        for mark in self.marks:
            start, end = max(mark.start - base, 0), min(mark.end - base, len(text))
            if start < end:
                self.setFormat(start, end - start, self._formats[mark.kind])


def is_ctrl_y(ev) -> bool:
    return ev.key() == Qt.Key_Y and (ev.modifiers() & ~Qt.KeypadModifier) == Qt.ControlModifier


def is_text_undo_key(ev) -> bool:
    """Ctrl+Z, the platform's redo keys, or Ctrl+Y."""
    return ev.matches(QKeySequence.Undo) or ev.matches(QKeySequence.Redo) or is_ctrl_y(ev)


class FreeTextEdit(QPlainTextEdit):
    """Plain text editor with interpretation marks; `edited` fires on user edits of the text only."""

    edited = pyqtSignal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("Free text, in the witness's words: e.g. "
                                "'young man, short black hair, thick eyebrows, smiling'")
        self.setTabChangesFocus(True)
        self._highlighter = _Highlighter(self.document())
        self._programmatic = False
        self._last_text = ""
        self.textChanged.connect(self._on_text_changed)

    def set_text(self, text: str) -> None:
        """Replace the text without emitting `edited` (e.g. when undoing)."""
        if text == self.toPlainText():
            return
        self._programmatic = True
        try:
            self.setPlainText(text)
        finally:
            self._programmatic = False

    def set_marks(self, marks: Iterable[TextMark]) -> None:
        self._highlighter.marks = tuple(marks)
        self._highlighter.rehighlight()

    def marks(self) -> tuple[TextMark, ...]:
        return self._highlighter.marks

    def tooltip_at(self, position: int) -> str:
        """Tooltip for the character at `position`: every mark over it ("" if none)."""
        tips = [m.tooltip for m in self._highlighter.marks if m.start <= position < m.end]
        return "\n".join(dict.fromkeys(tips))

    def viewportEvent(self, ev) -> bool:  # noqa: N802 - tooltips over marked words
        if ev.type() == QEvent.ToolTip:
            pos = self.cursorForPosition(ev.pos()).position()
            tip = self.tooltip_at(pos)
            if tip:
                QToolTip.showText(ev.globalPos(), tip, self)
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(ev)

    def event(self, ev) -> bool:  # noqa: A003 - Qt override
        """Keep undo/redo keys for the text while it has focus (no window shortcut steals them)."""
        if ev.type() == QEvent.ShortcutOverride and is_text_undo_key(ev):
            ev.accept()
            return True
        return super().event(ev)

    def keyPressEvent(self, ev) -> None:  # noqa: N802 - Qt override
        if ev.matches(QKeySequence.Undo):
            self.undo()
            return
        if ev.matches(QKeySequence.Redo) or is_ctrl_y(ev):
            self.redo()
            return
        text = ev.text()
        if (text and not text.isalnum() and text.isprintable()) or ev.key() in (Qt.Key_Return, Qt.Key_Enter):
            # a word ends: make it an undo step of its own (Qt would merge the whole typing run)
            cursor = self.textCursor()
            cursor.beginEditBlock()
            try:
                super().keyPressEvent(ev)
            finally:
                cursor.endEditBlock()
            return
        super().keyPressEvent(ev)

    def _on_text_changed(self) -> None:
        # textChanged also fires for highlighting changes: only real edits count
        text = self.toPlainText()
        if text == self._last_text:
            return
        self._last_text = text
        if not self._programmatic:
            self.edited.emit()
