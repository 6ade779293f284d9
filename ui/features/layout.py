"""The window's geometry and pane proportions, remembered: restored at start, saved at close; a
window first shown at a size the settings have no proportions for is laid out for that size."""
from __future__ import annotations

SPLITTERS = ("main", "centre", "right")


class WindowLayout:
    """Restores and saves the window's geometry, its splitters and the task table's column widths
    (``settings``: a QSettings).  ``splitters``: {"main", "centre", "right": QSplitter}."""

    def __init__(self, window, settings, splitters, task_view) -> None:
        self.window, self.settings, self.splitters, self.task_view = window, settings, splitters, task_view
        self.unlaid = False      # no remembered proportions: lay out again once shown at its size

    def restore(self) -> None:
        s, w = self.settings, self.window
        if s.value("geometry") is None or not w.restoreGeometry(s.value("geometry")):
            # 1400x900, or the whole screen on a smaller one (a 1024x768 laptop, say).
            screen = w.screen().availableGeometry() if w.screen() is not None else None
            ok = screen is not None and screen.width() > 0 and screen.height() > 0
            w.resize(min(1400, screen.width()) if ok else 1400, min(900, screen.height()) if ok else 900)
        self.default_layout()
        self.unlaid = all(s.value(f"splitter/{name}") is None for name in SPLITTERS)
        self.task_view.set_user_widths(s.value("taskTable/widths", "{}"))
        for name in SPLITTERS:
            if s.value(f"splitter/{name}") is not None:
                self.splitters[name].restoreState(s.value(f"splitter/{name}"))

    def shown(self) -> None:
        """The window is shown (at the size it was given): proportions for that size, once."""
        if self.unlaid:
            self.unlaid = False
            self.default_layout()

    def default_layout(self) -> None:
        """Splitter proportions for the current window size (before any remembered ones)."""
        w, h = max(self.window.width(), 900), max(self.window.height(), 600)
        browser = 215 if w >= 1300 else 170
        right = int((w - browser) * (0.5 if w >= 1300 else 0.56))
        self.splitters["main"].setSizes([browser, w - browser - right, right])
        # A short screen gives the lesson text half the column: read first, then run.
        lesson = 0.5 if h < 800 else 0.4
        self.splitters["centre"].setSizes([int(h * lesson), int(h * (1 - lesson))])
        self.splitters["right"].setSizes([int(h * f) for f in (0.34, 0.40, 0.26)])

    def save(self) -> None:
        s = self.settings
        s.setValue("geometry", self.window.saveGeometry())
        for name in SPLITTERS:
            s.setValue(f"splitter/{name}", self.splitters[name].saveState())
        s.setValue("taskTable/widths", self.task_view.user_widths_json())
