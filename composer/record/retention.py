"""Retention: delete the recovery folders of sessions that were exported and closed long enough ago.

Recovery folders hold every image the witness saw. Once a session has been exported to a signed
case file (which keeps all of them) and closed normally, its folder is only a second copy; the
`retention_days` setting deletes such folders N days after the later of the export and the last
save. A folder is deleted only when its session.json (read as a plain file, never through a link)
says all of this:

* it is a Composer session file (`format`),
* `closed` is true (the session ended normally, or a recovered session was finished),
* `exported_at` is a valid time and the export covered every step (`exported_steps` >= the number
  of steps): work done after the last export is never deleted,
* `exported_at` and `saved_at` are both at least N days before `now`.

Symbolic links are never followed: a link in the recovery root is skipped, and a folder is
removed with `shutil.rmtree`, which unlinks links inside it without following them. Qt-free; the
GUI calls `clean_at_start` once when it starts.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

from composer.errors import ComposerError
from composer.record.recovery import FORMAT, SESSION_FILE

MAX_DAYS = 36_500
MAX_STATE_BYTES = 256 << 20


class RetentionError(ComposerError):
    """The retention setting or the recovery root cannot be used."""


def _parse_time(text: object) -> Optional[datetime]:
    if not isinstance(text, str) or not text or len(text) > 64:
        return None
    try:
        t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=timezone.utc)


def _read_state(folder: Path) -> Optional[dict]:
    """session.json of `folder` if it is a plain file of ours, else None (never raises)."""
    try:
        fd = os.open(folder / SESSION_FILE, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_STATE_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(MAX_STATE_BYTES + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    try:
        state = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return state if isinstance(state, dict) and state.get("format") == FORMAT else None


def expired(state: dict, days: int, now: datetime) -> bool:
    """Whether a session.json (as a dict) may be deleted under a `days`-day retention at `now`."""
    if state.get("closed") is not True:
        return False
    exported, saved = _parse_time(state.get("exported_at")), _parse_time(state.get("saved_at"))
    if exported is None or saved is None:
        return False
    steps = state.get("steps")
    covered = state.get("exported_steps")
    if not isinstance(steps, list) or not isinstance(covered, int) or isinstance(covered, bool) \
            or covered < len(steps):
        return False
    return now - max(exported, saved) >= timedelta(days=days)


def _check_days(days: object) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= MAX_DAYS:
        raise RetentionError(f"the retention setting must be a whole number of days from 0 to {MAX_DAYS}, "
                             f"not {str(days)[:40]!r}.")
    return days


def delete_expired_sessions(root: Path | str, days: int, now: Optional[datetime] = None) -> list[Path]:
    """Delete the session folders under `root` that were exported and closed at least `days` days
    before `now` (default: the current time); returns the folders deleted. Never follows a
    symbolic link (a linked root or session folder is left alone); a folder that cannot be
    deleted is skipped. RetentionError for a bad `days` or a root that is a link."""
    days = _check_days(days)
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    root = Path(root)
    try:
        st = os.lstat(root)
    except FileNotFoundError:
        return []
    except OSError as e:
        raise RetentionError(f"the recovery folder {root} cannot be read ({e.strerror or e}).") from e
    if stat.S_ISLNK(st.st_mode):
        raise RetentionError(f"the recovery folder {root} is a symbolic link; nothing was deleted.")
    if not stat.S_ISDIR(st.st_mode):
        return []
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as e:
        raise RetentionError(f"the recovery folder {root} cannot be listed ({e.strerror or e}).") from e
    deleted = []
    for entry in entries:
        try:
            if not entry.is_dir(follow_symlinks=False):
                continue
        except OSError:
            continue
        folder = Path(entry.path)
        state = _read_state(folder)
        if state is None or not expired(state, days, now):
            continue
        try:
            shutil.rmtree(folder)
        except OSError:
            continue
        deleted.append(folder)
    return deleted


def clean_at_start(root: Path | str, days: Optional[int], now: Optional[datetime] = None) -> str:
    """What the GUI runs once at start: the retention cleanup as one status line ("" when the
    setting is off or nothing was deleted). Never raises."""
    if days is None:
        return ""
    try:
        deleted = delete_expired_sessions(root, days, now)
    except Exception as e:  # noqa: BLE001 - a cleanup failure must never stop the app starting
        text = str(e) if isinstance(e, ComposerError) else f"{type(e).__name__}: {e}"
        return f"Old sessions were not cleaned up: {text[:300]}"
    if not deleted:
        return ""
    return (f"Deleted {len(deleted)} exported session folder{'s' if len(deleted) != 1 else ''} older than "
            f"{days} day{'s' if days != 1 else ''} (retention setting).")
