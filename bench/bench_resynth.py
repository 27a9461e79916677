"""Re-synthesis in the window: the spread of its candidates at each Variation strength, and its
time for 9 candidates at each precision and thread count, both measured through the real Studio
(the window's controller: its worker thread, its lock step, its recording).

    python bench/bench_resynth.py [--model models/default] [--seeds 3] [--repeats 3]

Spread: the mean absolute pixel difference (/255) between every pair of the 9 candidates, outside
the locked eyes (where they may differ), beside the same figure for 9 fresh candidates of a Generate.
Speed: wall time from the Re-synthesise request to the recorded step, median over repeats, for
fp32 and bf16 at 1 and 2 threads (the window's calibration picks among these at model load).
Multisource: a lock of two sources (the picked portrait's eyes, a real test photo's mouth): seams and
exactness per region (`--parts multisource --sets 10`). Writes bench/results/resynth.json (`--out`).
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

CAPTIONS = ("A man in his forties, short dark hair going grey at the sides, thick eyebrows, a moustache",
            "a young woman with long blond wavy hair, smiling, wearing lipstick",
            "an older bald man with glasses and a double chin")
STRENGTHS = (0.5, 1.5, 4.0)


def pair_spread(images, free) -> float:
    """Mean |a - b| / 255 over the free pixels, averaged over all pairs."""
    xs = [np.asarray(im, np.float32)[free] for im in images]
    return float(np.mean([np.abs(a - b).mean() / 255.0 for a, b in itertools.combinations(xs, 2)]))


class Driver:
    """A Studio over the real engine, driven as the window drives it, waiting in a Qt event loop."""

    def __init__(self, engine):
        from PyQt5.QtWidgets import QApplication

        from composer.gui.controller import Studio
        from composer.session import Session
        self.app = QApplication.instance() or QApplication([])
        self.studio = Studio(Session(None), lambda path, device: engine)
        self._wait(lambda: self.studio.engine is not None, lambda: self.studio.load_model(None, "cpu"))

    def _wait(self, done, start, timeout_s=600.0):
        from PyQt5.QtCore import QEventLoop, QTimer
        errors = []
        self.studio.error.connect(errors.append)
        t0 = time.perf_counter()
        start()
        loop = QEventLoop()
        timer = QTimer()
        timer.timeout.connect(lambda: (done() or errors or time.perf_counter() - t0 > timeout_s) and loop.quit())
        timer.start(2)
        loop.exec_()
        timer.stop()
        self.studio.error.disconnect(errors.append)
        if errors:
            raise RuntimeError(errors[0])
        return time.perf_counter() - t0

    def describe(self, text):
        from composer.text.description import Description
        d = Description(choices={}, free_text=text)
        self.studio.set_description(d, self.studio.engine.describe(d))

    def generate(self, n, seed):
        n_steps = len(self.studio.session.steps)
        self._wait(lambda: len(self.studio.session.steps) > n_steps + (0 if self.studio.session.steps else 1)
                   and self.studio.session.current.kind == "generate", lambda: self.studio.generate(n, seed=seed))

    def lock_eyes(self):
        from composer.edit.lockset import LockSet
        view = self.studio.view()
        self.studio.set_lock(LockSet(()).with_region("eyes", view.sources[0]), {})

    def resynthesise(self, settings) -> float:
        before = len(self.studio.session.steps)
        return self._wait(lambda: len(self.studio.session.steps) > before
                          and self.studio.session.current.kind == "resynthesise",
                          lambda: self.studio.resynthesise(settings))


def multisource(driver, base, n_sets: int) -> dict:
    """A lock set of two sources through the Studio: the eyes of the picked portrait and the mouth of a
    real test photo (the CelebA crop is the model's framing). Per candidate: the seam of the union lock
    (gradient energy in a 2 px band around it / elsewhere; bench_lock.py's measure) beside the photo's
    own score on that band, the seam inside the composite where the photo's mouth meets the portrait,
    and whether each region's core kept its source's pixels exactly."""
    import bench_lock

    from composer.edit.composite import seam_score
    from composer.edit.lockset import LockSet, default_region_mask
    from composer.edit.settings import LockSettings
    from composer.text.description import Description
    size = driver.studio.engine.image_size
    rows = []
    for i, item in enumerate(bench_lock.test_sets(n_sets, size)):
        d = Description(choices={}, free_text=item["caption"])
        driver.studio.set_description(d, driver.studio.engine.describe(d))
        driver.generate(9, 500 + i)
        driver.studio.pick(0)
        portrait = driver.studio.view().portrait
        photo = driver.studio.import_reference(f"test-{item['id']}", item["photo"])
        view = driver.studio.view()
        lockset = LockSet(()).with_region("eyes", view.sources[0]).with_region("mouth", photo)
        driver.studio.set_lock(lockset, {})
        lock = driver.studio.view().lock
        driver.resynthesise(LockSettings(**{**base.to_json(), "seed": i, "precision": "bf16"}))
        union = driver.studio.session.lock_mask(lock.step_id)
        reference = driver.studio.session.image(lock.reference_sha256)
        eyes = default_region_mask("eyes", size, portrait.image)
        mouth = default_region_mask("mouth", size, item["photo"])
        cands = [c.image for c in driver.studio.view().candidates]
        rows.append({
            "seam": statistics.median(seam_score(c, union) for c in cands),
            "seam_photo_same_band": seam_score(item["photo"], union),
            "seam_inside_composite": seam_score(reference, mouth),
            "seam_photo_mouth_band": seam_score(item["photo"], mouth),
            "eyes_core_exact": float(np.mean([np.array_equal(c[(eyes == 1) & (mouth == 0)],
                                                             portrait.image[(eyes == 1) & (mouth == 0)])
                                              for c in cands])),
            "mouth_core_exact": float(np.mean([np.array_equal(c[mouth == 1], item["photo"][mouth == 1])
                                               for c in cands]))})
    summary = {k: {"median": statistics.median(r[k] for r in rows), "min": min(r[k] for r in rows),
                   "max": max(r[k] for r in rows)} for k in rows[0]}
    print("lock set: eyes from the portrait + mouth from a test photo, median (range) over sets")
    for k, v in summary.items():
        print(f"  {k:<24} {v['median']:.3f} ({v['min']:.3f}–{v['max']:.3f})")
    return {"sets": len(rows), "summary": summary, "rows": rows}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", type=Path, default=ROOT / "models/default")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--steps", type=int, default=None, help="lock steps (default: the window's default)")
    p.add_argument("--parts", default="spread,speed", help="comma list of spread, multisource, speed")
    p.add_argument("--sets", type=int, default=10, help="test photos for the multisource part")
    p.add_argument("--out", type=Path, default=ROOT / "bench/results/resynth.json")
    args = p.parse_args(argv)

    from composer.edit.settings import LockSettings
    from composer.engine import Engine
    engine = Engine.load(args.model, "cpu")
    driver = Driver(engine)
    base = LockSettings() if args.steps is None else LockSettings(steps=args.steps)
    out = {"model": engine.name, "model_sha256": engine.sha256, "lock_steps": base.steps, "n_candidates": 9,
           "cpu_threads_available": os.cpu_count(), "load_average": os.getloadavg()}
    parts = set(args.parts.split(","))

    if "spread" in parts:
        torch.set_num_threads(2)
        rows = {str(s): [] for s in STRENGTHS}
        fresh = []
        for seed in range(args.seeds):
            for caption in CAPTIONS:
                driver.describe(caption)
                driver.generate(9, 1000 + seed)
                grid = [c.image for c in driver.studio.view().candidates]
                fresh.append(pair_spread(grid, np.ones(grid[0].shape[:2], bool)))
                driver.studio.pick(0)
                driver.lock_eyes()
                free = driver.studio.session.lock_mask(driver.studio.view().lock.step_id) == 0
                for s in STRENGTHS:
                    driver.resynthesise(LockSettings(**{**base.to_json(), "restart_sigma": s, "seed": seed,
                                                        "precision": "bf16"}))
                    rows[str(s)].append(pair_spread([c.image for c in driver.studio.view().candidates], free))
                    driver.studio.undo()          # back to the lock: the next strength starts alike
        out["spread"] = {s: {"median": statistics.median(v), "min": min(v), "max": max(v), "n": len(v)}
                         for s, v in rows.items()}
        out["spread_fresh"] = {"median": statistics.median(fresh), "min": min(fresh), "max": max(fresh)}
        print("variation (restart sigma) | spread between candidates outside the lock, median (range)")
        for s, r in out["spread"].items():
            print(f"  {s:>4} | {r['median']:.3f} ({r['min']:.3f}–{r['max']:.3f})")
        f = out["spread_fresh"]
        print(f"  fresh Generate | {f['median']:.3f} ({f['min']:.3f}–{f['max']:.3f})")

    if "multisource" in parts:
        out["multisource"] = multisource(driver, base, args.sets)

    if "speed" in parts:
        driver.describe(CAPTIONS[0])
        driver.generate(9, 7)
        driver.studio.pick(0)
        driver.lock_eyes()
        speed = {}
        for precision, threads in itertools.product(("fp32", "bf16"), (1, 2)):
            torch.set_num_threads(threads)
            settings = LockSettings(**{**base.to_json(), "precision": precision})
            driver.resynthesise(settings)                       # warm-up
            driver.studio.undo()
            times = []
            for r in range(args.repeats):
                times.append(driver.resynthesise(LockSettings(**{**settings.to_json(), "seed": r})))
                driver.studio.undo()
            speed[f"{precision}/{threads}"] = {"median_s": statistics.median(times), "min_s": min(times),
                                               "max_s": max(times)}
            print(f"  {precision} {threads} thread(s): {statistics.median(times):.2f} s "
                  f"({min(times):.2f}–{max(times):.2f})")
        out["speed"] = speed
        ref = speed["fp32/2"]["median_s"]
        out["speed_ratio_to_fp32_2threads"] = {k: v["median_s"] / ref for k, v in speed.items()}
    out["load_average_after"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")
    driver.studio.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
