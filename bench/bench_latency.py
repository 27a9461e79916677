"""Generation latency through the Engine: 1 and 9 portraits, fp32 and bf16 autocast, as a ratio to
the bare generator forward measured in the same run, plus cold start to the first portrait.

    python bench/bench_latency.py [--model models/default] [--quick] [--out bench/results/latency.json]

"generate" is `Engine.candidates(caption, n, seed)` with a caption not seen before (so it includes
encoding the caption, drawing z, the generator, conversion to uint8 and hashing each Portrait);
"forward" is the generator alone on the same z and sentence vector. Besides --model (skipped when
absent) a random-weight 128 px ngf 64 bundle is always measured, so the 128 px default is covered.
Cold start runs a fresh interpreter: import + Engine.load + first portrait. Medians over repeats.
Uses 2 torch threads; the CPU may be shared with other jobs, so compare ratios rather than absolutes.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

import torch

from composer.engine import Engine
from composer.text.attributes import from_vector
from composer.text.captions import render_caption

REPO = Path(__file__).resolve().parents[1]

THREADS = 2
COLD = """
import json, sys, time
t0 = time.perf_counter()
import torch; torch.set_num_threads({threads})
from composer.engine import Engine
t1 = time.perf_counter()
engine = Engine.load(sys.argv[1], "cpu")
t2 = time.perf_counter()
engine.candidates("a young man with black hair , smiling", 1, 0)
t3 = time.perf_counter()
print(json.dumps({{"import_s": t1 - t0, "load_s": t2 - t1, "first_portrait_s": t3 - t2}}))
"""


def fresh_captions(seed: int = 0) -> Iterator[str]:
    """Endless distinct captions (so the engine's caption cache never hides the encoding cost)."""
    rng, seen = random.Random(seed), set()
    while True:
        cap = render_caption(from_vector([float(rng.random() < 0.3) for _ in range(40)]))
        if cap not in seen:
            seen.add(cap)
            yield cap


def paired_median_ms(a: Callable[[], object], b: Callable[[], object], repeats: int,
                     warmup: int) -> tuple[float, float]:
    """Median ms of a and of b, called alternately so both see the same load on a shared CPU."""
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(warmup + repeats):
        for fn, out in ((a, times[0]), (b, times[1])):
            t = time.perf_counter()
            fn()
            if i >= warmup:
                out.append(time.perf_counter() - t)
    return 1000 * statistics.median(times[0]), 1000 * statistics.median(times[1])


def bench_engine(engine: Engine, label: str, ns: tuple[int, ...], repeats: int, warmup: int) -> list[dict]:
    """Rows of (dtype, n) -> forward ms, generate ms, ratio."""
    captions, rows = fresh_captions(), []
    for dtype in ("fp32", "bf16"):
        amp = lambda: torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == "bf16")  # noqa: E731
        for n in ns:
            with amp():
                sentence = engine.encode(next(captions)).expand(n, -1)
            z = torch.from_numpy(engine.latents(0, n))

            def forward():
                with torch.no_grad(), amp():
                    engine.model.generator(z, sentence)

            def generate():
                with amp():
                    engine.candidates(next(captions), n, 0)

            fwd, gen = paired_median_ms(forward, generate, repeats, warmup)
            rows.append({"model": label, "image_size": engine.image_size, "ngf": engine.model.config.ngf,
                         "dtype": dtype, "n": n, "forward_ms": round(fwd, 2), "generate_ms": round(gen, 2),
                         "ratio": round(gen / fwd, 3), "per_portrait_ms": round(gen / n, 2)})
            print(f"  {label:<24} {dtype} n={n}: forward {fwd:8.1f} ms, generate {gen:8.1f} ms "
                  f"(x{gen / fwd:.2f})", flush=True)
    return rows


def cold_start(path: Path, repeats: int) -> dict:
    """Fresh interpreter each time; wall time measured outside it (includes Python start-up)."""
    env = {**os.environ, "OMP_NUM_THREADS": str(THREADS)}
    walls, parts = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", COLD.format(threads=THREADS), str(path)], env=env,
                             capture_output=True, text=True, check=True, cwd=str(REPO))
        walls.append(time.perf_counter() - t)
        parts.append(json.loads(out.stdout.strip().splitlines()[-1]))
    med = {k: round(statistics.median(p[k] for p in parts), 3) for k in parts[0]}
    return {"wall_s": round(statistics.median(walls), 3), **med, "repeats": repeats}


def random_bundle(folder: Path) -> Path:
    """A random-weight 128 px, ngf 64 bundle (the default architecture) in `folder`."""
    from composer.gan.bundle import save_bundle
    from composer.gan.config import ModelConfig
    from composer.gan.generator import Generator
    from composer.text.attributes import ATTRIBUTES
    from composer.text.captions import paraphrase
    from composer.gan.encoder import TextEncoder
    from composer.train.text_encoder import build_vocabulary

    torch.manual_seed(0)
    cfg = ModelConfig(image_size=128, ngf=64, ndf=64)
    vocab = build_vocabulary(paraphrase, 40, samples=2000)
    path = folder / "random128"
    save_bundle(path, cfg, {"generator": Generator(cfg), "encoder": TextEncoder(cfg, len(vocab))}, vocab,
                {"name": "random-128-ngf64", "label_names": list(ATTRIBUTES)})
    return path


def print_table(results: dict) -> None:
    print(f"\n{'model':<24} {'px':>4} {'dtype':>5} {'n':>2} {'forward ms':>11} {'generate ms':>12} "
          f"{'ratio':>6} {'ms/portrait':>12}")
    for r in results["rows"]:
        print(f"{r['model']:<24} {r['image_size']:>4} {r['dtype']:>5} {r['n']:>2} {r['forward_ms']:>11.1f} "
              f"{r['generate_ms']:>12.1f} {r['ratio']:>6.2f} {r['per_portrait_ms']:>12.1f}")
    for label, c in results["cold_start"].items():
        print(f"cold start {label}: {c['wall_s']:.2f} s wall (import {c['import_s']:.2f}, "
              f"load {c['load_s']:.2f}, first portrait {c['first_portrait_s']:.2f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=str(REPO / "models" / "default"), help="bundle to measure (if present)")
    ap.add_argument("--quick", action="store_true", help="few repeats (a smoke run, ~1 minute)")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "latency.json"))
    args = ap.parse_args()
    torch.set_num_threads(THREADS)
    repeats, warmup, cold_repeats = (3, 1, 1) if args.quick else (7, 2, 3)
    results = {"device": "cpu", "threads": THREADS, "torch": torch.__version__, "machine": platform.machine(),
               "cpu_count": os.cpu_count(), "quick": args.quick, "repeats": repeats, "warmup": warmup,
               "note": "CPU shared with other jobs; ratios are measured within one run",
               "rows": [], "cold_start": {}}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        if (Path(args.model) / "model.json").is_file():
            paths[Engine.load(Path(args.model), "cpu").name] = Path(args.model)
        else:
            print(f"{args.model} holds no model bundle: measuring the random 128 px model only")
        paths["random-128-ngf64"] = random_bundle(Path(tmp))
        for label, path in paths.items():
            engine = Engine.load(path, "cpu")
            print(f"{label}: {engine.image_size} px, sha256 {engine.sha256[:12]}", flush=True)
            results["rows"] += bench_engine(engine, label, (1, 9), repeats, warmup)
            results["cold_start"][label] = cold_start(path, cold_repeats)
    print_table(results)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n", "utf-8")
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
