"""The witness view's screen: which portrait or candidates it shows, and where it goes full screen.

Kept out of the main window: the view shows the current portrait (View → Witness sees portrait) or the
candidate grid, logs each display to the session (the case file tells what the witness was shown from
what only the artist saw), and F11 puts it full screen on a screen that is not the artist's, the one
it was last left on when there is one.
"""
from __future__ import annotations

from PyQt5.QtGui import QGuiApplication

from composer.gui import screens


def qt_rect(r) -> screens.Rect:
    """A QRect as (x, y, width, height)."""
    return (r.x(), r.y(), r.width(), r.height())


class WitnessScreen:
    """Drives `window.witness` (a WitnessView) from the window's studio, actions and settings."""

    def __init__(self, window) -> None:
        self.window = window

    def update(self) -> None:
        """Show what the witness should see now: the portrait, or the candidates."""
        w = self.window
        view = w.studio.view()
        # the case record separates what the witness view displayed (logged, with the time, by the
        # view itself and only while it is visible) from what only the artist saw
        w.studio.session.witness_view = True
        w.witness.set_exposure_sink(lambda images, what: w.studio.session.note_witness_shown(images, what))
        if w.actions["witness_portrait"].isChecked() or not view.candidates:
            w.witness.show_portrait(view.portrait.image if view.portrait else None)
        else:
            w.witness.show_candidates([p.image for p in view.candidates])

    def show(self) -> None:
        self.update()
        self.window.witness.show()
        self.window.witness.raise_()

    def show_full_screen(self) -> None:
        """F11: the witness view full screen; with two or more screens, on one that is not the
        window's: the one the witness view was last left on, else the largest other one."""
        w = self.window
        self.remember_screen()
        all_screens = QGuiApplication.screens()
        if not all_screens:
            return
        names = [sc.name() for sc in all_screens]
        saved = names.index(w.settings.witness_screen) if w.settings.witness_screen in names else None
        index = screens.witness_screen([qt_rect(sc.geometry()) for sc in all_screens], qt_rect(w.frameGeometry()),
                                       saved)
        target = all_screens[index]
        self.update()
        if w.witness.isFullScreen():
            w.witness.showNormal()
        w.witness.winId()                        # a native window, so it can be put on a screen
        handle = w.witness.windowHandle()
        if handle is not None:
            handle.setScreen(target)
        w.witness.setGeometry(target.availableGeometry())
        w.witness.showFullScreen()
        w.witness.raise_()
        if len(all_screens) > 1 and names[index] != w.settings.witness_screen:
            w.save_settings(w.settings.with_(witness_screen=names[index]))

    def remember_screen(self) -> None:
        """With two or more screens, remember the screen the artist put the witness view on
        (when it is not the main window's), for the next F11 and the next start."""
        w = self.window
        handle = w.witness.windowHandle()
        if not w.witness.isVisible() or handle is None or len(QGuiApplication.screens()) < 2:
            return
        name, mine = handle.screen().name(), w.screen_of_window()
        if mine is not None and name != mine.name() and name != w.settings.witness_screen:
            w.save_settings(w.settings.with_(witness_screen=name))
