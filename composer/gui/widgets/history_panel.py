"""History panel: every step of the session as a tree with thumbnails; click to go back.

The main line runs down the list; a branch (a new action taken after going back)
is nested under the step it started from. Steps off the current branch are
greyed, the current step is bold. The panel only displays the session; undo,
redo and branching are composer.session's.
"""
from __future__ import annotations

from typing import Optional

from PyQt5.QtCore import QSize, Qt, pyqtSignal
from PyQt5.QtGui import QBrush, QColor, QFont, QIcon, QPixmap
from PyQt5.QtWidgets import QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from composer import operations
from composer.gui.images import thumbnail

THUMB = 48
ROLE_STEP = Qt.UserRole + 1
START = -1  # item id for "before the first step"


def step_summary(step) -> str:
    """One line describing a step for the artist (each step kind's label, composer.operations)."""
    return f"{step.id}. {operations.label(step)}"


def _blank() -> QPixmap:
    """A transparent thumbnail: steps without an image keep the rows aligned and tall."""
    pixmap = QPixmap(THUMB, THUMB)
    pixmap.fill(Qt.transparent)
    return pixmap


class HistoryPanel(QWidget):
    """Tree of steps; `step_activated(step_id or None)` when the artist chooses one."""

    step_activated = pyqtSignal(object)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(QSize(THUMB, THUMB))
        self.tree.setIndentation(14)
        self.tree.setWordWrap(True)                  # long captions wrap instead of being cut
        self.tree.setTextElideMode(Qt.ElideNone)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.tree.setAccessibleName("History")
        self.tree.itemActivated.connect(self._on_item)
        self.tree.itemClicked.connect(self._on_item)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        self._items: dict[int, QTreeWidgetItem] = {}
        self._thumbs: dict[int, QIcon] = {}

    def show_session(self, session) -> None:
        """Rebuild the tree from `session` (thumbnails are cached per step id)."""
        self.tree.clear()
        self._items = {}
        start = QTreeWidgetItem(["Start"])
        start.setData(0, ROLE_STEP, START)
        self.tree.addTopLevelItem(start)
        lineage = {s.id for s in session.lineage()}
        current = session.current.id if session.current is not None else START
        first_child: dict[Optional[int], int] = {}
        containers: dict[int, Optional[QTreeWidgetItem]] = {START: None}
        for step in session.steps:
            parent_key = START if step.parent is None else step.parent
            item = QTreeWidgetItem([step_summary(step)])
            item.setData(0, ROLE_STEP, step.id)
            caption = step.inputs.get("caption") if step.kind == "describe" else None
            item.setToolTip(0, (f"{caption}\n" if caption else "")
                            + f"{step.kind} at {step.timestamp} ({step.duration_s:.2f} s)")
            item.setIcon(0, self._icon(session, step))
            if parent_key not in first_child:        # continuation: same level as parent
                first_child[parent_key] = step.id
                container = containers[parent_key]
            else:                                     # branch: nested under its parent
                container = self._items.get(parent_key, start)
            (container.addChild(item) if container is not None else self.tree.addTopLevelItem(item))
            containers[step.id] = container
            if step.id not in lineage:
                item.setForeground(0, QBrush(QColor(140, 140, 140)))
            self._items[step.id] = item
        self._items[START] = start
        self.tree.expandAll()
        marked = self._items[current]
        font = QFont(marked.font(0))
        font.setBold(True)
        marked.setFont(0, font)
        self.tree.setCurrentItem(marked)

    def item_count(self) -> int:
        return len(self._items) - 1 if self._items else 0

    def activate(self, step_id: Optional[int]) -> None:
        """Choose a step as if clicked (None = the start, before any step)."""
        self._on_item(self._items[START if step_id is None else step_id], 0)

    def item_text(self, step_id: int) -> str:
        return self._items[step_id].text(0)

    def _icon(self, session, step) -> QIcon:
        if step.id not in self._thumbs:
            image = operations.thumbnail(session, step)
            self._thumbs[step.id] = QIcon(_blank() if image is None else thumbnail(image, THUMB))
        return self._thumbs[step.id]

    def forget_thumbnails(self) -> None:
        """Drop cached thumbnails (call when switching to another session)."""
        self._thumbs.clear()

    def _on_item(self, item: QTreeWidgetItem, _column: int) -> None:
        sid = item.data(0, ROLE_STEP)
        self.step_activated.emit(None if sid == START else int(sid))
