"""Typed settings and results of the region lock (torch-free, so the GUI and the case file
can build and read them without importing the optimiser)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Mapping, Optional

import numpy as np

PASTE_BACK = ("feather", "poisson", "none")
PRECISIONS = ("fp32", "bf16")
FEATURES = ("discriminator", "random_conv", "pixel")


@dataclass(frozen=True)
class LockSettings:
    """How `lock_optimise` searches the latent space (see ARCHITECTURE.md, "Edit").

    Extensions beyond the contract (all with defaults, so older JSON still loads):
    `prior_weight` keeps z near the N(0, I) shell (realistic faces), `precision` picks fp32 or
    bf16 autocast (fp32 is the bit-reproducible default), `features` names the deep-feature
    extractor: "random_conv" (seeded, never trained) is the default because it measured better than
    the discriminator's features on two independent judges and 0.65x the time (bench/README.md,
    region-lock ablations); "discriminator" falls back to "random_conv" for a bundle without one;
    `window` computes the generator and the feature loss only on the window around the lock while
    optimising (settings saved before it existed load with window=False, so they replay as run).
    """

    n_candidates: int = 9
    steps: int = 40
    lr: float = 0.09
    seed: int = 0
    restart_sigma: float = 1.0     # spread of random restarts around z0 (candidate 0 = z0 itself)
    feature_weight: float = 1.0
    pixel_weight: float = 0.1
    caption_weight: float = 0.0
    time_budget_s: Optional[float] = None
    paste_back: str = "feather"     # "feather", "poisson" or "none"
    prior_weight: float = 0.05
    precision: str = "fp32"
    features: str = "random_conv"
    window: bool = True             # optimise on the locked area's window only (see lock.lock_window)

    def __post_init__(self) -> None:
        if not 1 <= int(self.n_candidates) <= 256:
            raise ValueError(f"n_candidates must be 1..256, not {self.n_candidates}")
        if int(self.steps) < 0:
            raise ValueError(f"steps must be >= 0, not {self.steps}")
        if not self.lr > 0:
            raise ValueError(f"lr must be positive, not {self.lr}")
        for name in ("restart_sigma", "feature_weight", "pixel_weight", "caption_weight", "prior_weight"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, not {getattr(self, name)}")
        if self.time_budget_s is not None and not self.time_budget_s > 0:
            raise ValueError(f"time_budget_s must be positive or None, not {self.time_budget_s}")
        if self.paste_back not in PASTE_BACK:
            raise ValueError(f"paste_back must be one of {PASTE_BACK}, not {self.paste_back!r}")
        if self.features not in FEATURES:
            raise ValueError(f"features must be one of {FEATURES}, not {self.features!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {self.precision!r}")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> "LockSettings":
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown lock settings: {sorted(unknown)}")
        d = dict(d)
        d.setdefault("window", False)   # case files written before windowed optimisation
        d.setdefault("features", "discriminator")   # the default before random_conv measured better
        return cls(**d)


@dataclass(frozen=True)
class LockResult:
    """Candidates after optimising. Everything is in candidate order (index 0 started at z0);
    `order` ranks them best first by locked-region loss."""

    z: np.ndarray                    # float32 [n, nz], the optimised latents
    images: list                     # n × (H×W×3 uint8), composited (reference pasted back)
    region_loss: list                # n floats: locked-region loss at the final z
    order: list                      # candidate indices, best first
    steps_run: int                   # steps actually run (a replay uses steps=steps_run, no budget)
    raw_images: Optional[list] = None  # n × uint8 straight from the generator (before paste-back)

    @property
    def best(self) -> np.ndarray:
        return self.images[self.order[0]]


@dataclass(frozen=True)
class LockProgress:
    """One optimiser step (or the final report, with `done` and `result`)."""

    step: int
    total: int
    losses: dict
    images: Optional[list]
    done: bool
    result: Optional[LockResult] = None
