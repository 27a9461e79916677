"""Region lock by latent optimisation (Fast-RSPer: Liu, Fu, Wu, "Region-Semantics Preserving
Image Synthesis", ACCV 2018).

The generator stays frozen. A batch of latents (candidate 0 = the current z, the others seeded
restarts around it) is optimised with Adam so that the generated faces' deep features match the
reference's inside the lock mask; the rest of the face is free. Losses per candidate:

    region  = feature_weight * masked feature L1 (mask area-pooled to each level, each level
              normalised by the reference's mean |feature| there) + pixel_weight * masked pixel L1
    caption = softplus(-D.logits(D.features(x), sentence))        (only if caption_weight > 0)
    prior   = (|z|² / nz - 1)²                                    keeps z on the N(0, I) shell

The candidates' losses are summed, so each candidate follows its own path whatever the batch.
With `settings.window` (and no caption term) the losses only need the locked area, so the generator
runs on the window around it (`Generator.window`, exactly the crop of the full image) and the
features are taken on that window of both images: two to three times faster for one region. The
final candidates are always rendered whole.

With a refiner after the generator (`upscale`, e.g. Engine.upscale), the reference and the mask are
at the output size (2× the generator's): z is still optimised through the generator alone, at its
size, against the reference downsampled with PIL LANCZOS (the resize of the generator's training
data) and the mask area-averaged 2×2; the final candidates go through `upscale` and the
reference's locked pixels are pasted back at the output size.

Grad/autocast modes are entered only around computations, never across a `yield`, so a caller
that stops iterating (or closes the iterator) leaves no state behind.
"""
from __future__ import annotations

import contextlib
import math
import time
from typing import Callable, Iterator, Optional

import numpy as np
import torch
import torch.nn.functional as F

from composer.edit.composite import feather_blend, paste_back
from composer.edit.features import FeatureFn, frozen_call, make_features
from composer.edit.settings import LockProgress, LockResult, LockSettings
from composer.errors import ImageError
from composer.portrait import to_tensor, to_uint8

__all__ = ["LockSettings", "LockProgress", "LockResult", "lock_optimise", "resynthesise", "start_latents", "lock_window"]


def start_latents(z0: torch.Tensor, n: int, sigma: float, seed: int) -> torch.Tensor:
    """[n, nz]: z0 itself, then (z0 + sigma·ε) / sqrt(1 + sigma²) with ε from a seeded CPU
    generator (the scaling keeps restarts on the prior's shell; large sigma = fresh random z)."""
    eps = torch.randn(n - 1, z0.numel(), generator=torch.Generator().manual_seed(int(seed)))
    base = z0.detach().float().cpu().reshape(1, -1)
    return torch.cat([base, (base + sigma * eps) / math.sqrt(1.0 + sigma * sigma)])


def lock_window(mask: np.ndarray, multiple: int) -> tuple[int, int, int, int]:
    """(y0, y1, x0, x1): the bounding box of the mask's non-zero pixels plus a margin of 1/32 of
    the size, grown to a multiple of `multiple` pixels per side (so every level of the
    discriminator's pyramid has a whole size) and kept inside the image."""
    size = mask.shape[0]
    ys, xs = np.nonzero(mask > 0)
    margin = max(1, size // 32)
    box = []
    for lo, hi in ((ys.min(), ys.max() + 1), (xs.min(), xs.max() + 1)):
        lo, hi = max(0, int(lo) - margin), min(size, int(hi) + margin)
        span = min(size, -(-(hi - lo) // multiple) * multiple)
        lo = min(max(0, (lo + hi - span) // 2), size - span)
        box += [lo, lo + span]
    return tuple(box)


def _to_generator_size(reference: np.ndarray, mask: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Output-size reference and mask (2S) -> the generator's size S for the optimiser's loss:
    PIL LANCZOS for the image, the 2×2 mean for the mask."""
    from PIL import Image
    ref, m = np.asarray(reference), np.asarray(mask, np.float32)
    if ref.dtype != np.uint8 or ref.shape != (2 * size, 2 * size, 3):
        raise ImageError(f"the lock reference must be a {2 * size}×{2 * size} RGB uint8 image (the portrait's "
                         f"size), got {ref.dtype} {ref.shape}; align the photo to the portrait's framing first.")
    if m.shape != (2 * size, 2 * size):
        raise ImageError(f"the lock mask is {m.shape}, expected {2 * size}×{2 * size}; render it at the portrait's size.")
    small = np.asarray(Image.fromarray(np.ascontiguousarray(ref)).resize((size, size), Image.LANCZOS), dtype=np.uint8)
    m = np.clip(np.nan_to_num(m), 0.0, 1.0)
    m_small = m.reshape(size, 2, size, 2).mean(axis=(1, 3), dtype=np.float32)
    return small, m_small


def _crop(t: torch.Tensor, box) -> torch.Tensor:
    return t[..., box[0]:box[1], box[2]:box[3]]


def _inputs(generator, z0, reference, mask) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    size = int(generator.config.image_size)
    z = torch.as_tensor(np.array(z0, np.float32)).reshape(-1)    # a writable copy for torch
    if z.numel() != generator.config.nz:
        raise ValueError(f"z0 has {z.numel()} values; this model's latent has {generator.config.nz}")
    ref = np.asarray(reference)
    if ref.dtype != np.uint8 or ref.shape != (size, size, 3):
        raise ImageError(f"the lock reference must be a {size}×{size} RGB uint8 image (the model's size), "
                         f"got {ref.dtype} {ref.shape}; align the photo to the model's framing first.")
    m = np.clip(np.nan_to_num(np.asarray(mask, np.float32)), 0.0, 1.0)
    if m.shape != (size, size):
        raise ImageError(f"the lock mask is {m.shape}, expected {size}×{size}; render it at the model's size.")
    if not m.any():
        raise ImageError("nothing is locked: choose a region or paint over the part the witness confirmed.")
    return z, ref, m


class _Objective:
    """Per-candidate losses against a fixed reference and mask."""

    def __init__(self, features: FeatureFn, reference: torch.Tensor, mask: torch.Tensor,
                 settings: LockSettings, discriminator, sentence: torch.Tensor):
        self.features, self.settings, self.discriminator, self.sentence = features, settings, discriminator, sentence
        self.reference, self.mask = reference, mask
        self.mask_sum = mask.sum().clamp_min(1e-6)
        with torch.no_grad():
            targets = [f.float() for f in features(reference)] if settings.feature_weight > 0 else []
        self.targets, self.masks, self.scales = [], [], []
        for t in targets:
            m = F.adaptive_avg_pool2d(mask, t.shape[-2:])  # > 0 somewhere since the mask is not empty
            self.targets.append(t)
            self.masks.append(m)
            self.scales.append(((t.abs() * m).sum() / (m.sum() * t.shape[1])).clamp_min(1e-6))
        self.use_caption = settings.caption_weight > 0 and discriminator is not None

    def region(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(feature, pixel) losses, each [B]."""
        b = x.shape[0]
        feat = x.new_zeros(b, dtype=torch.float32)
        if self.targets:
            fs = [f.float() for f in self.features(x)]
            for f, t, m, s in zip(fs, self.targets, self.masks, self.scales):
                feat = feat + ((f - t).abs() * m).sum(dim=(1, 2, 3)) / (m.sum() * f.shape[1] * s)
            feat = feat / len(self.targets)
        pix = ((x.float() - self.reference).abs() * self.mask).sum(dim=(1, 2, 3)) / (self.mask_sum * 3)
        return feat, pix

    def __call__(self, x: torch.Tensor, z: torch.Tensor) -> dict[str, torch.Tensor]:
        s = self.settings
        feat, pix = self.region(x)
        out = {"feature": feat, "pixel": pix, "region": s.feature_weight * feat + s.pixel_weight * pix,
               "prior": ((z.float() ** 2).mean(dim=1) - 1.0) ** 2}
        if self.use_caption:
            feats = frozen_call(self.discriminator, "features", x)
            out["caption"] = F.softplus(-frozen_call(self.discriminator, "logits", feats, self.sentence).float())
        out["total"] = out["region"] + s.prior_weight * out["prior"] + (
            s.caption_weight * out["caption"] if self.use_caption else 0.0)
        return out


def region_feature_distance(features: FeatureFn, image: torch.Tensor, reference: torch.Tensor,
                            mask: torch.Tensor) -> float:
    """The optimiser's feature term for one image [1,3,H,W] against `reference` inside `mask`
    [1,1,H,W] (masked L1 per level, normalised by the reference's mean |feature| there), for
    benchmarks that score results with the same measure or with another extractor."""
    with torch.no_grad():
        return float(_Objective(features, reference, mask, LockSettings(), None, None).region(image)[0][0])


def _autocast(settings: LockSettings, device: torch.device):
    if settings.precision == "bf16":
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _means(losses: dict[str, torch.Tensor]) -> dict[str, float]:
    return {k: float(v.detach().float().mean()) for k, v in losses.items()}


def _choose_features(features, discriminator, settings: LockSettings) -> FeatureFn:
    if features is not None:
        return features
    kind = settings.features
    if kind == "discriminator" and discriminator is None:
        kind = "random_conv"
    return make_features(kind, discriminator)


def lock_optimise(generator, sentence: torch.Tensor, z0, reference: np.ndarray, mask: np.ndarray, *,
                  features: Optional[Callable] = None, discriminator=None,
                  settings: LockSettings = LockSettings(), preview_every: int = 0,
                  upscale: Optional[Callable] = None) -> Iterator[LockProgress]:
    """Yield a LockProgress per step, then a final one with `done` and the LockResult.
    With `upscale` (the refiner stage: [B,3,S,S] -> [B,3,2S,2S]) `reference` and `mask` are at 2S.

    Pure: the generator/discriminator are used through detached parameter copies and never
    changed. Deterministic on CPU for fixed inputs and settings (`time_budget_s` aside: the result
    records `steps_run`, and steps=steps_run without a budget replays it bit for bit).
    `preview_every` > 0 attaches feather-composited images every that many steps."""
    out = None      # (reference, mask) at the output size, with a refiner stage
    if upscale is not None:
        small_ref, small_mask = _to_generator_size(reference, mask, int(generator.config.image_size))
        out = (np.asarray(reference, np.uint8), np.clip(np.nan_to_num(np.asarray(mask, np.float32)), 0.0, 1.0))
        reference, mask = small_ref, small_mask
    z_start, ref_np, mask_np = _inputs(generator, z0, reference, mask)
    device = next(generator.parameters()).device
    sentence = torch.as_tensor(sentence, dtype=torch.float32).to(device).reshape(1, -1)
    ref = to_tensor(ref_np).to(device)
    m = torch.from_numpy(mask_np)[None, None].to(device)
    size = mask_np.shape[0]
    box = (0, size, 0, size)
    if settings.window and not (settings.caption_weight > 0 and discriminator is not None):
        box = lock_window(mask_np, 2 ** generator.config.n_blocks)
    objective = _Objective(_choose_features(features, discriminator, settings), _crop(ref, box), _crop(m, box),
                           settings, discriminator, sentence)
    whole = box == (0, size, 0, size)
    z = start_latents(z_start, settings.n_candidates, settings.restart_sigma, settings.seed).to(device)
    z.requires_grad_(True)
    opt = torch.optim.Adam([z], lr=settings.lr)
    start, steps_run = time.perf_counter(), 0
    for step in range(settings.steps):
        with torch.enable_grad():
            with _autocast(settings, device):
                if whole:
                    x = frozen_call(generator, "forward", z, sentence).float()
                else:
                    x = frozen_call(generator, "window", z, sentence, box).float()
                losses = objective(x, z)
            (grad,) = torch.autograd.grad(losses["total"].sum(), z)
        z.grad = grad
        opt.step()
        z.grad = None
        steps_run = step + 1
        images = None
        if preview_every > 0 and steps_run % preview_every == 0:
            if not whole:
                with torch.no_grad(), _autocast(settings, device):
                    x = frozen_call(generator, "forward", z.detach(), sentence).float()
            if out is None:
                images = [feather_blend(a, ref_np, mask_np) for a in to_uint8(x)]
            else:
                with torch.no_grad():
                    images = [feather_blend(a, *out) for a in to_uint8(upscale(x.detach()))]
        yield LockProgress(steps_run, settings.steps, _means(losses), images, False)
        if settings.time_budget_s is not None and time.perf_counter() - start >= settings.time_budget_s:
            break
    yield _finish(generator, objective, z.detach(), sentence, ref_np, mask_np, settings, steps_run, device, box,
                  upscale, out)


def _finish(generator, objective: _Objective, z: torch.Tensor, sentence, ref_np, mask_np,
            settings: LockSettings, steps_run: int, device, box, upscale=None, out=None) -> LockProgress:
    with torch.no_grad(), _autocast(settings, device):
        x = frozen_call(generator, "forward", z, sentence).float()
        losses = objective(_crop(x, box), z)
    region = [float(v) for v in losses["region"]]
    order = sorted(range(len(region)), key=lambda i: (region[i], i))
    if upscale is not None:   # the refiner stage (fp32, outside autocast), paste back at the output size
        with torch.no_grad():
            x = upscale(x)
        ref_np, mask_np = out
    raw = to_uint8(x)
    images = [paste_back(a, ref_np, mask_np, settings.paste_back) for a in raw]
    result = LockResult(z.cpu().numpy().astype(np.float32), images, region, order, steps_run, raw)
    return LockProgress(steps_run, settings.steps, _means(losses), images, True, result)


def resynthesise(generator, sentence: torch.Tensor, z0, reference: np.ndarray, mask: np.ndarray, *,
                 discriminator=None, settings: LockSettings = LockSettings(),
                 preview_every: int = 0, upscale: Optional[Callable] = None) -> Iterator[LockProgress]:
    """Keep the reference's locked pixels, re-synthesise the rest: the Engine's entry point.
    Optimises (features from `settings.features`), pastes the locked pixels back
    (`settings.paste_back`) and ends with a LockProgress whose `.result` holds the composites."""
    return lock_optimise(generator, sentence, z0, reference, mask, discriminator=discriminator,
                         settings=settings, preview_every=preview_every, upscale=upscale)
