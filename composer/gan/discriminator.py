"""DF-GAN one-way discriminator: a residual down-sampling trunk shared by real, fake and
mismatched inputs, and a matching-aware head that scores (image features, sentence) pairs."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from composer.gan.config import ModelConfig


def disc_plan(width: int, n_blocks: int) -> list[tuple[int, int]]:
    mult = [1, 2, 4, 8, 16, 16, 16][: n_blocks + 1]
    return [(width * a, width * b) for a, b in zip(mult[:-1], mult[1:])]


class DownBlock(nn.Module):
    """Strided conv residual block with a zero-initialised residual gain (DF-GAN's D_Block)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.r = nn.Sequential(nn.Conv2d(cin, cout, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
                               nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.LeakyReLU(0.2, inplace=True))
        self.s = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(self.s(x), 2) + self.gamma * self.r(x)


class Discriminator(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        plan = disc_plan(config.ndf, config.n_blocks)
        self.from_rgb = nn.Conv2d(3, config.ndf, 3, 1, 1)
        self.blocks = nn.ModuleList(DownBlock(cin, cout) for cin, cout in plan)
        top = plan[-1][1]
        self.joint = nn.Sequential(nn.Conv2d(top + config.cond_dim, config.ndf * 2, 3, 1, 1, bias=False),
                                   nn.LeakyReLU(0.2, inplace=True),
                                   nn.Conv2d(config.ndf * 2, 1, 4, 1, 0, bias=False))

    def pyramid(self, img: torch.Tensor) -> list[torch.Tensor]:
        """Every block's output, fine to coarse; the last is the 4×4 feature map."""
        x = self.from_rgb(img)
        out = []
        for block in self.blocks:
            x = block(x)
            out.append(x)
        return out

    def features(self, img: torch.Tensor) -> torch.Tensor:
        return self.pyramid(img)[-1]

    def logits(self, features: torch.Tensor, sentence: torch.Tensor) -> torch.Tensor:
        if sentence.shape[0] == 1 and features.shape[0] > 1:
            sentence = sentence.expand(features.shape[0], -1)
        s = sentence[:, :, None, None].expand(-1, -1, features.shape[2], features.shape[3])
        return self.joint(torch.cat([features, s], dim=1)).view(-1)
