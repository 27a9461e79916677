"""File menu sessions: New session, Open case file…, Open recent, Recover….

Leaving the current session first records the witness's pending words, then asks about unexported
work exactly as closing the window does (export / leave without exporting / cancel), and marks the
old session finished (it stays on disk). A case file is verified before anything is shown
(composer.casefile.reopen); it can be reviewed read-only or continued as a new session in the same
recovery root. Whatever goes wrong (a corrupt or missing file, an unreadable folder) is one clear
message, never a traceback.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from PyQt5.QtCore import QObject

from composer.errors import ComposerError
from composer.gui.dialogs import CANCEL, EXPORT
from composer.gui.recovery import recover_from
from composer.gui.settings import with_recent
from composer.record.recovery import default_recovery_root

RECENT_LABEL_MAX = 60


def recent_label(index: int, path: str, exists: bool) -> str:
    """"&3 case-17.composer-case": numbered (Alt+digit), the file name, "(missing)" if gone."""
    name = Path(path).name.replace("&", "&&")
    if len(name) > RECENT_LABEL_MAX:
        name = name[:RECENT_LABEL_MAX - 1] + "…"
    return f"&{index + 1} {name}" + ("" if exists else " (missing)")


class SessionFiles(QObject):
    """The File menu's session commands for `window` (a MainWindow)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        a = window.actions
        a["new_session"].triggered.connect(self.new_session)
        a["open_case"].triggered.connect(lambda: self.open_case())
        a["recover"].triggered.connect(lambda: self.recover())
        a.recent_menu.aboutToShow.connect(self.rebuild_recent)
        self.rebuild_recent()

    # -- helpers ------------------------------------------------------------------------------
    @property
    def root(self) -> Path:
        """The recovery root new sessions autosave under: the current session's."""
        folder = self.window.studio.session.folder
        return folder.parent if folder is not None else default_recovery_root()

    def leave_current(self) -> bool:
        """Record pending words, ask about unexported work; False if the artist cancelled."""
        w = self.window
        w.words.flush()
        if w.studio.unexported:
            choice = w.dialogs.unexported_work()
            if choice == CANCEL or (choice == EXPORT and not w.export_case()):
                return False
        if w.studio.session.steps:
            try:
                w.studio.session.finish()     # ended normally: not offered for crash recovery
            except OSError:
                pass
        return True

    def _error(self, title: str, exc: BaseException) -> None:
        self.window.dialogs.error(title, " ".join(str(exc).split()) or type(exc).__name__)

    # -- commands -----------------------------------------------------------------------------
    def new_session(self) -> bool:
        """Start afresh in the same recovery root (after asking about unexported work)."""
        if not self.leave_current():
            return False
        from composer.session import Session
        self.window.switch_session(Session(self.root), "New session started.")
        return True

    def open_case(self, path: Optional[str] = None) -> bool:
        """Review a case file read-only; continue it as a new session if the artist asks."""
        w = self.window
        if path is None:
            path = w.dialogs.open_case(w.settings.last_folder)
            if not path:
                return False
        from composer.casefile.reopen import read_case
        try:
            case = read_case(path)
        except ComposerError as exc:
            self._error("Case file not usable", exc)
            return False
        except Exception as exc:  # noqa: BLE001 - a hostile file must never crash the window
            self._error("Case file not usable", f"{Path(path).name} cannot be opened ({type(exc).__name__}).")
            return False
        self.remember(str(Path(path)))
        if not w.dialogs.review_case(case):
            return False
        return self.continue_case(case)

    def continue_case(self, case: Any) -> bool:
        """Continue a read case as a new session in the current recovery root."""
        if not self.leave_current():
            return False
        from composer.casefile.reopen import continue_session
        try:
            session = continue_session(case, self.root)
        except ComposerError as exc:
            self._error("Case cannot be continued", exc)
            return False
        missing = f" ({len(session.missing_images)} images not in the file)" if session.missing_images else ""
        self.window.switch_session(session, f"Continuing case {case.case_id} as a new session{missing}.")
        return True

    def recover(self, folder: Optional[str] = None) -> bool:
        """Reopen an autosaved session from a recovery folder the artist chooses."""
        w = self.window
        if folder is None:
            folder = w.dialogs.choose_recovery_folder(str(self.root))
            if not folder:
                return False
        try:
            session, note = recover_from(folder, w.studio.session.folder)
        except ComposerError as exc:
            self._error("Recovery failed", exc)
            return False
        if not self.leave_current():
            return False
        w.switch_session(session, note)
        return True

    # -- recent case files ----------------------------------------------------------------
    def remember(self, path: str) -> None:
        w = self.window
        w.save_settings(w.settings.with_(recent_cases=with_recent(w.settings.recent_cases, path)))
        self.rebuild_recent()

    def forget(self, path: str) -> None:
        w = self.window
        w.save_settings(w.settings.with_(recent_cases=tuple(p for p in w.settings.recent_cases if p != path)))
        self.rebuild_recent()

    def open_recent(self, path: str) -> bool:
        if not Path(path).is_file():
            self.window.dialogs.error("Case file not found",
                                      f"{path} no longer exists; it was removed from the recent list.")
            self.forget(path)
            return False
        return self.open_case(path)

    def rebuild_recent(self) -> None:
        """The Open recent submenu: newest first; files that are gone are greyed out."""
        menu = self.window.actions.recent_menu
        menu.clear()
        recent = self.window.settings.recent_cases
        for i, path in enumerate(recent):
            exists = Path(path).is_file()
            action = menu.addAction(recent_label(i, path, exists))
            action.setToolTip(path if exists else f"{path} (missing)")
            action.setStatusTip(path)
            action.setEnabled(exists)
            action.setData(path)
            action.triggered.connect(lambda _c=False, p=path: self.open_recent(p))
        if recent:
            menu.addSeparator()
        clear = menu.addAction("C&lear the list")
        clear.setEnabled(bool(recent))
        clear.triggered.connect(self.clear_recent)
        menu.setEnabled(True)

    def clear_recent(self) -> None:
        w = self.window
        w.save_settings(w.settings.with_(recent_cases=()))
        self.rebuild_recent()
