"""Resumable training state as data: every tensor (models, EMA, Adam moments) in one safetensors
file, and the step counters, optimiser hyper-parameters and RNG seeds in JSON. No pickle."""
from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from composer.errors import ModelError


def _opt_tensors(prefix: str, opt: torch.optim.Optimizer) -> tuple[dict, dict]:
    sd = opt.state_dict()
    tensors, scalars = {}, {"param_groups": sd["param_groups"], "state_keys": {}}
    for idx, st in sd["state"].items():
        for k, v in st.items():
            if torch.is_tensor(v):
                tensors[f"{prefix}.{idx}.{k}"] = v.detach().cpu().contiguous()
            scalars["state_keys"].setdefault(str(idx), []).append(k)
    return tensors, scalars


def _opt_restore(prefix: str, opt: torch.optim.Optimizer, tensors: dict, scalars: dict) -> None:
    state = {}
    for idx, keys in scalars["state_keys"].items():
        state[int(idx)] = {k: tensors[f"{prefix}.{idx}.{k}"] for k in keys}
    opt.load_state_dict({"state": state, "param_groups": scalars["param_groups"]})


def save_state(folder: Path, modules: dict[str, torch.nn.Module], optims: dict[str, torch.optim.Optimizer],
               info: dict) -> None:
    """Atomically write state.safetensors + state.json into `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tensors, meta = {}, {"info": info, "optims": {}}
    for name, m in modules.items():
        for k, v in m.state_dict().items():
            tensors[f"{name}/{k}"] = v.detach().cpu().contiguous()
    for name, o in optims.items():
        t, s = _opt_tensors(f"opt_{name}", o)
        tensors.update(t)
        meta["optims"][name] = s
    save_file(tensors, str(folder / "state.safetensors.tmp"))
    (folder / "state.json.tmp").write_text(json.dumps(meta), "utf-8")
    os.replace(folder / "state.safetensors.tmp", folder / "state.safetensors")
    os.replace(folder / "state.json.tmp", folder / "state.json")


def load_state(folder: Path, modules: dict[str, torch.nn.Module], optims: dict[str, torch.optim.Optimizer]) -> dict:
    """Restore modules and optimisers in place; returns the saved info dict."""
    folder = Path(folder)
    try:
        tensors = load_file(str(folder / "state.safetensors"))
        meta = json.loads((folder / "state.json").read_text("utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"cannot resume from {folder}: {e}. Delete the run folder or pick another --out.") from e
    for name, m in modules.items():
        sd = {k.split("/", 1)[1]: v for k, v in tensors.items() if k.startswith(name + "/")}
        m.load_state_dict(sd, strict=True)
    for name, o in optims.items():
        _opt_restore(f"opt_{name}", o, tensors, meta["optims"][name])
    return meta["info"]
