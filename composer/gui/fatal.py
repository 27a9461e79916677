"""Qt's fatal start-up errors as one line and exit 2 (used by `composer gui` before the window starts)."""
from __future__ import annotations

import os
import sys


def install_fatal_handler() -> None:
    """Turn Qt's fatal start-up errors (no usable platform plugin, missing xcb libraries, a display that
    does not answer) into one line and exit 2, instead of SIGABRT after the raw plugin text."""
    from PyQt5.QtCore import QtFatalMsg, qInstallMessageHandler

    from composer.cli.validate import safe

    held: list[str] = []

    def handler(kind, _context, message):
        if kind == QtFatalMsg:
            detail = " ".join(" ".join(held[-2:] + [message]).split())[:300]
            shown = ", ".join(f"{k}={os.environ[k]}" for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
                              if os.environ.get(k))
            sys.stderr.write(safe(
                f"error: the window cannot open ({shown or 'no display set'}): check that the display is "
                "running and reachable, install the system libraries the Qt window needs (README, 'Install "
                "and run'), or run under xvfb-run; QT_QPA_PLATFORM=offscreen runs without a window. "
                f"Qt said: {detail}") + "\n")
            sys.stderr.flush()
            os._exit(2)
        if message.startswith(("qt.qpa", "Could not", "QStandardPaths")) or "plugin" in message:
            held.append(message)    # shown only if start-up fails
            del held[:-20]
            return
        sys.stderr.write(message + "\n")

    qInstallMessageHandler(handler)
