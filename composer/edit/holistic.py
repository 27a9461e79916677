"""Holistic sliders (age, weight, masculinity, smile) that move the condition, not the pixels.

For each slider, the current attribute state is rendered twice as a caption, once with the slider's
CelebA attribute and once without it (Young, Chubby, Male, Smiling). The sentence vector moves
along the difference of the two encodings, with z fixed:

    s = encode(caption) + sum_k value_k * sign_k * STRENGTH * (encode(with_k) - encode(without_k))

so 0 is the caption's own vector (bit for bit), and ±1 interpolates toward, or extrapolates past,
the captions with and without the attribute (from a caption without it, +1 lands on the caption with
it; from one that has it, +1 goes past it). Measured on the shipped model (bench/bench_hand.py): at ±1
the attribute moves about as much as flipping it in the caption, at a similar identity cost, and
3-6 times less than a random caption change; smaller values trade the attribute for identity. Age runs against "Young" (+1 = older). Identity and
layout hold because z is unchanged and the vector moves by one attribute's difference only; the
bench (bench/bench_hand.py) measures how well, against a random caption change. Where a lock is
active, `holistic_resynthesise` runs the lock optimiser with the moved vector, so the locked region
keeps its pixels.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping, Optional

import numpy as np
import torch

from composer.edit.holistic_settings import HOLISTIC, HolisticSettings
from composer.errors import ComposerError
from composer.text.captions import render_caption

__all__ = ["HOLISTIC", "HolisticSettings", "attribute_captions", "holistic_sentence", "holistic_images",
           "holistic_resynthesise", "identity_change", "outside_face"]

STRENGTH = 1.0     # ±1 = one whole with/without difference (bench: about a caption flip, in effect and cost)


def attribute_captions(state: Mapping[str, Optional[bool]], slider: str) -> tuple[str, str]:
    """(caption with the slider's attribute, caption without it) for an attribute state."""
    attr = HOLISTIC[slider][1]
    return render_caption({**state, attr: True}), render_caption({**state, attr: False})


def _check_engine(engine: Any) -> None:
    if not getattr(engine, "reads_attributes", True):
        raise ComposerError("The age, weight, masculinity and smile sliders need a model trained on the CelebA "
                            "attributes; this model reads tags.")


@torch.no_grad()
def holistic_sentence(engine: Any, state: Mapping[str, Optional[bool]], sliders: HolisticSettings,
                      caption: Optional[str] = None, strength: Optional[float] = None) -> torch.Tensor:
    """The moved sentence vector [1, C]. `caption` defaults to render_caption(state) (the canonical
    caption of that state); neutral sliders return exactly engine.encode(caption). `strength`
    (default STRENGTH) is recorded with each slider step, so old cases replay as they were made."""
    strength = STRENGTH if strength is None else float(strength)
    caption = render_caption(state) if caption is None else caption
    base = engine.encode(caption)
    if sliders.neutral:
        return base
    _check_engine(engine)
    out = base.clone()
    for name, value in sliders.active().items():
        with_attr, without = attribute_captions(state, name)
        direction = engine.encode(with_attr) - engine.encode(without)
        out = out + (value * HOLISTIC[name][2] * strength) * direction
    return out


@torch.no_grad()
def holistic_images(engine: Any, state: Mapping[str, Optional[bool]], sliders: HolisticSettings,
                    z: np.ndarray, caption: Optional[str] = None, strength: Optional[float] = None) -> list[np.ndarray]:
    """Faces for latents z [n, nz] under the moved condition (neutral: exactly engine.render's)."""
    from composer.portrait import to_uint8

    z = np.array(z, np.float32).reshape(-1, engine.nz)      # a writable copy for torch
    sent = holistic_sentence(engine, state, sliders, caption, strength)
    zt = torch.from_numpy(z).to(engine.device)
    draw = getattr(engine, "draw", None)   # G then the bundle's refiner, as engine.render draws
    if draw is not None:
        return to_uint8(draw(zt, sent.expand(len(z), -1)))
    return to_uint8(engine.model.generator(zt, sent.expand(len(z), -1)))


def holistic_resynthesise(engine: Any, state: Mapping[str, Optional[bool]], sliders: HolisticSettings,
                          z0: np.ndarray, reference: np.ndarray, mask: np.ndarray, settings,
                          caption: Optional[str] = None, strength: Optional[float] = None) -> Iterator:
    """A slider under an active lock: the lock optimiser (Fast-RSPer on z) with the moved condition,
    so the locked region of `reference` holds while the rest follows the slider. Yields LockProgress."""
    from composer.edit.lock import resynthesise

    ref = np.asarray(reference, np.uint8)
    if ref.shape != (engine.image_size, engine.image_size, 3):
        raise ComposerError(f"The reference image is {ref.shape[1]}×{ref.shape[0]}; the model draws "
                            f"{engine.image_size}×{engine.image_size}.")
    sentence = holistic_sentence(engine, state, sliders, caption, strength)
    upscale = engine.upscale if getattr(engine.model, "refiner", None) is not None else None
    return resynthesise(engine.model.generator, sentence, z0, ref, mask,
                        discriminator=engine.model.discriminator, settings=settings, upscale=upscale)


def outside_face(size: int) -> np.ndarray:
    """Bool size×size: pixels outside the template's whole-face oval (hair, background, neck)."""
    from composer.edit.regions import REGIONS
    return REGIONS["face"].raster(size) == 0


def identity_change(a: np.ndarray, b: np.ndarray, classifier: Any = None) -> dict[str, float]:
    """How much changed between two portraits: mean |pixel difference| (0-255) outside the face
    and over the whole image, and (with the project classifier) the distance of its penultimate
    features, relative to the feature norm of `a`."""
    a, b = np.asarray(a, np.uint8), np.asarray(b, np.uint8)
    d = np.abs(a.astype(np.float64) - b.astype(np.float64)).mean(axis=-1)
    out = {"outside_face_px": float(d[outside_face(a.shape[0])].mean()), "all_px": float(d.mean())}
    if classifier is not None:
        _, feats = classifier.run(np.stack([a, b]))
        out["feature_dist"] = float(np.linalg.norm(feats[0] - feats[1]) / max(np.linalg.norm(feats[0]), 1e-9))
    return out
