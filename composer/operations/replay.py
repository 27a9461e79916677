"""Replay a recorded step from its inputs alone, through the same operation that made it.

Images a step needs (a lock reference, a mask, an imported photo) are looked up by content hash
among what earlier replayed steps produced and what the case file stores.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, MutableMapping, Optional

import numpy as np

from composer.errors import CaseFileError
from composer.operations.base import REGISTRY, run_to_end
from composer.portrait import image_sha256


@dataclass(frozen=True)
class Replayed:
    """What a replayed step produced: its images and latents (None where a step has no latent)."""
    images: tuple[np.ndarray, ...] = ()
    zs: tuple[Optional[np.ndarray], ...] = ()
    caption: Optional[str] = None  # describe steps: the caption the interpretation gives now


class ReplayState:
    """The `state` operations see while a case is reproduced (the Session's stand-in)."""

    def __init__(self, pixels: MutableMapping[str, np.ndarray], done: Mapping[int, Replayed],
                 settings_from_json: Callable[[Mapping[str, Any]], Any], step_id: Any = None) -> None:
        self.pixels, self.done, self.settings_from_json, self.step_id = pixels, done, settings_from_json, step_id

    def image(self, sha: str) -> np.ndarray:
        try:
            return self.pixels[sha]
        except KeyError:
            raise CaseFileError(f"the image {sha[:12]}… needed for this step is not in the case file.") from None

    def shown(self, step_id: int, index: int) -> tuple[np.ndarray, Optional[np.ndarray], None]:
        src = self.done.get(step_id)
        if src is None or not 0 <= index < len(src.images):
            raise CaseFileError(f"step {self.step_id} picks a candidate that was not replayed.")
        return src.images[index], src.zs[index], None


def replay(engine: Any, step: Mapping[str, Any], state: ReplayState) -> Replayed:
    """Re-run `step` (a record.json step) and add the images it produces to `state.pixels`."""
    kind = REGISTRY.get(step["kind"])
    if kind is None:
        raise CaseFileError(f"step {step.get('id')} has an unknown kind {step['kind']!r}.")
    operation = kind.operation.from_inputs(step["inputs"], state)
    result = run_to_end(operation.run(engine, state))
    shown = operation.shown(result)
    out = Replayed(tuple(np.asarray(image, np.uint8) for image, _, _ in shown),
                   tuple(None if z is None else np.asarray(z, np.float32).reshape(-1) for _, z, _ in shown),
                   getattr(operation, "replayed_caption", lambda _r: None)(result))
    for image in out.images:
        state.pixels.setdefault(image_sha256(image), image)
    return out
