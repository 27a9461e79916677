"""DF-GAN generator (Tao et al., "DF-GAN: A Simple and Effective Baseline for
Text-to-Image Synthesis", CVPR 2022).

A linear layer lifts the noise to a 4×4 map; each UpBlock doubles the resolution and fuses the
condition (noise ⊕ sentence vector) through deep-fusion blocks: stacked affine transforms whose
scale and shift are predicted from the condition and which start as the identity.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from composer.gan.config import ModelConfig


def channel_plan(width: int, n_blocks: int) -> list[tuple[int, int]]:
    """(in, out) channels per block, wide at 4×4 and narrowing towards the image (DF-GAN's plan)."""
    mult = [8, 8, 8, 8, 4, 2, 1][-(n_blocks + 1):]
    return [(width * a, width * b) for a, b in zip(mult[:-1], mult[1:])]


class Affine(nn.Module):
    """Channel-wise scale and shift predicted from the condition; initialised to the identity."""

    def __init__(self, cond_dim: int, channels: int):
        super().__init__()
        self.gamma = nn.Sequential(nn.Linear(cond_dim, channels), nn.ReLU(inplace=True),
                                   nn.Linear(channels, channels))
        self.beta = nn.Sequential(nn.Linear(cond_dim, channels), nn.ReLU(inplace=True),
                                  nn.Linear(channels, channels))
        nn.init.zeros_(self.gamma[2].weight)
        nn.init.ones_(self.gamma[2].bias)
        nn.init.zeros_(self.beta[2].weight)
        nn.init.zeros_(self.beta[2].bias)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        g = self.gamma(cond)[:, :, None, None]
        b = self.beta(cond)[:, :, None, None]
        return g * x + b


class FusionBlock(nn.Module):
    """Two affine layers with LeakyReLU: DF-GAN's DFBLK."""

    def __init__(self, cond_dim: int, channels: int):
        super().__init__()
        self.a0 = Affine(cond_dim, channels)
        self.a1 = Affine(cond_dim, channels)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        x = F.leaky_relu(self.a0(x, cond), 0.2)
        return F.leaky_relu(self.a1(x, cond), 0.2)


class UpBlock(nn.Module):
    """×2 upsample, fuse, conv, fuse, conv, with a learned 1×1 shortcut."""

    def __init__(self, cond_dim: int, cin: int, cout: int):
        super().__init__()
        self.fuse1 = FusionBlock(cond_dim, cin)
        self.c1 = nn.Conv2d(cin, cout, 3, 1, 1)
        self.fuse2 = FusionBlock(cond_dim, cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        h = self.c1(self.fuse1(x, cond))
        h = self.c2(self.fuse2(h, cond))
        return self.shortcut(x) + h


class Generator(nn.Module):
    """G(z, sentence) -> image in [-1, 1] at config.image_size."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        plan = channel_plan(config.ngf, config.n_blocks)
        cond_dim = config.nz + config.cond_dim
        self.fc = nn.Linear(config.nz, plan[0][0] * 4 * 4)
        self.blocks = nn.ModuleList(UpBlock(cond_dim, cin, cout) for cin, cout in plan)
        self.to_rgb = nn.Sequential(nn.LeakyReLU(0.2), nn.Conv2d(plan[-1][1], 3, 3, 1, 1), nn.Tanh())

    def forward(self, z: torch.Tensor, sentence: torch.Tensor) -> torch.Tensor:
        if sentence.shape[0] == 1 and z.shape[0] > 1:
            sentence = sentence.expand(z.shape[0], -1)
        cond = torch.cat([z, sentence], dim=1)
        x = self.fc(z).view(z.shape[0], -1, 4, 4)
        for block in self.blocks:
            x = block(x, cond)
        return self.to_rgb(x)

    def window(self, z: torch.Tensor, sentence: torch.Tensor, box: tuple[int, int, int, int]) -> torch.Tensor:
        """forward(z, sentence)[..., y0:y1, x0:x1] for box = (y0, y1, x0, x1), computing every
        level only on the window the box depends on (3×3 convs widen it by one pixel each, the
        ×2 upsampling halves it). Equal to cropping the full image, at a fraction of the cost for a
        small box: the region lock only needs the locked area while it optimises."""
        size = self.config.image_size
        y0, y1, x0, x1 = (int(v) for v in box)
        if not (0 <= y0 < y1 <= size and 0 <= x0 < x1 <= size):
            raise ValueError(f"window {box} is not inside the {size}×{size} image")
        if sentence.shape[0] == 1 and z.shape[0] > 1:
            sentence = sentence.expand(z.shape[0], -1)
        cond = torch.cat([z, sentence], dim=1)
        # top-down: the window each block's output and upsampled input must cover
        need = [_grow((y0, y1, x0, x1), 1, size)]            # last block output, for to_rgb
        ups = []
        res = size
        for _ in self.blocks:
            up = _grow(need[-1], 2, res)                      # c1 and c2 each widen by one pixel
            ups.append(up)
            need.append((up[0] // 2, -(-up[1] // 2), up[2] // 2, -(-up[3] // 2)))
            res //= 2
        need, ups = need[::-1], ups[::-1]                    # now coarse to fine
        x = self.fc(z).view(z.shape[0], -1, 4, 4)
        a = need[0]
        x = x[:, :, a[0]:a[1], a[2]:a[3]]
        for i, block in enumerate(self.blocks):
            a, u, out = need[i], ups[i], need[i + 1]
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
            x = x[:, :, u[0] - 2 * a[0]:u[1] - 2 * a[0], u[2] - 2 * a[2]:u[3] - 2 * a[2]]
            h = block.c1(block.fuse1(x, cond))
            h = block.c2(block.fuse2(h, cond))
            x = block.shortcut(x) + h
            x = x[:, :, out[0] - u[0]:out[1] - u[0], out[2] - u[2]:out[3] - u[2]]
        x = self.to_rgb(x)
        a = need[-1]
        return x[:, :, y0 - a[0]:y1 - a[0], x0 - a[2]:x1 - a[2]]


def _grow(box: tuple[int, int, int, int], by: int, size: int) -> tuple[int, int, int, int]:
    y0, y1, x0, x1 = box
    return max(0, y0 - by), min(size, y1 + by), max(0, x0 - by), min(size, x1 + by)
