"""The 2× face refiner R: generator image [B,3,S,S] -> [B,3,2S,2S], both in [-1, 1].

A small residual, fully convolutional net that works at the input size and doubles it with a
learned pixel-shuffle step, added to the bicubic upsample of its input (a global skip). The last
convolution starts at zero, so a fresh R *is* bicubic and training only has to learn the detail
(stage II of StackGAN, and the ESPCN / EDSR line of super-resolution nets).

    x ──┬────────────────────────────── bicubic ×2 ─────────────┐
        └ conv3 → [res-block]×n (one FiLM'd) → conv3 to 4·3 channels (0-init) → shuffle×2 ─(+)→ clamp → y

The learned upsampling is ESPCN's: the last conv at the input size predicts the 2×2 sub-pixels of
the RGB detail, and the pixel shuffle lays them out at 2× (no convolution runs at the output size,
which keeps R to a fraction of the generator's time on a CPU).

Any factor-2 step: nothing depends on S (64→128 today, 128→256 behind a GPU-trained 128 px model).
Optional sentence conditioning (`cond_dim > 0`): a FiLM (scale, shift from the sentence vector,
the generator's `Affine`, identity at start) on the middle block. The shipped refiner is
unconditional (`cond_dim = 0`): the attributes are already drawn in the pixels it receives, and
an unconditional R does not depend on one text encoder's sentence space, so it moves between
generator bundles (and the region lock never needs it).

Also here: `lanczos_down2`, a differentiable 2× downsample with PIL's LANCZOS weights (the
resize that made the generator's 64 px training data), for the consistency loss and the lock.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import nn

from composer.gan.generator import Affine


@dataclass(frozen=True)
class RefinerConfig:
    """Shape of the refiner (no training settings); stored in model.json["refiner"]["config"]."""

    in_size: int = 64          # the generator's image size; output is 2 × in_size
    width: int = 32            # channels of the trunk at the input size
    blocks: int = 3            # residual blocks at the input size
    cond_dim: int = 0          # sentence-vector size for FiLM; 0 = unconditional

    def __post_init__(self) -> None:
        if self.in_size not in (32, 64, 128, 256):
            raise ValueError(f"refiner in_size must be 32, 64, 128 or 256, not {self.in_size}")
        for f in ("width", "blocks"):
            if getattr(self, f) <= 0:
                raise ValueError(f"refiner {f} must be positive")
        if self.cond_dim < 0:
            raise ValueError("refiner cond_dim must be >= 0")

    @property
    def out_size(self) -> int:
        return 2 * self.in_size

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> "RefinerConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown refiner config keys: {sorted(unknown)}")
        return cls(**d)


class ResBlock(nn.Module):
    """x + conv(lrelu(conv(x))), the second conv scaled down at init (a small residual, as EDSR)."""

    def __init__(self, width: int, cond_dim: int = 0):
        super().__init__()
        self.c1 = nn.Conv2d(width, width, 3, 1, 1)
        self.c2 = nn.Conv2d(width, width, 3, 1, 1)
        self.film = Affine(cond_dim, width) if cond_dim else None
        with torch.no_grad():
            self.c2.weight.mul_(0.1)
            self.c2.bias.zero_()

    def forward(self, x: torch.Tensor, cond: torch.Tensor | None = None) -> torch.Tensor:
        h = F.leaky_relu(self.c1(x), 0.2, inplace=True)   # in place on fresh conv outputs: fewer passes
        if self.film is not None:
            h = self.film(h, cond)
        return self.c2(h).add_(x)


class Refiner(nn.Module):
    """R(x[, sentence]) -> image at 2× the size, in [-1, 1]."""

    def __init__(self, config: RefinerConfig = RefinerConfig()):
        super().__init__()
        self.config = config
        w = config.width
        self.head = nn.Conv2d(3, w, 3, 1, 1)
        mid = config.blocks // 2
        self.blocks = nn.ModuleList(ResBlock(w, config.cond_dim if i == mid else 0) for i in range(config.blocks))
        self.up = nn.Conv2d(w, 4 * 3, 3, 1, 1)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def detail(self, x: torch.Tensor, sentence: torch.Tensor | None = None) -> torch.Tensor:
        """The learned residual at 2× (zero for a fresh refiner)."""
        if self.config.cond_dim:
            if sentence is None:
                raise ValueError("this refiner is conditioned on the sentence vector; pass it")
            if sentence.shape[0] == 1 and x.shape[0] > 1:
                sentence = sentence.expand(x.shape[0], -1)
        h = self.head(x)
        for block in self.blocks:
            h = block(h, sentence)
        return F.pixel_shuffle(self.up(F.leaky_relu(h, 0.2, inplace=True)), 2)

    def forward(self, x: torch.Tensor, sentence: torch.Tensor | None = None) -> torch.Tensor:
        if x.shape[-1] != self.config.in_size or x.shape[-2] != self.config.in_size:
            raise ValueError(f"the refiner takes {self.config.in_size} px images, not {tuple(x.shape[-2:])}")
        return self.detail(x, sentence).add_(upsample2(x)).clamp_(-1.0, 1.0)


def upsample2(x: torch.Tensor) -> torch.Tensor:
    """Bicubic ×2 (align_corners=False), clamped to [-1, 1]: R's skip and the opt-out view."""
    return F.interpolate(x, scale_factor=2.0, mode="bicubic", align_corners=False).clamp(-1.0, 1.0)


def _lanczos3(t: float) -> float:
    if t == 0.0:
        return 1.0
    if -3.0 < t < 3.0:
        pt = math.pi * t
        return 3.0 * math.sin(pt) * math.sin(pt / 3.0) / (pt * pt)
    return 0.0


@lru_cache(maxsize=8)
def _lanczos_matrix(n: int) -> torch.Tensor:
    """[n/2, n] weights of PIL's LANCZOS resize from n to n/2 pixels (support 3 × scale 2, taps
    clipped at the border and renormalised, as PIL's resample does)."""
    m = n // 2
    scale, support = 2.0, 3.0 * 2.0
    w = torch.zeros(m, n, dtype=torch.float64)
    for i in range(m):
        center = (i + 0.5) * scale
        lo, hi = max(0, int(center - support + 0.5)), min(n, int(center + support + 0.5))
        ks = [_lanczos3((j - center + 0.5) / scale) for j in range(lo, hi)]
        s = sum(ks)
        for j, k in zip(range(lo, hi), ks):
            w[i, j] = k / s
    return w.float()


def lanczos_down2(x: torch.Tensor) -> torch.Tensor:
    """[B,C,2S,2S] -> [B,C,S,S] with PIL's LANCZOS weights (differentiable; separable matmul)."""
    n = x.shape[-1]
    if x.shape[-2] != n or n % 2:
        raise ValueError(f"lanczos_down2 needs a square image of even size, not {tuple(x.shape[-2:])}")
    w = _lanczos_matrix(n).to(x.device, x.dtype)
    return w @ x @ w.t()
