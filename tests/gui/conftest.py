"""GUI test setup: offscreen Qt, per-test settings/home folders, a fake engine.

QT_QPA_PLATFORM is set before anything imports Qt, so the suite runs without a
display. Every test gets its own HOME, XDG folders and QSettings location under
tmp_path, so no test sees another's settings, autosaves or last folder.
"""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PyQt5.QtCore import QSettings  # noqa: E402

from .fake_engine import FakeEngine  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch):
    """Point HOME, XDG dirs and QSettings at tmp_path for the duration of a test."""
    home = tmp_path / "home"
    for sub in ("config", "data", "cache", "state", "runtime"):
        (home / sub).mkdir(parents=True)
    (home / "runtime").chmod(0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(home / "runtime"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    QSettings.setDefaultFormat(QSettings.IniFormat)
    for scope in (QSettings.UserScope, QSettings.SystemScope):
        QSettings.setPath(QSettings.IniFormat, scope, str(home / "config"))
    yield home


@pytest.fixture
def fake_engine():
    return FakeEngine()


class FakeDialogs:
    """Answers the window's modal questions from preset values and records what was asked."""

    def __init__(self) -> None:
        self.photo: str | None = None
        self.recovery_choice: int | None = 0
        self.unexported_answer = "discard"
        self.place_by_hand = True                 # answer to "no face found: place the eyes?"
        self.eyes = None                          # ((x, y), (x, y)) clicked, or None = Esc
        self.no_face_reasons: list[str] = []
        self.errors: list[tuple[str, str]] = []
        self.asked: list[str] = []
        self.retention_answer = (True, 30)

    def open_photo(self, folder):
        self.asked.append("open_photo")
        return self.photo

    def photo_without_face(self, reason):
        self.no_face_reasons.append(reason)
        return self.place_by_hand

    def place_eyes(self, image):
        self.asked.append("place_eyes")
        return self.eyes

    def choose_recovery(self, choices):
        self.asked.append("choose_recovery")
        return self.recovery_choice

    def unexported_work(self):
        self.asked.append("unexported_work")
        return self.unexported_answer

    def retention_days(self, current):
        self.asked.append("retention_days")
        return self.retention_answer

    def error(self, title, text):
        self.errors.append((title, text))

    def info(self, title, text):
        self.asked.append("info")


@pytest.fixture
def dialogs():
    return FakeDialogs()


@pytest.fixture
def make_window(qtbot, tmp_path, dialogs):
    """Factory: a wired MainWindow over `engine` (or a failing loader), not yet loading."""
    from composer.gui.app import create_window

    made = []

    def make(engine=None, loader=None, export=None, show=True):
        engine = engine if engine is not None else FakeEngine()
        window = create_window(loader=loader or (lambda path, device: engine), dialogs=dialogs,
                               recovery_root=tmp_path / "recovery", export=export)
        qtbot.addWidget(window)
        if show:
            window.show()
        made.append(window)
        return window

    yield make
    for window in made:
        window.studio.shutdown()
