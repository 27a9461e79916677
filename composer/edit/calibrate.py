"""Pick the region lock's precision and CPU thread count by measuring them on this machine.

On a loaded workstation one thread can be several times faster than two, and bf16 autocast is
faster only on CPUs with bf16 instructions; neither can be known in advance. At model load the
window times a short lock of the window's candidate count at each (precision, threads) and keeps
the fastest. The thread count then stays fixed for the session (a batched convolution's float
sums depend on it; case files record it and `composer reproduce` replays with it), and the
precision is recorded in every re-synthesis step's settings.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import torch

from composer.edit.settings import LockSettings


@dataclass(frozen=True)
class LockRuntime:
    """What the calibration chose, and the median seconds it measured for each "precision/threads"."""
    precision: str
    threads: int
    timings: Mapping[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        best = self.timings.get(f"{self.precision}/{self.threads}")
        slowest = max(self.timings.values()) if self.timings else None
        gain = f", {slowest / best:.1f}× faster than the slowest choice" if best and slowest and best > 0 else ""
        return f"re-synthesis runs in {self.precision} on {self.threads} thread(s){gain}"


def calibrate_lock(engine: Any, *, candidates: int = 9, steps: int = 2, repeats: int = 1,
                   threads: Sequence[int] = (1, 2), precisions: Sequence[str] = ("fp32", "bf16")) -> LockRuntime:
    """Time `repeats` short locks (`steps` optimiser steps, `candidates` candidates, eyes locked on a
    drawn face) per choice; leaves torch at the chosen thread count and returns the choice."""
    available = max(1, torch.get_num_threads())
    options = sorted({max(1, min(int(t), available)) for t in threads} | {available})
    z = engine.latents(0, 1)[0]
    caption = "a person"
    image = engine.render(caption, z[None])[0].image
    size = int(engine.image_size)
    mask = np.zeros((size, size), np.float32)
    mask[size * 3 // 8: size // 2, size // 4: size * 3 // 4] = 1.0
    timings: dict[str, float] = {}
    for precision in precisions:
        for n in options:
            torch.set_num_threads(n)
            settings = LockSettings(n_candidates=candidates, steps=steps, precision=precision)
            runs = []
            for r in range(repeats + 1):                 # the first run warms up
                t0 = time.perf_counter()
                for _ in engine.resynthesise(caption, z, image, mask, settings):
                    pass
                if r:
                    runs.append(time.perf_counter() - t0)
            timings[f"{precision}/{n}"] = float(np.median(runs))
    best = min(timings, key=timings.get)
    precision, n = best.split("/")
    torch.set_num_threads(int(n))
    return LockRuntime(precision, int(n), timings)
