"""Benchmark of the 2× face refiner R (composer/gan/refiner.py) after the shipped generator G.

    python bench/bench_refiner.py --model models/default --refiner runs/refiner/bundle --threads 1

Writes bench/results/refiner.json and docs/refiner-grid.png. Measures, medians, ratios within one run:

* paired, real TEST faces: PSNR and SSIM of R(down(x)) against x, beside bicubic(down(x)), where
  down is the generator's training-data resize (PIL LANCZOS to 64 px);
* generated faces: FD and KID at 128 px of R(G) and of bicubic(G) against real test faces, with the
  real-vs-real floor (val vs test) at the same sample size, in the 128-d penultimate space of a small
  attribute CNN that reads 128 px (trained here on the TRAIN split only, cached in runs/clf128; the
  project classifier reads 64 px, so it cannot see what R adds);
* attributes survive: the project classifier's balanced accuracy against the request for G's 64 px
  images and for downsample(R(G)) (the same LANCZOS resize), all 40 attributes;
* time: 9 portraits through G alone and through G then R (R's share), and the region lock's 9
  candidates at the output size (Engine.resynthesise with a refiner, default LockSettings) as a
  ratio to the bare G forward of 9.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from composer.gan.refiner import lanczos_down2, upsample2  # noqa: E402


# --- 128 px feature net (train split only) -------------------------------------------------------
class Net128(nn.Module):
    """128 px image -> (128-d features, 40 logits). Stride-2 convs 128→4, a linear neck."""

    def __init__(self, n_labels: int = 40, w: int = 16):
        super().__init__()
        chans = [3, w, 2 * w, 4 * w, 8 * w, 8 * w]
        layers = []
        for a, b in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv2d(a, b, 3, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True),
                       nn.Conv2d(b, b, 3, 1, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*layers)
        self.neck = nn.Sequential(nn.Flatten(), nn.Linear(16 * 8 * w, 128), nn.BatchNorm1d(128), nn.ReLU(inplace=True))
        self.head = nn.Linear(128, n_labels)

    def features(self, x):
        return self.neck(self.body(x))

    def forward(self, x):
        return self.head(self.features(x))


def fit_net128(data_folder: Path, folder: Path, epochs: int, limit: int, log=print) -> Net128:
    from safetensors.torch import load_file, save_file
    from composer.train.data import load_celeba
    folder.mkdir(parents=True, exist_ok=True)
    net = Net128()
    if (folder / "net128.safetensors").is_file():
        net.load_state_dict(load_file(str(folder / "net128.safetensors")))
        return net.eval()
    train = load_celeba(data_folder, "train", 128, limit)
    x_all, y_all = torch.from_numpy(train.images), torch.from_numpy(train.labels)
    torch.manual_seed(0)
    opt = torch.optim.AdamW(net.parameters(), 2e-3, weight_decay=1e-4)
    steps = epochs * (len(train) // 64)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 2e-3, total_steps=steps)
    t0 = time.time()
    net.train()
    for step in range(steps):
        idx = torch.randint(0, len(train), (64,))
        x = x_all[idx].permute(0, 3, 1, 2).float() / 127.5 - 1
        x = torch.where(torch.rand(64, 1, 1, 1) < 0.5, x.flip(3), x)
        with torch.autocast("cpu", torch.bfloat16):
            loss = F.binary_cross_entropy_with_logits(net(x).float(), y_all[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 50 == 0:
            log(f"net128 step {step}/{steps} loss {loss.item():.4f} ({time.time() - t0:.0f} s)")
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(folder / "net128.safetensors"))
    (folder / "net128.json").write_text(json.dumps({"trained_on": "CelebA official train split", "images": len(train),
                                                    "epochs": epochs, "seconds": round(time.time() - t0)}))
    return net.eval()


@torch.no_grad()
def feats128(net: Net128, images: np.ndarray) -> np.ndarray:
    out = []
    for i in range(0, len(images), 128):
        x = torch.from_numpy(np.ascontiguousarray(images[i:i + 128])).permute(0, 3, 1, 2).float() / 127.5 - 1
        out.append(net.features(x).double().numpy())
    return np.concatenate(out)


# --- image measures ------------------------------------------------------------------------------
def psnr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    mse = ((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean(axis=(1, 2, 3))
    return 10 * np.log10(255.0 ** 2 / np.maximum(mse, 1e-10))


def ssim(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-image SSIM (Wang et al. 2004: 11×11 Gaussian, σ 1.5, K 0.01/0.03) on the luma channel."""
    def luma(x):
        x = torch.from_numpy(x.astype(np.float64))
        return (0.299 * x[..., 0] + 0.587 * x[..., 1] + 0.114 * x[..., 2])[:, None]
    x, y = luma(a), luma(b)
    g = torch.exp(-((torch.arange(11, dtype=torch.float64) - 5) ** 2) / (2 * 1.5 ** 2))
    g = (g / g.sum())
    k = (g[:, None] * g[None, :])[None, None]
    f = lambda t: F.conv2d(t, k)  # noqa: E731 - valid window, as the reference implementation
    mx, my = f(x), f(y)
    sxx, syy, sxy = f(x * x) - mx ** 2, f(y * y) - my ** 2, f(x * y) - mx * my
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (sxx + syy + c2))
    return s.mean(dim=(1, 2, 3)).numpy()


def to_u8(x: torch.Tensor) -> np.ndarray:
    return ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()


def from_u8(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a)).permute(0, 3, 1, 2).float() / 127.5 - 1


@torch.no_grad()
def apply(fn, x: torch.Tensor, batch: int = 64) -> torch.Tensor:
    return torch.cat([fn(x[i:i + batch]) for i in range(0, len(x), batch)])


def med(ts):
    return float(statistics.median(ts))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    ap.add_argument("--refiner", type=Path, default=ROOT / "runs" / "refiner" / "bundle")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "celeba")
    ap.add_argument("--n", type=int, default=1000, help="generated / real samples for FD and KID")
    ap.add_argument("--paired", type=int, default=500, help="real test faces for PSNR / SSIM")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--fit-only", action="store_true", help="only train and cache the 128 px feature net")
    ap.add_argument("--net128", type=Path, default=ROOT / "runs" / "clf128")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "refiner.json")
    ap.add_argument("--grid", type=Path, default=ROOT / "docs" / "refiner-grid.png")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    net = fit_net128(args.data, args.net128, epochs=2, limit=12000)
    if args.fit_only:
        return 0

    import shutil
    import tempfile
    from composer.engine import Engine
    from composer.train.classifier import load_classifier
    from composer.train.data import load_celeba
    from composer.train.evaluate import caption_of, subsample
    from composer.train.loop import SAMPLE_STATES, save_grid
    from composer.train.metrics import agreement, frechet_distance, kernel_inception_distance, kid_ratio
    from composer.train.refiner import attach_refiner, downsample_like_training
    from composer.text.captions import render_caption
    from composer.train.text_encoder import encode_texts

    tmp = Path(tempfile.mkdtemp())
    shutil.copytree(args.model, tmp / "bundle", ignore=shutil.ignore_patterns("refiner.safetensors"))
    manifest = json.loads((tmp / "bundle" / "model.json").read_text())
    if "refiner" in manifest.get("files", {}):   # measure the given refiner, not one already attached
        manifest["files"].pop("refiner")
        manifest.pop("refiner", None)
        (tmp / "bundle" / "model.json").write_text(json.dumps(manifest))
    attach_refiner(args.refiner, tmp / "bundle")
    engine = Engine.load(tmp / "bundle", "cpu")
    model = engine.model
    R = model.refiner
    rdoc = json.loads((args.refiner / "refiner.json").read_text())
    report = {"model": str(args.model), "refiner": str(args.refiner), "refiner_config": rdoc["config"],
              "refiner_parameters": int(sum(p.numel() for p in R.parameters())),
              "refiner_weights_sha256": rdoc.get("weights_sha256"), "threads": args.threads,
              "refiner_training": rdoc.get("metrics")}
    refine = engine.upscale

    # paired, real test faces
    test = load_celeba(args.data, "test", 128)
    idx = subsample(len(test), args.paired, 0)
    hi = test.images[idx]
    lo = downsample_like_training(hi, 64)
    lo_t = from_u8(lo)
    sr, bic = to_u8(apply(refine, lo_t)), to_u8(apply(upsample2, lo_t))
    report["paired"] = {"n": int(len(idx)), "split": "test",
                        "psnr_refiner": float(np.median(psnr(sr, hi))), "psnr_bicubic": float(np.median(psnr(bic, hi))),
                        "ssim_refiner": float(np.median(ssim(sr, hi))), "ssim_bicubic": float(np.median(ssim(bic, hi)))}
    print("paired", report["paired"], flush=True)

    # generated faces: requested attribute sets of the test split
    n = min(args.n, len(test))
    gi = subsample(len(test), n, 1)
    rows = test.labels[gi]
    caps = [caption_of(r) for r in rows]
    z = torch.randn(n, model.config.nz, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        g = torch.cat([model.generator(z[i:i + 50], encode_texts(model.encoder, model.vocab, caps[i:i + 50]))
                       for i in range(0, n, 50)])
    rg = apply(refine, g)
    bg = apply(upsample2, g)
    rg_u8, bg_u8, g_u8 = to_u8(rg), to_u8(bg), to_u8(g)
    real_test = test.images[subsample(len(test), n, 2)]
    val = load_celeba(args.data, "val", 128)
    real_val = val.images[subsample(len(val), n, 3)]
    f_rg, f_bg, f_test, f_val = (feats128(net, a) for a in (rg_u8, bg_u8, real_test, real_val))
    kid = {k: kernel_inception_distance(a, f_test, subsets=50, subset_size=n // 2)
           for k, a in (("refiner", f_rg), ("bicubic", f_bg), ("floor", f_val))}
    report["generated"] = {
        "n": n, "feature_space": "penultimate 128-d of a 128 px attribute CNN trained on the train split (runs/clf128)",
        "fd_refiner": frechet_distance(f_rg, f_test), "fd_bicubic": frechet_distance(f_bg, f_test),
        "fd_floor_val_vs_test": frechet_distance(f_val, f_test),
        "kid_refiner": kid["refiner"], "kid_bicubic": kid["bicubic"], "kid_floor_val_vs_test": kid["floor"],
        "kid_ratio_refiner": kid_ratio(kid["refiner"], kid["floor"]),
        "kid_ratio_bicubic": kid_ratio(kid["bicubic"], kid["floor"])}
    gen = report["generated"]
    gen["fd_ratio_refiner"] = gen["fd_refiner"] / gen["fd_floor_val_vs_test"]
    gen["fd_ratio_bicubic"] = gen["fd_bicubic"] / gen["fd_floor_val_vs_test"]
    print("generated", {k: v for k, v in gen.items() if not isinstance(v, dict)}, flush=True)

    # attributes survive (project classifier, 64 px)
    clf = load_classifier(ROOT / "models" / "classifier")
    down = to_u8(apply(lambda t: lanczos_down2(t), rg))
    pg, pd = clf.run(g_u8)[0], clf.run(down)[0]
    a_g = agreement(clf.predict(pg), rows, clf.label_names)
    a_d = agreement(clf.predict(pd), rows, clf.label_names)
    ba_g = float(np.mean([v["balanced_accuracy"] for v in a_g.values()]))
    ba_d = float(np.mean([v["balanced_accuracy"] for v in a_d.values()]))
    worst = sorted(((a_d[k]["balanced_accuracy"] - a_g[k]["balanced_accuracy"], k) for k in a_g))[:3]
    report["attributes"] = {"n": n, "balanced_accuracy_G": ba_g, "balanced_accuracy_down_R_G": ba_d,
                            "difference": ba_d - ba_g, "within_0.01": abs(ba_d - ba_g) <= 0.01,
                            "largest_drops": [[k, round(d, 4)] for d, k in worst],
                            "decision_agreement_G_vs_down_R_G": float((clf.predict(pg) == clf.predict(pd)).mean())}
    print("attributes", report["attributes"], flush=True)

    # time
    sent = engine.encode(render_caption(SAMPLE_STATES[0]))
    z9 = torch.from_numpy(engine.latents(0, 9))
    tg, tr, tb = [], [], []
    with torch.no_grad():
        for _ in range(2):
            refine(model.generator(z9, sent.expand(9, -1)))
        for _ in range(args.repeats):
            t = time.perf_counter()
            x = model.generator(z9, sent.expand(9, -1))
            tg.append(time.perf_counter() - t)
            t = time.perf_counter()
            refine(x)
            tr.append(time.perf_counter() - t)
            t = time.perf_counter()
            upsample2(x)
            tb.append(time.perf_counter() - t)
    import dataclasses
    from composer.edit.lock import LockSettings
    from composer.edit.masks import region_mask
    plain = Engine(dataclasses.replace(model, refiner=None), engine.schema, engine.device)
    cap = render_caption(SAMPLE_STATES[2])

    def lock_time(e, settings):
        ref = e.candidates(cap, 1, 4)[0]
        mask = region_mask("eyes", e.image_size)
        ts = []
        for _ in range(3):
            t = time.perf_counter()
            last = list(e.resynthesise(cap, ref.z, ref.image, mask, settings))[-1]
            ts.append(time.perf_counter() - t)
        assert last.result.images[0].shape == (e.image_size, e.image_size, 3)
        core = mask >= 1.0
        assert all(np.array_equal(im[core], ref.image[core]) for im in last.result.images)
        return med(ts)

    tl = {"refiner_fp32": lock_time(engine, LockSettings()),
          "generator_only_fp32": lock_time(plain, LockSettings()),
          "refiner_bf16": lock_time(engine, LockSettings(precision="bf16"))}
    report["time"] = {"G_9_s": med(tg), "R_9_s": med(tr), "bicubic_9_s": med(tb),
                      "R_share_of_G": med(tr) / med(tg),
                      "lock_9_candidates_s": tl,
                      "lock_ratio_to_G_forward": {k: v / med(tg) for k, v in tl.items()},
                      "lock_refiner_over_generator_only": tl["refiner_fp32"] / tl["generator_only_fp32"],
                      "lock_settings": LockSettings().to_json(), "lock_region": "eyes",
                      "repeats": args.repeats}
    print("time", report["time"], flush=True)

    # the grid: 8 fixed captions × (4 z): G bicubic | R(G)
    caps8 = [render_caption(s) for s in SAMPLE_STATES]
    fz = torch.randn(4, model.config.nz, generator=torch.Generator().manual_seed(1234))
    rows_img = []
    with torch.no_grad():
        for c in caps8:
            x = model.generator(fz, engine.encode(c).expand(4, -1))
            rows_img += [upsample2(x), refine(x)]
    tiles = torch.cat([torch.cat([rows_img[2 * i], rows_img[2 * i + 1]]) for i in range(8)])
    # each row: 4 bicubic then the same 4 refined
    args.grid.parent.mkdir(parents=True, exist_ok=True)
    save_grid(tiles, 8, args.grid)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(f"wrote {args.out} and {args.grid}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
