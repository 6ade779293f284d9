"""Inside the loop: the ready queue in FIFO order, the timers by due time, the sockets the loop
watches and the jobs in executor threads — what makes "create_task schedules it; it runs when
main next yields" visible.

Live, it reads ``loopstate.snapshot(loop)`` ~30 times a second while shown (nothing when hidden;
less often when a read is slow: it sorts every timer, ~40 ms with 100,000 sleeping tasks, and the
panel takes at most ~10 % of the window's time) and exactly after every pause, step and resume.  During a replay it shows the moment as the trace
tells it (tasks ready to run, tasks sleeping), and says that it is reconstructed.

While paused, the learner is the scheduler: a double-click (or Enter) on a task's step in the
ready queue runs that step next, ahead of asyncio's FIFO order.

Signals:
    taskSelected(int): an entry of one of the run's tasks was clicked (its tid).
    runNextRequested(int): while paused, a task's step in the ready queue was double-clicked (or
        Enter pressed on it): run it next (its tid).
"""
from __future__ import annotations

import time

from asyncio_playground import loopstate
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from . import colors

_TID = Qt.ItemDataRole.UserRole
_SELF_PIPE = "_read_from_self"
_REFRESH_MS = 33     # ~frame rate while shown...
_SHARE = 0.1         # ...but at most this share of the GUI thread's time


def header_text(paused: bool, live: bool, speed: float, skip_idle: bool) -> str:
    """What the panel says of the loop: paused or not, and whether a run is live on it (the loop
    itself always runs under the window; "running" alone read as "the lesson is running")."""
    pace = "skip idle" if skip_idle else f"{speed:g}×"
    if live:
        if paused:
            return (f"The loop now: paused, the run waits, speed {pace}.  You are the scheduler: "
                    "double-click a task's step in the ready queue (or Enter) to run it next, ahead "
                    "of asyncio's first-in first-out order; Step (F10) runs asyncio's choice.")
        return (f"The loop now: running, a run is live, speed {pace}.  Exact while paused or "
                "stepping; sampled 30 times a second while running.")
    mode = "paused, no run is live (the next run starts paused)" if paused else "idle, no run is live"
    return f"The loop now: {mode}, speed {pace}."


def _section(title: str, count: int, shown: int) -> str:
    more = f", first {shown}" if shown < count else ""
    return f"{title} ({count}{more})"


class LoopPanel(QWidget):
    """See the module docstring."""

    taskSelected = Signal(int)
    runNextRequested = Signal(int)

    def __init__(self, loop, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="loopPanel")
        self.loop = loop
        self._replay_table = None
        self.header = QLabel(wordWrap=True, objectName="loopHeader")
        self.tree = QTreeWidget(objectName="loopTree", headerHidden=True, rootIsDecorated=True,
                                uniformRowHeights=True)
        self.tree.setColumnCount(1)
        self.tree.itemActivated.connect(self._run_next)
        self.tree.itemClicked.connect(self._activated)
        self.sections = {}
        for key, title, tip in (
                ("ready", "Ready queue", "Callbacks the loop runs next, first in first out: a "
                 "task's step, a future's done callback, call_soon callbacks"),
                ("timers", "Timers", "call_later/call_at handles by due time: sleeps, timeouts"),
                ("io", "Sockets", "File descriptors the loop watches for reading or writing"),
                ("executor", "Executor threads", "run_in_executor / to_thread jobs still running"),
                ("schedule", "Steps taken while paused", "Each step you took while paused: what ran, "
                 "and whether it was asyncio's first-in first-out choice or yours")):
            item = QTreeWidgetItem([title])
            item.setToolTip(0, tip)
            self.tree.addTopLevelItem(item)
            item.setExpanded(True)
            self.sections[key] = item
        self.sections["schedule"].setHidden(True)    # until a step is taken while paused
        layout = QVBoxLayout(self, spacing=4)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.tree, 1)
        self._timer = QTimer(self, interval=_REFRESH_MS)   # only while shown
        self._timer.timeout.connect(self._tick)
        loop.clock_listeners.append(self._clock_changed)
        self.refresh()

    def close_panel(self) -> None:
        self._timer.stop()
        try:
            self.loop.clock_listeners.remove(self._clock_changed)
        except ValueError:
            pass

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._timer.start()
        self.refresh()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._timer.stop()

    def _tick(self) -> None:
        t0 = time.perf_counter()
        self.refresh()
        ms = (time.perf_counter() - t0) * 1000.0
        interval = max(_REFRESH_MS, int(ms / _SHARE))
        if interval != self._timer.interval():
            self._timer.setInterval(interval)

    def _clock_changed(self) -> None:
        if self.isVisible():
            self.refresh()

    def set_schedule(self, steps) -> None:
        """The steps taken while paused (``[(label, asyncio's choice or None), ...]``: None when
        the step ran asyncio's own choice)."""
        rows = [(f"{i}. {label}" + (f" — your choice; asyncio: {fifo}" if fifo else ""), None, True)
                for i, (label, fifo) in enumerate(steps, 1)]
        self._fill("schedule", rows, len(rows))
        self.sections["schedule"].setHidden(not rows)

    def show_replay(self, table, t: float | None) -> None:
        """Show the replayed moment ``t`` of ``table`` (None: back to the live loop)."""
        self._replay_table = (table, t) if table is not None and t is not None else None
        self.refresh()

    # == filling ==================================================================================
    def _fill(self, key: str, rows: list, count: int) -> None:
        section = self.sections[key]
        title = section.text(0).split(" (")[0]
        section.setText(0, _section(title, count, len(rows)))
        while section.childCount() > len(rows):
            section.removeChild(section.child(section.childCount() - 1))
        dim = QBrush(colors.color("info"))   # the console's muted grey, in both themes
        for i, (text, tid, own) in enumerate(rows):
            item = section.child(i) if i < section.childCount() else None
            if item is None:
                item = QTreeWidgetItem(section)
            item.setText(0, text)
            item.setToolTip(0, text + ("" if own else "  (the playground's own, not the run's)"))
            item.setData(0, _TID, tid)
            item.setForeground(0, QBrush() if own else dim)

    def refresh(self) -> None:
        if self._replay_table is not None:
            self._refresh_replay(*self._replay_table)
            return
        loop = self.loop
        if loop.is_closed():
            return
        state = loopstate.snapshot(loop)
        now = state.time
        self.header.setText(header_text(state.paused, bool(getattr(loop, "tracers", ())),
                                        state.speed, state.skip_idle))
        self._fill("ready", [(f"{i + 1}. {e.label}", e.tid, e.run) for i, e in enumerate(state.ready)],
                   state.n_ready)
        self._fill("timers", [(f"in {max(e.when - now, 0):.3f} s — {e.label}", e.tid, e.run)
                              for e in state.timers], state.n_timers)
        self._fill("io", [(f"{kind} fd {fd} — " + ("the loop's self-pipe (wakes it from other "
                                                    "threads)" if label.endswith(_SELF_PIPE) else label),
                           None, not label.endswith(_SELF_PIPE)) for kind, fd, label in state.io],
                   len(state.io))
        self._fill("executor", [(f"for {max(now - since, 0):.3f} s — {label}", None, True)
                                for label, since in state.executor], len(state.executor))

    def _refresh_replay(self, table, t: float) -> None:
        self.header.setText(f"Replay at t = {t - (table.started or t):.3f} s, reconstructed from "
                            "the trace: tasks ready to run and tasks sleeping (callbacks, sockets "
                            "and threads are not recorded).")
        ready, timers = [], []
        for row in table.rows:
            if row.state == "pending":
                ready.append((f"step of {row.name}", row.tid, True))
            elif row.state == "waiting" and row.waiting and row.waiting[0] in ("sleep", "timeout"):
                timers.append((f"{row.waiting[1]} of {row.name}", row.tid, True))
        self._fill("ready", ready, len(ready))
        self._fill("timers", timers, len(timers))
        self._fill("io", [], 0)
        self._fill("executor", [], 0)

    def _activated(self, item, _column=0) -> None:
        tid = item.data(0, _TID)
        if tid is not None:
            self.taskSelected.emit(int(tid))

    def _run_next(self, item, _column=0) -> None:
        """Double-click / Enter: a ready task's step while paused runs next; else as a click."""
        tid = item.data(0, _TID)
        if (tid is not None and item.parent() is self.sections["ready"] and self.loop.paused
                and self._replay_table is None and item.text(0).split(". ", 1)[-1].startswith("step of")):
            self.runNextRequested.emit(int(tid))
        else:
            self._activated(item)

    def entries(self, key: str) -> list[str]:
        """The texts of one section's entries (for tests and screen readers)."""
        section = self.sections[key]
        return [section.child(i).text(0) for i in range(section.childCount())]

