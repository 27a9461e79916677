"""Replay one recorded step through the Engine, from its recorded inputs alone.

The inverse of the Session's `record_*` methods: each step kind maps back to the Engine call that
made it. Images a step needs (a lock reference, a mask, an imported photo) are looked up by
content hash among what earlier replayed steps produced and what the case file stores.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, MutableMapping, Optional

import numpy as np

from composer.casefile.codec import mask_to_float, z_from_b64
from composer.errors import CaseFileError
from composer.portrait import image_sha256


@dataclass(frozen=True)
class Replayed:
    """What a replayed step produced: its images and latents (None where a step has no latent)."""
    images: tuple[np.ndarray, ...] = ()
    zs: tuple[Optional[np.ndarray], ...] = ()
    caption: Optional[str] = None  # describe steps: the caption the interpretation gives now


def default_settings_from_json(d: Mapping[str, Any]) -> Any:
    from composer.edit import LockSettings
    return LockSettings.from_json(dict(d))


def _description(d: Mapping[str, Any]) -> Any:
    from composer.text.description import Description
    return Description.from_json(d)


def _need(pixels: Mapping[str, np.ndarray], sha: str, what: str) -> np.ndarray:
    try:
        return pixels[sha]
    except KeyError:
        raise CaseFileError(f"the {what} {sha[:12]}… needed for this step is not in the case file.") from None


def _portraits(ps: Any) -> Replayed:
    ps = list(ps)
    return Replayed(tuple(p.image for p in ps), tuple(np.asarray(p.z, np.float32).reshape(-1) for p in ps))


def _run_lock(engine: Any, inp: Mapping[str, Any], pixels: Mapping[str, np.ndarray],
              settings_from_json: Callable[[Mapping[str, Any]], Any]) -> Replayed:
    settings = settings_from_json({**inp["settings"], "steps": inp["steps_run"], "time_budget_s": None})
    reference = _need(pixels, inp["reference_sha256"], "reference image")
    mask = mask_to_float(_need(pixels, inp["mask_sha256"], "lock mask"))
    result = None
    for progress in engine.resynthesise(inp["caption"], z_from_b64(inp["z0"]), reference, mask, settings):
        if progress.done:
            result = progress.result
    if result is None:
        raise CaseFileError("the re-synthesis ended without a result.")
    zs = np.asarray(result.z, np.float32).reshape(len(result.images), -1)
    return Replayed(tuple(np.asarray(i, np.uint8) for i in result.images), tuple(zs))


def replay_step(engine: Any, step: Mapping[str, Any], pixels: MutableMapping[str, np.ndarray],
                done: Mapping[int, Replayed],
                settings_from_json: Callable[[Mapping[str, Any]], Any] = default_settings_from_json) -> Replayed:
    """Re-run `step` (a record.json step). `done` holds earlier steps' results by id; the images
    this step produces are added to `pixels` so later steps can refer to them."""
    kind, inp = step["kind"], step["inputs"]
    if kind == "describe":
        out = Replayed(caption=engine.describe(_description(inp["description"])).caption)
    elif kind == "generate":
        out = _portraits(engine.candidates(inp["caption"], inp["n"], inp["seed"]))
    elif kind == "evolve":
        out = _portraits(engine.evolve(inp["caption"], z_from_b64(inp["parent_z"]), inp["n"], inp["seed"],
                                       inp["strength"]))
    elif kind == "pick":
        src = done.get(inp["from_step"])
        if src is None or not 0 <= inp["index"] < len(src.images):
            raise CaseFileError(f"step {step['id']} picks a candidate that was not replayed.")
        out = Replayed((src.images[inp["index"]],), (src.zs[inp["index"]],))
    elif kind == "lock":
        _need(pixels, inp["mask_sha256"], "lock mask")
        out = Replayed()
    elif kind == "resynthesise":
        out = _run_lock(engine, inp, pixels, settings_from_json)
    elif kind == "import_reference":
        out = Replayed((_need(pixels, inp["image_sha256"], "imported reference photo"),), (None,))
    else:
        raise CaseFileError(f"step {step.get('id')} has an unknown kind {kind!r}.")
    for image in out.images:
        pixels.setdefault(image_sha256(image), image)
    return out
