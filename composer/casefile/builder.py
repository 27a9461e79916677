"""Build a case headless: generate, pick, lock regions, re-synthesise, pick the best.

This is what `composer case` runs. Every step is an operation of `composer.operations` run on a
Session, so the case file records exactly what a GUI session would, and `composer reproduce`
replays it with the same operations.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from composer.errors import ComposerError
from composer.operations import Generate, Lock, Pick, Resynthesise, perform
from composer.session import Session


@dataclass(frozen=True)
class CaseRecipe:
    caption: str
    n: int = 4
    seed: int = 0
    pick: int = 0
    lock: tuple[str, ...] = ()
    lock_steps: Optional[int] = None        # None: LockSettings' default
    lock_candidates: Optional[int] = None   # None: LockSettings' default


def _default_region_mask(name: str, size: int, image: np.ndarray) -> np.ndarray:
    from composer.edit.masks import region_mask
    from composer.edit.regions import REGIONS
    unknown = [part for part in name.split("+") if part not in REGIONS]
    if unknown:
        raise ComposerError(f"unknown region {unknown[0]!r}; choose from: {', '.join(REGIONS)}.")
    return region_mask(name, size, image=image)


def _default_settings(**kw: Any) -> Any:
    from composer.edit import LockSettings
    return LockSettings(**kw)


def build_session(engine: Any, recipe: CaseRecipe, *, session: Optional[Session] = None,
                  region_mask: Callable[[str, int, np.ndarray], np.ndarray] = _default_region_mask,
                  make_settings: Callable[..., Any] = _default_settings) -> Session:
    """Run the recipe through `engine`, recording every step in `session` (default: in memory)."""
    if not recipe.caption.strip():
        raise ComposerError("the caption is empty; describe the face with --caption.")
    if recipe.n < 1 or not 0 <= recipe.pick < recipe.n:
        raise ComposerError(f"--pick must be between 0 and n-1 (n={recipe.n}).")
    session = session if session is not None else Session(None)
    perform(Generate(recipe.caption, recipe.n, recipe.seed), engine, session)
    perform(Pick(recipe.pick), engine, session)
    if not recipe.lock:
        return session
    chosen = session.current_portrait
    mask = np.zeros((engine.image_size, engine.image_size), np.float32)
    for name in recipe.lock:
        mask = np.maximum(mask, region_mask(name, engine.image_size, chosen.image))
    lock = perform(Lock(mask, recipe.lock), engine, session)
    extra = {k: v for k, v in (("steps", recipe.lock_steps), ("n_candidates", recipe.lock_candidates))
             if v is not None}
    settings = make_settings(seed=recipe.seed, **extra)
    done = perform(Resynthesise(recipe.caption, chosen.z, chosen.sha256, lock.inputs["mask_sha256"], settings),
                   engine, session)
    perform(Pick(int((done.notes["order"] or [0])[0])), engine, session)
    return session
