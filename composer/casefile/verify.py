"""verify_case: check a case file and list exactly what is wrong with it.

Checks, in order: the zip is readable; the manifest is present, signed by the key it names, and
that key is trusted; every file's SHA-256 matches the manifest and no file is missing or extra;
record.json parses and validates against the schema; and the files agree with the record (final
portrait pixels, the record hash in its PNG text, every mask, reference and shown image present).
"""
from __future__ import annotations

import json
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from composer.casefile import record as rec
from composer.casefile.codec import decode_png, pixels_sha256
from composer.casefile.export import (CASE_FORMAT, MANIFEST, PORTRAIT, PUBLIC_KEY, RECORD, SIGNATURE, UNSIGNED,
                                      sha256_hex)
from composer.casefile.signing import (fingerprint, load_public_key, short_fingerprint, trusted_fingerprints,
                                       verify_signature)
from composer.errors import CaseFileError

MAX_CASE_BYTES = 2 << 30  # refuse zip bombs: real cases are tens of MiB


@dataclass(frozen=True)
class Problem:
    kind: str   # not_a_zip, missing_file, extra_file, hash_mismatch, bad_signature, unknown_key, schema, content
    file: str
    message: str


@dataclass(frozen=True)
class VerifyReport:
    path: Path
    problems: tuple[Problem, ...]
    case_id: Optional[str] = None
    signer_fingerprint: Optional[str] = None
    record: Optional[dict] = field(default=None, compare=False, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        if self.ok:
            signer = short_fingerprint(self.signer_fingerprint or "")
            return [f"OK: {self.path} (case {self.case_id}) is intact and signed by trusted key {signer}."]
        return [f"{self.path}: {len(self.problems)} problem(s):"] + [f"  - {p.message}" for p in self.problems]


def read_case_files(path: Path | str) -> dict[str, bytes]:
    """Every member of the case zip by name; CaseFileError if it is not a readable zip."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if sum(i.file_size for i in z.infolist()) > MAX_CASE_BYTES:
                raise CaseFileError(f"{path} unpacks to more than {MAX_CASE_BYTES >> 20} MiB: not a case file.")
            if len(set(names)) != len(names):
                raise CaseFileError(f"{path} lists the same file twice: it has been tampered with.")
            return {name: z.read(name) for name in names}
    except FileNotFoundError:
        raise CaseFileError(f"{path} does not exist.") from None
    except IsADirectoryError:
        raise CaseFileError(f"{path} is a folder, not a case file.") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as e:
        raise CaseFileError(f"{path} is not a complete case file (not a readable zip: {e}). "
                            "It may be truncated; ask for the original file.") from e
    except OSError as e:
        raise CaseFileError(f"cannot read {path} ({e.strerror or e}).") from e


def _check_signature(files: dict[str, bytes], trusted: set[str], out: list[Problem]) -> tuple[Optional[dict], Optional[str]]:
    for name in UNSIGNED:
        if name not in files:
            out.append(Problem("missing_file", name, f"{name} is missing: the case file cannot be authenticated."))
    if MANIFEST not in files:
        return None, None
    try:
        manifest = json.loads(files[MANIFEST])
        assert isinstance(manifest, dict) and isinstance(manifest.get("files"), dict)
        assert all(isinstance(v, str) for v in manifest["files"].values())
    except (ValueError, AssertionError):
        out.append(Problem("schema", MANIFEST, f"{MANIFEST} is not a valid manifest."))
        return None, None
    if manifest.get("format") != CASE_FORMAT:
        out.append(Problem("schema", MANIFEST, f"{MANIFEST} is not a Composer case manifest."))
    fp = None
    if PUBLIC_KEY in files and SIGNATURE in files:
        try:
            key = load_public_key(files[PUBLIC_KEY], what=PUBLIC_KEY)
        except CaseFileError as e:
            out.append(Problem("bad_signature", PUBLIC_KEY, str(e)))
            return manifest, None
        fp = fingerprint(key)
        if not verify_signature(key, files[MANIFEST], files[SIGNATURE]):
            out.append(Problem("bad_signature", SIGNATURE, f"the signature in {SIGNATURE} does not match "
                               f"{MANIFEST}: the manifest was changed after signing."))
        elif manifest.get("signer_fingerprint") != fp:
            out.append(Problem("bad_signature", PUBLIC_KEY, f"{PUBLIC_KEY} is not the key the manifest names."))
        elif fp not in trusted:
            out.append(Problem("unknown_key", PUBLIC_KEY, f"signed by an unknown key {short_fingerprint(fp)} "
                               f"(fingerprint {fp}); if you trust its owner, pass --trust with their public key."))
    return manifest, fp


def _check_hashes(files: dict[str, bytes], manifest: dict, out: list[Problem]) -> None:
    listed = manifest["files"]
    for name, digest in sorted(listed.items()):
        if name not in files:
            out.append(Problem("missing_file", name, f"{name} is listed in the manifest but missing."))
        elif sha256_hex(files[name]) != digest:
            out.append(Problem("hash_mismatch", name, f"{name} has been changed: its SHA-256 does not match the manifest."))
    for name in sorted(set(files) - set(listed) - set(UNSIGNED)):
        out.append(Problem("extra_file", name, f"{name} is not listed in the manifest (extra file)."))


def _check_record(files: dict[str, bytes], out: list[Problem]) -> Optional[dict]:
    if RECORD not in files:
        if not any(p.file == RECORD for p in out):
            out.append(Problem("missing_file", RECORD, f"{RECORD} is missing."))
        return None
    try:
        record = json.loads(files[RECORD])
    except ValueError as e:
        out.append(Problem("schema", RECORD, f"{RECORD} is not valid JSON ({e})."))
        return None
    problems = rec.validate_record(record)
    out.extend(Problem("schema", RECORD, f"{RECORD}: {p}") for p in problems)
    return None if problems else record


def _png(files: dict[str, bytes], name: str, out: list[Problem]) -> Any:
    try:
        return decode_png(files[name], what=name)
    except KeyError:
        out.append(Problem("missing_file", name, f"{name} is named by the record but missing."))
    except CaseFileError as e:
        out.append(Problem("content", name, str(e)))
    return None


def _check_content(files: dict[str, bytes], record: dict, out: list[Problem]) -> None:
    got = _png(files, PORTRAIT, out)
    if got is not None:
        pixels, text = got
        if pixels.ndim != 3 or pixels_sha256(pixels) != record["final"]["sha256"]:
            out.append(Problem("content", PORTRAIT, f"{PORTRAIT} is not the final portrait the record names."))
        if text.get("composer:record_sha256") != sha256_hex(files.get(RECORD, b"")):
            out.append(Problem("content", PORTRAIT, f"{PORTRAIT} was made for a different {RECORD}."))
    for group in ("masks", "references"):
        for sha, name in record["files"][group].items():
            got = _png(files, name, out)
            if got is not None and pixels_sha256(got[0]) != sha:
                out.append(Problem("content", name, f"{name} does not hold the image the record names."))
    shown = set(record["files"]["shown"])
    for step in record["steps"]:
        for o in step["outputs"]:
            if o["sha256"] not in shown:
                out.append(Problem("content", RECORD, f"step {step['id']} showed an image with no thumbnail."))
    for name in record["files"]["shown"].values():
        _png(files, name, out)


def verify_case(path: Path | str, *, trusted_keys: Optional[Iterable[str]] = None,
                keys_dir: Path | str | None = None) -> VerifyReport:
    """Check a case file. `trusted_keys` are fingerprints (default: the local key, keys in
    `<keys_dir>/trusted_keys/`). Never raises for a bad case file: everything is a Problem."""
    path = Path(path)
    problems: list[Problem] = []
    try:
        files = read_case_files(path)
    except CaseFileError as e:
        return VerifyReport(path, (Problem("not_a_zip", path.name, str(e)),))
    trusted = set(trusted_keys) if trusted_keys is not None else trusted_fingerprints(keys_dir)
    manifest, fp = _check_signature(files, trusted, problems)
    if manifest is not None:
        _check_hashes(files, manifest, problems)
    record = _check_record(files, problems)
    if record is not None:
        _check_content(files, record, problems)
    case_id = (record or {}).get("case_id") or (manifest or {}).get("case_id")
    return VerifyReport(path, tuple(problems), case_id, fp, record)
