"""Training settings, resolved once at the edge (CLI) and saved as JSON in the run folder."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Optional


@dataclass(frozen=True)
class TrainConfig:
    data: str
    out: str
    image_size: int = 128
    ngf: int = 64
    ndf: int = 64
    batch_size: int = 32
    minutes: Optional[float] = None      # wall-clock budget; stops cleanly and exports
    max_steps: Optional[int] = None
    lr_g: float = 1e-4
    lr_d: float = 4e-4
    betas: tuple[float, float] = (0.0, 0.9)
    ema_decay: float = 0.999
    gp_k: float = 2.0
    gp_p: float = 6.0
    gp_every: int = 1                    # MA-GP on every Nth D step (lazy regularisation; 1 = every step)
    balance: bool = True                 # class-balanced sampling of rare attributes
    device: str = "auto"
    bf16: bool = False
    channels_last: bool = False
    seed: int = 0
    checkpoint_minutes: float = 5.0
    sample_every: int = 0                # steps; 0 = once per epoch
    encoder: Optional[str] = None        # folder with encoder.safetensors + encoder.json; trained if absent
    encoder_steps: int = 1500
    text_pool: str = "last+max"          # sentence vector: "last" (DAMSM) or "last+max" (see text/encoder.py)
    workers_threads: int = 0             # torch CPU threads (0 = torch default)
    init_from: Optional[str] = None      # bundle folder to continue from (G, EMA, D and encoder; fresh Adam)
    limit: Optional[int] = None          # use only the first N images (smoke tests)
    diffaugment: str = ""                # DiffAugment policy for D's inputs, e.g. "color,translation,cutout"
    lowres_extra: bool = True            # at 64 px, also train on the 64 px-only official-train faces
    encoder_finetune_steps: int = 0      # with --init-from: fine-tune its encoder on today's caption templates
    mode_seeking: float = 0.0            # weight of MSGAN's mode-seeking term in the G step (0 = off)
    feature_diversity: float = 0.0       # weight of the bounded mode-seeking term in D's features (0 = off)

    def __post_init__(self) -> None:
        if self.image_size not in (64, 128, 256):
            raise ValueError("--size must be 64, 128 or 256")
        if self.ngf < 1 or self.ndf < 1:
            raise ValueError("--ngf and --ndf must be at least 1")
        if self.minutes is not None and not self.minutes > 0:
            raise ValueError("--minutes must be more than 0")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError("--steps must be at least 1")
        if not self.checkpoint_minutes > 0:
            raise ValueError("--checkpoint-minutes must be more than 0")
        if not 0.0 <= self.ema_decay < 1.0:
            raise ValueError("--ema-decay must be in [0, 1)")
        if self.gp_every < 1:
            raise ValueError("--gp-every must be at least 1")
        if self.init_from and self.encoder:
            raise ValueError("--init-from brings its own text encoder; drop --encoder")
        if self.encoder_finetune_steps < 0:
            raise ValueError("--encoder-finetune-steps must be 0 or more")
        if self.encoder_finetune_steps and not self.init_from:
            raise ValueError("--encoder-finetune-steps continues an --init-from bundle's encoder; "
                             "without --init-from use --encoder-steps")
        if self.diffaugment:
            from composer.train.diffaug import DiffAugmentConfig
            DiffAugmentConfig(policy=self.diffaug_policy)
        if not self.mode_seeking >= 0.0:
            raise ValueError("--mode-seeking must be 0 or more")
        if not self.feature_diversity >= 0.0:
            raise ValueError("--feature-diversity must be 0 or more")
        if (self.mode_seeking or self.feature_diversity) and self.batch_size % 2:
            raise ValueError("--mode-seeking and --feature-diversity pair each caption with two latents; "
                             "--batch must be even")
        if self.batch_size < 2:
            raise ValueError("--batch must be at least 2 (mismatched captions need a second sample)")

    @property
    def diffaug_policy(self) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.diffaugment.split(",") if p.strip())

    def to_json(self) -> dict:
        d = asdict(self)
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_json(cls, d: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        if "betas" in d:
            d["betas"] = tuple(d["betas"])
        return cls(**d)
