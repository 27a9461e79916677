"""Typed model configuration, stored as JSON beside the weights in every bundle."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class ModelConfig:
    """Shapes of the generator, discriminator and text encoder (no training settings)."""

    image_size: int = 128   # 64, 128 or 256
    ngf: int = 64           # generator width
    ndf: int = 64           # discriminator width
    nz: int = 100           # latent size
    cond_dim: int = 256     # sentence-vector size
    emb_dim: int = 128      # word-embedding size of the text encoder
    hidden: int = 128       # LSTM hidden size per direction (cond_dim = 2 * hidden)
    text_pool: str = "last"  # sentence vector from the LSTM's last states, or "last+max" (adds max-pooling over words)

    def __post_init__(self) -> None:
        if self.image_size not in (64, 128, 256):
            raise ValueError(f"image_size must be 64, 128 or 256, not {self.image_size}")
        if self.cond_dim != 2 * self.hidden:
            raise ValueError("cond_dim must equal 2 * hidden (bi-LSTM sentence vector)")
        if self.text_pool not in ("last", "last+max"):
            raise ValueError(f"text_pool must be 'last' or 'last+max', not {self.text_pool!r}")
        for f in ("ngf", "ndf", "nz", "emb_dim", "hidden"):
            if getattr(self, f) <= 0:
                raise ValueError(f"{f} must be positive")

    @property
    def n_blocks(self) -> int:
        """Number of up/down-sampling blocks between 4×4 and the image size."""
        return {64: 4, 128: 5, 256: 6}[self.image_size]

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown model config keys: {sorted(unknown)}")
        return cls(**d)
