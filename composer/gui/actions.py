"""Menus, toolbar and keyboard shortcuts: every command reachable from the keyboard.

`build_actions` creates the QActions (text, shortcut, tip) without connecting them;
the main window connects each to the widget or Studio method it stands for.
"""
from __future__ import annotations

from dataclasses import dataclass

from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction, QActionGroup, QMainWindow, QMenu

from composer.gui.settings import CANDIDATE_COUNTS

# name: (menu, text, shortcut, tip)
SPECS = {
    "new_session": ("&File", "&New session", "Ctrl+N", "Start a fresh session (asks to export unexported work first)"),
    "open_case": ("&File", "&Open case file…", "Ctrl+Shift+O",
                  "Review a case file read-only, or continue it as a new session"),
    "recover": ("&File", "Re&cover session…", "", "Reopen an autosaved session from its recovery folder"),
    "export": ("&File", "&Export case file…", "Ctrl+Shift+S", "Write the signed case file and its PDF"),
    "photo": ("&File", "Lock from &photo…", "Ctrl+O", "Take locked regions from a reference photo"),
    "retention": ("&File", "Recovered sessions: &keep for…", "",
                  "Delete exported sessions' recovery folders (they hold witness images) after a number of days"),
    "quit": ("&File", "&Quit", "Ctrl+Q", "Close Composer"),
    "undo": ("&Edit", "&Undo", "Ctrl+Z", "Go back one step (nothing is deleted)"),
    "redo": ("&Edit", "&Redo", "Ctrl+Shift+Z", "Go forward again"),
    "cancel": ("&Edit", "&Cancel job", "Esc", "Stop the running job"),
    "describe": ("&Edit", "Focus &description", "Ctrl+D", "Type the witness's words"),
    "generate": ("&Portrait", "&Generate", "Ctrl+G", "Draw new candidates for the caption"),
    "evolve": ("&Portrait", "&More like this", "Ctrl+E",
               "Variations around the picked face. None of them closer? Press it again: the picked face "
               "stays, and new variations are drawn"),
    "resynthesise": ("&Portrait", "&Re-synthesise unlocked", "Ctrl+R",
                     "Keep the locked regions, redraw the rest"),
    "clear_lock": ("&Portrait", "C&lear lock", "Ctrl+Shift+L", "Unlock everything"),
    "witness": ("&View", "&Witness view", "Ctrl+Shift+W", "Open the clean window for the witness"),
    "witness_portrait": ("&View", "Witness sees the &portrait", "Ctrl+Shift+P",
                         "Show the picked portrait instead of the candidates"),
    "witness_full": ("&View", "Witness view full &screen", "F11",
                     "Show the witness view full screen, on the other screen when two are attached"),
    "zoom_in": ("&View", "Zoom &in", "Ctrl++", ""),
    "zoom_out": ("&View", "Zoom &out", "Ctrl+-", ""),
    "zoom_fit": ("&View", "&Fit", "Ctrl+0", ""),
    "reload": ("&Model", "&Reload model", "Ctrl+Shift+R", "Load the model again"),
    "refiner": ("&Model", "Use the 2× re&finer", "", "Render through the refiner after the generator; off shows "
                "the generator's raw output, bicubic-upscaled (reloads the model; starts a new session's steps "
                "with that choice)"),
    "about": ("&Help", "&About Composer", "F1", "Model, SHA-256 and device"),
}
TOOLBAR = ("generate", "evolve", "resynthesise", "undo", "redo", "witness", "export")
SEPARATE_AFTER = ("recover", "photo")   # File menu: sessions | case and photo | quit
DEVICE_LABELS = {"auto": "&Automatic (GPU if present)", "cpu": "&CPU only", "cuda": "&GPU (CUDA)"}


@dataclass
class Actions:
    """All QActions by name, plus the exclusive groups for candidate count and device."""

    by_name: dict[str, QAction]
    counts: dict[int, QAction]
    devices: dict[str, QAction]
    recent_menu: QMenu            # File → Open recent (filled by composer.gui.session_files)

    def __getitem__(self, name: str) -> QAction:
        return self.by_name[name]


def build_actions(window: QMainWindow) -> Actions:
    """Create the menus and toolbar on `window` and return the actions to connect."""
    menus: dict[str, QMenu] = {}
    by_name: dict[str, QAction] = {}
    for name, (menu, text, shortcut, tip) in SPECS.items():
        if menu not in menus:
            menus[menu] = window.menuBar().addMenu(menu)
        action = QAction(text, window)
        action.setObjectName(f"action_{name}")
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(f"{tip} ({shortcut})" if shortcut else tip)
        menus[menu].addAction(action)
        by_name[name] = action
        if name == "open_case":
            recent_menu = menus[menu].addMenu("Open &recent")
            recent_menu.setObjectName("recentCasesMenu")
        if name in SEPARATE_AFTER:
            menus[menu].addSeparator()
    by_name["witness_portrait"].setCheckable(True)
    by_name["refiner"].setCheckable(True)

    counts_menu = menus["&View"].addMenu("&Candidates")
    count_group = QActionGroup(window)
    counts = {}
    for n in CANDIDATE_COUNTS:
        action = QAction(f"&{n} candidates", window, checkable=True)
        action.setObjectName(f"action_count_{n}")
        count_group.addAction(action)
        counts_menu.addAction(action)
        counts[n] = action

    device_menu = menus["&Model"].addMenu("&Device")
    device_group = QActionGroup(window)
    devices = {}
    for device, label in DEVICE_LABELS.items():
        action = QAction(label, window, checkable=True)
        action.setObjectName(f"action_device_{device}")
        device_group.addAction(action)
        device_menu.addAction(action)
        devices[device] = action

    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("mainToolbar")
    for name in TOOLBAR:
        toolbar.addAction(by_name[name])
    return Actions(by_name, counts, devices, recent_menu)
