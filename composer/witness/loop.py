"""The artist's side of a simulated-witness session: exactly the operations the window runs.

Round 1: Describe (the witness's words through the real parser) -> Generate a grid -> the witness
picks -> Pick. Every round after: while nothing is locked, More like this (Evolve) around the
portrait at the round's strength; once the witness has confirmed regions, Lock them on the portrait
and Re-synthesise (the lock optimiser keeps them, seeded restarts vary the rest) -> the witness
picks -> Pick. With `keep_best`, the witness also sees the current portrait and may say that none
of the candidates is closer: the artist then picks nothing and varies the same portrait again, as
pressing More like this a second time does in the window. After each pick the witness may confirm
a region (the artist locks it: at most one new region a round, up to `max_locked`) and may correct
one attribute (the artist adds the correction to the free text and describes again).

The artist only ever receives the witness's answers (an index, region names, a correction phrase);
`run_loop` takes a `Witness`-like object and touches nothing else of it. Everything is recorded in a
`composer.session.Session`, so the run exports as a case file that verifies and reproduces.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from composer.operations import Describe, Evolve, Generate, Lock, Pick, Resynthesise, perform
from composer.session import Session
from composer.witness.witness import NONE_CLOSER

DEFAULT_STRENGTHS = (0.7, 0.6, 0.5, 0.45, 0.4, 0.35, 0.3, 0.3, 0.25)   # rounds 2, 3, ... (last repeats)


@dataclass(frozen=True)
class LoopConfig:
    rounds: int = 10
    grid: int = 9                  # candidates shown per round (the window's grid: 6 or 9)
    strengths: tuple[float, ...] = DEFAULT_STRENGTHS
    locks: bool = True             # False: More like this only (the no-lock baseline)
    corrections: bool = True
    lock_steps: int = 12           # lock optimiser steps per re-synthesis
    restart_sigma: float = 0.5     # LockSettings.restart_sigma: spread of the restarts around z
    precision: str = "bf16"
    max_locked: int = 3
    keep_best: bool = False        # show the witness the current portrait too; "none closer" keeps it
    seed: int = 0

    def strength(self, round_index: int) -> float:
        """More-like-this strength of round `round_index` (0-based; round 0 generates)."""
        s = self.strengths
        return float(s[min(round_index - 1, len(s) - 1)])

    def to_json(self) -> dict:
        d = asdict(self)
        d["strengths"] = list(self.strengths)
        return d


@dataclass
class LoopResult:
    session: Session
    portraits: list = field(default_factory=list)   # uint8 image of the picked portrait after each round
    first_candidate: Optional[np.ndarray] = None     # round 1's first candidate (the baseline)
    trace: list = field(default_factory=list)        # per round: what the witness said, what was done
    seconds: float = 0.0


def _lock_settings(cfg: LoopConfig, seed: int):
    from composer.edit import LockSettings
    return LockSettings(n_candidates=cfg.grid, steps=cfg.lock_steps, seed=seed, restart_sigma=cfg.restart_sigma,
                        precision=cfg.precision)


def _mask(names, size: int, image: np.ndarray) -> np.ndarray:
    from composer.edit.masks import region_mask
    mask = np.zeros((size, size), np.float32)
    for name in names:
        mask = np.maximum(mask, region_mask(name, size, image=image))
    return mask


def _shown_images(session: Session, step) -> np.ndarray:
    return np.stack([session.image(o.sha256) for o in step.outputs])


def run_loop(engine: Any, witness: Any, cfg: LoopConfig = LoopConfig(), session: Optional[Session] = None,
             on_round: Optional[Callable[[int, dict], None]] = None) -> LoopResult:
    """R rounds of describe/generate/pick/(more like this | lock + re-synthesise), recorded in `session`."""
    from composer.text.description import Description
    start = time.perf_counter()
    session = session if session is not None else Session(None)
    out = LoopResult(session)
    free_text = str(witness.describe())
    perform(Describe(Description(free_text=free_text)), engine, session)
    locked: list[str] = []
    for r in range(cfg.rounds):
        caption = session.caption
        seed = int(cfg.seed) * 1000 + r
        info: dict = {"round": r + 1}
        if r == 0:
            step = perform(Generate(caption, cfg.grid, seed), engine, session)
            out.first_candidate = session.image(step.outputs[0].sha256)
            info["action"] = "generate"
        elif cfg.locks and locked:
            current = session.current_portrait
            lock = perform(Lock(_mask(locked, engine.image_size, current.image), tuple(locked)), engine, session)
            step = perform(Resynthesise(caption, current.z, current.sha256, lock.inputs["mask_sha256"],
                                        _lock_settings(cfg, seed)), engine, session)
            info["action"] = "lock+resynthesise"
        else:
            current = session.current_portrait
            step = perform(Evolve(caption, current.z, cfg.grid, seed, cfg.strength(r)), engine, session)
            info["action"] = f"evolve {cfg.strength(r):.2f}"
        before = session.current_portrait if (cfg.keep_best and r > 0) else None
        index = int(witness.pick(_shown_images(session, step), None if before is None else before.image))
        if index == NONE_CLOSER:      # the artist keeps the portrait and varies it again next round
            info["picked"] = None
        else:
            perform(Pick(index), engine, session)
            info["picked"] = index
        portrait = session.current_portrait
        if cfg.locks:
            confirmed = [str(n) for n in witness.confirm(portrait.image)]
            new = [n for n in confirmed if n not in locked][:1]
            if new and len(locked) < cfg.max_locked:
                locked.append(new[0])
                info["locked"] = new[0]
        if cfg.corrections:
            said = witness.correct(portrait.image)
            if said:
                free_text = f"{free_text}, {said}"
                perform(Describe(Description(free_text=free_text)), engine, session)
                info["correction"] = str(said)
        out.portraits.append(np.array(portrait.image))
        out.trace.append(info)
        if on_round is not None:
            on_round(r, info)
    out.seconds = time.perf_counter() - start
    return out
