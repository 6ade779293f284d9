"""A run's lifecycle for the window: start, stop, cancel, restart, read its events, say how it went.

No widgets here (QtCore only): the controller drives a ``FrameRefresher`` over the views it is given
(any of them may be None, as in the tests) and tells the window what to show through signals.  The
engine is used through its public API only (docs/engine-api.md).
"""
from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import NamedTuple

import asyncio_playground as playground
from asyncio_playground.vocab import NetworkMode, RunOutcome
from PySide6.QtCore import QObject, Signal

from .refresher import FrameRefresher

#: The running status and the caller's gutter markers change at most every SLOW_EVERY frames
#: (~10 Hz): both are O(tasks) work, not for every 16 ms frame.
SLOW_EVERY = 6


@functools.lru_cache(maxsize=512)   # called per task row per frame; a run has few distinct files
def norm_path(path) -> str:
    """``path`` absolute and case-normalised, for comparing file names ("" for None/empty)."""
    return os.path.normcase(os.path.abspath(str(path))) if path else ""


class LoadProblem(NamedTuple):
    """Why a run could not start (``playground.LoadError``): the message, and where when known
    (1-based ``line`` and ``column``; both None when the message names no place)."""
    message: str
    line: int | None
    column: int | None

    @classmethod
    def from_error(cls, exc: Exception) -> "LoadProblem":
        line, column = getattr(exc, "lineno", None), getattr(exc, "offset", None)
        if not line:  # no attributes: the message names file:line:col
            m = re.search(r":(\d+)(?::(\d+))?", str(exc))
            line, column = (int(m.group(1)), int(m.group(2) or 1)) if m else (None, None)
        return cls(str(exc), line or None, (column or 1) if line else None)


def _names(names: list[str], most: int = 6) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _name_of(run, tid: int) -> str:
    task = run.tracer.live.get(tid)
    return f"'{task.get_name()}'" if task is not None else f"task {tid}"


#: What the status says of a live run paused before any task of it exists (F8, then Run).
PAUSED_AT_START = "Paused before the run's first step — Step (F10) runs one step, Resume (F8) runs on"

#: What the task table and the timeline say while they have no task to show (``empty_text``).
NO_RUN_TEXT = "No run of this lesson yet: press Run (F5) to watch its tasks here."
PAUSED_EMPTY_TEXT = ("Paused before the run's first step: no task exists yet.  Step (F10) runs "
                     "one step, Resume (F8) runs on.")
STARTING_TEXT = "Running: no task created yet."
RUNNING_TEXT = "Running: its tasks show here as it creates them."   # all hidden (library tasks)


def _nothing_yet(table) -> bool:
    """No task made and nothing printed: the run has not taken its first step."""
    return table is None or not (table.rows or table.outputs)


def running_text(live: int, elapsed: float, paused: bool = False) -> str:
    """The status of a live run: ``Running — 3 live tasks, 1.2 s``; ``Paused — 3 live tasks, 1.2 s``
    while the loop is paused (its clock stands still, nothing runs)."""
    return f"{'Paused' if paused else 'Running'} — {live} live task{'s' * (live != 1)}, {elapsed:.1f} s"


def finished_text(outcome: str, started: float | None, finished: float | None,
                  error: str | None = None) -> str:
    """The status after a run: ``Completed in 1.00 s``, ``Failed in 0.02 s — ValueError: bad``.
    ``error``: the run's ``error_headline`` (one line: a group says what it grouped), else the last
    line of its error text."""
    text = str(outcome).capitalize() + (f" in {finished - started:.2f} s" if finished and started else "")
    if error and error.strip():
        text += f" — {error.strip().splitlines()[-1]}"
    return text


def load_failed_text(problem: LoadProblem) -> str:
    """The status after a run that could not start."""
    if problem.line:
        return f"Syntax error at line {problem.line}, column {problem.column or 1} — nothing ran"
    return f"Nothing ran: {problem.message}"


class RunController(QObject):
    """Starts, stops and follows the window's runs; says what to show while and after they run.

    One run is *current* (``run``: its events are on screen, through ``refresher``); Run while a run
    is live stops it first (a restart).  A stopped run may take a while to unwind (its tasks' finally
    blocks): ``live_runs()`` lists every run not done yet, and ``stop()`` / ``shutdown()`` reach them
    all.  Each frame, what the current run's tracer logged is folded into ``table`` (the views repaint
    once) and the outputs, loop blocks and loop errors new since the last frame go out as signals, in
    the order the run logged them.

    Signals:
        runStarted(object): a run (``run``) started; its events now show.
        runFinished(str): the current run ended with this outcome (``RunOutcome`` word) and its last
            events went out; ``status`` already says how it went.
        runFailed(str): the current run failed with this traceback text (just before
            ``runFinished``).
        loadFailed(object): the code could not start (nothing ran): a ``LoadProblem``
            ``(message, line, column)``.
        output(object): the outputs new this frame, one list per frame (a print loop writes
            thousands a frame): ``[(task name or None, stream, text), ...]`` in order.
        blocked(float, object, object, object): the loop was blocked for that many seconds, at that
            line (or None), by that task (name, or None: module code), in that file when it is not
            the run's own (its name, else None).
        loopError(object, str, str): what asyncio would only have logged (``Task exception was never
            retrieved``...): task name (or None), message, traceback text ("" when none).
        status(str): the status text changed (``status_text``).
        liveChanged(bool): whether some run is live now (the window's Stop).
        frameApplied(int, bool): after each frame's signals: events applied, and whether this is a
            slow (~10 Hz) frame, the one on which O(tasks) work such as gutter markers may run.
        emptyTextChanged(str): ``empty_text`` changed: what the task table and the timeline of the
            current run should say while they have no task to show.
        action(str): what a Cancel click, Stop or Run-while-running did, with the tasks it
            touched, for the console ("Stop: cancelled 'main', 'fetch-A'").

    Attributes:
        run: the current (or last) ``playground.Run``, None before the first start.  After a load
            failure it is that run, never started (no events).
        refresher: the ``FrameRefresher`` that shows the current run in the model and timeline.
        run_file: the normalised path of the current run's file ("" before the first start).
        load_error: the ``LoadProblem`` of the last start, None when it started.
        status_text: the last status ("Ready" at first).
        empty_text: what an empty task table or timeline of the current run says: ``NO_RUN_TEXT``
            before the first start; ``PAUSED_EMPTY_TEXT`` while a run is paused before any task of
            it exists (Pause, then Run); ``STARTING_TEXT`` while it runs with none yet
            (``RUNNING_TEXT`` once it has some); after the run, how it ended.
    """

    runStarted = Signal(object)
    runFinished = Signal(str)
    runFailed = Signal(str)
    loadFailed = Signal(object)
    output = Signal(object)
    blocked = Signal(float, object, object, object)
    loopError = Signal(object, str, str)
    status = Signal(str)
    liveChanged = Signal(bool)
    frameApplied = Signal(int, bool)
    action = Signal(str)
    emptyTextChanged = Signal(str)

    def __init__(self, loop, model=None, timeline=None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.loop = loop
        self.run = None
        self.run_file = ""
        self.load_error: LoadProblem | None = None
        self.status_text = "Ready"
        self.empty_text = NO_RUN_TEXT
        self.refresher = FrameRefresher(model, timeline, self)
        self.refresher.frameApplied.connect(self._frame)
        self.refresher.finished.connect(self._finish)
        self._started: list = []     # runs that started and may still be unwinding
        self._seen = {"outputs": 0, "blocks": 0, "errors": 0}   # of the current run's table
        self._finished_run = None

    # == the runs =====================================================================================
    @property
    def table(self):
        """The ``playground.TaskTable`` on screen (the current run's), None before the first start."""
        return self.refresher.table

    def start(self, path, source: str | None = None, *, network: str = NetworkMode.OFFLINE,
              block_limit: float | None = 5.0) -> bool:
        """Run ``source`` (else the file at ``path``); a live run is stopped first (a restart).

        Returns False if the code could not start: ``loadFailed`` and ``status`` said why, nothing
        ran, and ``table`` is the new run's (empty) table.
        """
        self.stop("Run again")
        run = playground.Run(path, source=source, loop=self.loop, network=NetworkMode.parse(network),
                             block_limit=block_limit)
        self.run = run
        self._seen = dict.fromkeys(self._seen, 0)
        self.run_file = norm_path(run.tracer.filename or path)
        self.load_error = None
        self.refresher.start(run)          # a fresh TaskTable in the model and the timeline
        try:
            run.start()
        except playground.LoadError as exc:
            self.refresher.stop()
            self.load_error = LoadProblem.from_error(exc)
            self._set_status(load_failed_text(self.load_error))
            self._update_empty_text()
            self.liveChanged.emit(bool(self.live_runs()))
            self.loadFailed.emit(self.load_error)
            return False
        self._started = self.live_runs() + [run]
        self._set_status(PAUSED_AT_START if self.loop.paused else "Running…")
        self._update_empty_text()
        self.liveChanged.emit(True)
        self.runStarted.emit(run)
        return True

    def stop(self, why: str = "Stop") -> None:
        """Cancel every live task: the current run's, and those of earlier runs still unwinding
        (the engine may miss a stop that lands before a run's main() task exists).  ``action``
        logs what it touched, as ``why``."""
        live = self.live_runs()
        if live and self.loop.paused:
            # Stopping means letting the runs unwind (their finally blocks run): not paused.
            self.loop.resume()
        touched = [task.get_name() for run in live for task in run.tracer.live.values()
                   if not task.done()]
        for run in live:
            run.stop()
        if live:
            self.action.emit(f"{why}: cancelled {_names(touched)}" if touched
                             else f"{why}: the run had no live task left to cancel")
        if self.run is not None and self.run in live:
            self._set_status("Stopping…")

    def cancel_task(self, tid: int, msg: str | None = None) -> bool:
        """Cancel exactly the task ``tid`` of the current run (a Cancel click); ``action`` logs it."""
        run = self.run
        task = run.tracer.live.get(tid) if run is not None else None
        if task is None or not run.cancel_task(tid, msg):
            return False
        said = f"Cancel: cancelled '{task.get_name()}'" + (f" with message {msg!r}" if msg else "")
        cycle = run.tracer.cycle
        if cycle:    # a waits on b, b on a: the cancel went round once and cannot land
            names = [_name_of(run, t) for t in (*cycle, cycle[0])]
            said += (f", but it is in an await cycle ({' → '.join(names)}): the cancel went round "
                     "it once and cannot land while they wait on each other (asyncio's own "
                     "cancel() would raise RecursionError here); Stop ends them")
        self.action.emit(said)
        return True

    def live_runs(self) -> list:
        """Runs not finished yet (the current one and stopped ones still unwinding)."""
        return [r for r in self._started if not r.done]

    def shutdown(self) -> list:
        """Stop every run (closing); returns the runs whose cancellation still has to be awaited.
        The loop runs at 1x again: a paused or slowed clock must not hold up the unwinding."""
        if self.loop.paused:
            self.loop.resume()
        if self.loop.speed != 1.0 or self.loop.skip_idle:
            self.loop.set_speed(1.0)
        for run in self.live_runs():
            run.stop()
        return self.live_runs()

    def in_run_file(self, path) -> bool:
        """Whether ``path`` is the current run's own file."""
        return bool(path) and norm_path(path) == self.run_file

    # == following the current run ====================================================================
    def _set_status(self, text: str) -> None:
        self.status_text = text
        self.status.emit(text)

    def _empty_text_now(self) -> str:
        run, table = self.run, self.table
        if run is None:
            return NO_RUN_TEXT
        if self.load_error is not None:
            return "Nothing ran: the code could not start (the console says why)."
        tasks = table is not None and bool(table.rows)
        if run.done:
            return f"The run ended ({run.outcome})" + ("." if tasks else " without creating any task.")
        if not tasks and self.loop.paused:
            return PAUSED_EMPTY_TEXT if _nothing_yet(table) else "Paused: the run has created no task yet."
        if not tasks:
            return STARTING_TEXT
        return RUNNING_TEXT

    def _update_empty_text(self) -> None:
        text = self._empty_text_now()
        if text != self.empty_text:
            self.empty_text = text
            self.emptyTextChanged.emit(text)

    def _frame(self, n_events: int) -> None:
        """Once per refresher frame: what the run logged since the last one, then the status."""
        table, run = self.table, self.run
        slow = self.refresher.refreshes % SLOW_EVERY == 1
        # Names by tid come from table.by_tid: building a {tid: name} dict here was O(tasks)
        # every frame (15 s of GUI time over a 100k-task run, bench/ui_load.py).
        by_tid = table.by_tid

        def name(tid):
            row = by_tid.get(tid)
            return row.name if row is not None else None

        seen = self._seen
        if len(table.outputs) > seen["outputs"]:
            lines = [(name(ev.tid), ev.stream, ev.text) for ev in table.outputs[seen["outputs"]:]]
            seen["outputs"] = len(table.outputs)
            self.output.emit(lines)
        for ev in table.blocks[seen["blocks"]:]:
            seen["blocks"] += 1
            where = Path(ev.filename).name if ev.filename and not self.in_run_file(ev.filename) else None
            self.blocked.emit(ev.duration, ev.lineno, name(ev.tid), where)
        for ev in table.errors[seen["errors"]:]:
            seen["errors"] += 1
            self.loopError.emit(name(ev.tid), str(ev.message), ev.exc.traceback if ev.exc else "")
        if slow and not run.done:
            now = self.loop.time()
            paused = self.loop.paused
            if paused and _nothing_yet(table):      # Pause, then Run: nothing has run yet
                self._set_status(PAUSED_AT_START)
            else:   # the engine's live set: O(1), not O(tasks)
                self._set_status(running_text(len(run.tracer.live), now - (table.started or now), paused))
        self._update_empty_text()     # O(1): follows Pause/Resume and the first task
        self.frameApplied.emit(n_events, slow)

    def _finish(self) -> None:
        run, table = self.run, self.table
        if self._finished_run is run:   # an extra frame after the end
            return
        self._finished_run = run
        outcome = run.outcome or table.outcome or RunOutcome.COMPLETED
        self._set_status(finished_text(outcome, table.started, table.finished,
                                       run.error_headline or run.error))
        self._update_empty_text()
        self.liveChanged.emit(bool(self.live_runs()))   # earlier runs may still be unwinding
        if run.error:
            self.runFailed.emit(run.error)
        self.runFinished.emit(str(outcome))
