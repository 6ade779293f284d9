"""Inside the loop: the ready queue in FIFO order, the timers by due time, the sockets the loop
watches and the jobs in executor threads — what makes "create_task schedules it; it runs when
main next yields" visible.

Live, it reads ``loopstate.snapshot(loop)`` ~30 times a second while shown (nothing when hidden;
less often when a read is slow: it sorts every timer, ~40 ms with 100,000 sleeping tasks, and the
panel takes at most ~10 % of the window's time) and exactly after every pause, step and resume.  During a replay it shows the moment as the trace
tells it (tasks ready to run, tasks sleeping), and says that it is reconstructed.

While paused, the learner is the scheduler: a double-click (or Enter) on a task's step in the
ready queue runs that step next, ahead of asyncio's FIFO order.  Above the queues the panel says
what asyncio would run ("asyncio would run: alice resumes"), and offers the other choice there is:
moving the clock on to the next timer now, as if the step just taken had been slow (when nothing
is ready it is the only choice).  Under them, "Your schedule" lists the run's schedule
(``schedule_of(run)``, which the window passes to :meth:`LoopPanel.set_schedule`): step n, what
ran, and whether it was asyncio's choice or the learner's.

Signals:
    taskSelected(int): an entry of one of the run's tasks was clicked (its tid).
    runNextRequested(int): while paused, a task's step in the ready queue was double-clicked (or
        Enter pressed on it): run it next (its tid).
    advanceRequested(): while paused, "Advance the clock to the next timer" was pressed.
"""
from __future__ import annotations

import time

from asyncio_playground import loopstate
from asyncio_playground.schedule import choice_words
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (QLabel, QPushButton, QSizePolicy, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from . import colors

_TID = Qt.ItemDataRole.UserRole
_SELF_PIPE = "_read_from_self"
_REFRESH_MS = 33     # ~frame rate while shown...
_SHARE = 0.1         # ...but at most this share of the GUI thread's time
_SCHEDULE_ROWS = 200  # the schedule's last steps listed (a lesson-sized run has fewer)


def header_text(paused: bool, live: bool, speed: float, skip_idle: bool) -> str:
    """What the panel says of the loop: paused or not, and whether a run is live on it (the loop
    itself always runs under the window; "running" alone read as "the lesson is running")."""
    pace = "skip idle" if skip_idle else f"{speed:g}×"
    if live:
        if paused:
            return (f"The loop now: paused, the run waits, speed {pace}.  You are the scheduler: "
                    "double-click a task's step in the ready queue (or Enter) to run it next, ahead "
                    "of asyncio's first-in first-out order; Step (F10) runs asyncio's choice; Step "
                    "back (Shift+F10) takes the last step back.")
        return (f"The loop now: running, a run is live, speed {pace}.  Exact while paused or "
                "stepping; sampled 30 times a second while running.")
    mode = "paused, no run is live (the next run starts paused)" if paused else "idle, no run is live"
    return f"The loop now: {mode}, speed {pace}."


def _section(title: str, count: int, shown: int, which: str = "first") -> str:
    more = f", {which} {shown}" if shown < count else ""
    return f"{title} ({count}{more})"


def choice_text(nxt, timer) -> tuple[str, bool]:
    """What the choice row says while paused: what asyncio would run (``nxt``, a
    ``loopstate.NextStep``), and whether advancing the clock is the only choice; ``timer``: the
    run's next timer (a ``QueueEntry``) or None."""
    if nxt is None:
        return "", False
    line = f" (line {nxt.line})" if nxt.line else ""
    if nxt.kind == "task":
        return f"asyncio would run: {nxt.label}{line}", False
    if nxt.kind == "callback":
        return f"asyncio would run: callback {nxt.label}", False
    if nxt.kind == "plumbing":
        return "asyncio would run its own callbacks first, then the step they make ready", False
    if nxt.kind == "timer":
        what = f" ({timer.label})" if timer is not None else f" ({nxt.label})"
        return ("Nothing is ready to run.  The only choice: advance the clock to the next timer"
                f"{what} — the button, or Step (F10).", True)
    return "Nothing is ready or scheduled: the run waits on sockets or threads.", False


def schedule_rows(schedule) -> list[str]:
    """The run's schedule (``schedule_of(run)``) as the panel lists it: "3. step of bob — your
    choice; asyncio: step of alice", and the clock's moves between steps."""
    rows = []
    for choice in schedule:
        step = choice.get("step", "?")
        if "advance" in choice:
            rows.append(f"   before step {step}: {choice_words(choice)} — your choice")
            continue
        text = f"{step}. {choice_words(choice)}"
        if "fifo" in choice:
            text += f" — your choice; asyncio: {choice_words({'fifo': choice['fifo']})}"
        rows.append(text)
    return rows


class _WrappedLabel(QLabel):
    """A word-wrapped label that asks for the height its lines take at its width: the panel's
    layout gives it the height of its size hint otherwise (the lines at some other width), and
    the last line was cut in a narrow pane."""

    def _fit(self) -> None:
        height = self.heightForWidth(self.width())
        if height > 0 and height != self.minimumHeight():
            self.setMinimumHeight(height)

    def resizeEvent(self, event):  # noqa: N802 (Qt's virtual)
        super().resizeEvent(event)
        self._fit()

    def setText(self, text):  # noqa: N802 (Qt's)
        super().setText(text)
        self._fit()


class LoopPanel(QWidget):
    """See the module docstring."""

    taskSelected = Signal(int)
    runNextRequested = Signal(int)
    advanceRequested = Signal()

    def __init__(self, loop, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="loopPanel")
        self.loop = loop
        self._replay_table = None
        self._schedule: list = []
        self.header = QLabel(wordWrap=True, objectName="loopHeader")
        # The choice while paused: what asyncio would run, and moving the clock on instead.
        self.choice_box = QWidget(objectName="loopChoice")
        self.choice_label = _WrappedLabel(wordWrap=True, objectName="loopChoiceLabel")
        self.choice_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        font = self.choice_label.font()
        font.setBold(True)
        self.choice_label.setFont(font)
        self.advance_button = QPushButton("Advance the clock to the next timer",
                                          objectName="advanceClock")
        self.advance_button.clicked.connect(self.advanceRequested)
        # The words above the button, the full width of the pane: beside it, a narrow pane (the
        # window at 1024x700) wrapped them to five lines and showed four.
        row = QVBoxLayout(self.choice_box, spacing=4)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.choice_label)
        row.addWidget(self.advance_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.choice_box.hide()
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
                ("schedule", "Your schedule: the steps taken while paused", "Each step you "
                 "took while paused: what ran, and whether it was asyncio's first-in first-out "
                 "choice or yours; and each move of the clock.  File → Save schedule… writes it "
                 "as JSON (asyncio-playground run FILE --schedule replays it)")):
            item = QTreeWidgetItem([title])
            item.setToolTip(0, tip)
            self.tree.addTopLevelItem(item)
            item.setExpanded(True)
            self.sections[key] = item
        self.sections["schedule"].setHidden(True)    # until a step is taken while paused
        layout = QVBoxLayout(self, spacing=4)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.choice_box)
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

    def set_schedule(self, schedule) -> None:
        """The run's schedule so far (``schedule_of(run)``: a list of choices; empty: none)."""
        schedule = list(schedule)
        if schedule == self._schedule:
            return
        self._schedule = schedule
        rows = schedule_rows(schedule)
        shown = rows[-_SCHEDULE_ROWS:]
        self._fill("schedule", [(text, None, True) for text in shown], len(rows), which="last")
        self.sections["schedule"].setHidden(not rows)
        # No scrolling to its end: the ready queue above is what the learner picks from.

    def show_replay(self, table, t: float | None) -> None:
        """Show the replayed moment ``t`` of ``table`` (None: back to the live loop)."""
        self._replay_table = (table, t) if table is not None and t is not None else None
        self.refresh()

    # == filling ==================================================================================
    def _fill(self, key: str, rows: list, count: int, which: str = "first") -> None:
        section = self.sections[key]
        title = section.text(0).split(" (")[0]
        section.setText(0, _section(title, count, len(rows), which))
        have = section.childCount()
        if have > len(rows):
            if rows:
                for _ in range(have - len(rows)):
                    section.takeChild(len(rows))
            else:
                section.takeChildren()
            have = len(rows)
        dim = QBrush(colors.color("info"))   # the console's muted grey, in both themes
        plain = QBrush()
        new = []
        # Rows that say what they said are left alone, and new ones go in at once: a Step back
        # of a long run fills hundreds of schedule rows (one at a time it was a tenth of its time).
        for i, (text, tid, own) in enumerate(rows):
            tip = text + ("" if own else "  (the playground's own, not the run's)")
            if i < have:
                item = section.child(i)
                if item.toolTip(0) == tip and item.data(0, _TID) == tid:
                    continue
            else:
                item = QTreeWidgetItem()
                new.append(item)
            item.setText(0, text)
            item.setToolTip(0, tip)
            item.setData(0, _TID, tid)
            item.setForeground(0, plain if own else dim)
        if new:
            section.addChildren(new)

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
        self._show_choice(state)

    def _show_choice(self, state) -> None:
        """While paused with a run live: what asyncio would run, and the clock's move."""
        live = bool(getattr(self.loop, "tracers", ()))
        if not (state.paused and live):
            self.choice_box.hide()
            return
        timer = next((e for e in state.timers if e.run or e.tid is not None), None)
        text, only = choice_text(loopstate.next_step(self.loop), timer)
        self.choice_label.setText(text)
        self.choice_label.setToolTip(text)
        button = self.advance_button
        button.setEnabled(timer is not None)
        if timer is not None:
            button.setText(f"Advance the clock to the next timer (+{max(timer.when - state.time, 0):.3f} s)")
            button.setToolTip(f"Move the loop's clock on now to the next timer — {timer.label} — as "
                              "if the step just taken had been slow: the timers then due fire, and "
                              "what they wake joins the ready queue.  Recorded in your schedule."
                              + ("  Nothing is ready: this is the only choice." if only else ""))
        else:
            button.setText("Advance the clock to the next timer")
            button.setToolTip("No timer of the run is scheduled: the clock has nowhere to go")
        self.choice_box.show()

    def _refresh_replay(self, table, t: float) -> None:
        self.choice_box.hide()
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

