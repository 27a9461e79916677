"""Model bundles: weights as safetensors plus one JSON file (config, vocabulary, label names,
data, recipe, metrics, format version). Never pickle: modules are rebuilt from the config and the
weights loaded strictly. The bundle's SHA-256 (over model.json and every weight file) is computed
once at load and goes into every case file.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from composer.atomic import atomic_write_text
from composer.errors import ModelError
from composer.gan.config import ModelConfig
from composer.gan.discriminator import Discriminator
from composer.gan.encoder import TextEncoder
from composer.gan.generator import Generator
from composer.gan.refiner import Refiner, RefinerConfig
from composer.gan.vocab import Vocabulary

FORMAT_VERSION = 1
MANIFEST = "model.json"
SHARD_BYTES = 15 * 1024 * 1024  # weight files stay under 16 MiB (transfer limits, git friendliness)
PARTS = ("generator", "encoder", "discriminator")


@dataclass(frozen=True)
class LoadedModel:
    config: ModelConfig
    generator: Generator
    encoder: TextEncoder
    discriminator: Optional[Discriminator]
    vocab: Vocabulary
    sha256: str
    name: str
    path: Path
    meta: dict = field(default_factory=dict)
    refiner: Optional[Refiner] = None      # the 2× refiner when model.json lists one (files["refiner"])

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(self.meta.get("label_names", ()))


def bundle_sha256(path: Path) -> str:
    """SHA-256 over model.json and each listed weight file, in a fixed order."""
    path = Path(path)
    manifest = _read_manifest(path)
    h = hashlib.sha256()
    for name in [MANIFEST] + sorted(f for files in manifest["files"].values() for f in files):
        file = path / name
        try:
            data = file.read_bytes()
        except OSError as e:
            raise ModelError(f"{file}: cannot read ({e.strerror}). Reinstall the model bundle.") from e
        h.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return h.hexdigest()


def _read_manifest(path: Path) -> dict:
    file = path / MANIFEST
    if not path.is_dir():
        raise ModelError(f"model folder {path} does not exist. Pass --model with a bundle folder "
                         "(it holds model.json and *.safetensors), or reinstall Composer.")
    try:
        manifest = json.loads(file.read_text("utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{file} is missing: {path} is not a model bundle.") from None
    except (OSError, ValueError) as e:
        raise ModelError(f"{file} is not valid JSON ({e}). The bundle is corrupt: reinstall it.") from e
    if not isinstance(manifest, dict) or manifest.get("format_version") is None:
        raise ModelError(f"{file} has no format_version: not a Composer model bundle.")
    if manifest["format_version"] > FORMAT_VERSION:
        raise ModelError(f"{file} is format {manifest['format_version']}; this Composer reads up to "
                         f"{FORMAT_VERSION}. Update Composer.")
    if not isinstance(manifest.get("files"), dict):
        raise ModelError(f"{file} lists no weight files.")
    return manifest


def _split(state: dict[str, torch.Tensor]) -> list[dict[str, torch.Tensor]]:
    shards, cur, size = [], {}, 0
    for k in sorted(state):
        n = state[k].numel() * state[k].element_size()
        if cur and size + n > SHARD_BYTES:
            shards.append(cur)
            cur, size = {}, 0
        cur[k] = state[k].contiguous()
        size += n
    return shards + [cur] if cur else shards


def save_bundle(path: Path, config: ModelConfig, modules: dict[str, torch.nn.Module], vocab: Vocabulary,
                meta: dict, dtype: torch.dtype = torch.float16) -> str:
    """Write a bundle folder (weights cast to `dtype`) and return its SHA-256."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    files = {}
    for part, module in modules.items():
        if part not in PARTS:
            raise ValueError(f"unknown bundle part {part}")
        state = {k: (v.detach().to("cpu", dtype) if v.is_floating_point() else v.detach().cpu())
                 for k, v in module.state_dict().items()}
        shards = _split(state)
        names = [f"{part}.safetensors"] if len(shards) == 1 else [f"{part}-{i:02d}.safetensors" for i in range(len(shards))]
        for name, shard in zip(names, shards):
            save_file(shard, str(path / name))
        files[part] = names
    manifest = {"format_version": FORMAT_VERSION, "name": meta.get("name", path.name),
                "config": config.to_json(), "vocab": vocab.to_json(), "files": files,
                **{k: v for k, v in meta.items() if k != "name"}}
    atomic_write_text(path / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True), overwrite=True)
    return bundle_sha256(path)


def _load_part(path: Path, names: list[str], module: torch.nn.Module, device: torch.device) -> None:
    state = {}
    for name in names:
        file = path / name
        try:
            state.update(load_file(str(file)))
        except FileNotFoundError:
            raise ModelError(f"{file} is missing. Reinstall the model bundle.") from None
        except (SafetensorError, OSError, ValueError, RuntimeError) as e:
            raise ModelError(f"{file} is corrupt ({e}). Reinstall the model bundle.") from e
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    bad = [k for k in expected if k in state and state[k].shape != expected[k].shape]
    if missing or extra or bad:
        raise ModelError(f"{path / names[0]} does not match model.json's config: "
                         f"{len(missing)} missing, {len(extra)} unexpected, {len(bad)} mis-shaped tensors "
                         f"(first: {(missing + extra + bad)[0]}). The weights belong to another model.")
    state = {k: v.to(expected[k].dtype) for k, v in state.items()}
    module.load_state_dict(state, strict=True)
    module.to(device).eval().requires_grad_(False)


def load_bundle(path: Path, device: torch.device | str = "cpu", need_discriminator: bool = False) -> LoadedModel:
    """Rebuild the modules from model.json and load the weights strictly (fp32 on `device`)."""
    path = Path(path)
    device = torch.device(device)
    manifest = _read_manifest(path)
    try:
        config = ModelConfig.from_json(manifest["config"])
        vocab = Vocabulary.from_json(manifest["vocab"])
    except (KeyError, TypeError, ValueError) as e:
        raise ModelError(f"{path / MANIFEST}: bad config or vocabulary ({e}). Reinstall the bundle.") from e
    files = manifest["files"]
    for part in ("generator", "encoder"):
        if part not in files:
            raise ModelError(f"{path / MANIFEST} lists no {part} weights; the bundle is incomplete.")
    gen, enc = Generator(config), TextEncoder(config, len(vocab))
    _load_part(path, files["generator"], gen, device)
    _load_part(path, files["encoder"], enc, device)
    disc = None
    if "discriminator" in files:
        disc = Discriminator(config)
        _load_part(path, files["discriminator"], disc, device)
    elif need_discriminator:
        raise ModelError(f"{path} has no discriminator weights, which this feature needs.")
    refiner = None
    if "refiner" in files:   # a 2× refiner after the generator (composer train-refiner --attach-to)
        try:
            rcfg = RefinerConfig.from_json(manifest["refiner"]["config"])
        except (KeyError, TypeError, ValueError) as e:
            raise ModelError(f"{path / MANIFEST}: bad refiner config ({e}). Reinstall the bundle.") from e
        if rcfg.in_size != config.image_size:
            raise ModelError(f"{path / MANIFEST}: the refiner takes {rcfg.in_size} px images but the generator "
                             f"draws {config.image_size} px. Attach a refiner trained for this generator.")
        refiner = Refiner(rcfg)
        _load_part(path, files["refiner"], refiner, device)
        if device.type == "cpu":   # the engine feeds it channels_last on the CPU: ~20 % faster, same bits
            refiner.to(memory_format=torch.channels_last)
    meta = {k: v for k, v in manifest.items() if k not in ("config", "vocab", "files")}
    return LoadedModel(config, gen, enc, disc, vocab, bundle_sha256(path), manifest.get("name", path.name), path, meta,
                       refiner)
