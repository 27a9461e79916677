"""The steps a session records and a case file stores: what was done, with what, showing what.

The kinds themselves are defined by `composer.operations` (one module per kind), which registers
each here. A Step's `inputs` are exactly the Engine call's arguments (JSON-safe: seeds, latents as base64
float32, images and masks by content hash), so the step can be replayed; `notes` only explain it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, Mapping, Optional

_KINDS: dict[str, bool] = {}  # step kind -> whether its outputs are new images shown to the witness


def register_kind(kind: str, shows_images: bool) -> None:
    """Make `kind` a step kind the record accepts (composer.operations registers each of its own)."""
    _KINDS[kind] = bool(shows_images)


def shows_images(kind: str) -> bool:
    return _KINDS.get(kind, False)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def json_copy(value: Any) -> Any:
    """Deep copy through JSON: proves the value is JSON-safe and detaches it from the caller."""
    return json.loads(json.dumps(value, allow_nan=False))


def description_json(description: Any) -> dict:
    """A Description (or a mapping with its fields) as {choices, free_text, text_last}."""
    get = description.get if isinstance(description, Mapping) else (lambda k, d: getattr(description, k, d))
    return {"choices": dict(get("choices", {}) or {}), "free_text": str(get("free_text", "") or ""),
            "text_last": bool(get("text_last", True))}


def settings_json(settings: Any) -> dict:
    if hasattr(settings, "to_json"):
        return dict(settings.to_json())
    if is_dataclass(settings):
        return {f.name: getattr(settings, f.name) for f in fields(settings)}
    return dict(settings)


@dataclass(frozen=True)
class ShownImage:
    """One image a step showed: its pixel hash, the exact latent (base64 float32) and seed."""
    sha256: str
    z: Optional[str] = None
    seed: Optional[int] = None

    def to_json(self) -> dict:
        return {"sha256": self.sha256, "z": self.z, "seed": self.seed}

    @classmethod
    def from_json(cls, d: Mapping) -> "ShownImage":
        return cls(str(d["sha256"]), d.get("z"), d.get("seed"))


@dataclass(frozen=True)
class Step:
    """One action in the history tree. `inputs` replay it; `notes` only explain it."""
    id: int
    parent: Optional[int]
    kind: str
    inputs: Mapping[str, Any]
    outputs: tuple[ShownImage, ...] = ()
    picked: Optional[int] = None
    timestamp: str = ""
    duration_s: float = 0.0
    notes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"unknown step kind {self.kind!r}")
        object.__setattr__(self, "inputs", MappingProxyType(json_copy(dict(self.inputs))))
        object.__setattr__(self, "notes", MappingProxyType(json_copy(dict(self.notes))))
        object.__setattr__(self, "outputs", tuple(self.outputs))

    def to_json(self) -> dict:
        return {"id": self.id, "parent": self.parent, "kind": self.kind, "inputs": json_copy(dict(self.inputs)),
                "outputs": [o.to_json() for o in self.outputs], "picked": self.picked,
                "timestamp": self.timestamp, "duration_s": self.duration_s, "notes": json_copy(dict(self.notes))}

    @classmethod
    def from_json(cls, d: Mapping) -> "Step":
        return cls(int(d["id"]), None if d.get("parent") is None else int(d["parent"]), str(d["kind"]),
                   d.get("inputs", {}), tuple(ShownImage.from_json(o) for o in d.get("outputs", [])),
                   d.get("picked"), str(d.get("timestamp", "")), float(d.get("duration_s", 0.0)),
                   d.get("notes", {}))


ARTIST, WITNESS = "artist", "witness"
AUDIENCES = (ARTIST, WITNESS)


@dataclass(frozen=True)
class Exposure:
    """An image shown on screen: which step showed it (None for a loose preview), when, and to whom.

    `audience` is "artist" for what appeared on the artist's screen (every step's outputs, previews,
    the reference photo) and "witness" for what the witness view actually displayed; one image can
    have both. Records written before the split have no `audience`: they read as "artist"."""
    sha256: str
    step: Optional[int]
    index: int
    shown_at: str
    what: str = "candidate"
    audience: str = ARTIST

    def to_json(self) -> dict:
        return {"sha256": self.sha256, "step": self.step, "index": self.index, "shown_at": self.shown_at,
                "what": self.what, "audience": self.audience}

    @classmethod
    def from_json(cls, d: Mapping) -> "Exposure":
        audience = str(d.get("audience") or ARTIST)
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience {audience[:40]!r}")
        step = d.get("step")
        return cls(str(d["sha256"]), None if step is None else int(step), int(d.get("index", 0)),
                   str(d.get("shown_at", "")), str(d.get("what", "candidate")), audience)
