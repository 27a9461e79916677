"""The session's recovery folder: what lets an artist pick up after a crash or power cut.

Layout of one session's folder (one subfolder per session under the recovery root):
    session.json        the whole history (rewritten atomically after every step)
    blobs/<sha>.png     every image shown and every lock mask, content-addressed, written once
Blobs are written before session.json, so session.json never names a blob that is not on disk.
"""
from __future__ import annotations

import json
import os
import re
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from composer.atomic import atomic_write_bytes
from composer.record.codec import decode_png, encode_png, pixels_sha256
from composer.errors import CaseFileError

SESSION_FILE = "session.json"
BLOBS = "blobs"
FORMAT = "composer-session"
FORMAT_VERSION = 1


class RecoveryError(CaseFileError):
    """A recovery folder cannot be read back."""


def default_recovery_root() -> Path:
    """Per-user data folder: $XDG_DATA_HOME/composer/recovery or ~/.local/share/composer/recovery."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "composer" / "recovery"


@dataclass(frozen=True)
class RecoveryInfo:
    """One recoverable session, as listed by `find_recovery`."""
    folder: Path
    session_id: str
    saved_at: str
    n_steps: int
    closed: bool


PRIVATE_MODE = 0o700          # recovery folders hold witness images: owner only
ORPHAN_TEMP_RE = re.compile(r"^\..+\.tmp$")   # what composer.atomic leaves behind when killed mid-write
ORPHAN_MIN_AGE_S = 60.0


def ensure_private_folder(folder: Path) -> None:
    """Make `folder` (and its blobs/ subfolder) exist with mode 0700, tightening existing ones.
    The recovery root's session folders and blobs are never group- or world-readable."""
    Path(folder).parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_MODE)   # a new recovery root too
    for path in (Path(folder), Path(folder) / BLOBS):
        path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_MODE)
        try:
            st = os.lstat(path)
            if stat.S_ISDIR(st.st_mode) and st.st_mode & 0o077:
                os.chmod(path, PRIVATE_MODE)   # lstat said it is a real folder, not a link
        except OSError:
            pass


def clean_orphan_temps(folder: Path, min_age_s: float = ORPHAN_MIN_AGE_S) -> list[Path]:
    """Delete temp files a crash left in a session folder (``.<name>.<random>.tmp``, plain files
    older than `min_age_s`, never links); returns what was removed."""
    removed = []
    now = time.time()
    for sub in (Path(folder), Path(folder) / BLOBS):
        try:
            entries = list(os.scandir(sub))
        except OSError:
            continue
        for entry in entries:
            try:
                if (ORPHAN_TEMP_RE.match(entry.name) and entry.is_file(follow_symlinks=False)
                        and now - entry.stat(follow_symlinks=False).st_mtime >= min_age_s):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:
                continue
    return removed


def write_blob(folder: Path, sha: str, pixels: np.ndarray) -> None:
    """Store an image or mask once; an existing blob with this content hash is left alone."""
    ensure_private_folder(folder)
    path = folder / BLOBS / f"{sha}.png"
    if path.exists():
        return
    try:
        atomic_write_bytes(path, encode_png(pixels))
    except FileExistsError:
        pass  # written meanwhile: same content by construction


def write_state(folder: Path, state: Mapping) -> None:
    """Atomically replace session.json (call after the blobs it names are written)."""
    data = json.dumps(state, indent=1, sort_keys=True).encode("utf-8")
    ensure_private_folder(folder)
    atomic_write_bytes(folder / SESSION_FILE, data, overwrite=True, mode=0o600)


def read_state(folder: Path) -> dict:
    """session.json as a dict; RecoveryError if it is missing, unreadable or not ours."""
    file = Path(folder) / SESSION_FILE
    try:
        state = json.loads(file.read_text("utf-8"))
    except FileNotFoundError:
        raise RecoveryError(f"{file} does not exist: {folder} is not a session recovery folder.") from None
    except (OSError, ValueError) as e:
        raise RecoveryError(f"{file} cannot be read ({e}). Choose another recovery folder.") from e
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise RecoveryError(f"{file} is not a Composer session file.")
    if int(state.get("version", 0)) > FORMAT_VERSION:
        raise RecoveryError(f"{file} was written by a newer Composer (session format "
                            f"{state.get('version')}); update Composer to recover it.")
    return state


def read_blobs(folder: Path, shas: set[str]) -> tuple[dict[str, np.ndarray], tuple[str, ...]]:
    """Load the named blobs; returns (pixels by sha, shas missing or damaged)."""
    found: dict[str, np.ndarray] = {}
    missing = []
    for sha in sorted(shas):
        path = Path(folder) / BLOBS / f"{sha}.png"
        try:
            pixels, _ = decode_png(path.read_bytes(), what=str(path))
        except (OSError, CaseFileError):
            missing.append(sha)
            continue
        if pixels_sha256(pixels) != sha:
            missing.append(sha)
            continue
        pixels.setflags(write=False)
        found[sha] = pixels
    return found, tuple(missing)


def find_recovery(root: Path | str | None = None, *, include_closed: bool = False) -> list[RecoveryInfo]:
    """Sessions under `root` that can be recovered, newest first.

    Sessions that ended normally (`Session.finish`) are skipped unless `include_closed`.
    `root` may also be one session's folder.
    """
    root = Path(root) if root is not None else default_recovery_root()
    folders = [root] if (root / SESSION_FILE).exists() else (
        sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else [])
    infos = []
    for folder in folders:
        clean_orphan_temps(folder)   # a crash mid-write leaves .<name>.*.tmp files behind
        try:
            state = read_state(folder)
        except RecoveryError:
            continue
        info = RecoveryInfo(folder, str(state.get("session_id", folder.name)), str(state.get("saved_at", "")),
                            len(state.get("steps", [])), bool(state.get("closed", False)))
        if include_closed or not info.closed:
            infos.append(info)
    return sorted(infos, key=lambda i: (i.saved_at, i.session_id), reverse=True)


def resolve_folder(folder: Path | str) -> Path:
    """A session folder, or a recovery root (then its newest unfinished session). The folder is
    tidied as it is opened: temp files a crash left behind are removed and a folder readable by
    others is made 0700 again (it holds witness images)."""
    folder = Path(folder)
    if not (folder / SESSION_FILE).exists():
        infos = find_recovery(folder)
        if not infos:
            raise RecoveryError(f"no unfinished session to recover in {folder}.")
        folder = infos[0].folder
    clean_orphan_temps(folder)
    tighten_folder(folder)
    return folder


def tighten_folder(folder: Path) -> None:
    """Make an existing session folder and its blobs/ 0700 (real folders only, never via a link)."""
    for path in (Path(folder), Path(folder) / BLOBS):
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue   # missing, or a link: left alone
        try:
            if os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, PRIVATE_MODE)
        except OSError:
            pass
        finally:
            os.close(fd)
