"""Unique Alt mnemonics, the interim/test model warning, fitting the window to the screen and the
witness view's screen."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

from PyQt5.QtGui import QGuiApplication
from PyQt5.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMenu, QTabBar, QWidget

from composer.gui.mnemonics import mnemonic, strip, unique
from composer.gui.screens import fit_rect, fits, screen_at, witness_screen
from composer.model_status import INTERIM, TEST, engine_facts, model_status, window_warning

from .fake_engine import FakeEngine
from .test_main_window import loaded

ROOT = Path(__file__).resolve().parents[2]


# ---- mnemonics -----------------------------------------------------------------------------
def window_scope_texts(window) -> list[str]:
    """Every text in the main window's own scope that can carry an Alt mnemonic."""
    bar = window.menuBar()
    texts = [a.text() for a in bar.actions()]
    for w in window.findChildren(QWidget):
        if isinstance(w, QMenu) or w is bar or bar.isAncestorOf(w):
            continue
        if isinstance(w, QAbstractButton):
            texts.append(w.text())
        elif isinstance(w, QGroupBox):
            texts.append(w.title())
        elif isinstance(w, QLabel) and w.buddy() is not None:
            texts.append(w.text())
        elif isinstance(w, QTabBar):
            texts += [w.tabText(i) for i in range(w.count())]
    return texts


def duplicates(texts) -> dict:
    letters = Counter(m for m in (mnemonic(t) for t in texts) if m)
    return {k: [t for t in texts if mnemonic(t) == k] for k, n in letters.items() if n > 1}


def test_mnemonics_are_unique_in_the_window_and_in_every_menu(make_window):
    window = make_window(show=False)
    texts = window_scope_texts(window)
    assert not duplicates(texts), duplicates(texts)
    assert sum(mnemonic(t) is not None for t in texts) >= 20        # most things keep an Alt key
    for title in ("&File", "&Edit", "&Portrait", "&View", "&Model", "&Help"):
        assert title in texts                                        # the menu bar keeps its letters
    assert window.grid.generate_button.text() == "&Generate"
    menus = window.findChildren(QMenu)
    assert len(menus) >= 8
    for menu in menus:
        items = [a.text() for a in menu.actions() if not a.isSeparator()]
        assert not duplicates(items), (menu.title(), duplicates(items))


def test_unique_mnemonics_rule():
    assert mnemonic("&Generate") == "g" and mnemonic("Fish && &chips") == "c" and mnemonic("none") is None
    assert strip("Lock from &photo…") == "Lock from photo…"
    assert unique(["&Generate", "&Glasses:", "&Grey", "plain"], taken={"l"}) == [
        "&Generate", "Gl&asses:", "G&rey", "plain"]
    assert unique(["&a", "&a"]) == ["&a", "a"]                       # no free letter: no mnemonic


# ---- the model warning --------------------------------------------------------------------
def test_test_and_interim_models_are_flagged_in_status_bar_and_witness_view(qtbot, make_window):
    window = loaded(qtbot, make_window())                           # "fake-dfgan": a test model
    assert "Test model" in window.status.model_warning()
    assert window.status.model_warning_label.isVisibleTo(window)
    label = window.witness.findChild(QLabel, "witnessModelWarning")
    assert label is not None and "Test model" in label.text() and not label.isHidden()

    class Release(FakeEngine):
        name = "dfgan-celeba-128px"
        image_size = 128

    ok = loaded(qtbot, make_window(engine=Release()))
    assert ok.status.model_warning() == "" and not ok.status.model_warning_label.isVisibleTo(ok)


def test_model_status_reuses_the_report_rule():
    def engine(name, size, status=None):
        meta = {} if status is None else {"status": status}
        return SimpleNamespace(name=name, image_size=size, model=SimpleNamespace(meta=meta))

    assert model_status(engine_facts(engine("dfgan-celeba-64px-ngf32", 64))) == INTERIM
    assert model_status(engine_facts(engine("dfgan-celeba-128", 128, "interim"))) == INTERIM
    assert model_status(engine_facts(engine("dfgan-celeba-64", 64, "release"))) == ""
    assert model_status(engine_facts(engine("tiny-random", 128))) == TEST
    assert model_status(engine_facts(engine("dfgan", 256, "test"))) == TEST
    assert window_warning(engine("dfgan-celeba-128", 128)) == "" and window_warning(None) == ""
    assert "Interim model" in window_warning(engine("dfgan-celeba-64px", 64))


def test_model_status_of_a_real_tiny_bundle(tiny_engine):
    assert model_status(engine_facts(tiny_engine)) == TEST               # "tiny-random", 64 px


# ---- screens --------------------------------------------------------------------------------
def test_fit_rect_shrinks_and_moves_into_the_available_area():
    avail = (0, 0, 960, 540)                                        # 1920×1080 at QT_SCALE_FACTOR=2
    assert fit_rect((10, 10, 800, 500), avail) == (10, 10, 800, 500)     # fits: unchanged
    got = fit_rect((0, 0, 1400, 860), avail)
    assert got == (0, 0, 960, 540) and fits(got, avail)
    assert fit_rect((900, 400, 300, 200), avail) == (660, 340, 300, 200)  # moved back on screen
    assert fit_rect((-50, -20, 300, 200), (100, 50, 800, 600)) == (100, 50, 300, 200)


def test_witness_screen_is_the_other_screen_and_remembered():
    one = [(0, 0, 1920, 1080)]
    two = [(0, 0, 1920, 1080), (1920, 0, 1280, 1024)]
    three = [(0, 0, 1920, 1080), (1920, 0, 1280, 1024), (-2560, 0, 2560, 1440)]
    main_on_first = (100, 100, 1400, 860)
    assert witness_screen(one, main_on_first) == 0
    assert witness_screen(two, main_on_first) == 1
    assert witness_screen(two, (2000, 100, 1000, 700)) == 0           # main window on the second
    assert screen_at(two, (2000, 100, 1000, 700)) == 1
    assert witness_screen(three, main_on_first) == 2                 # the largest other screen
    assert witness_screen(three, main_on_first, saved=1) == 1        # the remembered choice
    assert witness_screen(three, main_on_first, saved=0) == 2        # never the main window's screen
    assert witness_screen(three, main_on_first, saved=7) == 2        # a screen no longer attached


def test_first_window_fits_the_screen(make_window):
    window = make_window()                                          # default 1400×860 on an 800×600 screen
    avail = QGuiApplication.primaryScreen().availableGeometry()
    assert avail.contains(window.frameGeometry()) or window.size().width() <= avail.width()
    assert window.width() <= avail.width() and window.height() <= avail.height()


def test_f11_opens_the_witness_view_full_screen(qtbot, make_window):
    window = make_window()
    window.actions["witness_full"].trigger()
    qtbot.waitUntil(window.witness.isFullScreen, timeout=2000)
    assert window.witness.isVisible()


def test_window_fits_at_scale_factor_two():
    """The real start-up path under QT_SCALE_FACTOR=2 (offscreen: an 800×600 screen becomes 400×300)."""
    code = ("import sys, tempfile; sys.path.insert(0, 'tests/gui');"
            "from PyQt5.QtWidgets import QApplication; app = QApplication([]);"
            "from fake_engine import FakeEngine; from composer.gui.app import create_window;"
            "w = create_window(loader=lambda p, d: FakeEngine(), recovery_root=tempfile.mkdtemp()); w.show();"
            "a = app.primaryScreen().availableGeometry();"
            "print(a.width(), a.height(), w.width(), w.height())")
    home = Path(__import__("tempfile").mkdtemp())
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
           "QT_SCALE_FACTOR": "2", "HOME": str(home), "XDG_CONFIG_HOME": str(home / "c"),
           "XDG_DATA_HOME": str(home / "d"), "XDG_RUNTIME_DIR": str(home)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout.split()
    aw, ah, w, h = map(int, out[-4:])
    assert (aw, ah) == (400, 300) and w <= aw and h <= ah


def test_retention_setting_is_offered_and_saved(qtbot, make_window, dialogs):
    window = make_window()
    window.actions["retention"].trigger()
    assert "retention_days" in dialogs.asked and window.settings.retention_days == 30
    assert window.store.load().retention_days == 30
    dialogs.retention_answer = (True, None)
    window.actions["retention"].trigger()
    assert window.store.load().retention_days is None
    dialogs.retention_answer = (False, 5)            # cancelled: unchanged
    window.actions["retention"].trigger()
    assert window.store.load().retention_days is None


def test_a_refined_small_generator_is_still_interim():
    engine = SimpleNamespace(name="dfgan-celeba-64px-ngf32", image_size=128, generator_size=64, model=None)
    text = window_warning(engine)
    assert text.startswith("Interim model (dfgan-celeba-64px-ngf32, 64 px refined to 128 px)")
