"""Pin and compare: a lesson's pinned run beside its latest one, on one time axis, with what differs.

A pin belongs to its lesson (``Workspace.pinned``): another lesson's runs are never compared with
it, and the Compare tab shows the pin and the last run of the lesson on screen.  The tab never
comes to the front by itself: when a run of a pinned lesson ends, the tab's title says there is a
new comparison (and the status bar says where), and the learner opens it.
"""
from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

from . import Feature
from .editing import changed_lines

_TITLE = "Compare"
_NEW = "Compare •"


class CompareFeature(Feature):
    """See the module docstring.  ``compare_view`` is a callable (built after the first paint).

    Attributes:
        act_pin: Pin run (Ctrl+P), checked while the shown lesson has a pin.
    """

    def __init__(self, window, desk, runs, selection, *, compare_view, views, text_of, speed_text) -> None:
        super().__init__(window)
        self.window, self.desk, self.runs, self.selection = window, desk, runs, selection
        self._compare_view, self.views = compare_view, views
        self._text_of, self._speed_text = text_of, speed_text
        self.act_pin = QAction("Pin run", window, checkable=True,
                               shortcutContext=Qt.ShortcutContext.WindowShortcut)
        self.act_pin.setShortcut(QKeySequence("Ctrl+P"))
        self.act_pin.setToolTip("Pin the run on screen; the next run of this lesson shows beside it "
                                "on one time axis, in the Compare tab, with what differs (Ctrl+P)")
        self.act_pin.toggled.connect(self.pin_run)
        runs.finishedOnScreen.connect(self._finished)
        views.currentChanged.connect(self._tab_changed)

    def run_label(self) -> str:
        """What ran, in words: the lesson's title, whether it was edited, the speed, and when."""
        ws = self.desk.current
        if ws is None:
            return "run"
        text = self._text_of()
        n = len(changed_lines(ws.original, text)) if text != ws.original else 0
        what = f"edited ({n} line{'s' * (n != 1)} changed)" if text != ws.original else "as shipped"
        speed = self._speed_text()
        return f"{ws.title} — {what}{', speed ' + speed if speed else ''}, {time.strftime('%H:%M:%S')}"

    def pin_run(self, pinned: bool = True) -> bool:
        """Pin the shown lesson's finished run for comparison (False: unpin); returns whether pinned."""
        ws, shown = self.desk.current, self.runs.shown
        if pinned and (ws is None or shown is None or not shown.finished):
            self.status.emit("Pin a finished run: run the lesson first", 5000)
            self._check(False)
            return False
        if ws is not None:
            ws.pinned = shown if pinned else None
        self._check(pinned)
        self.show_workspace(ws)
        if pinned:
            self.status.emit("Run pinned: run this lesson again (F5) to compare the next run with it "
                             "in the Compare tab", 6000)
        return pinned

    def _check(self, on: bool) -> None:
        self.act_pin.blockSignals(True)
        self.act_pin.setChecked(on)
        self.act_pin.blockSignals(False)

    def show_workspace(self, ws) -> None:
        """The Compare tab shows ``ws``'s pin and its last run (nothing when it has no pin)."""
        pinned = ws.pinned if ws is not None else None
        self._check(pinned is not None)
        self._mark(False)
        if pinned is None:
            self._compare_view().set_runs(None, None, None, None)
            return
        last = ws.last
        if last is None or last is pinned or not last.finished:
            self._compare_view().set_runs(pinned.label, pinned.table, None, None)
        else:
            self._compare_view().set_runs(pinned.label, pinned.table, last.label, last.table)

    def _finished(self, _outcome: str) -> None:
        ws, shown = self.desk.current, self.runs.shown
        if shown is None:
            return
        shown.label = self.run_label()
        if ws.pinned is None or ws.pinned is shown:
            return
        self.show_workspace(ws)
        if self.views.currentWidget() is not self._compare_view():
            self._mark(True)
            self.status.emit("Compared with the pinned run: see the Compare tab", 6000)

    def _mark(self, new: bool) -> None:
        i = self.views.indexOf(self._compare_view())
        if i >= 0:
            self.views.setTabText(i, _NEW if new else _TITLE)

    def _tab_changed(self, _index: int) -> None:
        view = self._compare_view
        if self.views.currentWidget() is view():
            self._mark(False)

    def open_window(self):
        """The comparison in a window of its own (non-modal), sized for two timelines."""
        from ..compare_view import CompareWindow
        window = CompareWindow(self.window, self._compare_view().runs)
        window.view.taskPointed.connect(self.selection.point_task_by_name)
        window.show()
        return window
