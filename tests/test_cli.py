"""The `composer` command line: generate (byte-identical, sidecars, bad input) and headless imports."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from composer.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_generate_is_byte_identical_with_sidecars(tiny_bundle, tmp_path, capsys):
    args = ["generate", "--caption", "a young man with black hair and glasses, zebra", "-n", "2", "--seed", "3",
            "--model", str(tiny_bundle)]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    assert main(args + ["--out", str(tmp_path / "b")]) == 0
    a, b = sorted((tmp_path / "a").iterdir()), sorted((tmp_path / "b").iterdir())
    assert [f.name for f in a] == [f.name for f in b] and len(a) == 4
    assert all(x.read_bytes() == y.read_bytes() for x, y in zip(a, b))
    side = json.loads((tmp_path / "a" / "d000_s3_00.json").read_text())
    assert side["seed"] == 3 and len(side["z"]) == 100 and len(side["model"]["sha256"]) == 64
    assert "zebra" in json.dumps(side["report"])  # the unknown word is reported, not dropped
    assert set(os.listdir(tmp_path)) == {"a", "b"}  # nothing written outside the output folders
    assert "zebra" in capsys.readouterr().out


def test_generate_descriptions_file_and_errors(tiny_bundle, tmp_path, capsys):
    f = tmp_path / "d.txt"
    f.write_text("blonde woman\n\nold man with a beard\n")
    assert main(["generate", "--descriptions", str(f), "-n", "1", "--model", str(tiny_bundle),
                 "--out", str(tmp_path / "o")]) == 0
    assert len(list((tmp_path / "o").glob("*.png"))) == 2
    assert main(["generate", "--caption", "   ", "--model", str(tiny_bundle), "--out", str(tmp_path / "e")]) == 2
    assert "empty" in capsys.readouterr().err
    assert main(["generate", "--caption", "a man", "--model", str(tmp_path / "none"), "--out", str(tmp_path / "x")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_headless_modules_never_import_qt():
    code = ("import sys; sys.modules['PyQt5'] = None\n"
            "import composer.engine, composer.cli, composer.train.loop, composer.session, composer.casefile\n"
            "import pkgutil, importlib, composer\n"
            "for m in pkgutil.walk_packages(composer.__path__, 'composer.'):\n"
            "    if not (m.name.startswith('composer.gui') or m.name.endswith('__main__')\n"
            "            or m.name == 'composer.casefile.report_pdf'): importlib.import_module(m.name)\n"
            "print('ok')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr[-2000:]
