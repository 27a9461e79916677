"""Benchmark of the region lock (Fast-RSPer on z): quality, seams, speed, and ablations.

Use case measured: lock a region of a real CelebA *test* photo (the "reference photo" case) and
let the generator re-synthesise the rest for that photo's caption, starting from a random z.

    python bench/bench_lock.py [--model DIR] [--sets 50] [--quick] [--threads N]

Without --model it uses models/default if present, else a tiny random model (for development).
Writes bench/results/lock.json. CelebA images are read at run time, never stored.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from composer.edit.composite import psnr, seam_score  # noqa: E402
from composer.edit.features import DiscriminatorFeatures  # noqa: E402
from composer.edit.lock import LockSettings, lock_optimise, region_feature_distance  # noqa: E402
from composer.edit.settings import FEATURES  # noqa: E402
from composer.edit.masks import LockMask  # noqa: E402
from composer.portrait import to_tensor  # noqa: E402
from composer.text.attributes import ATTRIBUTES  # noqa: E402
from composer.text.captions import render_caption  # noqa: E402

DATA = ROOT.parent / "shared/data/celeba"
REGIONS = {"eyes": ("eyes",), "mouth": ("mouth",), "nose": ("nose",), "eyes+mouth": ("eyes", "mouth")}


def load_model(path: Path | None):
    """(generator, discriminator, encode(caption) -> [1,C], name)."""
    from composer.gan.bundle import load_bundle
    from composer.gan.encoder import batch_ids

    path = path or (ROOT / "models/default" if (ROOT / "models/default/model.json").exists() else None)
    if path is not None:
        m = load_bundle(path, need_discriminator=True)
        def encode(caption):
            with torch.no_grad():
                return m.encoder(*batch_ids([m.vocab.encode(caption) or [1]]))
        return m.generator, m.discriminator, encode, str(path)
    from composer.gan.config import ModelConfig
    from composer.gan.discriminator import Discriminator
    from composer.gan.generator import Generator
    torch.manual_seed(0)
    cfg = ModelConfig(image_size=64, ngf=8, ndf=8)
    gen, disc = Generator(cfg).requires_grad_(False), Discriminator(cfg).requires_grad_(False)
    def encode(caption):
        g = torch.Generator().manual_seed(sum(map(ord, caption)))
        return torch.randn(1, cfg.cond_dim, generator=g)
    return gen, disc, encode, "tiny-random (development only)"


def test_sets(n: int, size: int) -> list[dict]:
    """The first n test-split images of the main set: (photo at `size`, caption)."""
    meta = {r["image_id"]: r for r in csv.DictReader(open(DATA / "celeba_meta.csv"))}
    rows = [r for r in csv.DictReader(open(DATA / "celeba_attrs.csv"))
            if meta[r["image_id"]]["partition"] == "2" and meta[r["image_id"]]["set"].startswith("celeba128")]
    shards, out = {}, []
    for r in rows[:n]:
        m = meta[r["image_id"]]
        z = shards.setdefault(m["file"], np.load(DATA / m["file"]))
        i = int(m["index"])
        img = Image.open(io.BytesIO(z["jpeg"][z["offsets"][i]:z["offsets"][i + 1]].tobytes())).convert("RGB")
        photo = np.asarray(img.resize((size, size), Image.LANCZOS), np.uint8)
        state = {a: r[a] == "1" for a in ATTRIBUTES}
        out.append({"id": r["image_id"], "photo": photo, "caption": render_caption(state)})
    return out


def run(gen, disc, sentence, z0, ref, mask, settings, features=None):
    t0 = time.perf_counter()
    last = None
    for last in lock_optimise(gen, sentence, z0, ref, mask, discriminator=disc, settings=settings,
                              features=features):
        pass
    return last.result, time.perf_counter() - t0


def feat_dist(features, a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> float:
    """Feature L1 of image `a` against `b` inside `weight`, as the lock optimiser measures it."""
    mask = torch.from_numpy(np.asarray(weight, np.float32))[None, None]
    return region_feature_distance(features, to_tensor(a), to_tensor(b), mask)


def classifier_judge():
    """Masked feature distance in the evaluation classifier's conv stages (models/classifier): a judge
    independent of every extractor the optimiser can use (it never sees generated images in training),
    so the feature-extractor ablation is not scored by the extractor it optimised. None if absent."""
    from composer.train.classifier import INPUT_SIZE, load_classifier
    folder = ROOT / "models/classifier"
    if not (folder / "classifier.json").exists():
        return None
    net = load_classifier(folder).net.eval()

    def stages(x: torch.Tensor) -> list:   # images in [-1, 1], resized as the classifier's to_input does
        if x.shape[-2:] != (INPUT_SIZE, INPUT_SIZE):
            x = torch.nn.functional.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="area")
        out = []
        for layer in net.body:
            x = layer(x)
            out.append(x)
        return out

    return lambda a, b, weight: feat_dist(stages, a, b, weight)


def quality(res, ref, mask, dfeat, start_raw) -> dict:
    """Fidelity inside the lock (PSNR over the locked region itself, mask == 1; over the outward
    feather band 0 < mask < 1, where the blend hands over to the generated face by design; and
    mask-weighted), change outside it, seams."""
    locked, band, free = mask >= 1.0, (mask > 0) & (mask < 1.0), mask == 0
    best = res.order[0]
    raw, out = res.raw_images[best], res.images[best]
    others = [res.raw_images[i] for i in range(len(res.images))]
    return {"psnr_locked_before": psnr(raw, ref, locked), "psnr_locked_after": psnr(out, ref, locked),
            "psnr_start": psnr(start_raw, ref, locked),
            "psnr_band_after": psnr(out, ref, band), "psnr_weighted_after": psnr_weighted(out, ref, mask),
            "feat_start": feat_dist(dfeat, start_raw, ref, mask), "feat_before": feat_dist(dfeat, raw, ref, mask),
            "feat_after": feat_dist(dfeat, out, ref, mask),
            "outside_abs_change": float(np.abs(out[free].astype(float) - ref[free]).mean()),
            "outside_feat": feat_dist(dfeat, out, ref, free.astype(np.float32)),
            "candidate_spread": float(np.mean([np.abs(a[free].astype(float) - others[0][free]).mean()
                                               for a in others[1:]])) if len(others) > 1 else 0.0,
            "seam": seam_score(out, mask), "seam_reference": seam_score(ref, mask),
            "seam_raw_paste": seam_score(np.where(locked[..., None], ref, raw), mask)}


def psnr_weighted(a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> float:
    """PSNR with each pixel's squared error weighted by the mask (inf when identical)."""
    w = np.asarray(weight, np.float64)[..., None]
    mse = float((w * (np.asarray(a, np.float64) - b) ** 2).sum() / max(w.sum() * 3, 1e-9))
    return float("inf") if mse == 0 else float(10 * np.log10(255.0 ** 2 / mse))


def summarise(rows: list[dict]) -> dict:
    keys = [k for k in rows[0] if isinstance(rows[0][k], float)]
    fin = lambda k: [r[k] for r in rows if np.isfinite(r[k])]
    return {k: round(statistics.median(fin(k)), 4) if fin(k) else float("inf") for k in keys}


def timing(gen, disc, sentence, z0, ref, mask, repeats: int, steps: int) -> dict:
    """Wall time of a complete lock run (optimise + final render + paste-back), 1 and 9 candidates,
    windowed (the default) and on the whole image, interleaved so both see the same machine load."""
    out = {}
    for precision in ("fp32", "bf16"):   # warm-up: first calls pay for allocator and kernel selection
        for window in (True, False):
            run(gen, disc, sentence, z0, ref, mask, LockSettings(n_candidates=9, steps=1, precision=precision,
                                                                 window=window))
    for precision in ("fp32", "bf16"):
        for n in (1, 9):
            ts = {True: [], False: []}
            for _ in range(repeats):
                for window in (True, False):
                    s = LockSettings(n_candidates=n, steps=steps, precision=precision, window=window)
                    ts[window].append(run(gen, disc, sentence, z0, ref, mask, s)[1])
            out[f"{precision}_n{n}_s"] = round(statistics.median(ts[True]), 3)
            out[f"{precision}_n{n}_whole_image_s"] = round(statistics.median(ts[False]), 3)
    return out


def timing_128(repeats: int, steps: int, ngf: int) -> dict:
    """The same timing at 128 px for the production architecture (DF-GAN, ngf/ndf `ngf`). Weights
    are random (no trained 128 px model ships yet); time does not depend on weight values."""
    from composer.gan.config import ModelConfig
    from composer.gan.discriminator import Discriminator
    from composer.gan.generator import Generator
    torch.manual_seed(0)
    cfg = ModelConfig(image_size=128, ngf=ngf, ndf=ngf)
    gen, disc = Generator(cfg).requires_grad_(False), Discriminator(cfg).requires_grad_(False)
    ref = np.asarray(np.random.default_rng(0).integers(0, 256, (128, 128, 3)), np.uint8)
    mask = LockMask(("eyes", "mouth")).render(128)
    sentence = torch.randn(1, cfg.cond_dim, generator=torch.Generator().manual_seed(1))
    z0 = torch.randn(cfg.nz, generator=torch.Generator().manual_seed(2)).numpy()
    out = {"architecture": f"128 px, ngf {ngf}, ndf {ngf}", "steps": steps}
    for key, value in timing(gen, disc, sentence, z0, ref, mask, repeats, steps).items():
        out[key] = value
    zero = timing(gen, disc, sentence, z0, ref, mask, repeats, 0)
    for key, value in zero.items():
        if "whole_image" in key:
            continue
        out[key[:-2] + "_render_only_s"] = value
        out[key[:-2] + "_per_step_s"] = round((out[key] - value) / max(steps, 1), 3)
        out[key[:-2] + "_whole_image_per_step_s"] = round((out[key[:-2] + "_whole_image_s"] - value) / max(steps, 1), 3)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", type=Path, default=None)
    p.add_argument("--sets", type=int, default=50)
    p.add_argument("--quick", action="store_true", help="a few sets and one timing repeat")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (default: all cores)")
    p.add_argument("--grid-steps", type=int, default=10, help="steps for the sets × regions grid")
    p.add_argument("--grid-candidates", type=int, default=2)
    p.add_argument("--ablation-sets", type=int, default=6)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--timing-steps", type=int, default=40, help="optimiser steps in the timing runs (paper: 40)")
    p.add_argument("--timing-128-steps", type=int, default=3,
                   help="steps of the 128 px timing runs (each 128 px step costs seconds on a CPU)")
    p.add_argument("--timing-128-ngf", type=int, default=64)
    p.add_argument("--parts", default="quality,timing",
                   help="comma-separated: quality (sets × regions grid, paste-back, ablations) and/or timing; "
                        "'ablations' alone re-runs only the ablations into the existing --out file")
    p.add_argument("--out", type=Path, default=ROOT / "bench/results/lock.json")
    a = p.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    if a.quick:
        a.sets, a.ablation_sets, a.repeats = min(a.sets, 4), min(a.ablation_sets, 2), 1
    gen, disc, encode, name = load_model(a.model)
    size = gen.config.image_size
    dfeat = DiscriminatorFeatures(disc)
    sets = test_sets(a.sets, size)
    masks = {k: LockMask(v).render(size) for k, v in REGIONS.items()}
    zs = torch.randn(len(sets), gen.config.nz, generator=torch.Generator().manual_seed(0)).numpy()
    report = {"model": name, "image_size": size, "threads": torch.get_num_threads(), "sets": len(sets),
              "grid": {"steps": a.grid_steps, "n_candidates": a.grid_candidates}}
    t_all = time.perf_counter()
    parts = set(a.parts.split(","))
    if "quality" in parts:
        quality_parts(report, a, gen, disc, encode, sets, masks, zs, dfeat)
    elif "ablations" in parts:   # only the ablations, merged into the existing report at --out
        if a.out.exists():
            report = {**json.loads(a.out.read_text()), "model": report["model"]}
        report["ablations"] = ablations(gen, disc, encode, sets[: a.ablation_sets], zs, masks["eyes+mouth"], dfeat)
        print("ablations", json.dumps(report["ablations"]), flush=True)
    if "timing" in parts:
        item = sets[0]
        report["timing_s"] = timing(gen, disc, encode(item["caption"]), zs[0], item["photo"], masks["eyes+mouth"],
                                    a.repeats, a.timing_steps)
        report["timing_s"]["steps"] = a.timing_steps
        print(f"timing ({size} px, {a.timing_steps} steps)", json.dumps(report["timing_s"]), flush=True)
        if a.timing_128_steps >= 0 and size != 128:
            report["timing_128_s"] = timing_128(a.repeats, a.timing_128_steps, a.timing_128_ngf)
            print("timing (128 px)", json.dumps(report["timing_128_s"]), flush=True)
    report["wall_s"] = round(time.perf_counter() - t_all, 1)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=1))
    print("wrote", a.out)
    return 0


def quality_parts(report, a, gen, disc, encode, sets, masks, zs, dfeat) -> None:
    """The sets × regions grid, the paste-back comparison and the ablations, into `report`."""
    grid, start_cache = {}, {}
    for region, mask in masks.items():
        rows = []
        for k, item in enumerate(sets):
            sentence = encode(item["caption"])
            if k not in start_cache:
                start_cache[k] = run(gen, disc, sentence, zs[k], item["photo"], mask,
                                     LockSettings(n_candidates=1, steps=0, paste_back="none"))[0].raw_images[0]
            res, _ = run(gen, disc, sentence, zs[k], item["photo"], mask,
                         LockSettings(n_candidates=a.grid_candidates, steps=a.grid_steps, seed=k))
            rows.append(quality(res, item["photo"], mask, dfeat, start_cache[k]))
        grid[region] = summarise(rows)
        print(region, json.dumps(grid[region]), flush=True)
    report["grid_by_region"] = grid
    report["paste_back"] = paste_back_comparison(gen, disc, encode, sets[: a.ablation_sets], zs, masks["eyes+mouth"],
                                                 a.grid_steps)
    print("paste-back", json.dumps(report["paste_back"]), flush=True)
    report["ablations"] = ablations(gen, disc, encode, sets[: a.ablation_sets], zs, masks["eyes+mouth"], dfeat)
    print("ablations", json.dumps(report["ablations"]), flush=True)


def paste_back_comparison(gen, disc, encode, sets, zs, mask, steps) -> dict:
    from composer.edit.composite import paste_back
    rows = {"feather": [], "poisson": []}
    for k, item in enumerate(sets):
        res, _ = run(gen, disc, encode(item["caption"]), zs[k], item["photo"], mask,
                     LockSettings(n_candidates=1, steps=steps, paste_back="none"))
        for method in rows:
            out = paste_back(res.raw_images[0], item["photo"], mask, method)
            free = mask == 0
            rows[method].append({"seam": seam_score(out, mask), "seam_reference": seam_score(item["photo"], mask),
                                 "psnr_locked": psnr(out, item["photo"], mask >= 1.0),
                                 "psnr_band": psnr(out, item["photo"], (mask > 0) & (mask < 1)),
                                 "outside_change_vs_raw": float(np.abs(out[free].astype(float)
                                                                       - res.raw_images[0][free]).mean())})
    return {m: summarise(r) for m, r in rows.items()}


def ablations(gen, disc, encode, sets, zs, mask, dfeat) -> dict:
    """Final locked-region quality (before paste-back) relative to the default extractor
    (LockSettings().features, windowed) at 20 steps and 3 candidates: the other extractors, the whole
    image instead of the window, 10/40 steps, and 1/9 restarts."""
    from composer.edit.features import make_features
    base_kind = LockSettings().features
    others = [k for k in FEATURES if k != base_kind]
    configs = {f"{base_kind}_s20": (base_kind, 20, 3, True),
               f"{base_kind}_s20_whole_image": (base_kind, 20, 3, False),
               **{f"{k}_s20": (k, 20, 3, True) for k in others},
               f"{base_kind}_s10": (base_kind, 10, 3, True), f"{base_kind}_s40": (base_kind, 40, 3, True),
               "restarts_n1": (base_kind, 20, 1, True), "restarts_n9": (base_kind, 20, 9, True)}
    judge = classifier_judge()
    out = {}
    for key, (kind, steps, n, window) in configs.items():
        feats = make_features(kind, disc)
        rows = []
        for k, item in enumerate(sets):
            s = LockSettings(n_candidates=n, steps=steps, seed=k, features=kind, window=window,
                             pixel_weight=1.0 if kind == "pixel" else 0.1)
            res, t = run(gen, disc, encode(item["caption"]), zs[k], item["photo"], mask, s, feats)
            raw = res.raw_images[res.order[0]]
            row = {"psnr_before": psnr(raw, item["photo"], mask >= 1.0),
                   "feat_before": feat_dist(dfeat, raw, item["photo"], mask), "time_s": t}
            if judge is not None:
                row["classifier_feat_before"] = judge(raw, item["photo"], mask)
            rows.append(row)
        out[key] = summarise(rows)
    base = out[f"{base_kind}_s20"]
    for key, v in out.items():
        v["feat_ratio_vs_default"] = round(v["feat_before"] / max(base["feat_before"], 1e-9), 3)
        v["time_ratio_vs_default"] = round(v["time_s"] / max(base["time_s"], 1e-9), 3)
        if "classifier_feat_before" in v:
            v["classifier_feat_ratio_vs_default"] = round(v["classifier_feat_before"]
                                                          / max(base["classifier_feat_before"], 1e-9), 3)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
