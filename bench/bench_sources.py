"""Can the realism detector tell the two sources of training faces apart, and what differs?

`composer train` at 64 px takes the 15,979 official-train faces of the 128 px pack (resized to 64)
and, unless --no-lowres-extra, the 9,017 faces that exist only at 64 px. `composer evaluate`'s
detector judges a model against real faces of the 128 px pack. If the detector tells the two real
sources apart, a generator that learns the mixture is partly judged for imitating the wrong photos.

For each detector seed this trains the evaluation's detector (same recipe, 2,000 + 2,000 faces) on
  * 128 px-pack train faces against low-res-extra faces, judged on held-out test faces against other
    low-res-extra faces (real against real, two sources), and
  * 128 px-pack train faces against other 128 px-pack train faces, judged on test faces against
    validation faces (real against real, one source: the detector's floor, about 50 %), and
  * 128 px-pack train faces against real faces mixed as `composer train` mixes them (15,979 : 9,017),
    judged on test faces against such a mix of validation and other low-res faces: what a generator
    that had learned its training data perfectly would score, the floor for a model trained on both.
It also reports the fine detail per luma and colour channel (`metrics.detail_energy`) of each source
and of any model bundles given, on the evaluation's test attribute sets. With --probes, each model's
portraits are also judged after fixed filters (colour smoothed by a Gaussian of sigma 0.5 and 1.0 on
Cr and Cb, luma sharpened by an unsharp mask of 0.3): whether the detector's tell is fine detail a
filter could remove.

    python bench/bench_sources.py --seeds 0 1 2 --models models/default --out bench/results/sources.json
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from composer.cli.validate import check_output_file  # noqa: E402
from composer.errors import ComposerError  # noqa: E402
from composer.gan.bundle import load_bundle  # noqa: E402
from composer.train.data import TRAIN_PACK, FaceData, load_celeba  # noqa: E402
from composer.train.detector import DetectorConfig, fit_detector  # noqa: E402
from composer.train.evaluate import caption_of, generate, spread  # noqa: E402
from composer.train.metrics import detail_energy  # noqa: E402


def smooth_colour(images: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur of sigma px on the Cr and Cb channels only."""
    out = []
    for im in images:
        y = cv2.cvtColor(im, cv2.COLOR_RGB2YCrCb).astype(np.float32)
        for c in (1, 2):
            y[..., c] = cv2.GaussianBlur(y[..., c], (0, 0), sigma)
        out.append(cv2.cvtColor(np.clip(y + 0.5, 0, 255).astype(np.uint8), cv2.COLOR_YCrCb2RGB))
    return np.stack(out)


def sharpen_luma(images: np.ndarray, amount: float) -> np.ndarray:
    """Unsharp mask (Gaussian sigma 1) on the luma channel only."""
    out = []
    for im in images:
        y = cv2.cvtColor(im, cv2.COLOR_RGB2YCrCb).astype(np.float32)
        y[..., 0] += amount * (y[..., 0] - cv2.GaussianBlur(y[..., 0], (0, 0), 1.0))
        out.append(cv2.cvtColor(np.clip(y + 0.5, 0, 255).astype(np.uint8), cv2.COLOR_YCrCb2RGB))
    return np.stack(out)


PROBES = {"as generated": lambda x: x, "colour smoothed, sigma 0.5": lambda x: smooth_colour(x, 0.5),
          "colour smoothed, sigma 1.0": lambda x: smooth_colour(x, 1.0),
          "luma sharpened, 0.3": lambda x: sharpen_luma(x, 0.3)}


def split_sources(folder: Path) -> tuple[FaceData, np.ndarray]:
    """The 64 px training faces as `composer train` loads them, decoded once and split by source:
    (the 128 px pack's faces with their labels, the low-res-extra faces). The 128 px pack comes first."""
    both = load_celeba(folder, "train", 64, lowres_extra=True)
    main_ids = set(np.load(folder / TRAIN_PACK)["ids"].tolist())
    k = sum(int(name.split(".")[0]) in main_ids for name in both.ids)
    main = FaceData(both.images[:k], both.labels[:k], both.label_names, both.ids[:k], both.kind)
    return main, both.images[k:]


def detail_line(e: dict, ref: dict) -> str:
    return f"luma {e['luma'] / ref['luma']:.2f}x, Cr {e['cr'] / ref['cr']:.2f}x, Cb {e['cb'] / ref['cb']:.2f}x test"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/celeba")
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="detector seeds")
    p.add_argument("--train", type=int, default=2000, help="faces per class to train each detector on")
    p.add_argument("--held-out", type=int, default=1000, help="faces per class to judge it on")
    p.add_argument("--models", nargs="*", type=Path, default=[], help="bundles whose detail to report too")
    p.add_argument("--probes", action="store_true",
                   help="judge each model's portraits as generated and after fixed colour / luma filters")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", type=Path, default=ROOT / "bench/results/sources.json")
    a = p.parse_args(argv)
    torch.set_num_threads(a.threads)
    n, m = a.train, a.held_out
    try:
        check_output_file(a.out, "--out")
        models = [load_bundle(path) for path in a.models]
        main, low = split_sources(a.data)
        test = load_celeba(a.data, "test", 64)
        val = load_celeba(a.data, "val", 64).images[:m]
    except ComposerError as e:
        p.error(str(e))
    main_train = main.images[:2 * n]
    if len(test) < m or len(val) < m or len(main_train) < 2 * n or len(low) < n + m:
        p.error(f"need {2 * n} train, {m} test, {m} validation and {n + m} low-res-extra faces")
    mix = len(low) / (len(low) + len(main))          # the share of low-res faces among the training faces
    k_tr, k_ho = round(n * mix), round(m * mix)      # low-res faces in the mixed training / held-out sets
    mixed_train = np.concatenate([main_train[n:2 * n - k_tr], low[:k_tr]])
    mixed_held = np.concatenate([val[:m - k_ho], low[n:n + k_ho]])
    pairs = {"128px_pack_vs_lowres_extra": (main_train[:n], low[:n], test.images[:m], low[n:n + m]),
             "128px_pack_vs_128px_pack": (main_train[:n], main_train[n:2 * n], test.images[:m], val),
             "128px_pack_vs_training_mix": (main_train[:n], mixed_train, test.images[:m], mixed_held)}
    doc = {"seeds": a.seeds, "lowres_share_of_mix": mix, "train_per_class": n, "held_out_per_class": m, "detector": DetectorConfig().to_json(),
           "detectors": {}, "detail": {}}
    for name, (real_a, real_b, held_a, held_b) in pairs.items():
        t0 = time.perf_counter()
        accs = []
        for s in a.seeds:
            _, metrics = fit_detector(real_a, real_b, held_a, held_b, DetectorConfig(seed=s), log=lambda *_: None)
            accs.append(metrics["held_out"]["accuracy"])
        doc["detectors"][name] = {"held_out_accuracy": spread(accs), "by_seed": accs,
                                  "seconds": round(time.perf_counter() - t0, 1)}
        acc = doc["detectors"][name]["held_out_accuracy"]
        print(f"detector, {name.replace('_', ' ')}: held-out accuracy {acc['median']:.3f} "
              f"({acc['min']:.3f}-{acc['max']:.3f}) over seeds {a.seeds}", flush=True)
    sources = {"128 px pack, test (resized to 64)": test.images[:m], "128 px pack, train": main_train[:m],
               "low-res extra, train": low[:m]}
    for path, model in zip(a.models, models):
        rows = test.labels[:m]
        sources[f"{path} ({model.sha256[:8]})"] = generate(model, [caption_of(r) for r in rows], 0)
    ref = detail_energy(test.images[:m])
    for name, images in sources.items():
        e = detail_energy(images)
        doc["detail"][name] = {**e, **{f"{k}_ratio_to_test": e[k] / ref[k] for k in e}}
        print(f"detail, {name}: {detail_line(e, ref)}", flush=True)
    if a.probes:
        doc["probes"] = {}
        for path, model in zip(a.models, models):
            # the evaluation's protocol: portraits of train attribute sets to train on, of test sets
            # (another latent seed) to judge
            fake_train = generate(model, [caption_of(r) for r in main.labels[:n]], 0)
            fake_held = generate(model, [caption_of(r) for r in test.labels[:m]], 1)
            rows = doc["probes"][str(path)] = {}
            for name, probe in PROBES.items():
                ft, fh = probe(fake_train), probe(fake_held)
                accs = [fit_detector(main_train[:n], ft, test.images[:m], fh, DetectorConfig(seed=s),
                                     log=lambda *_: None)[1]["held_out"]["accuracy"] for s in a.seeds]
                rows[name] = {"held_out_accuracy": spread(accs), "by_seed": accs, "detail": detail_energy(fh)}
                acc, e = rows[name]["held_out_accuracy"], rows[name]["detail"]
                print(f"probe, {path}, {name}: detector {acc['median']:.3f} ({acc['min']:.3f}-{acc['max']:.3f}); "
                      f"detail {detail_line(e, ref)}", flush=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(doc, indent=1), "utf-8")
    print(f"written to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
