"""Shared test doubles for session and case-file tests: a deterministic, torch-free engine.

Images are smooth functions of (caption, z), so equal inputs give equal pixels; `offset` makes a
"different model" whose images differ slightly, to test that reproduce catches it.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from types import SimpleNamespace
from typing import Iterator, Optional

import numpy as np

from composer.operations import Describe, Evolve, Generate, Lock, Pick, Resynthesise, perform
from composer.portrait import Portrait

FAKE_SHA = "ab" * 32


@dataclass(frozen=True)
class FakeLockSettings:
    n_candidates: int = 3
    steps: int = 4
    lr: float = 0.1
    seed: int = 0
    time_budget_s: Optional[float] = None   # the fake stops after int(budget) steps

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> "FakeLockSettings":
        return cls(**d)


@dataclass(frozen=True)
class FakeProgress:
    step: int
    total: int
    losses: dict
    images: Optional[list]
    done: bool
    result: Optional[object] = None


@dataclass(frozen=True)
class FakeResult:
    z: np.ndarray
    images: list
    region_loss: list
    order: list
    steps_run: int


class FakeEngine:
    name = "fake-model"
    sha256 = FAKE_SHA
    image_size = 16
    nz = 6

    def __init__(self, offset: int = 0, differ_from_call: int = 0) -> None:
        self.offset = offset
        self.differ_from_call = differ_from_call  # apply `offset` only from this render call on
        self.render_calls = 0

    def describe(self, description) -> SimpleNamespace:
        words = description.free_text.split()
        caption = " ".join(w for w in words if w != "zork")
        unknown = [{"text": w} for w in words if w == "zork"]
        return SimpleNamespace(caption=caption, to_json=lambda: {"caption": caption, "not_understood": unknown})

    def latents(self, seed: int, n: int) -> np.ndarray:
        return np.random.default_rng(seed).standard_normal((n, self.nz)).astype(np.float32)

    def _image(self, caption: str, z: np.ndarray) -> np.ndarray:
        s = self.image_size
        z = np.clip(np.nan_to_num(np.asarray(z, np.float32)), -4, 4)
        yy, xx = np.mgrid[0:s, 0:s].astype(np.float32) / s
        tint = (sum(map(ord, caption)) % 89) / 89.0
        chans = [np.sin(xx * 3 * z[0] + yy * 3 * z[1 + c] + tint + z[4] * z[5]) for c in range(3)]
        img = np.clip((np.stack(chans, -1) + 1) * 127.5, 0, 255).astype(np.uint8)
        self.render_calls += 1
        if self.offset and self.render_calls > self.differ_from_call:
            img = np.clip(img.astype(np.int16) + self.offset, 0, 255).astype(np.uint8)
        return img

    def render(self, caption: str, z: np.ndarray) -> list[Portrait]:
        return [Portrait(self._image(caption, zi), zi, caption, None) for zi in np.asarray(z, np.float32)]

    def candidates(self, caption: str, n: int, seed: int) -> list[Portrait]:
        return [replace(p, seed=seed) for p in self.render(caption, self.latents(seed, n))]

    def evolve(self, caption, parent_z, n, seed, strength) -> list[Portrait]:
        z = np.asarray(parent_z, np.float32)[None] + np.float32(strength) * self.latents(seed, n)
        return self.render(caption, z)

    def resynthesise(self, caption, z0, reference, mask, settings) -> Iterator[FakeProgress]:
        n = settings.n_candidates
        z = np.asarray(z0, np.float32)[None] + self.latents(settings.seed + 1000, n)
        z[0] = z0
        total = settings.steps if settings.time_budget_s is None else min(settings.steps, int(settings.time_budget_s))
        m = np.asarray(mask, np.float32)[..., None]
        for step in range(1, total + 1):
            z = z * np.float32(0.9) + np.float32(settings.lr) * np.float32(step)
            yield FakeProgress(step, total, {"region": float(step)}, None, False)
        images = [np.round(reference * m + img * (1 - m)).astype(np.uint8)
                  for img in (self._image(caption, zi) for zi in z)]
        loss = [float(np.abs(zi - z0).sum()) for zi in z]
        result = FakeResult(z, images, loss, sorted(range(n), key=loss.__getitem__), total)
        yield FakeProgress(total, total, {}, images, True, result)


def fake_pdf(content) -> bytes:
    """A stand-in for the PDF report, so these tests need no QApplication."""
    return b"%PDF-1.4 fake report for " + content.case_id.encode()


def fake_mask(size: int = 16) -> np.ndarray:
    """A feathered box over the 'eyes' (float in [0,1], not 8-bit exact)."""
    m = np.zeros((size, size), np.float32)
    m[3:8, 2:14] = 1.0
    m[2, 2:14] = m[8, 2:14] = 0.3337
    return m


def run_lock(session, engine, settings=FakeLockSettings()):
    """Lock the eyes of the current portrait and re-synthesise, recording both steps."""
    chosen = session.current_portrait
    lock = perform(Lock(fake_mask(engine.image_size), ["eyes"]), engine, session)
    return perform(Resynthesise(chosen.caption, chosen.z, chosen.sha256, lock.inputs["mask_sha256"], settings),
                   engine, session)


def full_session(session, engine):
    """describe -> generate -> pick -> evolve -> pick -> lock -> resynthesise -> pick."""
    from composer.session import description_json
    perform(Describe(description_json({"choices": {"hair": "blond"}, "free_text": "young man zork"}),
                     engine.describe(SimpleNamespace(free_text="young man zork"))), engine, session)
    caption = session.caption
    perform(Generate(caption, 4, 7), engine, session)
    perform(Pick(2), None, session)
    parent = session.current_portrait
    perform(Evolve(caption, parent.z, 3, 11, 0.5), engine, session)
    perform(Pick(1), None, session)
    step = run_lock(session, engine, FakeLockSettings(time_budget_s=3.0))
    perform(Pick(step.notes["order"][0]), None, session)
    return session


def fake_models(root):
    """A models folder holding one 'bundle' whose SHA-256 is the fake engine's."""
    import json
    folder = root / "models" / "fake"
    folder.mkdir(parents=True)
    (folder / "model.json").write_text(json.dumps({"sha": FakeEngine.sha256}))
    return root / "models"


def fake_sha_of(path) -> str:
    import json
    return json.loads((path / "model.json").read_text())["sha"]


def reproduce_fake(case, models, keys, engine=None):
    """reproduce_case with the fake engine standing in for the model in `models`."""
    from composer.casefile.reproduce import reproduce_case
    return reproduce_case(case, models, engine_loader=lambda p: engine or FakeEngine(), sha_of=fake_sha_of,
                          keys_dir=keys, settings_from_json=FakeLockSettings.from_json)
