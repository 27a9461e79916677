"""Replay one recorded step through the operation that made it, from its recorded inputs alone.

Each step kind's operation (composer.operations) rebuilds itself from the step's inputs and runs
exactly as it ran in the session. Images a step needs (a lock reference, a mask, an imported photo)
are looked up by content hash among what earlier replayed steps produced and what the case file stores.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, MutableMapping

import numpy as np

from composer.operations.replay import Replayed, ReplayState, replay

__all__ = ["Replayed", "replay_step", "default_settings_from_json"]


def default_settings_from_json(d: Mapping[str, Any]) -> Any:
    from composer.edit import LockSettings
    return LockSettings.from_json(dict(d))


def replay_step(engine: Any, step: Mapping[str, Any], pixels: MutableMapping[str, np.ndarray],
                done: Mapping[int, Replayed],
                settings_from_json: Callable[[Mapping[str, Any]], Any] = default_settings_from_json) -> Replayed:
    """Re-run `step` (a record.json step). `done` holds earlier steps' results by id; the images
    this step produces are added to `pixels` so later steps can refer to them."""
    return replay(engine, step, ReplayState(pixels, done, settings_from_json, step.get("id")))
