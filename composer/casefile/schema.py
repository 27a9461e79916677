"""Bounded JSON parsing and a hand-written schema for record.json and manifest.json.

Everything read from a case file passes through here before any other code touches it:
`loads_bounded` refuses oversized or deeply nested JSON *before* `json.loads` (which would
otherwise recurse until it crashes), and `validate_record` checks every field's type and range, so
replay never sees a seed of 2**70, a setting it does not know, ``lr="fast"`` or ``steps_run=10**9``.
The bounds are far above anything a real session produces and low enough that `composer reproduce`
of any accepted record finishes in bounded time.
"""
from __future__ import annotations

import base64
import binascii
import json
import math
import re
from typing import Any, Callable, Mapping, Optional

import numpy as np

from composer.edit.hand_schema import ALL_KINDS as HAND_STEP_KINDS, FINAL_KINDS, hand_input_problems
from composer.errors import CaseFileError

SCHEMA_VERSION = 1
MAX_JSON_DEPTH = 32
MAX_RECORD_BYTES = 32 << 20
MAX_MANIFEST_BYTES = 4 << 20
MAX_PROBLEMS = 50

# Bounds on what a record may ask `reproduce` to do.
MAX_STEPS = 5_000
MAX_CANDIDATES = 64                 # images per generate/evolve step
MAX_LOCK_CANDIDATES = 256           # LockSettings.n_candidates' own limit
MAX_LOCK_STEPS = 5_000              # optimisation steps per re-synthesis
MAX_TOTAL_IMAGES = 50_000           # images rendered by generate/evolve over the whole record
MAX_TOTAL_LOCK_WORK = 2_000_000     # sum of n_candidates * steps_run over the whole record
SEED_MIN, SEED_MAX = -(2 ** 63), 2 ** 64 - 1    # what torch.Generator.manual_seed accepts
MAX_NZ = 4096
MAX_TEXT = 20_000
MAX_SHORT = 500

SHA_RE = re.compile(r"^[0-9a-f]{64}$")
AUDIENCES = ("artist", "witness")   # composer.record.steps.Exposure.audience
LOCK_SETTINGS = {   # LockSettings fields (composer.edit.settings) and their bounds
    "n_candidates": ("int", 1, MAX_LOCK_CANDIDATES), "steps": ("int", 0, MAX_LOCK_STEPS),
    "lr": ("num", 1e-9, 100.0), "seed": ("int", SEED_MIN, SEED_MAX),
    "restart_sigma": ("num", 0.0, 1e3), "feature_weight": ("num", 0.0, 1e6), "pixel_weight": ("num", 0.0, 1e6),
    "caption_weight": ("num", 0.0, 1e6), "prior_weight": ("num", 0.0, 1e6),
    "time_budget_s": ("optnum", 1e-9, 1e7), "paste_back": ("enum", ("feather", "poisson", "none")),
    "precision": ("enum", ("fp32", "bf16")), "features": ("enum", ("discriminator", "random_conv", "pixel")),
    "window": ("bool",),
}


# ---- bounded JSON --------------------------------------------------------------------------
_STRING_RE = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)


def json_depth(data: bytes) -> int:
    """Deepest nesting of [ and { in JSON text (strings skipped), without recursion."""
    stripped = _STRING_RE.sub(b'""', data)
    arr = np.frombuffer(stripped, dtype=np.uint8)
    step = (np.isin(arr, (ord("["), ord("{"))).astype(np.int32)
            - np.isin(arr, (ord("]"), ord("}"))).astype(np.int32))
    return int(np.cumsum(step).max()) if step.size else 0


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads_bounded(data: bytes, *, what: str, max_bytes: int, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """json.loads for untrusted bytes: size, depth, encoding and NaN/Infinity checked first.
    CaseFileError (never RecursionError/MemoryError) on anything else."""
    if len(data) > max_bytes:
        raise CaseFileError(f"{what} is {len(data)} bytes, more than it may be ({max_bytes}).")
    depth = json_depth(data)
    if depth > max_depth:
        raise CaseFileError(f"{what} is nested {depth} levels deep (at most {max_depth} allowed).")
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise CaseFileError(f"{what} is not valid JSON ({str(e)[:200]}).") from e


# ---- a tiny validator ----------------------------------------------------------------------
class _V:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, msg: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{where} {msg}")

    def int(self, v: Any, where: str, lo: int, hi: int) -> Optional[int]:
        if not isinstance(v, int) or isinstance(v, bool):
            return self.fail(where, f"has the wrong type ({type(v).__name__}; expected an integer)")
        if not lo <= v <= hi:
            return self.fail(where, f"is {v if abs(v) < 10 ** 30 else 'huge'}, outside {lo}..{hi}")
        return v

    def num(self, v: Any, where: str, lo: float, hi: float) -> Optional[float]:
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            return self.fail(where, f"has the wrong type ({type(v).__name__}; expected a number)")
        if not (math.isfinite(v) and lo <= v <= hi):
            return self.fail(where, f"is {v!r:.40}, outside {lo}..{hi}")
        return float(v)

    def str(self, v: Any, where: str, max_len: int = MAX_SHORT, pattern: Optional[re.Pattern] = None) -> Optional[str]:
        if not isinstance(v, str):
            return self.fail(where, f"has the wrong type ({type(v).__name__}; expected a string)")
        if len(v) > max_len:
            return self.fail(where, f"is longer than {max_len} characters")
        if pattern is not None and not pattern.match(v):
            return self.fail(where, "is not in the expected form")
        return v

    def sha(self, v: Any, where: str) -> Optional[str]:
        return self.str(v, where, 64, SHA_RE)

    def bool(self, v: Any, where: str) -> Optional[bool]:
        if not isinstance(v, bool):
            return self.fail(where, f"has the wrong type ({type(v).__name__}; expected true or false)")
        return v

    def obj(self, v: Any, where: str, required: Mapping[str, Callable[[Any, str], Any]],
            optional: Mapping[str, Callable[[Any, str], Any]] = {}, extra: bool = True) -> Optional[dict]:
        if not isinstance(v, dict):
            return self.fail(where, f"has the wrong type ({type(v).__name__}; expected an object)")
        for key, check in required.items():
            if key not in v:
                self.fail(f"{where}.{key}", "is missing")
            else:
                check(v[key], f"{where}.{key}")
        for key, check in optional.items():
            if key in v and v[key] is not None:
                check(v[key], f"{where}.{key}")
        if not extra:
            for key in sorted(set(v) - set(required) - set(optional))[:5]:
                self.fail(f"{where}.{str(key)[:40]}", "is not a known field")
        return v

    def list(self, v: Any, where: str, max_len: int, item: Optional[Callable[[Any, str], Any]] = None) -> Optional[list]:
        if not isinstance(v, list):
            return self.fail(where, f"has the wrong type ({type(v).__name__}; expected a list)")
        if len(v) > max_len:
            return self.fail(where, f"has {len(v)} entries, more than {max_len}")
        if item is not None:
            for i, x in enumerate(v):
                item(x, f"{where}[{i}]")
        return v

    def z(self, v: Any, where: str, nz: Optional[int]) -> None:
        if self.str(v, where, 8 * MAX_NZ) is None:
            return
        try:
            raw = base64.b64decode(v.encode("ascii"), validate=True)
        except (binascii.Error, ValueError, UnicodeEncodeError):
            return self.fail(where, "is not base64")
        if len(raw) % 4 or (nz is not None and len(raw) != 4 * nz):
            return self.fail(where, f"is not a float32 vector of the model's {nz} values")
        if not np.isfinite(np.frombuffer(raw, "<f4")).all():
            return self.fail(where, "holds NaN or infinite values")


def _seed(v: _V) -> Callable[[Any, str], Any]:
    return lambda x, w: v.int(x, w, SEED_MIN, SEED_MAX)


def _text(v: _V, n: int = MAX_TEXT) -> Callable[[Any, str], Any]:
    return lambda x, w: v.str(x, w, n)


def _lock_settings(v: _V, s: Any, where: str) -> None:
    if not isinstance(s, dict):
        return v.fail(where, f"has the wrong type ({type(s).__name__}; expected an object)")
    for key in sorted(set(s) - set(LOCK_SETTINGS))[:5]:
        v.fail(f"{where}.{str(key)[:40]}", "is not a known lock setting")
    for key, spec in LOCK_SETTINGS.items():
        if key not in s:
            continue   # older records omit settings added since; LockSettings fills them in
        x, w = s[key], f"{where}.{key}"
        if spec[0] == "int":
            v.int(x, w, spec[1], spec[2])
        elif spec[0] == "num":
            v.num(x, w, spec[1], spec[2])
        elif spec[0] == "optnum":
            if x is not None:
                v.num(x, w, spec[1], spec[2])
        elif spec[0] == "enum":
            if x not in spec[1]:
                v.fail(w, f"must be one of {', '.join(spec[1])}")
        else:
            v.bool(x, w)


def _inputs(v: _V, kind: str, inp: Any, where: str, nz: Optional[int]) -> None:
    text, seed = _text(v), _seed(v)
    if kind == "describe":
        v.obj(inp, where, {"description": lambda x, w: _description(v, x, w), "caption": text})
    elif kind == "generate":
        v.obj(inp, where, {"caption": text, "n": lambda x, w: v.int(x, w, 1, MAX_CANDIDATES), "seed": seed})
    elif kind == "pick":
        v.obj(inp, where, {"from_step": lambda x, w: v.int(x, w, 0, 10 ** 9),
                           "index": lambda x, w: v.int(x, w, 0, MAX_LOCK_CANDIDATES)})
    elif kind == "evolve":
        v.obj(inp, where, {"caption": text, "parent_z": lambda x, w: v.z(x, w, nz),
                           "n": lambda x, w: v.int(x, w, 1, MAX_CANDIDATES), "seed": seed,
                           "strength": lambda x, w: v.num(x, w, 0.0, 100.0)})
    elif kind == "lock":      # a lock set (composer/edit/lockset.py) adds its sources and composite
        v.obj(inp, where, {"mask_sha256": v.sha,
                           "regions": lambda x, w: v.list(x, w, 64, lambda y, w2: v.str(y, w2, 200))},
              {"reference_sha256": v.sha, "brush_sha256": v.sha, "base_sha256": v.sha,
               "sources": lambda x, w: v.list(x, w, 64, lambda y, w2: v.obj(
                   y, w2, {"region": lambda z, w3: v.str(z, w3, 200), "sha256": v.sha,
                           "label": _text(v, 4096)}, extra=False))})
    elif kind == "resynthesise":
        v.obj(inp, where, {"caption": text, "z0": lambda x, w: v.z(x, w, nz), "reference_sha256": v.sha,
                           "mask_sha256": v.sha, "settings": lambda x, w: _lock_settings(v, x, w),
                           "steps_run": lambda x, w: v.int(x, w, 0, MAX_LOCK_STEPS)})
    elif kind == "import_reference":
        v.obj(inp, where, {"image_sha256": v.sha, "source": _text(v, 4096)})
    elif kind in HAND_STEP_KINDS:        # the artist's hand: composer/edit/hand_schema.py
        for problem in hand_input_problems(kind, inp):
            v.fail(where, problem)
        if kind == "set_holistic" and isinstance(inp, dict):
            v.obj(inp, where, {"z": lambda x, w: v.z(x, w, nz)}, {"lock": lambda x, w: v.obj(
                x, w, {"reference_sha256": v.sha, "mask_sha256": v.sha,
                       "settings": lambda y, w2: _lock_settings(v, y, w2)})})


def _description(v: _V, d: Any, where: str) -> None:
    v.obj(d, where, {}, {"choices": lambda x, w: _choices(v, x, w), "free_text": _text(v),
                         "text_last": v.bool})


def _choices(v: _V, c: Any, where: str) -> None:
    if not isinstance(c, dict):
        return v.fail(where, f"has the wrong type ({type(c).__name__}; expected an object)")
    if len(c) > 200:
        return v.fail(where, "has too many entries")
    for key, value in c.items():
        v.str(key, f"{where} key", 200)
        if not isinstance(value, (str, int, float, bool)) and value is not None:
            v.fail(f"{where}.{str(key)[:40]}", f"has the wrong type ({type(value).__name__}; expected a plain value)")


def validate_record(record: Any) -> list[str]:
    """Every problem in a parsed record.json (at most MAX_PROBLEMS); [] means it may be used."""
    v = _V()
    if not isinstance(record, dict):
        return ["record.json is not a JSON object"]
    version = record.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return ["record.schema_version is missing or not a positive integer"]
    if version > SCHEMA_VERSION:
        return [f"record.json uses schema version {version}; this Composer reads up to {SCHEMA_VERSION}. "
                "Update Composer to read this case."]
    short = _text(v, MAX_SHORT)
    v.obj(record, "record", {"case_id": short, "operator": short, "witness_ref": short, "exported_at": short,
                             "app_version": short, "caption": _text(v)},
          {"session_id": short, "started_at": short, "description": lambda x, w: _description(v, x, w),
           "interpretation": lambda x, w: v.obj(x, w, {})})
    model = v.obj(record.get("model"), "record.model",
                  {"name": short, "sha256": v.sha, "image_size": lambda x, w: v.int(x, w, 8, 2048),
                   "nz": lambda x, w: v.int(x, w, 1, MAX_NZ)}) or {}
    nz = model.get("nz") if isinstance(model.get("nz"), int) and 1 <= model["nz"] <= MAX_NZ else None
    steps = v.list(record.get("steps"), "record.steps", MAX_STEPS) or []
    seen: dict[int, dict] = {}
    images, lock_work = 0, 0
    for i, step in enumerate(steps):
        where = f"record.steps[{i}]"
        if not isinstance(step, dict):
            v.fail(where, "must be an object")
            continue
        sid = v.int(step.get("id"), f"{where}.id", 0, 10 ** 9)
        parent = step.get("parent")
        if parent is not None and v.int(parent, f"{where}.parent", 0, 10 ** 9) is not None and parent not in seen:
            v.fail(f"{where}.parent", f"{parent} is not an earlier step")
        kind = step.get("kind")
        if kind not in ("describe", "generate", "pick", "evolve", "lock", "resynthesise", "import_reference") \
                + HAND_STEP_KINDS:
            v.fail(f"{where}.kind", f"{str(kind)[:40]!r} is not a known step kind")
            kind = None
        v.str(step.get("timestamp"), f"{where}.timestamp", 64)
        v.num(step.get("duration_s"), f"{where}.duration_s", 0.0, 1e8)
        if "notes" in step and step["notes"] is not None:
            v.obj(step["notes"], f"{where}.notes", {})
        inp = step.get("inputs")
        if kind is not None:
            _inputs(v, kind, inp, f"{where}.inputs", nz)
        outputs = v.list(step.get("outputs"), f"{where}.outputs", MAX_LOCK_CANDIDATES) or []
        for j, out in enumerate(outputs):
            v.obj(out, f"{where}.outputs[{j}]", {"sha256": v.sha},
                  {"z": lambda x, w: v.z(x, w, nz), "seed": _seed(v)})
        if isinstance(inp, dict):
            if kind in ("generate", "evolve") and isinstance(inp.get("n"), int):
                images += inp["n"]
            if kind == "set_holistic" and isinstance(inp.get("lock"), dict) \
                    and isinstance(inp["lock"].get("settings"), dict):
                n, k = inp["lock"]["settings"].get("n_candidates", 9), inp["lock"]["settings"].get("steps", 40)
                if isinstance(n, int) and isinstance(k, int):
                    lock_work += n * k
            if kind == "resynthesise" and isinstance(inp.get("settings"), dict):
                n = inp["settings"].get("n_candidates", 9)
                if isinstance(n, int) and isinstance(inp.get("steps_run"), int):
                    lock_work += n * inp["steps_run"]
            if kind == "pick" and isinstance(inp.get("from_step"), int) and isinstance(inp.get("index"), int):
                outs = (seen.get(inp["from_step"]) or {}).get("outputs")
                if not isinstance(outs, list) or not 0 <= inp["index"] < len(outs):
                    v.fail(where, "picks a candidate that no earlier step showed")
        if sid is not None:
            if sid in seen or (seen and sid <= max(seen)):
                v.fail(f"{where}.id", f"{sid} is out of order or repeated")
            seen[sid] = step
    if images > MAX_TOTAL_IMAGES:
        v.fail("record.steps", f"ask for {images} images, more than {MAX_TOTAL_IMAGES}")
    if lock_work > MAX_TOTAL_LOCK_WORK:
        v.fail("record.steps", f"ask for {lock_work} optimisation candidate-steps, more than {MAX_TOTAL_LOCK_WORK}")
    v.list(record.get("path"), "record.path", MAX_STEPS,
           lambda x, w: v.fail(w, "names a step that does not exist") if not (
               isinstance(x, int) and not isinstance(x, bool) and x in seen) else None)
    final = v.obj(record.get("final"), "record.final", {"step": lambda x, w: v.int(x, w, 0, 10 ** 9),
                                                         "sha256": v.sha,
                                                         "file": lambda x, w: v.str(x, w, 64, re.compile(r"^portrait\.png$"))})
    if final is not None and not v.problems:
        fstep = seen.get(final.get("step"))
        if fstep is None or fstep.get("kind") not in FINAL_KINDS or not fstep.get("outputs") \
                or fstep["outputs"][0].get("sha256") != final.get("sha256"):
            v.fail("record.final", "does not name a pick step and its portrait")
    files = v.obj(record.get("files"), "record.files", {}) or {}
    for group in ("shown", "masks", "references"):
        _file_map(v, files.get(group), f"record.files.{group}", group)
    v.list(record.get("exposures"), "record.exposures", 200_000, lambda x, w: v.obj(
        x, w, {"sha256": v.sha}, {"step": lambda y, w2: v.int(y, w2, 0, 10 ** 9),
                                  "index": lambda y, w2: v.int(y, w2, 0, 10 ** 6), "shown_at": short,
                                  "what": short, "audience": lambda y, w2: _audience(v, y, w2)}))
    if record.get("runtime") is not None:     # the thread count the images were drawn with
        v.obj(record["runtime"], "record.runtime", {}, {"torch_threads": lambda x, w: v.int(x, w, 1, 1024)})
    if "witness_view" in record and record["witness_view"] is not None:
        v.bool(record["witness_view"], "record.witness_view")
    return v.problems


def _audience(v: _V, a: Any, where: str) -> None:
    """Who saw an exposure: "artist" or "witness" (records written before the split have none)."""
    if a not in AUDIENCES:
        v.fail(where, f"must be one of {', '.join(AUDIENCES)}")


def _file_map(v: _V, m: Any, where: str, group: str) -> None:
    if not isinstance(m, dict):
        return v.fail(where, f"has the wrong type ({type(m).__name__}; expected an object)")
    if len(m) > 100_000:
        return v.fail(where, "has too many entries")
    for sha, name in m.items():
        if not SHA_RE.match(str(sha)) or name != f"{group}/{sha}.png":
            v.fail(where, f"maps {str(sha)[:70]!r} to a file other than {group}/<sha256>.png")
            return


def validate_manifest(manifest: Any) -> list[str]:
    """Problems with a parsed manifest.json ([] if it may be used)."""
    v = _V()
    m = v.obj(manifest, "manifest", {"format": short_str(v), "files": lambda x, w: _manifest_files(v, x, w)},
              {"case_id": short_str(v), "signer_fingerprint": v.sha, "algorithm": short_str(v),
               "schema_version": lambda x, w: v.int(x, w, 0, 10 ** 6), "container": short_str(v)})
    return v.problems if m is not None or v.problems else ["manifest.json is not a JSON object"]


def short_str(v: _V) -> Callable[[Any, str], Any]:
    return lambda x, w: v.str(x, w, MAX_SHORT)


def _manifest_files(v: _V, files: Any, where: str) -> None:
    if not isinstance(files, dict):
        return v.fail(where, f"has the wrong type ({type(files).__name__}; expected an object)")
    if len(files) > 20_000:
        return v.fail(where, "lists too many files")
    for name, digest in files.items():
        if not isinstance(digest, str) or not SHA_RE.match(digest) or len(name) > 500:
            return v.fail(where, f"has no valid SHA-256 for {str(name)[:80]!r}")


def load_record(data: bytes) -> tuple[Optional[dict], list[str]]:
    """Parse and validate record.json bytes: (record, []) or (None, problems)."""
    try:
        record = loads_bounded(data, what="record.json", max_bytes=MAX_RECORD_BYTES)
    except CaseFileError as e:
        return None, [str(e)]
    try:
        problems = validate_record(record)
    except Exception as e:  # noqa: BLE001 - fail closed: a validator bug must not become a crash
        problems = [f"record.json cannot be validated ({type(e).__name__}: {str(e)[:200]})"]
    return (None, problems) if problems else (record, [])
