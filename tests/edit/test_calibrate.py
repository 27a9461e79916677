"""The lock's runtime calibration measures every choice, keeps the fastest and sets torch to it."""
from __future__ import annotations

import torch

from composer.edit.calibrate import LockRuntime, calibrate_lock


def test_calibration_measures_each_choice_and_keeps_the_fastest(tiny_engine):
    before = torch.get_num_threads()
    try:
        runtime = calibrate_lock(tiny_engine, candidates=2, steps=1, repeats=1, threads=(1,))
        assert set(runtime.timings) >= {"fp32/1", "bf16/1"}
        assert all(t > 0 for t in runtime.timings.values())
        assert runtime.timings[f"{runtime.precision}/{runtime.threads}"] == min(runtime.timings.values())
        assert torch.get_num_threads() == runtime.threads
    finally:
        torch.set_num_threads(before)


def test_describe_names_the_choice_and_the_gain():
    text = LockRuntime("bf16", 1, {"bf16/1": 1.0, "fp32/2": 3.0}).describe()
    assert text == "re-synthesis runs in bf16 on 1 thread(s), 3.0× faster than the slowest choice"
