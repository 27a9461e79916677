"""Atomic file writes: a crash or a kill never leaves a half-written file behind.

The bytes go to a temporary file in the target's folder, are flushed and fsync'ed, and the temp
file then takes the target's name in one step (`os.replace`, or `os.link` when an existing target
must not be overwritten, so even a race with another writer cannot clobber it).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every platform can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path | str, data: bytes, *, overwrite: bool = False,
                       mode: int | None = None) -> Path:
    """Write `data` to `path` atomically and return the path.

    Raises FileExistsError if `path` exists and `overwrite` is False. `mode` (e.g. 0o600) is set
    on the temp file before any byte is written, so secrets are never readable by others.
    """
    path = Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    if not overwrite and path.exists():
        raise FileExistsError(f"{path} already exists")
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            _link_no_clobber(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
    return path


def _link_no_clobber(tmp: Path, path: Path) -> None:
    """Give `tmp` the name `path` only if nothing has that name yet."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(f"{path} already exists") from None
    except OSError:
        # File systems without hard links: check, then rename (a tiny race window remains).
        if path.exists():
            raise FileExistsError(f"{path} already exists") from None
        os.replace(tmp, path)
        return
    tmp.unlink(missing_ok=True)


def atomic_write_text(path: Path | str, text: str, *, overwrite: bool = False,
                      mode: int | None = None) -> Path:
    """UTF-8 text version of `atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode("utf-8"), overwrite=overwrite, mode=mode)
