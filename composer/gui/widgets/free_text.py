"""Free-text box that marks what the interpreter understood and what it did not.

Understood words get a soft green background; words it did not understand get a
red wavy underline and a tooltip giving the reason. Marks come from the
Interpretation's character offsets and are painted by a QSyntaxHighlighter, so the
text itself is never modified.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from PyQt5.QtCore import QEvent, pyqtSignal
from PyQt5.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat
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

    def _on_text_changed(self) -> None:
        # textChanged also fires for highlighting changes: only real edits count
        text = self.toPlainText()
        if text == self._last_text:
            return
        self._last_text = text
        if not self._programmatic:
            self.edited.emit()
