"""Offline deep-feature extractors for the lock loss (Fast-RSPer used VGG-19 relu4_1; no VGG
weights ship with Composer, so the candidates are):

* `RandomConvFeatures`: a fixed, seeded random conv net (random features are a known texture
  descriptor and need no trained weights): the default. On the shipped model it matched the locked
  region better than the discriminator's features as judged independently (PSNR and the evaluation
  classifier's conv features) in 0.65x the time; see bench/README.md, region-lock ablations.
* `DiscriminatorFeatures`: the model's own discriminator trunk (shipped in the bundle), trained on
  faces at this resolution. Its features move with the GAN's training, so it is kept as an option.
* `PixelFeatures`: no features at all (only the pixel term counts).

An extractor maps images [B,3,H,W] in [-1,1] to a list of maps [B,C,h,w]. Parameters are used
through detached copies (`frozen_call`), so the modules' flags and weights are never touched.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

FeatureFn = Callable[[torch.Tensor], list]


def frozen_call(module: nn.Module, method: str, *args):
    """Call `module.<method>(*args)` with detached parameters: gradients flow to the inputs only,
    and nothing on the module (requires_grad, .grad, training flag) changes."""
    state = {f"inner.{k}": v.detach() for k, v in module.named_parameters()}
    state.update({f"inner.{k}": v for k, v in module.named_buffers()})
    return functional_call(_Method(module, method), state, args)


class _Method(nn.Module):
    """Forwards to one method of a wrapped module (functional_call only runs forward())."""

    def __init__(self, inner: nn.Module, method: str):
        super().__init__()
        self.inner = inner
        self.method = method

    def forward(self, *args):
        return getattr(self.inner, self.method)(*args)


class DiscriminatorFeatures:
    """The discriminator's pyramid, fine to coarse; `levels` picks which blocks count."""

    name = "discriminator"

    def __init__(self, discriminator: nn.Module, levels: Optional[Sequence[int]] = None):
        self.discriminator = discriminator
        self.levels = None if levels is None else tuple(levels)

    def __call__(self, img: torch.Tensor) -> list:
        maps = frozen_call(self.discriminator, "pyramid", img)
        return list(maps) if self.levels is None else [maps[i] for i in self.levels]


class RandomConvFeatures:
    """Three stride-2 conv + LeakyReLU layers with seeded He-normal weights (never trained)."""

    name = "random_conv"

    def __init__(self, seed: int = 0, widths: Sequence[int] = (32, 64, 128)):
        g = torch.Generator().manual_seed(seed)
        self.weights = []
        cin = 3
        for cout in widths:
            std = (2.0 / (cin * 16)) ** 0.5
            self.weights.append(torch.randn(cout, cin, 4, 4, generator=g) * std)
            cin = cout

    def __call__(self, img: torch.Tensor) -> list:
        out, x = [], img
        for w in self.weights:
            x = F.leaky_relu(F.conv2d(x, w.to(x.device, x.dtype), stride=2, padding=1), 0.2)
            out.append(x)
        return out


class PixelFeatures:
    """No deep features: the lock is held by the pixel term alone."""

    name = "pixel"

    def __call__(self, img: torch.Tensor) -> list:
        return []


def make_features(kind: str, discriminator: Optional[nn.Module] = None, seed: int = 0) -> FeatureFn:
    """'discriminator', 'random_conv' or 'pixel' (for benchmarks and settings dialogs)."""
    if kind == "discriminator":
        if discriminator is None:
            raise ValueError("the discriminator feature extractor needs the bundle's discriminator")
        return DiscriminatorFeatures(discriminator)
    if kind == "random_conv":
        return RandomConvFeatures(seed)
    if kind == "pixel":
        return PixelFeatures()
    raise ValueError(f"unknown feature extractor {kind!r}")
