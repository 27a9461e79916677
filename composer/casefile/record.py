"""CaseRecord: record.json, the complete account of how a composite portrait was made.

`build_record` turns a session into the record; `validate_record` checks one read back from a
case file and lists every problem (with its JSON path) instead of stopping at the first.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from composer.edit.hand_schema import FINAL_KINDS  # a pick, or the hand-edited portrait
from composer.errors import CaseFileError
from composer.operations import REGISTRY
from composer.record.codec import z_from_b64

SCHEMA_VERSION = 1
SHA_RE = re.compile(r"^[0-9a-f]{64}$")
NUMBER = (int, float)
INPUT_TYPES: dict[str, dict[str, Any]] = {kind: dict(k.input_types) for kind, k in REGISTRY.items()}


@dataclass(frozen=True)
class CaseMeta:
    """Who made the case and for which investigation (typed by the artist)."""
    case_id: str
    operator: str = ""
    witness_ref: str = ""


def app_version() -> str:
    try:
        from composer import __version__
        return str(__version__)
    except ImportError:
        return "0+unknown"


def shown_file(sha: str) -> str:
    return f"shown/{sha}.png"


def mask_file(sha: str) -> str:
    return f"masks/{sha}.png"


def reference_file(sha: str) -> str:
    return f"references/{sha}.png"


def build_record(session: Any, engine: Any, meta: CaseMeta, exported_at: str) -> dict:
    """The record of `session` ending at its current step (which must follow a pick)."""
    final = next((s for s in reversed(session.lineage()) if s.kind in FINAL_KINDS), None)
    if final is None:
        raise CaseFileError("no portrait has been picked yet: pick a candidate before exporting the case.")
    steps = [s.to_json() for s in session.steps]
    shown = sorted({e.sha256 for e in session.exposures if session.image(e.sha256).ndim == 3})
    return {
        "schema_version": SCHEMA_VERSION,
        "case_id": meta.case_id, "operator": meta.operator, "witness_ref": meta.witness_ref,
        "session_id": session.session_id, "started_at": session.created_at, "exported_at": exported_at,
        "app_version": app_version(),
        "model": {"name": str(engine.name), "sha256": str(engine.sha256),
                  "image_size": int(engine.image_size), "nz": int(engine.nz),
                  **_stages(engine), **_status(engine)},
        **_runtime(engine),
        "description": session.description, "caption": session.caption or "",
        "interpretation": session.interpretation,
        "steps": steps,
        "path": [s.id for s in session.lineage()],
        "final": {"step": final.id, "sha256": final.outputs[0].sha256, "file": "portrait.png"},
        "exposures": [e.to_json() for e in session.exposures],
        # True: a GUI session with a witness view (exposures with audience "witness" are what it
        # displayed); False: no witness view (e.g. built headless by `composer case`)
        "witness_view": bool(getattr(session, "witness_view", False)),
        "files": {"shown": {sha: shown_file(sha) for sha in shown},
                  "masks": {s["inputs"][k]: mask_file(s["inputs"][k])
                            for s in steps if s["kind"] == "lock" for k in ("mask_sha256", "brush_sha256")
                            if s["inputs"].get(k)},
                  "references": {**{s["inputs"]["image_sha256"]: reference_file(s["inputs"]["image_sha256"])
                                    for s in steps if s["kind"] == "import_reference"},
                                 **{s["inputs"]["reference_sha256"]: reference_file(s["inputs"]["reference_sha256"])
                                    for s in steps if s["kind"] == "lock" and s["inputs"].get("reference_sha256")}}},
    }


def _runtime(engine: Any) -> dict:
    """The CPU thread count the images were drawn with: a batched convolution's float sums (and so
    a pixel, now and then) depend on it, so `composer reproduce` replays with the same count."""
    threads = getattr(engine, "threads", None)
    return {"runtime": {"torch_threads": int(threads)}} if isinstance(threads, int) and threads > 0 else {}


def _stages(engine: Any) -> dict:
    """With a refiner in the bundle: the stages that drew the images (["generator", "refiner"], or
    "bicubic" for the opt-out) and the generator's size; nothing for a bundle without one, so its
    records are as before."""
    stages = getattr(engine, "stages", None)
    if not stages:
        return {}
    return {"stages": list(stages), "generator_size": int(engine.generator_size)}


def _status(engine: Any) -> dict:
    """The bundle's release status ("release", "interim", "test") when the engine states one, so the
    report can warn about an interim or test model; nothing otherwise (records stay as before)."""
    model = getattr(engine, "model", None)
    meta = getattr(model, "meta", None)
    for status in (getattr(engine, "status", None), getattr(model, "status", None),
                   meta.get("status") if isinstance(meta, Mapping) else None):
        if isinstance(status, str) and status.strip():
            return {"status": status.strip()[:40]}
    return {}


def _is(value: Any, kind: Any) -> bool:
    if kind is int or kind == NUMBER:
        return isinstance(value, kind) and not isinstance(value, bool)
    return isinstance(value, kind)


def _check(obj: Mapping, key: str, kind: Any, where: str, problems: list[str], optional: bool = False) -> Any:
    if key not in obj:
        if not optional:
            problems.append(f"{where}.{key} is missing")
        return None
    value = obj[key]
    if not _is(value, kind) and not (optional and value is None):
        problems.append(f"{where}.{key} has the wrong type ({type(value).__name__})")
        return None
    return value


def _check_step(step: Any, i: int, seen: dict[int, Mapping], problems: list[str]) -> None:
    where = f"steps[{i}]"
    if not isinstance(step, dict):
        problems.append(f"{where} is not an object")
        return
    sid = _check(step, "id", int, where, problems)
    parent = _check(step, "parent", int, where, problems, optional=True)
    kind = _check(step, "kind", str, where, problems)
    inputs = _check(step, "inputs", dict, where, problems)
    outputs = _check(step, "outputs", list, where, problems)
    _check(step, "duration_s", NUMBER, where, problems)
    _check(step, "timestamp", str, where, problems)
    if sid is not None and (sid in seen or (seen and sid <= max(seen))):
        problems.append(f"{where}.id {sid} is out of order or repeated")
    if parent is not None and parent not in seen:
        problems.append(f"{where}.parent {parent} is not an earlier step")
    if kind not in INPUT_TYPES:
        problems.append(f"{where}.kind {kind!r} is not a known step kind")
    elif inputs is not None:
        for key, t in INPUT_TYPES[kind].items():
            _check(inputs, key, t, f"{where}.inputs", problems)
        for key in ("parent_z", "z0"):
            if isinstance(inputs.get(key), str):
                _check_z(inputs[key], f"{where}.inputs.{key}", problems)
        for key in ("mask_sha256", "reference_sha256", "image_sha256"):
            if isinstance(inputs.get(key), str) and not SHA_RE.match(inputs[key]):
                problems.append(f"{where}.inputs.{key} is not a SHA-256")
        if kind == "pick" and _is(inputs.get("from_step"), int) and _is(inputs.get("index"), int):
            src = seen.get(inputs["from_step"])
            if src is None or not 0 <= inputs["index"] < len(src.get("outputs") or []):
                problems.append(f"{where} picks a candidate that no earlier step showed")
    for j, out in enumerate(outputs or []):
        w = f"{where}.outputs[{j}]"
        if not isinstance(out, dict) or not isinstance(out.get("sha256"), str) or not SHA_RE.match(out["sha256"]):
            problems.append(f"{w} has no valid sha256")
        elif out.get("z") is not None:
            _check_z(out["z"], f"{w}.z", problems)
    if sid is not None:
        seen[sid] = step


def _check_z(text: Any, where: str, problems: list[str]) -> None:
    try:
        z_from_b64(text)
    except (CaseFileError, TypeError):
        problems.append(f"{where} is not a base64 float32 vector")


def validate_record(record: Any) -> list[str]:
    """Every problem found in a parsed record.json; an empty list means it is well formed."""
    if not isinstance(record, dict):
        return ["record.json is not a JSON object"]
    version = record.get("schema_version")
    if not _is(version, int):
        return ["record.schema_version is missing or not an integer"]
    if version > SCHEMA_VERSION:
        return [f"record.json uses schema version {version}; this Composer reads up to {SCHEMA_VERSION}. "
                "Update Composer to read this case."]
    problems: list[str] = []
    for key in ("case_id", "operator", "witness_ref", "exported_at", "app_version", "caption"):
        _check(record, key, str, "record", problems)
    model = _check(record, "model", dict, "record", problems) or {}
    if model and not (isinstance(model.get("sha256"), str) and SHA_RE.match(model["sha256"])):
        problems.append("record.model.sha256 is not a SHA-256")
    _check(record, "description", dict, "record", problems, optional=True)
    _check(record, "interpretation", dict, "record", problems, optional=True)
    seen: dict[int, Mapping] = {}
    for i, step in enumerate(_check(record, "steps", list, "record", problems) or []):
        _check_step(step, i, seen, problems)
    final = _check(record, "final", dict, "record", problems) or {}
    fstep: Optional[Mapping] = seen.get(final.get("step")) if _is(final.get("step"), int) else None
    if final and (fstep is None or fstep.get("kind") not in FINAL_KINDS
                  or not fstep.get("outputs") or fstep["outputs"][0].get("sha256") != final.get("sha256")):
        problems.append("record.final does not name a pick step and its portrait")
    path = _check(record, "path", list, "record", problems) or []
    if any(p not in seen for p in path):
        problems.append("record.path names a step that does not exist")
    files = _check(record, "files", dict, "record", problems) or {}
    for group in ("shown", "masks", "references"):
        _check(files, group, dict, "record.files", problems)
    exposures = _check(record, "exposures", list, "record", problems) or []
    shown = files.get("shown") if isinstance(files.get("shown"), dict) else {}
    for i, e in enumerate(exposures):
        if not isinstance(e, dict):
            problems.append(f"record.exposures[{i}] is not an object")
            break
        if e.get("audience", "artist") not in ("artist", "witness"):
            problems.append(f"record.exposures[{i}].audience must be artist or witness")
            break
        if e.get("audience") == "witness" and e.get("sha256") not in shown:
            problems.append(f"record.exposures[{i}] says the witness saw an image the case file does not hold")
            break
    return problems
