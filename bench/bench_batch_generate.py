"""Batch generation speed: `composer generate --descriptions FILE -n 1` in lines per second.

    python bench/bench_batch_generate.py [--model models/default] [--lines 400] [--repeats 3]
                                         [--out bench/results/batch_generate.json]

Both variants run in this process on the same descriptions file, alternating, so the CPU's load (it is
shared) hits both alike:

* "per line (before)": the loop `composer generate` ran before batching (issue 17), kept here verbatim:
  one Engine.candidates call per line, then the PNG and the JSON sidecar written and fsync'ed in turn;
* "batched (now)": `composer.cli.main(["generate", "--descriptions", FILE, "-n", "1", ...])`, which
  renders --batch portraits per generator forward and writes on a second thread.

Wall time and this process's CPU time (all threads) are both recorded: on a CPU shared with other
jobs the wall rate falls with the load, the rate per CPU-second much less. Timed from the first line read to the last file written (model already loaded and warmed up for both;
the CLI's own model load, about 0.2 s, is subtracted as measured separately). Medians over repeats.
The descriptions are written from random CelebA attribute vectors with varied wording (seeded).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from composer import __version__  # noqa: E402
from composer.atomic import atomic_write_bytes  # noqa: E402
from composer.cli import main as cli_main  # noqa: E402
from composer.engine import Engine  # noqa: E402
from composer.text.attributes import ATTRIBUTES  # noqa: E402
from composer.text.captions import paraphrase  # noqa: E402
from composer.text.description import Description, require_nonempty  # noqa: E402


def descriptions(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        vec = [1.0 if rng.random() < 0.2 else 0.0 for _ in ATTRIBUTES]
        out.append(paraphrase(vec, rng))
    return out


def per_line_before(engine: Engine, texts: list[str], out: Path, n: int, seed: int) -> None:
    """The pre-batching loop of composer/cli/generate.py (output to a StringIO, as a pipe would take it)."""
    from PIL import Image, PngImagePlugin
    out.mkdir(parents=True, exist_ok=True)
    for d_i, text in enumerate(texts):
        desc = Description(free_text=text)
        interp = require_nonempty(engine.describe(desc))
        caption, report, lines = interp.caption, interp.to_json(), interp.report().splitlines()[1:]
        s = seed + d_i
        print(f"[{d_i + 1}/{len(texts)}] {caption}")
        for line in lines:
            print(f"    {line}")
        for k, p in enumerate(engine.candidates(caption, n, s)):
            stem = f"d{d_i:03d}_s{s}_{k:02d}"
            sidecar = {"description": desc.to_json(), "caption": caption, "report": report,
                       "seed": s, "index": k, "z": [float(v) for v in p.z], "image_sha256": p.sha256,
                       "model": {"name": engine.name, "sha256": engine.sha256}, "composer_version": __version__}
            info = PngImagePlugin.PngInfo()
            info.add_text("caption", caption)
            info.add_text("model_sha256", engine.sha256)
            buf = io.BytesIO()
            Image.fromarray(p.image).save(buf, format="PNG", pnginfo=info)
            atomic_write_bytes(out / f"{stem}.png", buf.getvalue(), overwrite=True)
            atomic_write_bytes(out / f"{stem}.json", json.dumps(sidecar, indent=1).encode(), overwrite=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default=str(REPO / "models" / "default"))
    ap.add_argument("--lines", type=int, default=400)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "batch_generate.json"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    texts = descriptions(args.lines)
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        src = work / "descriptions.txt"
        src.write_text("\n".join(texts) + "\n", "utf-8")
        engine = Engine.load(Path(args.model), "cpu")
        per_line_before(engine, texts[:8], work / "warm", 1, 0)      # warm up both paths
        t = time.perf_counter()
        Engine.load(Path(args.model), "cpu")
        load_s = time.perf_counter() - t
        times: dict[str, list[float]] = {"per line (before)": [], "batched (now)": []}
        cpu: dict[str, list[float]] = {k: [] for k in times}
        for r in range(args.repeats):
            for name in times:
                dst = work / f"{name.split()[0]}-{r}"
                sink = io.StringIO()
                t, c = time.perf_counter(), time.process_time()
                with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                    if name.startswith("per line"):
                        engine._cache.clear()
                        per_line_before(engine, texts, dst, 1, 0)
                    else:
                        rc = cli_main(["generate", "--descriptions", str(src), "-n", "1", "--model", args.model,
                                       "--out", str(dst), "--batch", str(args.batch)])
                        assert rc == 0, sink.getvalue()[-2000:]
                elapsed = time.perf_counter() - t - (load_s if name.startswith("batched") else 0.0)
                cpu[name].append(time.process_time() - c)
                assert len(list(dst.glob("*.png"))) == len(texts)
                times[name].append(elapsed)
                print(f"repeat {r}: {name}: {len(texts) / elapsed:.1f} lines/s", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    rows = [{"variant": name, "lines": len(texts), "n": 1, "median_s": round(statistics.median(v), 3),
             "lines_per_s": round(len(texts) / statistics.median(v), 1),
             "range_lines_per_s": [round(len(texts) / max(v), 1), round(len(texts) / min(v), 1)],
             "lines_per_cpu_s": round(len(texts) / statistics.median(cpu[name]), 1)}
            for name, v in times.items()]
    speedup = rows[0]["median_s"] / rows[1]["median_s"]
    doc = {"bench": "batch_generate", "model": Path(args.model).name, "engine": engine.name,
           "threads": args.threads, "batch": args.batch, "repeats": args.repeats, "model_load_s": round(load_s, 3),
           "rows": rows, "speedup": round(speedup, 2), "target_lines_per_s": 20,
           "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), "torch": torch.__version__}}
    print("| variant | lines | lines/s (median) | range | lines per CPU-second |\n|---|---|---|---|---|")
    for row in rows:
        lo, hi = row["range_lines_per_s"]
        print(f"| {row['variant']} | {row['lines']} | {row['lines_per_s']} | {lo}–{hi} | {row['lines_per_cpu_s']} |")
    print(f"\nspeed-up {speedup:.2f}× (target: ≥ 20 lines/s with -n 1)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(doc, indent=1) + "\n", "utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
