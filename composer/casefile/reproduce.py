"""reproduce_case: re-run every step of a case on CPU from record.json alone and compare.

The model is found by the bundle SHA-256 the record names (searched in the models folders: each
folder or subfolder holding a bundle). Every candidate image and latent must come out bit-identical;
otherwise the report names the first step that differs and the largest pixel difference.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence

import numpy as np

from composer.record.codec import decode_png, thumbnail, z_to_b64
from composer.casefile.export import PORTRAIT
from composer.casefile.record import shown_file
from composer.casefile.replay import Replayed, default_settings_from_json, replay_step
from composer.casefile.signing import TrustSet
from composer.casefile.verify import Problem, read_case_files, verify_case
from composer.errors import CaseFileError, ComposerError, ModelError
from composer.portrait import image_sha256


@dataclass(frozen=True)
class Difference:
    step: int
    kind: str
    index: Optional[int]
    message: str
    max_pixel_diff: Optional[int] = None


@dataclass(frozen=True)
class ReproduceReport:
    path: Path
    model_sha256: str
    model_path: Path
    steps_total: int
    steps_replayed: int
    images_checked: int
    first_difference: Optional[Difference]
    final_identical: bool
    integrity: tuple[Problem, ...] = ()
    threads_unrecorded: Optional[int] = None   # the record did not say how many CPU threads drew it: used these

    @property
    def ok(self) -> bool:
        return self.first_difference is None and self.final_identical and not self.integrity

    def lines(self) -> list[str]:
        out = [p.message for p in self.integrity]
        if self.first_difference is not None:
            d = self.first_difference
            out.append(f"DIFFERENT at step {d.step} ({d.kind}): {d.message}" + (
                f"; largest pixel difference {d.max_pixel_diff}" if d.max_pixel_diff is not None else ""))
        elif not self.final_identical:
            out.append("the final portrait does not match portrait.png.")
        if not self.ok and self.threads_unrecorded is not None:
            out.append(f"This case file does not record how many CPU threads drew it, and it was replayed with "
                       f"{self.threads_unrecorded}; optimised steps can differ with the thread count. Try again "
                       "with --threads N, N being the thread count of the workstation that made it.")
        if self.ok:
            out.append(f"OK: all {self.steps_total} steps and {self.images_checked} images reproduced "
                       f"bit-identically with model {self.model_sha256[:16]} ({self.model_path}).")
        return out


def default_models_dirs() -> list[Path]:
    """$COMPOSER_MODELS (os.pathsep-separated) then the models/ folder next to the package."""
    dirs = [Path(p) for p in os.environ.get("COMPOSER_MODELS", "").split(os.pathsep) if p]
    return dirs + [Path(__file__).resolve().parents[2] / "models"]


def _bundle_folders(root: Path, depth: int = 2) -> list[Path]:
    if not root.is_dir():
        return []
    found = [root] if (root / "model.json").is_file() else []
    if depth > 0:
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            found += _bundle_folders(sub, depth - 1)
    return found


def _bundle_sha(path: Path) -> str:
    from composer.gan.bundle import bundle_sha256
    return bundle_sha256(path)


def find_model(sha256: str, models_dirs: Sequence[Path],
               sha_of: Callable[[Path], str] = _bundle_sha) -> Path:
    """The bundle folder whose SHA-256 is `sha256`; ModelError naming the sha and where it looked."""
    seen = []
    for root in models_dirs:
        for folder in _bundle_folders(Path(root)):
            try:
                sha = sha_of(folder)
            except ComposerError:
                continue
            if sha == sha256:
                return folder
            seen.append(f"{folder} ({sha[:12]})")
    looked = ", ".join(str(d) for d in models_dirs) or "(no folders)"
    raise ModelError(f"the model this case was made with (SHA-256 {sha256}) is not installed. Looked in: "
                     f"{looked}; found {'; '.join(seen) if seen else 'no model bundles'}. Install that exact "
                     "bundle and pass its folder with --models.")


def _load_engine(path: Path) -> Any:
    from composer.engine import Engine
    return Engine.load(path, device="cpu")


def _max_diff(files: dict[str, bytes], expected_sha: str, actual: np.ndarray, final_sha: str) -> Optional[int]:
    name = PORTRAIT if expected_sha == final_sha else shown_file(expected_sha)
    try:
        expected = decode_png(files[name], what=name)[0]
    except (KeyError, CaseFileError):
        return None
    got = actual if name == PORTRAIT else thumbnail(actual)
    if expected.shape != got.shape:
        return None
    return int(np.abs(expected.astype(np.int16) - got.astype(np.int16)).max())


def _compare(step: dict, got: Replayed, files: dict[str, bytes], final_sha: str) -> tuple[Optional[Difference], int]:
    sid, kind = step["id"], step["kind"]
    if kind == "describe" and got.caption != step["inputs"]["caption"]:
        return Difference(sid, kind, None, f"the description now gives the caption {got.caption!r}, "
                                           f"not {step['inputs']['caption']!r}"), 0
    outs = step["outputs"]
    if len(outs) != len(got.images):
        return Difference(sid, kind, None, f"{len(got.images)} images instead of {len(outs)}"), 0
    for i, (rec, image, z) in enumerate(zip(outs, got.images, got.zs)):
        if image_sha256(image) != rec["sha256"]:
            return Difference(sid, kind, i, f"candidate {i} differs (expected {rec['sha256'][:12]}, got "
                                            f"{image_sha256(image)[:12]})",
                              _max_diff(files, rec["sha256"], image, final_sha)), i
        if rec.get("z") is not None and (z is None or z_to_b64(z) != rec["z"]):
            return Difference(sid, kind, i, f"candidate {i} has the same pixels but a different latent z"), i
    return None, len(outs)


def reproduce_case(path: Path | str, models_dir: Path | Sequence[Path] | None = None, *,
                   engine_loader: Callable[[Path], Any] = _load_engine,
                   sha_of: Callable[[Path], str] = _bundle_sha,
                   trusted_keys: Optional[Iterable[str]] = None, keys_dir: Path | str | None = None,
                   settings_from_json: Callable = default_settings_from_json,
                   trust: Optional[TrustSet] = None, unverified: bool = False,
                   threads: Optional[int] = None) -> ReproduceReport:
    """Replay the case at `path`, after verifying it.

    A case that fails verification (changed, unknown signer, ...) is refused with CaseFileError
    unless `unverified`; even then its record must pass the schema (composer/casefile/schema.py),
    whose bounds cap the work (steps, candidates, optimisation steps) a replay can be asked to do,
    and the integrity problems are reported with the result. ModelError if the model is not installed.
    The replay draws with the CPU thread count the record names; `threads` is used only for a record
    that names none (cases written before Composer recorded it), else torch's current count."""
    path = Path(path)
    check = verify_case(path, trusted_keys=trusted_keys, keys_dir=keys_dir, trust=trust)
    if check.record is None:
        raise CaseFileError("cannot reproduce: " + " ".join(p.message for p in check.problems))
    if check.problems and not unverified:
        raise CaseFileError("cannot reproduce a case that failed verification (use --unverified to replay it "
                            "anyway, for investigation only): " + " ".join(p.message for p in check.problems))
    record, files = check.record, read_case_files(path)
    dirs = default_models_dirs() if models_dir is None else (
        [Path(models_dir)] if isinstance(models_dir, (str, Path)) else [Path(d) for d in models_dir])
    sha = record["model"]["sha256"]
    model_path = find_model(sha, dirs, sha_of)
    engine = engine_loader(model_path)
    if getattr(engine, "sha256", sha) != sha:
        raise ModelError(f"{model_path} loaded as model {engine.sha256}, not {sha}.")
    if record["model"].get("stages") and hasattr(engine, "with_stages"):   # refiner on, or the bicubic opt-out
        engine = engine.with_stages(record["model"]["stages"])
    pixels = {}
    for group in ("masks", "references"):
        for s, name in record["files"][group].items():
            if name in files:   # verify checked their sizes from the PNG header before decoding
                pixels[s] = decode_png(files[name], what=name)[0]
    recorded = (record.get("runtime") or {}).get("torch_threads")   # the schema checked it: an int in 1..1024
    with _torch_threads(recorded or threads):
        report = _replay_all(record, files, engine, pixels, settings_from_json, path, sha, model_path, check)
        if recorded is None:
            import torch
            report = replace(report, threads_unrecorded=int(torch.get_num_threads()))
    return report


@contextlib.contextmanager
def _torch_threads(n: Optional[int]):
    """Replay with the thread count the case was drawn with (restored afterwards)."""
    if n is None:
        yield
        return
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _replay_all(record, files, engine, pixels, settings_from_json, path, sha, model_path, check) -> ReproduceReport:
    done: dict[int, Replayed] = {}
    final_sha, checked, matched, diff = record["final"]["sha256"], 0, 0, None
    for step in record["steps"]:
        try:
            done[step["id"]] = replay_step(engine, step, pixels, done, settings_from_json)
        except ComposerError as e:
            diff = Difference(step["id"], step["kind"], None, f"cannot be replayed: {e}")
            break
        except (ValueError, TypeError, KeyError, IndexError, OverflowError) as e:
            # the schema should have refused such a record; never crash on one it let through
            diff = Difference(step["id"], step["kind"], None, f"cannot be replayed: its inputs are invalid "
                                                              f"({type(e).__name__}: {str(e)[:200]})")
            break
        diff, n = _compare(step, done[step["id"]], files, final_sha)
        checked += n
        if diff is not None:
            break
        matched += 1
    final = done.get(record["final"]["step"])
    final_ok = diff is None and final is not None and image_sha256(final.images[0]) == final_sha
    if final_ok and PORTRAIT in files:
        final_ok = np.array_equal(decode_png(files[PORTRAIT], what=PORTRAIT)[0], final.images[0])
    return ReproduceReport(path, sha, model_path, len(record["steps"]), matched,
                           checked, diff, final_ok, check.problems)
