"""Engine: the one facade both front ends (GUI and CLI) use.

It loads a model bundle, turns Descriptions into captions, captions into sentence vectors, and
(sentence, z) into Portraits. Everything a step needs to be drawn again is an argument here (seed,
exact z), so a session can be replayed bit-for-bit on CPU.
"""
from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path
from typing import Iterator, Optional

import numpy as np
import torch

from composer.errors import ComposerError, DescriptionError, ModelError
from composer.gan.bundle import LoadedModel, load_bundle
from composer.portrait import Portrait, to_uint8
from composer.text.description import Description, Interpretation, interpret
from composer.text.schema import AttributeSchema, load_schema
from composer.gan.vocab import tokenize

MAX_CANDIDATES = 64
ENCODE_CACHE = 128   # sentence vectors kept (least recently used dropped first)


def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def default_model_path() -> Path:
    """$COMPOSER_MODEL, else models/default beside the package."""
    env = os.environ.get("COMPOSER_MODEL")
    return Path(env) if env else repo_root() / "models" / "default"


def resolve_device(name: str = "auto") -> tuple[torch.device, Optional[str]]:
    """The device to run on, and a notice when a GPU was asked for but is not there."""
    if name in ("auto", "", None):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu"), None
    if name.startswith("cuda") and not torch.cuda.is_available():
        return torch.device("cpu"), "No CUDA GPU is available: running on the CPU instead."
    try:
        return torch.device(name), None
    except RuntimeError:
        return torch.device("cpu"), f"Unknown device {name!r}: running on the CPU instead."


class Engine:
    """A loaded model plus the attribute schema; stateless between calls."""

    def __init__(self, model: LoadedModel, schema: AttributeSchema, device: torch.device,
                 notice: Optional[str] = None, refine: bool = True):
        self.model = model
        self.schema = schema
        self.device = device
        self.notice = notice
        # with a refiner in the bundle: True renders G then R; False (the opt-out) shows G's raw
        # output bicubic-upscaled to the same output size, so an examiner sees what R added
        self.refine = bool(refine)
        self.lock_runtime = None    # the lock's measured precision/threads (composer.edit.calibrate), if any
        self._cache: OrderedDict[str, torch.Tensor] = OrderedDict()

    @classmethod
    def load(cls, path: Optional[Path] = None, device: str = "auto", refine: bool = True) -> "Engine":
        """Load a bundle (default: models/default). Raises ModelError naming the file and the fix.
        `refine=False` is the refiner opt-out (no effect on a bundle without a refiner)."""
        path = Path(path) if path else default_model_path()
        dev, notice = resolve_device(device)
        try:
            model = load_bundle(path, dev)
        except ModelError:
            raise
        except (OSError, RuntimeError, ValueError) as e:
            raise ModelError(f"cannot load the model in {path}: {e}. Reinstall the bundle or pass --model.") from e
        return cls(model, load_schema(), dev, notice, refine)

    # --- identity ---------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.model.name

    @property
    def sha256(self) -> str:
        return self.model.sha256

    @property
    def image_size(self) -> int:
        """The portrait's size: every image of a session (candidates, references, masks) is this
        big. 2 × the generator's size when the bundle holds a refiner, else the generator's size."""
        return self.generator_size * (2 if self.model.refiner is not None else 1)

    @property
    def threads(self) -> int:
        """The CPU threads torch draws with now (recorded in case files: see casefile/record.py)."""
        return int(torch.get_num_threads())

    @property
    def generator_size(self) -> int:
        return self.model.config.image_size

    @property
    def stages(self) -> Optional[list[str]]:
        """The rendering stages after the text encoder, for records and sidecars: ["generator",
        "refiner"], or ["generator", "bicubic"] with the opt-out; None for a bundle without a
        refiner (its records stay exactly as before)."""
        if self.model.refiner is None:
            return None
        return ["generator", "refiner" if self.refine else "bicubic"]

    def with_stages(self, stages: Optional[list]) -> "Engine":
        """This engine rendering with the recorded stages (reproduce): the same model, the refiner on
        unless `stages` names "bicubic"."""
        refine = not (stages and "bicubic" in stages)
        if refine == self.refine:
            return self
        twin = Engine(self.model, self.schema, self.device, self.notice, refine)
        twin._cache = self._cache
        return twin

    def upscale(self, x: torch.Tensor) -> torch.Tensor:
        """G's images [B,3,S,S] -> the portraits [B,3,image_size,...]: R, or bicubic (opt-out), or
        unchanged without a refiner."""
        if self.model.refiner is None:
            return x
        from composer.gan.refiner import upsample2
        if not self.refine:
            return upsample2(x)
        fmt = torch.channels_last if x.device.type == "cpu" else torch.contiguous_format
        return self.model.refiner(x.contiguous(memory_format=fmt)).contiguous()

    @torch.no_grad()
    def draw(self, z: torch.Tensor, sentence: torch.Tensor) -> torch.Tensor:
        """z [B,nz], sentence [B,C] or [1,C] -> portraits [B,3,image_size,image_size] in [-1,1]."""
        if sentence.shape[0] == 1 and z.shape[0] > 1:
            sentence = sentence.expand(z.shape[0], -1)
        return self.upscale(self.model.generator(z, sentence))

    @property
    def nz(self) -> int:
        return self.model.config.nz

    @property
    def reads_attributes(self) -> bool:
        """True for a CelebA-attribute model (descriptions go through the attribute schema); False
        for a model trained on a tag folder, whose captions are the tag words themselves."""
        from composer.text.attributes import ATTRIBUTES
        return tuple(self.model.meta.get("label_names", ATTRIBUTES)) == ATTRIBUTES

    def read_tags(self, text: str) -> tuple[str, dict]:
        """(caption, report) for a tag-folder model: every word goes to the encoder (unknown ones as
        <unk>, never dropped) and the report says which words the model was trained on."""
        words = tokenize(text)
        tags = set(self.model.meta.get("label_names", ()))
        known = [w for w in words if w in tags]
        if not known:
            sample = ", ".join(sorted(tags)[:12])
            raise DescriptionError(f"none of the words {words or [text]!r} is a tag this model was trained on; "
                                   f"use its tags, for example: {sample}.")
        return " ".join(words), {"kind": "tags", "understood": known,
                                 "not_understood": [w for w in words if w not in tags]}

    # --- description -> caption -> sentence vector ----------------------------------------------
    def describe(self, description: Description) -> Interpretation:
        return interpret(description, self.schema)

    def caption_unknown_words(self, caption: str) -> list[str]:
        """Words of a caption the text encoder has never seen (reported, never dropped)."""
        return self.model.vocab.unknown(caption)

    @torch.no_grad()
    def encode(self, caption: str) -> torch.Tensor:
        """Sentence vector [1, C] on the engine's device."""
        if not tokenize(caption):
            raise DescriptionError("The caption is empty: describe the face first.")
        if caption in self._cache:
            self._cache.move_to_end(caption)
            return self._cache[caption]
        ids = torch.tensor([self.model.vocab.encode(caption)], dtype=torch.long, device=self.device)
        lengths = torch.tensor([ids.shape[1]])
        sentence = self._cache[caption] = self.model.encoder(ids, lengths)
        while len(self._cache) > ENCODE_CACHE:
            self._cache.popitem(last=False)
        return sentence

    # --- latents ------------------------------------------------------------------------------
    def latents(self, seed: int, n: int) -> np.ndarray:
        """n latent vectors drawn from N(0, I) with a CPU generator: the same on every machine."""
        _check_n(n)
        g = torch.Generator().manual_seed(int(seed))
        return torch.randn(n, self.nz, generator=g).numpy()

    def evolve_latents(self, parent_z: np.ndarray, n: int, seed: int, strength: float) -> np.ndarray:
        """'More like this': children of parent_z, mixed toward fresh noise by `strength` in [0,1].

        z' = sqrt(1-s²)·parent + s·noise keeps |z| on the prior's shell, so children stay faces.
        """
        _check_n(n)
        s = float(np.clip(strength, 0.0, 1.0))
        parent = np.asarray(parent_z, dtype=np.float32).reshape(1, self.nz)
        noise = self.latents(seed, n)
        return (np.float32(np.sqrt(1.0 - s * s)) * parent + np.float32(s) * noise).astype(np.float32)

    # --- rendering ----------------------------------------------------------------------------
    @torch.no_grad()
    def render(self, caption: str, z: np.ndarray, seed: Optional[int] = None) -> list[Portrait]:
        z = np.asarray(z, dtype=np.float32).reshape(-1, self.nz)
        _check_n(len(z))
        if not np.isfinite(z).all():
            raise ComposerError("The latent vector holds NaN or infinity; it cannot be rendered.")
        sent = self.encode(caption)
        zt = torch.from_numpy(z).to(self.device)
        images = to_uint8(self.draw(zt, sent.expand(len(z), -1)))
        return [Portrait(img, zi, caption, seed) for img, zi in zip(images, z)]

    def candidates(self, caption: str, n: int, seed: int) -> list[Portrait]:
        return self.render(caption, self.latents(seed, n), seed)

    def evolve(self, caption: str, parent_z: np.ndarray, n: int, seed: int, strength: float) -> list[Portrait]:
        return self.render(caption, self.evolve_latents(parent_z, n, seed, strength), seed)

    # --- region lock --------------------------------------------------------------------------
    def resynthesise(self, caption: str, z0: np.ndarray, reference: np.ndarray, mask: np.ndarray,
                     settings) -> Iterator:
        """Keep the masked region of `reference`, vary the rest (Fast-RSPer on z); yields progress."""
        from composer.edit.lock import resynthesise
        ref = np.asarray(reference, dtype=np.uint8)
        if ref.shape != (self.image_size, self.image_size, 3):
            raise ComposerError(f"The reference image is {ref.shape[1]}×{ref.shape[0]}; the model draws "
                                f"{self.image_size}×{self.image_size}. Align the photo first.")
        upscale = self.upscale if self.model.refiner is not None else None
        return resynthesise(self.model.generator, self.encode(caption), z0, ref, mask,
                            discriminator=self.model.discriminator, settings=settings, upscale=upscale)


def _check_n(n: int) -> None:
    if not 1 <= int(n) <= MAX_CANDIDATES:
        raise ComposerError(f"Ask for between 1 and {MAX_CANDIDATES} portraits at a time, not {n}.")
