"""Shared argument checks of the `composer` commands: ranges in the parser, output paths before work.

Everything here is cheap (no torch, no Qt), so it runs before a command loads a model or touches the
disk. The checks never create anything: an output folder is only probed by a temporary file in the
nearest folder that already exists, which is removed at once.
"""
from __future__ import annotations

import argparse
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Optional

from composer.errors import ComposerError

SEED_MAX = 2 ** 63 - 1          # what a torch generator, the case record and JSON readers all hold
MAX_DESCRIPTION = 2000          # characters of one description (a caption is short; this is a paste)
NAME_MAX = 255                  # bytes of one file name on Linux file systems


class OutputPathError(ComposerError):
    """An output path cannot be written (checked before any work starts)."""


# --- argparse types: a bad value is refused with one line and exit 2 ---------------------------------

def _int(text: str) -> int:
    try:
        return int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def seed(text: str) -> int:
    value = _int(text)
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63-1 ({SEED_MAX}), not {text}")
    return value


def int_range(lo: int, hi: Optional[int] = None):
    """An argparse type: a whole number in [lo, hi] (hi=None: no upper bound)."""
    def check(text: str) -> int:
        value = _int(text)
        if value < lo or (hi is not None and value > hi):
            span = f"at least {lo}" if hi is None else f"between {lo} and {hi}"
            raise argparse.ArgumentTypeError(f"must be {span}, not {text}")
        return value
    check.__name__ = "whole number"
    return check


def positive_float(text: str) -> float:
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def fraction(text: str) -> float:
    """A number in [0, 1)."""
    value = _float(text)
    if not 0.0 <= value < 1.0:
        raise argparse.ArgumentTypeError(f"must be at least 0 and below 1, not {text}")
    return value


def description(text: str) -> str:
    """A free-text description: at most MAX_DESCRIPTION characters."""
    if len(text) > MAX_DESCRIPTION:
        raise argparse.ArgumentTypeError(
            f"is {len(text):,} characters long; a description holds at most {MAX_DESCRIPTION:,} "
            "(describe the face in a few sentences)")
    return text


# --- terminal safety -----------------------------------------------------------------------------

# C0/C1 controls, DEL, and the Unicode format characters that reorder or hide text on a terminal
# (bidi embeddings/overrides/isolates, marks, zero-width characters, the BOM, line/paragraph separators).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def safe(text: object, keep_newlines: bool = False) -> str:
    """`text` with every control or bidi character written as a visible escape (\\x1b, \\u202e)."""
    def esc(m: re.Match) -> str:
        ch = m.group()
        if keep_newlines and ch == "\n":
            return ch
        return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
    return _UNSAFE.sub(esc, str(text))


# --- output paths ---------------------------------------------------------------------------------

def check_names(path: Path, what: str) -> None:
    for part in path.parts:
        if len(os.fsencode(part)) > NAME_MAX:
            raise OutputPathError(f"{what} {safe(str(path)[:60])}… has a name of {len(os.fsencode(part))} bytes; "
                                  f"a file name holds at most {NAME_MAX} bytes. Choose a shorter name.")
    if "\x00" in str(path):
        raise OutputPathError(f"{what} {safe(path)} holds a NUL character; choose another name.")


def _nearest_existing(path: Path) -> Path:
    p = path.absolute()
    while not os.path.lexists(p):
        p = p.parent
    return p


def _probe(folder: Path, what: str, target: Path) -> None:
    """Create and remove a temporary file in `folder`: the only reliable test (root passes os.access,
    /proc and read-only mounts do not take files)."""
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".composer-probe-")
    except OSError as e:
        raise OutputPathError(f"cannot write {what} {safe(target)}: {folder} does not take new files "
                              f"({e.strerror or e}). Choose a folder you can write to.") from None
    os.close(fd)
    os.unlink(name)


def check_output_dir(path: Path | str, what: str = "output folder") -> Path:
    """Make sure `path` is, or can become, a writable folder; creates nothing."""
    path = Path(path)
    check_names(path, what)
    base = _nearest_existing(path)
    if base == path.absolute():
        if not path.is_dir():
            raise OutputPathError(f"{what} {safe(path)} is a file, not a folder; choose a folder name "
                                  "(it is created if missing).")
    elif not base.is_dir():
        raise OutputPathError(f"cannot create {what} {safe(path)}: {safe(base)} is a file, not a folder.")
    _probe(base, what, path)
    return path


def check_output_file(path: Path | str, what: str = "output file", *, overwrite: bool = True) -> Path:
    """Make sure the file `path` can be written (its folder may be created); creates nothing."""
    path = Path(path)
    check_names(path, what)
    if path.is_dir():
        raise OutputPathError(f"{what} {safe(path)} is a folder; give a file name inside it.")
    if os.path.lexists(path):
        if not overwrite:
            raise OutputPathError(f"{what} {safe(path)} already exists; choose another name or use --force.")
        mode = os.lstat(path).st_mode
        if not stat.S_ISREG(mode):
            raise OutputPathError(f"{what} {safe(path)} exists and is not a regular file; choose another name.")
    check_output_dir(path.parent if str(path.parent) else Path("."), f"folder of the {what}")
    return path


def check_model_arg(path: Optional[Path | str]) -> None:
    """--model must name a folder: say so for a file (the loader reports a missing one)."""
    if path is not None and Path(path).is_file():
        raise ComposerError(f"--model {safe(path)} is a file; pass the bundle folder that holds model.json "
                            "and the *.safetensors files (for example models/default).")
