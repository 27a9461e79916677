"""A deterministic, torch-free stand-in for composer.engine.Engine (same public contract).

Images are smooth colour fields drawn from z, so equal z give equal pixels and
different seeds give different candidates; `describe` understands a tiny lexicon
and reports character offsets like the real interpreter.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Iterator

import numpy as np

from composer.portrait import Portrait
from composer.edit.settings import LockProgress, LockResult


@dataclass(frozen=True)
class Option:
    id: str
    label: str
    attributes: dict


@dataclass(frozen=True)
class Group:
    id: str
    label: str
    options: tuple


@dataclass(frozen=True)
class Schema:
    groups: tuple


SCHEMA = Schema(groups=(
    Group("sex", "Sex", (Option("unspecified", "Unspecified", {}), Option("male", "Male", {"Male": True}),
                         Option("female", "Female", {"Male": False}))),
    Group("hair_colour", "Hair colour", (Option("black", "Black", {"Black_Hair": True}),
                                         Option("blond", "Blond", {"Blond_Hair": True}))),
    Group("expression", "Expression", (Option("smiling", "Smiling", {"Smiling": True}),
                                       Option("neutral", "Neutral", {"Smiling": False}))),
))

# word -> (attribute, value, group, option)
LEXICON = {
    "man": ("Male", True, "sex", "male"), "woman": ("Male", False, "sex", "female"),
    "blond": ("Blond_Hair", True, "hair_colour", "blond"),
    "black": ("Black_Hair", True, "hair_colour", "black"),
    "smiling": ("Smiling", True, "expression", "smiling"),
    "beard": ("No_Beard", False, None, None),
}
STOP = {"a", "an", "the", "with", "and", "hair"}


@dataclass(frozen=True)
class Match:
    text: str
    start: int
    end: int
    attribute: str
    value: bool
    source: str


@dataclass(frozen=True)
class Unknown:
    text: str
    start: int
    end: int
    reason: str


@dataclass(frozen=True)
class Conflict:
    attribute: str
    dropdown_value: bool
    text_value: bool
    winner: str
    message: str


@dataclass(frozen=True)
class Interpretation:
    caption: str
    state: dict
    understood: tuple = ()
    not_understood: tuple = ()
    conflicts: tuple = ()
    implied_choices: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return all(v is None for v in self.state.values())

    def report(self) -> str:
        return f"caption: {self.caption}"

    def to_json(self) -> dict:
        return {"caption": self.caption}


def interpret(description, schema: Schema = SCHEMA) -> Interpretation:
    state: dict = {}
    by_group = {g.id: g for g in schema.groups}
    for gid, oid in description.choices.items():
        opt = next(o for o in by_group[gid].options if o.id == oid)
        state.update(opt.attributes)
    understood, unknown, conflicts, implied = [], [], [], {}
    for m in re.finditer(r"[A-Za-z]+", description.free_text):
        word = m.group(0).lower()
        if word in STOP:
            continue
        if word not in LEXICON:
            unknown.append(Unknown(m.group(0), m.start(), m.end(), "not in the vocabulary"))
            continue
        attr, value, gid, oid = LEXICON[word]
        understood.append(Match(m.group(0), m.start(), m.end(), attr, value, "text"))
        if attr in state and state[attr] != value:
            winner = "text" if description.text_last else "dropdown"
            conflicts.append(Conflict(attr, state[attr], value, winner,
                                      f"{attr}: dropdown says {state[attr]}, text says {value}"))
            if winner == "dropdown":
                continue
        state[attr] = value
        if gid is not None:
            implied[gid] = oid
    words = [("" if v else "not ") + k.replace("_", " ").lower() for k, v in sorted(state.items())]
    caption = ("a person with " + ", ".join(words)) if words else ""
    return Interpretation(caption, state, tuple(understood), tuple(unknown),
                          tuple(conflicts), implied)


class FakeEngine:
    """Deterministic engine double: 32×32 images, nz=8; `delay_s` slows each call down."""

    name = "fake-dfgan"
    sha256 = "0" * 63 + "1"
    image_size = 32
    nz = 8
    reads_attributes = True

    def __init__(self, delay_s: float = 0.0, lock_steps: int = 4) -> None:
        self.device = SimpleNamespace(type="cpu")
        self.schema = SCHEMA
        self.delay_s = delay_s
        self.lock_steps = lock_steps
        self.calls: list[tuple] = []

    def describe(self, description) -> Interpretation:
        return interpret(description, self.schema)

    def latents(self, seed: int, n: int) -> np.ndarray:
        return np.random.default_rng(seed).standard_normal((n, self.nz)).astype(np.float32)

    def _image(self, caption: str, z: np.ndarray) -> np.ndarray:
        s = self.image_size
        yy, xx = np.mgrid[0:s, 0:s].astype(np.float32) / s
        tint = (sum(map(ord, caption)) % 97) / 97.0
        chans = [np.sin(xx * 3 * z[0] + yy * 3 * z[1 + c] + tint) for c in range(3)]
        return np.clip((np.stack(chans, -1) + 1) * 127.5, 0, 255).astype(np.uint8)

    def render(self, caption: str, z: np.ndarray) -> list[Portrait]:
        self.calls.append(("render", caption, len(z)))
        if self.delay_s:
            time.sleep(self.delay_s)
        return [Portrait(self._image(caption, zi), zi, caption, None) for zi in np.asarray(z)]

    def candidates(self, caption: str, n: int, seed: int) -> list[Portrait]:
        self.calls.append(("candidates", caption, n, seed))
        z = self.latents(seed, n)
        return [Portrait(p.image, p.z, caption, seed) for p in self.render(caption, z)]

    def evolve(self, caption, parent_z, n, seed, strength) -> list[Portrait]:
        self.calls.append(("evolve", caption, n, seed, strength))
        z = np.asarray(parent_z, np.float32)[None] + strength * self.latents(seed, n)
        return self.render(caption, z)

    def resynthesise(self, caption, z0, reference, mask, settings) -> Iterator[LockProgress]:
        self.calls.append(("resynthesise", caption, settings.n_candidates))
        n, total = settings.n_candidates, self.lock_steps
        z = np.asarray(z0, np.float32)[None] + self.latents(settings.seed, n)
        for step in range(1, total + 1):
            if self.delay_s:
                time.sleep(self.delay_s)
            yield LockProgress(step, total, {"region": 1.0 / step}, None, False)
        m = np.asarray(mask, np.float32)[..., None]
        images = [np.round(m * reference + (1 - m) * self._image(caption, zi)).astype(np.uint8)
                  for zi in z]
        result = LockResult(z, images, [0.0] * n, list(range(n)), total)
        yield LockProgress(total, total, {"region": 0.0}, images, True, result)
