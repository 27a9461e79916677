"""Crash recovery at start-up: offer the newest unfinished autosaved session.

A session that ended normally is marked finished by the window; anything else
under the recovery folder was interrupted. Declined sessions are marked finished
too (kept on disk, never deleted) so the question is not asked again. `recover_from` is the
File → Recover… menu's part: any recovery folder the artist chooses.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from composer.session import RecoveryError, Session, find_recovery


def describe_info(info) -> str:
    return f"{info.session_id}: {info.n_steps} steps, last saved {info.saved_at}"


def offer_recovery(dialogs, root: Path) -> tuple[Optional[Session], str]:
    """Ask about unfinished sessions under `root`; (recovered session or None, status message)."""
    infos = [i for i in find_recovery(root) if i.n_steps > 0]
    if not infos:
        return None, ""
    choice = dialogs.choose_recovery([describe_info(i) for i in infos])
    if choice is None:
        for info in infos:
            try:
                Session.recover(info.folder).finish()
            except RecoveryError:
                pass
        return None, "Autosaved sessions were kept on disk but not reopened."
    try:
        session = Session.recover(infos[choice].folder)
    except RecoveryError as exc:
        dialogs.error("Recovery failed", str(exc))
        return None, "The autosaved session could not be read."
    note = f" ({len(session.missing_images)} images missing)" if session.missing_images else ""
    return session, f"Recovered session {session.session_id}{note}."


def recover_from(folder: Path | str, current: Optional[Path] = None) -> tuple[Session, str]:
    """File → Recover…: the session in `folder` (a session folder, or a recovery root: its newest
    unfinished session) and a status message. RecoveryError, one line, if it cannot be used; the
    session being worked on (`current`) is refused, it is already open."""
    from composer.record.recovery import resolve_folder

    try:
        resolved = resolve_folder(folder)
    except OSError as exc:
        raise RecoveryError(f"{folder} cannot be read ({exc.strerror or exc}).") from exc
    if current is not None and Path(resolved).resolve() == Path(current).resolve():
        raise RecoveryError("That is the session you are working in: it is already open.")
    try:
        session = Session.recover(resolved)
    except OSError as exc:
        raise RecoveryError(f"{resolved} cannot be read ({exc.strerror or exc}).") from exc
    note = f" ({len(session.missing_images)} images missing)" if session.missing_images else ""
    return session, f"Recovered session {session.session_id}{note}."
