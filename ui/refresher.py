"""The frame clock: drains a run's tracer at ~60 Hz and repaints the task views once per frame."""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

FRAME_MS = 16
# "Elapsed" cells tick at ~10 Hz: their text changes per 10 ms at best, and a dataChanged over the
# live rows every frame would make the table repaint 60 times a second for nothing.
_ELAPSED_EVERY = 6
# Folding events costs ~1.3 us each (a new task ~4 us).  A frame folds for at most FOLD_BUDGET
# seconds (in chunks of _CHUNK events) and never more than MAX_EVENTS_PER_FRAME, so the 16 ms frame
# keeps room for the loop's slice (8 ms) and the repaints, and still drains ~150,000 events a
# second at 50 frames a second (a 10,000-task lesson logs ~80,000 a second).
MAX_EVENTS_PER_FRAME = 4000
FOLD_BUDGET = 0.004
_CHUNK = 128


class FrameRefresher(QObject):
    """Coalesces a run's tracer events into one UI update per frame.

    Each frame: ``run.tracer.read(cursor)`` (only what is new, at most ``max_events``),
    ``table.apply(events)``, then
    ``model.apply(changed)`` and ``timeline.refresh(now)``, once.  The tracer never emits a Qt
    signal per event; this is the only place that turns its log into repaints.  After the run
    is done and the log drained, one final frame runs and the timer stops.

    Signals:
        tableStarted(object): ``start`` put this new ``TaskTable`` on screen (other views, such
            as the await view, follow it).
        tasksChanged(object): the tids (a set) this frame changed; not emitted when none did.
        frameApplied(int): after each frame, with the number of events it applied (the
            ``RunController`` reads the new ``table.outputs``/``blocks``/``errors`` here).
        finished(): the run ended and its last events were shown; the timer has stopped.

    Attributes:
        table: the ``playground.TaskTable`` of the current run (None before ``start``).
        refreshes: frames run since ``start`` (the benchmark reads it).
        last_frame_ms: wall time the last frame took, in ms.
        max_frame_ms: the longest frame since ``start``, in ms.
    """

    tableStarted = Signal(object)
    tasksChanged = Signal(object)
    frameApplied = Signal(int)
    finished = Signal()

    def __init__(self, model=None, timeline=None, parent=None, interval_ms: int = FRAME_MS,
                 max_events: int = MAX_EVENTS_PER_FRAME):
        super().__init__(parent)
        self.max_events = max_events
        self.model = model
        self.timeline = timeline
        self.run = None
        self.table = None
        self._cursor = 0
        self.refreshes = 0
        self.last_frame_ms = 0.0
        self.max_frame_ms = 0.0
        self._timer = QTimer(self)
        # PreciseTimer: a CoarseTimer may fire up to 5 % late *and* drifts in 1 ms steps, which
        # shows as uneven motion of the timeline's "now" line.
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.frame)

    def start(self, run, table=None) -> None:
        """Show *run*: a fresh ``TaskTable`` (or *table*) in the model and timeline, then tick."""
        if table is None:
            import asyncio_playground as playground  # late: ui modules stay importable without the engine's loop
            table = playground.TaskTable()
        self.run, self.table, self._cursor = run, table, 0
        self.refreshes, self.last_frame_ms, self.max_frame_ms = 0, 0.0, 0.0
        if self.model is not None:
            self.model.set_table(table)
        if self.timeline is not None:
            self.timeline.set_table(table)
        self.tableStarted.emit(table)
        self._timer.start()

    def stop(self) -> None:
        """Stop ticking (the views keep what they show)."""
        self._timer.stop()

    def resume(self) -> None:
        """Tick again after ``stop()``, on the same run and table (nothing is reset)."""
        if self.run is not None:
            self._timer.start()

    def is_active(self) -> bool:
        return self._timer.isActive()

    def frame(self) -> int:
        """Run one frame now; returns the number of events applied."""
        run, table = self.run, self.table
        if run is None:
            self._timer.stop()
            return 0
        start = time.perf_counter()
        # Read `done` before draining: everything the run logged before it was done is then in
        # this read, so the final frame below misses nothing.
        done = run.done
        # Fold in chunks until the frame's budget is spent: a burst (10,000 tasks created by one
        # step) then spreads over frames instead of freezing one, whatever one event costs.
        applied, changed, budget_end = 0, set(), start + FOLD_BUDGET
        while applied < self.max_events:
            events, end = run.tracer.read(self._cursor, min(_CHUNK, self.max_events - applied))
            if not events:
                break
            self._cursor = end
            changed |= table.apply(events)
            applied += len(events)
            if time.perf_counter() >= budget_end:
                break
        if self._cursor < len(run.tracer.events):
            done = False   # the rest waits for the next frames
        now = run.loop.time()
        model = self.model
        if model is not None:
            model.apply(changed)
            if done or self.refreshes % _ELAPSED_EVERY == 0:
                model.tick(now)
        if self.timeline is not None:
            self.timeline.refresh(now, live=not done)
        if changed:
            self.tasksChanged.emit(changed)
        self.refreshes += 1
        self.last_frame_ms = (time.perf_counter() - start) * 1e3
        self.max_frame_ms = max(self.max_frame_ms, self.last_frame_ms)
        self.frameApplied.emit(applied)
        if done:
            self._timer.stop()
            self.finished.emit()
        return applied
