"""The session-script file: its format, the ops and their fields, and the check that runs before any
model loads (`composer.script` runs a checked script). The schema is documented in
docs/session-script.md; an unknown op, an unknown or missing field or a wrong type is one error line
naming the step."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from composer.errors import ComposerError

FORMAT = "composer-session-script"
VERSION = 1
MAX_STEPS = 500

# op -> {field: (type(s), required)}; unknown fields are refused, so a typo is never ignored.
_NUM = (int, float)
OPS: dict[str, dict[str, tuple[Any, bool]]] = {
    "describe": {"text": (str, False), "choices": (dict, False), "text_last": (bool, False)},
    "generate": {"n": (int, False), "seed": (int, True)},
    "pick": {"index": (int, True), "from_step": (int, False)},
    "more_like_this": {"n": (int, False), "seed": (int, True), "strength": (_NUM, False)},
    "import_photo": {"path": (str, True), "eyes": (list, False)},
    "lock": {"regions": (list, False), "from": (str, False), "brush": (str, False)},
    "unlock": {"regions": (list, True)},
    "clear_lock": {},
    "resynthesise": {"n": (int, False), "seed": (int, True), "steps": (int, False), "variation": (_NUM, False),
                     "precision": (str, False)},
    "undo": {}, "redo": {},
    "goto": {"step": (int, True)},
    "branch": {"from_step": (int, True)},
    "add_mark": {"mark": (dict, True)},
    "edit_mark": {"index": (int, True), "mark": (dict, True)},
    "remove_mark": {"index": (int, True)},
    "set_warps": {"warps": (dict, True)},
    "set_holistic": {"sliders": (dict, True), "pick": (int, False), "steps": (int, False)},
    "export": {"path": (str, True), "case_id": (str, False), "operator": (str, False), "witness": (str, False),
               "force": (bool, False)},
}


@dataclass(frozen=True)
class ScriptStep:
    index: int                      # 1-based position in the script
    op: str
    args: Mapping[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"step {self.index} ({self.op})"


@dataclass(frozen=True)
class Script:
    steps: tuple[ScriptStep, ...]
    folder: Path
    case: Mapping[str, str] = field(default_factory=dict)


def _type_name(t: Any) -> str:
    return "number" if t == _NUM else {str: "text", int: "integer", dict: "object", list: "list",
                                       bool: "true/false"}[t]


def parse_script(data: Any, folder: Path | str = ".") -> Script:
    """Check a loaded script (a dict, or a bare list of steps) and return it typed."""
    if isinstance(data, list):
        data = {"format": FORMAT, "version": VERSION, "steps": data}
    if not isinstance(data, dict):
        raise ComposerError("a session script is a JSON/YAML object with a \"steps\" list; see docs/session-script.md.")
    if data.get("format", FORMAT) != FORMAT or data.get("version", VERSION) != VERSION:
        raise ComposerError(f"this is not a {FORMAT} version {VERSION} file (format {data.get('format')!r}, "
                            f"version {data.get('version')!r}).")
    unknown = set(data) - {"format", "version", "case", "steps", "description"}
    if unknown:
        raise ComposerError(f"unknown script field {sorted(unknown)[0]!r}; the fields are format, version, case, "
                            "steps and description.")
    raw = data.get("steps")
    if not isinstance(raw, list) or not raw:
        raise ComposerError("the script has no \"steps\" list; add at least one step.")
    if len(raw) > MAX_STEPS:
        raise ComposerError(f"the script has {len(raw)} steps, more than {MAX_STEPS}; split it.")
    case = data.get("case") or {}
    if not isinstance(case, dict) or set(case) - {"case_id", "operator", "witness"} \
            or not all(isinstance(v, str) for v in case.values()):
        raise ComposerError("\"case\" holds text fields case_id, operator and witness only.")
    steps = []
    for i, item in enumerate(raw, 1):
        if not isinstance(item, dict) or not isinstance(item.get("op"), str):
            raise ComposerError(f"step {i} is not an object with an \"op\"; the ops are: {', '.join(OPS)}.")
        op = item["op"]
        if op not in OPS:
            raise ComposerError(f"step {i}: unknown op {op!r}; the ops are: {', '.join(OPS)}.")
        spec, args = OPS[op], {k: v for k, v in item.items() if k != "op"}
        for key in args:
            if key not in spec:
                raise ComposerError(f"step {i} ({op}): unknown field {key!r}; it takes: "
                                    f"{', '.join(spec) or 'no fields'}.")
        for key, (kind, required) in spec.items():
            if key not in args:
                if required:
                    raise ComposerError(f"step {i} ({op}): {key!r} is missing.")
                continue
            value = args[key]
            if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
                raise ComposerError(f"step {i} ({op}): {key!r} must be {_type_name(kind)}, not {value!r:.60}.")
        steps.append(ScriptStep(i, op, args))
    return Script(tuple(steps), Path(folder), {k: str(v) for k, v in case.items()})


def load_script(path: Path | str) -> Script:
    """Read a .json, .yaml or .yml script; one clear error for an unreadable or malformed file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ComposerError(f"cannot read the script {path} ({e.strerror or e}); check the path.") from None
    except UnicodeDecodeError:
        raise ComposerError(f"{path} is not a text file; a session script is JSON or YAML.") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml
            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as e:  # noqa: BLE001 - any parse error is the file's, reported in one line
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ComposerError(f"{path} is not valid {'YAML' if path.suffix.lower() in ('.yaml', '.yml') else 'JSON'} "
                            f"({first}); fix the file.") from None
    return parse_script(data, path.parent)
