"""Reopen a `.composer-case`: review it read-only, or continue it as a new session (Qt-free).

`read_case` verifies the file first (composer.casefile.verify: bounded zip reader, signature,
hashes, schema) and refuses anything damaged or tampered with in one line (CaseFileError). A case
signed by a key this workstation does not know is still readable, marked unverified, so a case
from another workstation can be looked at. `continue_session` builds a new Session (new id, its
own recovery folder) holding the case's recorded steps with their inputs and images, positioned
at the case's final step; the first step's notes say where it came from (case id, file SHA-256),
so a case exported from the continued session carries its origin.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Optional

import numpy as np

from composer.casefile.export import PORTRAIT
from composer.casefile.report import model_warning
from composer.casefile.verify import read_case_files, verify_case
from composer.errors import CaseFileError
from composer.record import recovery
from composer.record.codec import decode_png, pixels_sha256
from composer.record.steps import Step, json_copy, utc_now

ORIGIN_NOTE = "continued_from"     # key in the first step's notes
IMAGE_GROUPS = ("shown", "masks", "references")
ACCEPTED = ("unknown_key",)        # problems that leave a case readable (marked unverified)


@dataclass(frozen=True)
class CaseContents:
    """What a verified case file holds, ready to show or to continue."""

    path: Path
    file_sha256: str
    case_id: str
    record: dict = field(repr=False)
    history: tuple[str, ...]                     # one label per recorded step, in order
    final_portrait: Optional[np.ndarray] = field(default=None, repr=False)
    images: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)   # exact pixels by content hash
    verified: bool = True                        # signed by a key this workstation trusts
    verification: str = ""                       # one line: who signed it, or why it is not trusted
    model_warning: str = ""                      # the report's warning for an interim or test model

    @property
    def origin(self) -> dict:
        """What a continued session records about this case."""
        return {"case_id": self.case_id, "file_sha256": self.file_sha256, "file": self.path.name,
                "verified": self.verified}


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def step_label(step: Mapping[str, Any]) -> str:
    """"3. Pick candidate 2": the history label of a record.json step (its kind if unreadable)."""
    from composer import operations
    try:
        text = operations.label(Step.from_json(step))
    except Exception:  # noqa: BLE001 - a label must never stop a review
        text = str(step.get("kind", "?"))
    return f"{step.get('id', '?')}. {text}"


def read_case(path: Path | str, *, trust: Any = None, keys_dir: Path | str | None = None) -> CaseContents:
    """Verify and read a case file; CaseFileError (one line) if it is missing, not a case file,
    damaged or tampered with."""
    path = Path(path)
    if not path.is_file():
        raise CaseFileError(f"{path} does not exist or is not a file.")
    report = verify_case(path, trust=trust, keys_dir=keys_dir)
    serious = [p for p in report.problems if p.kind not in ACCEPTED]
    if report.record is None or serious:
        first = (serious or list(report.problems))
        reason = first[0].message if first else "it cannot be read"
        more = f" (and {len(first) - 1} more problems)" if len(first) > 1 else ""
        raise CaseFileError(f"{path.name} cannot be opened: {_one_line(reason)}{more}")
    record = report.record
    try:
        files = read_case_files(path)
        digest = file_sha256(path)
    except OSError as e:
        raise CaseFileError(f"{path.name} cannot be read ({e.strerror or e}).") from e
    images = _images(record, files)
    final = images.get(str(record["final"]["sha256"]))
    trusted = not report.problems
    if trusted:
        verification = f"Verified: intact and signed by {report.signer or 'a trusted key'}."
        if report.warnings:      # a legacy (pre-canonical) container: intact members, headers unsigned
            verification += " Warning: " + _one_line(report.warnings[0].message)
    else:
        verification = "Intact, but NOT verified: " + _one_line(report.problems[0].message)
    return CaseContents(path, digest, str(record.get("case_id", "")), record,
                        tuple(step_label(s) for s in record.get("steps", [])), final, images, trusted,
                        verification, model_warning(record.get("model", {})))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _images(record: Mapping[str, Any], files: Mapping[str, bytes]) -> dict[str, np.ndarray]:
    """Every stored image whose pixels are exactly the ones recorded (thumbnailed shown images of
    a model above 256 px are not: a continued session lists those as missing)."""
    out: dict[str, np.ndarray] = {}
    named = [(sha, name) for g in IMAGE_GROUPS for sha, name in (record.get("files", {}).get(g) or {}).items()]
    named.append((str(record["final"]["sha256"]), PORTRAIT))
    for sha, name in named:
        if sha in out or name not in files:
            continue
        try:
            pixels, _ = decode_png(files[name], what=name)
        except CaseFileError:
            continue
        if pixels_sha256(pixels) == sha:
            pixels.setflags(write=False)
            out[sha] = pixels
    return out


def _new_session_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(3)


def continue_session(case: CaseContents, recovery_root: Path | str, *, session_id: Optional[str] = None):
    """A new Session (autosaving under `recovery_root`) holding the case's steps, images and
    exposures, at the case's final step; its first step's notes name the case it came from."""
    from composer.session import Session

    record = case.record
    steps = [json_copy(s) for s in record.get("steps", [])]
    if not steps:
        raise CaseFileError(f"{case.path.name} records no steps: there is nothing to continue.")
    notes = dict(steps[0].get("notes") or {})
    notes[ORIGIN_NOTE] = case.origin
    steps[0]["notes"] = notes
    final = record.get("final", {}).get("step")
    ids = {s.get("id") for s in steps}
    folder = Path(recovery_root) / (session_id or _new_session_id())
    now = utc_now()
    state = {"format": recovery.FORMAT, "version": recovery.FORMAT_VERSION, "session_id": folder.name,
             "created_at": now, "saved_at": now, "closed": False,
             "current": final if final in ids else steps[-1].get("id"),
             "steps": steps, "exposures": json_copy(list(record.get("exposures", []))),
             "witness_view": bool(record.get("witness_view", False))}
    try:
        for sha, pixels in case.images.items():
            recovery.write_blob(folder, sha, pixels)
        recovery.write_state(folder, state)
    except OSError as e:
        raise CaseFileError(f"cannot write the new session to {folder} ({e.strerror or e}).") from e
    return Session.recover(folder)
