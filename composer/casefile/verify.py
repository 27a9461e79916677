"""verify_case: check a case file and list exactly what is wrong with it.

Checks, in order: the zip is readable within hard limits (strict parse, declared sizes checked
first, every member stream-hashed with per-member and total caps); the manifest is present, bounded,
signed by the key it names, and that key is trusted (pinned with --trust, or this workstation's
public key and the trust folder); every file's SHA-256 matches the manifest and no file is missing
or extra; record.json parses (size and depth bounded) and validates against the schema
(composer/casefile/schema.py); the files agree with the record (final portrait pixels, the record
hash in its PNG text, every mask, reference and shown image present, image sizes checked from the
PNG header before decoding); and the container is the canonical zip (composer/casefile/container.py):
re-serialising the members canonically gives back the file byte for byte.

A case file from before the canonical container (its signed manifest names no container) whose
members are all intact and whose zip holds nothing outside them is reported as a *legacy container*:
a warning, not a problem (`ok` stays True, `exit_code` is 3), because its zip headers are not
covered by the signature. Verification never opens a private key.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Optional

from composer.casefile import container as ct
from composer.casefile import schema
from composer.casefile.export import CASE_FORMAT, MANIFEST, PORTRAIT, PUBLIC_KEY, RECORD, SIGNATURE, UNSIGNED
from composer.casefile.signing import (TrustSet, fingerprint, load_public_key, local_trust, short_fingerprint,
                                       verify_signature)
from composer.errors import CaseFileError
from composer.record.codec import THUMBNAIL_MAX, decode_png, pixels_sha256

MAX_CASE_BYTES = ct.MAX_TOTAL_BYTES   # kept for callers of the old name
MAX_PNG_BYTES = 64 << 20
MAX_IMAGE_SIDE = {"shown": THUMBNAIL_MAX, "masks": 4096, "references": 4096, "portrait": 4096}
MAX_IMAGE_PIXELS = 4096 * 4096
EXIT_OK, EXIT_PROBLEMS, EXIT_LEGACY = 0, 1, 3
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Problem:
    kind: str   # not_a_zip, container, missing_file, extra_file, hash_mismatch, bad_signature, unknown_key,
    #             schema, content; warnings: legacy_container
    file: str
    message: str


@dataclass(frozen=True)
class VerifyReport:
    path: Path
    problems: tuple[Problem, ...]
    case_id: Optional[str] = None
    signer_fingerprint: Optional[str] = None
    record: Optional[dict] = field(default=None, compare=False, repr=False)
    warnings: tuple[Problem, ...] = ()
    signer: str = ""              # who the signer is to this verification ("this workstation's key", ...)
    canonical: bool = False
    notes: tuple[str, ...] = ()   # e.g. stray files skipped in the trust folder

    @property
    def ok(self) -> bool:
        """Nothing wrong: intact, signed by a trusted key, well formed (a legacy container may warn)."""
        return not self.problems

    @property
    def legacy(self) -> bool:
        return any(w.kind == "legacy_container" for w in self.warnings)

    @property
    def exit_code(self) -> int:
        """0: OK, canonical; 3: intact and trusted but a legacy (pre-canonical) container; 1: problems."""
        return EXIT_PROBLEMS if self.problems else (EXIT_LEGACY if self.warnings else EXIT_OK)

    def lines(self) -> list[str]:
        fp = self.signer_fingerprint or ""
        notes = [f"  note: {n}" for n in self.notes]
        if self.problems:
            out = [f"{self.path}: {len(self.problems)} problem(s):"] + [f"  - {p.message}" for p in self.problems]
            out += [f"  - warning: {w.message}" for w in self.warnings]
            if fp:
                out.append(f"  signer fingerprint: {fp}" + (f" ({self.signer})" if self.signer else ""))
            return out + notes
        signed = f"signed by {self.signer or 'a trusted key'} {short_fingerprint(fp)} (fingerprint {fp})"
        if self.warnings:
            return ([f"INTACT, LEGACY CONTAINER: {self.path} (case {self.case_id}): every member is intact and "
                     f"{signed}, but:"] + [f"  - {w.message}" for w in self.warnings] + notes)
        return [f"OK: {self.path} (case {self.case_id}) is intact, in canonical form and {signed}."] + notes


def read_case_files(path: Path | str, *, cap: int = ct.MAX_TOTAL_BYTES) -> dict[str, bytes]:
    """Every member of the case zip by name (at most `cap` bytes in all); CaseFileError if it is
    not a readable zip within the container's limits."""
    try:
        with ct.ZipReader(path) as z:
            out, total = {}, 0
            for e in z.entries:
                total += e.size
                if total > cap:
                    raise CaseFileError(f"{path} unpacks to more than {cap >> 20} MiB: not a case file.")
                out[e.name] = b"".join(z.chunks(e))
            return out
    except ct.ContainerError as e:
        raise CaseFileError(_unreadable(Path(path), e)) from e


def _unreadable(path: Path, e: Exception) -> str:
    msg = str(e)
    if "does not exist" in msg or "is a folder" in msg:
        return msg
    msg = msg.replace(f"{path} ", "", 1)
    return (f"{path} is not a complete case file ({msg.rstrip('.')}). It may be truncated or tampered "
            "with; ask for the original file.")


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR, without decoding; CaseFileError if it is not a PNG."""
    if len(data) < 24 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise CaseFileError("is not a PNG image")
    return struct.unpack(">II", data[16:24])


class _Check:
    def __init__(self, reader: ct.ZipReader, trust: TrustSet) -> None:
        self.z = reader
        self.trust = trust
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.digests = reader.digests()

    def add(self, kind: str, file: str, message: str) -> None:
        self.problems.append(Problem(kind, file, message))

    def read(self, name: str, cap: int) -> Optional[bytes]:
        if name not in self.z.by_name:
            return None
        try:
            return self.z.read(name, cap)
        except ct.ContainerError as e:
            if not any(p.file == name for p in self.problems):
                self.add("content", name, str(e))
            return None

    # ---- signature and trust -------------------------------------------------------------
    def signature(self) -> tuple[Optional[dict], Optional[str]]:
        for name in UNSIGNED:
            if name not in self.z.by_name:
                self.add("missing_file", name, f"{name} is missing: the case file cannot be authenticated.")
        data = self.read(MANIFEST, schema.MAX_MANIFEST_BYTES)
        if data is None:
            return None, None
        try:
            manifest = schema.loads_bounded(data, what=MANIFEST, max_bytes=schema.MAX_MANIFEST_BYTES)
        except CaseFileError as e:
            self.add("schema", MANIFEST, f"{MANIFEST} is not a valid manifest ({e}).")
            return None, None
        bad = schema.validate_manifest(manifest)
        if bad:
            self.add("schema", MANIFEST, f"{MANIFEST} is not a valid manifest ({'; '.join(bad[:5])}).")
            return None, None
        if manifest.get("format") != CASE_FORMAT:
            self.add("schema", MANIFEST, f"{MANIFEST} is not a Composer case manifest.")
        pub, sig = self.read(PUBLIC_KEY, 16 << 10), self.read(SIGNATURE, 1024)
        if pub is None or sig is None:
            return manifest, None
        try:
            key = load_public_key(pub, what=PUBLIC_KEY)
        except CaseFileError as e:
            self.add("bad_signature", PUBLIC_KEY, str(e))
            return manifest, None
        fp = fingerprint(key)
        if len(sig) != 64 or not verify_signature(key, data, sig):
            self.add("bad_signature", SIGNATURE, f"the signature in {SIGNATURE} does not match {MANIFEST}: the "
                                                 "manifest was changed after signing.")
        elif manifest.get("signer_fingerprint") != fp:
            self.add("bad_signature", PUBLIC_KEY, f"{PUBLIC_KEY} is not the key the manifest names.")
        elif self.trust.find(fp) is None:
            if self.trust.pinned:
                self.add("unknown_key", PUBLIC_KEY, f"signed by key {short_fingerprint(fp)} (fingerprint {fp}), "
                                                    "which is not one of the keys given with --trust.")
            else:
                self.add("unknown_key", PUBLIC_KEY, f"signed by an unknown key {short_fingerprint(fp)} (fingerprint "
                                                    f"{fp}): neither this workstation's key nor one in the trust "
                                                    "folder; if you trust its owner, pass --trust with their public key.")
        return manifest, fp

    def hashes(self, manifest: dict) -> None:
        listed = manifest["files"]
        for name, digest in sorted(listed.items()):
            if name in self.z.member_errors:
                self.add("hash_mismatch", name, f"{name} has been changed or damaged ({self.z.member_errors[name]})")
            elif name not in self.digests:
                self.add("missing_file", name, f"{name} is listed in the manifest but missing.")
            elif self.digests[name].sha256 != digest:
                self.add("hash_mismatch", name, f"{name} has been changed: its SHA-256 does not match the manifest.")
        for name in sorted(set(self.z.member_errors) - set(listed)):
            self.add("content", name, f"{name} cannot be read back ({self.z.member_errors[name]})")
        for name in sorted(set(self.digests) - set(listed) - set(UNSIGNED)):
            self.add("extra_file", name, f"{name} is not listed in the manifest (extra file).")

    # ---- record and content --------------------------------------------------------------
    def record(self) -> Optional[dict]:
        if RECORD not in self.z.by_name:
            if not any(p.file == RECORD for p in self.problems):
                self.add("missing_file", RECORD, f"{RECORD} is missing.")
            return None
        data = self.read(RECORD, schema.MAX_RECORD_BYTES)
        if data is None:
            return None
        record, problems = schema.load_record(data)
        if record is None:
            self.problems.extend(Problem("schema", RECORD, p if p.startswith(RECORD) else f"{RECORD}: {p}")
                                 for p in problems)
            return None
        try:
            from composer.casefile import record as rec
            extra = rec.validate_record(record)
        except Exception as e:  # noqa: BLE001 - the schema passed; a crash here is our bug, still reported
            extra = [f"cannot be checked ({type(e).__name__}: {e})"]
        self.problems.extend(Problem("schema", RECORD, f"{RECORD}: {p}") for p in extra)
        return None if extra else record

    def png(self, name: str, group: str, size: Optional[int] = None) -> Any:
        data = self.read(name, MAX_PNG_BYTES)
        if data is None:
            if name not in self.z.by_name:
                self.add("missing_file", name, f"{name} is named by the record but missing.")
            return None
        try:
            w, h = png_size(data)
        except CaseFileError as e:
            self.add("content", name, f"{name} {e}.")
            return None
        side = MAX_IMAGE_SIDE[group]
        if not (0 < w <= side and 0 < h <= side and w * h <= MAX_IMAGE_PIXELS) or (size and (w, h) != (size, size)):
            self.add("content", name, f"{name} declares {w}×{h} pixels, not a size a case file holds "
                                      f"(at most {side}×{side}{f', exactly {size}×{size}' if size else ''}).")
            return None
        try:
            return decode_png(data, what=name)
        except CaseFileError as e:
            self.add("content", name, str(e))
        except (MemoryError, Exception) as e:  # noqa: BLE001 - PIL on hostile bytes
            self.add("content", name, f"{name} cannot be decoded ({type(e).__name__}).")
        return None

    def content(self, record: dict) -> None:
        got = self.png(PORTRAIT, "portrait", record["model"]["image_size"])
        if got is not None:
            pixels, text = got
            if pixels.ndim != 3 or pixels_sha256(pixels) != record["final"]["sha256"]:
                self.add("content", PORTRAIT, f"{PORTRAIT} is not the final portrait the record names.")
            record_sha = self.digests[RECORD].sha256 if RECORD in self.digests else ""
            if text.get("composer:record_sha256") != record_sha:
                self.add("content", PORTRAIT, f"{PORTRAIT} was made for a different {RECORD}.")
            del pixels, got
        for group in ("masks", "references"):
            for sha, name in record["files"][group].items():
                got = self.png(name, group)
                if got is not None and pixels_sha256(got[0]) != sha:
                    self.add("content", name, f"{name} does not hold the image the record names.")
        shown = set(record["files"]["shown"])
        for step in record["steps"]:
            for o in step["outputs"]:
                if o["sha256"] not in shown:
                    self.add("content", RECORD, f"step {step['id']} showed an image with no thumbnail.")
        for name in record["files"]["shown"].values():
            self.png(name, "shown")

    # ---- container -----------------------------------------------------------------------
    def container(self, manifest: Optional[dict]) -> bool:
        if self.z.member_errors:
            return False   # damaged members are reported as such; no container verdict on top
        canonical = self.z.is_canonical()
        declared = manifest.get("container") if manifest else None
        layout = "; ".join(self.z.structure_problems)
        if canonical:
            if manifest is not None and declared is None:
                self.warnings.append(Problem("legacy_container", self.z.path.name, "the manifest names no container "
                                             "format although the container is canonical."))
            return True
        if declared == ct.CONTAINER_FORMAT:
            self.add("container", self.z.path.name,
                     "the zip container is not in the canonical form its signed manifest promises"
                     + (f" ({layout})" if layout else " (its headers, order, timestamps or compression were changed)")
                     + ": the file was altered after export, even if its members are intact.")
        elif declared is not None:
            self.add("container", self.z.path.name, f"the manifest names an unknown container format {declared!r}.")
        elif layout:
            self.add("container", self.z.path.name, f"the zip holds data outside its listed members ({layout}): "
                                                    "a streaming extractor could show different files.")
        elif manifest is not None:
            self.warnings.append(Problem("legacy_container", self.z.path.name,
                                         "legacy container (pre-canonical): members intact but the container is not "
                                         "canonical, so its zip headers (timestamps, attributes) are not covered by "
                                         "the signature. Keep the original file and its SHA-256 with the evidence."))
        return False


def verify_case(path: Path | str, *, trusted_keys: Optional[Iterable[str]] = None,
                keys_dir: Path | str | None = None, trust: Optional[TrustSet] = None) -> VerifyReport:
    """Check a case file. Trust is `trust` if given, else exactly the fingerprints `trusted_keys`
    if given, else this workstation's public key and `<keys_dir>/trusted_keys/`. Never raises for a
    bad case file: everything is a Problem (or a warning, for a legacy container)."""
    path = Path(path)
    if trust is None:
        trust = TrustSet.of(trusted_keys) if trusted_keys is not None else local_trust(keys_dir)
    try:
        reader = ct.ZipReader(path)
    except ct.ContainerError as e:
        return VerifyReport(path, (Problem("not_a_zip", path.name, _unreadable(path, e)),), notes=trust.notes)
    with reader:
        try:
            check = _Check(reader, trust)
        except ct.ContainerError as e:
            return VerifyReport(path, (Problem("not_a_zip", path.name, _unreadable(path, e)),), notes=trust.notes)
        manifest, fp, record, canonical = None, None, None, False
        try:
            manifest, fp = check.signature()
            if manifest is not None:
                check.hashes(manifest)
            record = check.record()
            if record is not None:
                check.content(record)
            canonical = check.container(manifest)
        except ct.ContainerError as e:
            check.add("container", path.name, str(e))
        except Exception as e:  # noqa: BLE001 - fail closed: never a traceback, never "OK"
            check.add("internal_error", path.name, f"verification stopped on an unexpected error "
                                                   f"({type(e).__name__}: {str(e)[:200]}): the case is NOT verified.")
            record = None
    case_id = (record or {}).get("case_id") or (manifest or {}).get("case_id")
    who = trust.find(fp)
    return VerifyReport(path, tuple(check.problems), case_id if isinstance(case_id, str) else None, fp, record,
                        tuple(check.warnings), who.describe() if who else "", canonical, trust.notes)
