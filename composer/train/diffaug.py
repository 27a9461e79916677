"""Differentiable augmentation for the discriminator (DiffAugment; Zhao, Liu, Lin, Zhu & Han,
"Differentiable Augmentation for Data-Efficient GAN Training", NeurIPS 2020).

Every image the discriminator sees, real and generated, in both the D and the G step, goes through
the same random colour, translation and cutout. The operations are differentiable, so the
generator's gradient passes through them; the discriminator cannot memorise the training faces
because it never sees one twice in the same form. Pure functions of (images, random generator).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import torch
import torch.nn.functional as F

POLICIES = ("color", "translation", "cutout")


@dataclass(frozen=True)
class DiffAugmentConfig:
    policy: tuple[str, ...] = POLICIES
    translation_ratio: float = 0.125
    cutout_ratio: float = 0.5

    def __post_init__(self) -> None:
        unknown = [p for p in self.policy if p not in POLICIES]
        if unknown:
            raise ValueError(f"unknown DiffAugment policy {unknown}; use any of {', '.join(POLICIES)}")


def _rand(shape, x: torch.Tensor, gen: Optional[torch.Generator]) -> torch.Tensor:
    return torch.rand(shape, generator=gen, device=gen.device if gen is not None else x.device).to(x.device, x.dtype)


def _randint(low: int, high: int, shape, x: torch.Tensor, gen: Optional[torch.Generator]) -> torch.Tensor:
    dev = gen.device if gen is not None else x.device
    return torch.randint(low, high, shape, generator=gen, device=dev).to(x.device)


def color(x: torch.Tensor, gen: Optional[torch.Generator] = None) -> torch.Tensor:
    """Random brightness (±0.5), saturation (×0–2) and contrast (×0.5–1.5), per image."""
    b = x.shape[0]
    x = x + (_rand((b, 1, 1, 1), x, gen) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (_rand((b, 1, 1, 1), x, gen) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_rand((b, 1, 1, 1), x, gen) + 0.5) + mean


def translation(x: torch.Tensor, ratio: float = 0.125, gen: Optional[torch.Generator] = None) -> torch.Tensor:
    """Shift each image by up to `ratio` of its size, filling with zeros (the reference gather)."""
    b, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    tx = _randint(-sh, sh + 1, (b, 1, 1), x, gen)
    ty = _randint(-sw, sw + 1, (b, 1, 1), x, gen)
    gb, gx, gy = torch.meshgrid(torch.arange(b, device=x.device), torch.arange(h, device=x.device),
                                torch.arange(w, device=x.device), indexing="ij")
    gx = torch.clamp(gx + tx + 1, 0, h + 1)
    gy = torch.clamp(gy + ty + 1, 0, w + 1)
    padded = F.pad(x, [1, 1, 1, 1])
    return padded.permute(0, 2, 3, 1)[gb, gx, gy].permute(0, 3, 1, 2)


def cutout(x: torch.Tensor, ratio: float = 0.5, gen: Optional[torch.Generator] = None) -> torch.Tensor:
    """Zero one square of `ratio` × the image size at a random place in each image."""
    b, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    ox = _randint(0, h + (1 - ch % 2), (b, 1, 1), x, gen)
    oy = _randint(0, w + (1 - cw % 2), (b, 1, 1), x, gen)
    gb, gx, gy = torch.meshgrid(torch.arange(b, device=x.device), torch.arange(ch, device=x.device),
                                torch.arange(cw, device=x.device), indexing="ij")
    gx = torch.clamp(gx + ox - ch // 2, 0, h - 1)
    gy = torch.clamp(gy + oy - cw // 2, 0, w - 1)
    mask = torch.ones(b, h, w, dtype=x.dtype, device=x.device)
    mask[gb, gx, gy] = 0
    return x * mask.unsqueeze(1)


def diff_augment(x: torch.Tensor, cfg: DiffAugmentConfig = DiffAugmentConfig(),
                 gen: Optional[torch.Generator] = None) -> torch.Tensor:
    """Apply the policy's operations in order; the result keeps x's memory format."""
    channels_last = x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()
    for name in cfg.policy:
        if name == "color":
            x = color(x, gen)
        elif name == "translation":
            x = translation(x, cfg.translation_ratio, gen)
        else:
            x = cutout(x, cfg.cutout_ratio, gen)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x.contiguous()


def augmenter(cfg: Optional[DiffAugmentConfig], gen: Optional[torch.Generator] = None
              ) -> Callable[[torch.Tensor], torch.Tensor]:
    """The function the losses call on every discriminator input (identity when cfg is None)."""
    if cfg is None or not cfg.policy:
        return lambda x: x
    return lambda x: diff_augment(x, cfg, gen)
