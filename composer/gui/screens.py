"""Where windows go: fit the first window into the screen, and pick the witness's screen.

Pure functions over (x, y, width, height) rectangles, so the rules are tested with fake screens;
the window converts its QRects and QScreens at the edges.
"""
from __future__ import annotations

from typing import Optional, Sequence

Rect = tuple[int, int, int, int]   # x, y, width, height


def contains(rect: Rect, x: float, y: float) -> bool:
    rx, ry, rw, rh = rect
    return rx <= x < rx + rw and ry <= y < ry + rh


def fits(window: Rect, available: Rect) -> bool:
    """True when `window` lies wholly inside `available`."""
    x, y, w, h = window
    ax, ay, aw, ah = available
    return ax <= x and ay <= y and x + w <= ax + aw and y + h <= ay + ah


def fit_rect(window: Rect, available: Rect) -> Rect:
    """`window` (its outer frame) moved and shrunk, never grown, to lie inside `available`;
    a window that fits is returned unchanged."""
    if fits(window, available):
        return window
    x, y, w, h = window
    ax, ay, aw, ah = available
    w, h = min(w, aw), min(h, ah)
    return (min(max(x, ax), ax + aw - w), min(max(y, ay), ay + ah - h), w, h)


def screen_at(screens: Sequence[Rect], window: Rect) -> int:
    """Index of the screen holding the window's centre (the first screen if none does)."""
    x, y, w, h = window
    cx, cy = x + w / 2, y + h / 2
    return next((i for i, s in enumerate(screens) if contains(s, cx, cy)), 0)


def witness_screen(screens: Sequence[Rect], main_window: Rect, saved: Optional[int] = None) -> int:
    """The screen for the full-screen witness view: with one screen, that screen; with two or more,
    the remembered one if it still exists and is not the main window's, else the largest other one
    (the first of equals)."""
    if len(screens) < 2:
        return 0
    main = screen_at(screens, main_window)
    if saved is not None and 0 <= saved < len(screens) and saved != main:
        return saved
    others = [i for i in range(len(screens)) if i != main]
    return max(others, key=lambda i: (screens[i][2] * screens[i][3], -i))
