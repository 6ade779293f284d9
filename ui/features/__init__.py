"""The window's features, one module each: each owns its widgets' reactions and its actions, works on
the workspace on screen (``ui.workspace``), and talks back through signals.  The main window lays
them out and wires them; features never reach into each other's widgets.

Every feature derives from ``Feature``: ``notice(text, kind)`` is something for the console and the
status bar, ``status(text, ms)`` a passing note for the status bar only.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Feature(QObject):
    """A window feature.

    Signals:
        notice(str, str): say this in the console and the status bar (kind: info, warn, error).
        status(str, int): show this in the status bar for that many ms.
    """

    notice = Signal(str, str)
    status = Signal(str, int)
