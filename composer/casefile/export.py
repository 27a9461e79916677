"""export_case: write a session as one signed `.composer-case` file (a zip).

Contents: portrait.png (final portrait; caption, model SHA-256, case id and record SHA-256 in PNG
text chunks), report.pdf, record.json, masks/<sha>.png (every lock mask), shown/<sha>.png (every
image shown, thumbnailed above 256 px), references/<sha>.png (imported photos, full size),
manifest.json (SHA-256 of every file above), manifest.sig (Ed25519 over manifest.json) and
signer.pub (the public key; its fingerprint is also inside the signed manifest).
The file is written atomically and never replaces an existing file unless `overwrite`.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Optional

from composer.atomic import atomic_write_bytes
from composer.casefile import record as rec
from composer.record.codec import encode_png, thumbnail
from composer.casefile.container import CONTAINER_FORMAT
from composer.casefile.report import ReportContent, build_report_content, render_report_pdf
from composer.casefile.signing import load_signer, public_pem
from composer.errors import CaseFileError

CASE_FORMAT = "composer-case"
SUFFIX = ".composer-case"
MANIFEST, SIGNATURE, PUBLIC_KEY = "manifest.json", "manifest.sig", "signer.pub"
PORTRAIT, REPORT, RECORD = "portrait.png", "report.pdf", "record.json"
UNSIGNED = (MANIFEST, SIGNATURE, PUBLIC_KEY)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    case_id: str
    record_sha256: str
    signer_fingerprint: str
    files: tuple[str, ...]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def _collect_files(session: Any, record: dict) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for sha, name in record["files"]["shown"].items():
        files[name] = encode_png(thumbnail(session.image(sha)))
    for group in ("masks", "references"):
        for sha, name in record["files"][group].items():
            files[name] = encode_png(session.image(sha))
    return files


def _hand_mask_png(session: Any, record: dict, final: Any) -> bytes:
    """With a hand-edited final portrait: a PNG of the pixels the hand changed (white), else b""."""
    import numpy as np

    from composer.edit.hand_schema import HAND_KINDS
    from composer.edit.marks import hand_mask
    step = session.step(record["final"]["step"])
    if step.kind not in HAND_KINDS:
        return b""
    changed = hand_mask(session.image(step.inputs["base_sha256"]), final)
    return encode_png(np.repeat((changed * 255).astype(np.uint8)[..., None], 3, axis=2))


def _history(session: Any, record: dict) -> list[tuple[str, bytes]]:
    picks = [s for s in session.lineage() if s.kind == "pick"]
    return [(f"step {s.id}", encode_png(thumbnail(session.image(s.outputs[0].sha256), 128))) for s in picks]


def export_case(session: Any, engine: Any, meta: rec.CaseMeta, path: Path | str, *,
                keys_dir: Path | str | None = None, overwrite: bool = False,
                render_pdf: Optional[Callable[[ReportContent], bytes]] = None) -> ExportResult:
    """Write the case file for `session` (its current branch's last pick is the final portrait).

    `engine` supplies the model identity (name, sha256, image_size, nz). `render_pdf` draws the
    report (default: Qt, headless-capable). Raises CaseFileError if the target exists and not
    `overwrite`, or if nothing has been picked.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise CaseFileError(f"{path} already exists; choose another name or use --force to replace it.")
    if not str(meta.case_id).strip():
        raise CaseFileError("the case id is empty; enter the case number before exporting.")
    exported_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    record = rec.build_record(session, engine, meta, exported_at)
    record_bytes = json_bytes(record)
    record_sha = sha256_hex(record_bytes)
    signer = load_signer(keys_dir)
    final = session.image(record["final"]["sha256"])
    portrait_png = encode_png(final, {
        "Title": f"Composite portrait, case {meta.case_id}", "Software": f"Composer {record['app_version']}",
        "composer:caption": record["caption"], "composer:model_sha256": record["model"]["sha256"],
        "composer:case_id": meta.case_id, "composer:record_sha256": record_sha})
    content = build_report_content(record, portrait_png, _history(session, record), record_sha,
                                   signer.fingerprint, path.name, _hand_mask_png(session, record, final))
    pdf = (render_pdf or render_report_pdf)(content)
    files = {PORTRAIT: portrait_png, REPORT: pdf, RECORD: record_bytes, **_collect_files(session, record)}
    manifest = {"format": CASE_FORMAT, "schema_version": rec.SCHEMA_VERSION, "case_id": meta.case_id,
                "signer_fingerprint": signer.fingerprint, "algorithm": "Ed25519", "container": CONTAINER_FORMAT,
                "files": {name: sha256_hex(data) for name, data in sorted(files.items())}}
    manifest_bytes = json_bytes(manifest)
    files.update({MANIFEST: manifest_bytes, SIGNATURE: signer.sign(manifest_bytes),
                  PUBLIC_KEY: public_pem(signer.public_key)})
    try:
        atomic_write_bytes(path, _zip(files), overwrite=overwrite)
    except FileExistsError:
        raise CaseFileError(f"{path} already exists; choose another name or use --force to replace it.") from None
    except OSError as e:
        raise CaseFileError(f"cannot write {path} ({e.strerror or e}); nothing was written. "
                            "Choose a folder you can write to.") from e
    mark = getattr(session, "mark_exported", None)   # session.json notes the export (retention)
    if callable(mark):
        mark(exported_at)
    return ExportResult(path, meta.case_id, record_sha, signer.fingerprint, tuple(sorted(files)))


def _zip(files: dict[str, bytes]) -> bytes:
    """The canonical container (composer/casefile/container.py, docs/case-format.md)."""
    from composer.casefile.container import serialise
    return serialise(files)
