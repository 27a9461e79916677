"""The GPU run script works end to end on CPU with a tiny configuration (issue: ship the 128 px model)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]


def test_gpu_train_script_smoke(tmp_path, celeba_dir):
    data = tmp_path / "celeba"
    data.mkdir()
    for f in ("celeba_attrs.csv", "celeba_meta.csv", "celeba128_shard00.npz"):
        os.symlink(celeba_dir / f, data / f)
    env = dict(os.environ, SIZE="64", NGF="8", BATCH="4", MINUTES="0.5", EXTRA="--limit 64 --encoder-steps 5 --threads 1",
               RUN=str(tmp_path / "run"), DATA=str(data), PY=sys.executable, OUT=str(tmp_path / "out"))
    subprocess.run(["bash", str(ROOT / "scripts" / "gpu_train.sh"), "start"], check=True, env=env, cwd=ROOT)
    deadline = time.time() + 150
    while time.time() < deadline and not (tmp_path / "run" / "bundle" / "model.json").is_file():
        time.sleep(1)
    while time.time() < deadline and "bundle written" not in (tmp_path / "run" / "train.log").read_text():
        time.sleep(1)
    time.sleep(2)
    out = subprocess.run(["bash", str(ROOT / "scripts" / "gpu_train.sh"), "collect"], env=env, cwd=ROOT,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    files = list((tmp_path / "out" / "bundle").iterdir())
    assert {"model.json", "generator.safetensors", "encoder.safetensors"} <= {f.name for f in files}
    assert all(f.stat().st_size < 16 * 2**20 for f in files)
    from composer.engine import Engine
    eng = Engine.load(tmp_path / "out" / "bundle", "cpu")
    assert eng.candidates("a young woman with blond hair", 2, seed=0)[0].image.shape == (64, 64, 3)
