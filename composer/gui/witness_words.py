"""The witness's words are history, and the grid says when they no longer match it.

`DescriptionRecorder` records every change of the description (free text and dropdowns) as a
describe step about 1.5 s after the last edit, and at once (`flush`) before anything that uses or
leaves the description: Generate, More like this, Re-synthesise, history moves, export, a new or
reopened session, close. So a correction the witness makes is never lost, and a history undo never
discards typed words (they are a step of their own before it moves).

`CaptionNotice` compares the caption the grid was drawn from with the description panel's current
caption and, when they differ (after going back in history, or after the witness corrected the
description), shows the grid's notice: "Use the grid's description" puts back the description of
the nearest describe step at or before the grid's step; "Keep the new description" dismisses it
(the next More like this or re-synthesis uses the new words).
"""
from __future__ import annotations

from typing import Any, Optional

from PyQt5.QtCore import QObject, QTimer, pyqtSignal

from composer.gui.domain import Description

RECORD_DELAY_MS = 1500


def grid_description_step(session: Any) -> Optional[Any]:
    """The nearest describe step at or before the step that drew the grid (None if none)."""
    grid = session.candidates_step
    if grid is None:
        return None
    return next((s for s in reversed(session.lineage(grid.id)) if s.kind == "describe"), None)


class DescriptionRecorder(QObject):
    """Debounced recording of the panel's description; `recorded` after a describe step is added."""

    recorded = pyqtSignal()

    def __init__(self, panel: Any, studio: Any, parent: Optional[QObject] = None,
                 delay_ms: int = RECORD_DELAY_MS) -> None:
        super().__init__(parent)
        self.panel, self.studio = panel, studio
        self.timer = QTimer(self, singleShot=True, interval=delay_ms)
        self.timer.timeout.connect(self.flush)

    def schedule(self) -> None:
        """An edit happened: record it once the artist pauses."""
        self.timer.start()

    def pending(self) -> bool:
        return self.timer.isActive()

    def flush(self) -> bool:
        """Record now whatever the panel says, if it differs from the session; True if a step was added."""
        self.panel.flush()          # a waiting edit is interpreted first (that would restart the timer)
        self.timer.stop()
        session = self.studio.session
        before = len(session.steps)
        try:
            self.studio.record_description()
        except Exception as exc:  # noqa: BLE001 - recording must never take the window down
            self.studio.error.emit(f"The description could not be recorded: {exc}")
            return False
        added = len(session.steps) > before
        if added:
            self.recorded.emit()
        return added


class CaptionNotice(QObject):
    """Keeps the grid's "drawn from … / now says …" notice in step with the session and the panel."""

    def __init__(self, grid: Any, panel: Any, studio: Any, recorder: DescriptionRecorder,
                 parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.grid, self.panel, self.studio, self.recorder = grid, panel, studio, recorder
        self._kept: Optional[tuple] = None    # (grid step id, caption) the artist chose to keep
        grid.use_grid_description.connect(self.use_grid_description)
        grid.keep_new_description.connect(self.keep_new_description)

    def _state(self) -> tuple[Optional[int], str, str]:
        step = self.studio.session.candidates_step
        view = self.studio.view()
        current = self.panel.caption_preview() or ""
        return (step.id if step is not None else None), (view.caption if view.candidates else ""), current

    def update(self) -> None:
        grid_id, grid_caption, current = self._state()
        if not grid_caption or current == grid_caption or self._kept == (grid_id, current):
            self.grid.hide_notice()
            return
        self.grid.show_notice(grid_caption, current, grid_description_step(self.studio.session) is not None)

    def use_grid_description(self) -> None:
        """Put the grid's description back into the panel, and record it."""
        step = grid_description_step(self.studio.session)
        if step is None:
            return
        self.panel.set_description(Description.from_json(dict(step.inputs["description"])))
        self.recorder.flush()
        self.update()

    def keep_new_description(self) -> None:
        """The new words stand: record them and stop showing the notice for this grid and caption."""
        self.recorder.flush()
        grid_id, _grid_caption, current = self._state()
        self._kept = (grid_id, current)
        self.update()

    def reset(self) -> None:
        """Forget a kept description (another session)."""
        self._kept = None
        self.update()
