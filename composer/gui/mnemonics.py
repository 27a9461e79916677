"""Alt mnemonics that never collide: one letter opens one thing in each scope.

A scope is the main window (menu-bar titles, buttons, group boxes, tab titles, labels with a
buddy) or one menu (its items). Qt does not stop two widgets claiming Alt+G; `unique` keeps
the first claimant's letter and moves later ones to a free letter of their own text (a word's
first letter first), or drops the mnemonic when none is free. `apply_to_window` does that over a
whole window after it is built, menu bar first, so widgets added by any module are covered.
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator, Optional, Sequence

from PyQt5.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMenu, QTabBar, QWidget


def mnemonic(text: str) -> Optional[str]:
    """The (lower-case) mnemonic letter of a Qt text, or None ("&&" is a literal ampersand)."""
    i = 0
    while i < len(text) - 1:
        if text[i] == "&":
            if text[i + 1] == "&":
                i += 2
                continue
            return text[i + 1].lower()
        i += 1
    return None


def strip(text: str) -> str:
    """The text without its mnemonic marker (literal "&&" kept)."""
    out, i = [], 0
    while i < len(text):
        if text[i] == "&" and i + 1 < len(text):
            out.append("&&" if text[i + 1] == "&" else text[i + 1])
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def _candidates(plain: str) -> Iterator[int]:
    """Positions in the plain text to try, word starts first (ignoring "&&")."""
    positions = [i for i, c in enumerate(plain) if c.isalnum() and not (i and plain[i - 1] == "&")]
    starts = [i for i in positions if i == 0 or not plain[i - 1].isalnum()]
    yield from starts
    yield from (i for i in positions if i not in starts)


def with_free_mnemonic(text: str, taken: set) -> str:
    """`text` with a mnemonic not in `taken` (its own if free), added to `taken`; stripped if none."""
    own = mnemonic(text)
    if own is not None and own not in taken:
        taken.add(own)
        return text
    plain = strip(text)
    for i in _candidates(plain):
        letter = plain[i].lower()
        if letter not in taken:
            taken.add(letter)
            return plain[:i] + "&" + plain[i:]
    return plain


def unique(texts: Sequence[str], taken: Iterable[str] = ()) -> list[str]:
    """Each text with a mnemonic unique among them (and `taken`); texts without one stay so."""
    used = {t.lower() for t in taken}
    return [with_free_mnemonic(t, used) if mnemonic(t) is not None else t for t in texts]


# ---- a real window ----------------------------------------------------------------------
Slot = tuple[Callable[[], str], Callable[[str], None]]   # (get text, set text)


def _widget_slots(w: QWidget) -> list[Slot]:
    if isinstance(w, QAbstractButton):
        return [(w.text, w.setText)]
    if isinstance(w, QGroupBox):
        return [(w.title, w.setTitle)]
    if isinstance(w, QLabel) and w.buddy() is not None:
        return [(w.text, w.setText)]
    if isinstance(w, QTabBar):
        return [((lambda i=i, b=w: b.tabText(i)), (lambda t, i=i, b=w: b.setTabText(i, t)))
                for i in range(w.count())]
    return []


def window_slots(window: QWidget, first: Sequence[QWidget] = ()) -> list[Slot]:
    """Every mnemonic-bearing text of `window` outside its menus: menu-bar titles first, then the
    widgets inside `first` (in that order), then the rest; each group in creation order."""
    bar = window.menuBar() if hasattr(window, "menuBar") else None
    slots: list[Slot] = [(a.text, a.setText) for a in bar.actions()] if bar is not None else []
    ranked: list[tuple[int, int, Slot]] = []
    for n, w in enumerate(window.findChildren(QWidget)):
        if isinstance(w, QMenu) or (bar is not None and (w is bar or bar.isAncestorOf(w))):
            continue
        rank = next((i for i, c in enumerate(first) if c is w or c.isAncestorOf(w)), len(first))
        ranked += [(rank, n, slot) for slot in _widget_slots(w)]
    return slots + [slot for _, _, slot in sorted(ranked, key=lambda r: r[:2])]


def menu_slots(menu: QMenu) -> list[Slot]:
    return [(a.text, a.setText) for a in menu.actions() if not a.isSeparator()]


def _apply(slots: list[Slot]) -> None:
    taken: set = set()
    for get, put in slots:
        text = get()
        if mnemonic(text) is None:
            continue
        new = with_free_mnemonic(text, taken)
        if new != text:
            put(new)


def apply_to_window(window: QWidget, first: Sequence[QWidget] = ()) -> None:
    """Make every scope of `window` (the window itself and each of its menus) collision-free;
    the menu bar, then the widgets inside `first`, keep their letters before the rest."""
    _apply(window_slots(window, first))
    for menu in window.findChildren(QMenu):
        _apply(menu_slots(menu))
