"""Start-up pieces: CLI registration stays Qt-free, screenshots script, main.py."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from PyQt5.QtGui import QImage

from composer.gui.screenshots import take

from .fake_engine import FakeEngine

ROOT = Path(__file__).resolve().parents[2]


def test_cli_register_parses_and_imports_no_qt():
    code = ("import argparse, sys; from composer.cli import gui; p = argparse.ArgumentParser(); "
            "s = p.add_subparsers(); gui.register(s); a = p.parse_args(['gui', '--device', 'cpu']);"
            "assert a.device == 'cpu' and a.model is None and callable(a.func);"
            "assert 'PyQt5' not in sys.modules and 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60,
                   env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_cli_rejects_unknown_device():
    from composer.cli import gui

    p = argparse.ArgumentParser()
    gui.register(p.add_subparsers())
    try:
        p.parse_args(["gui", "--device", "tpu"])
    except SystemExit as exc:
        assert exc.code == 2
    else:
        raise AssertionError("an unknown device must be refused")


def test_screenshots_of_main_window_and_witness(qtbot, tmp_path):
    paths = take(tmp_path / "shots", None, "a smiling man", 10.0,
                 loader=lambda path, device: FakeEngine())
    assert [p.name for p in paths] == ["screenshot-main.png", "screenshot-witness.png"]
    for path in paths:
        image = QImage(str(path))
        assert not image.isNull() and image.width() >= 1000
