"""Every run ends: what happens after a stop when the run's code does not end on its own.

``Run.stop()`` cancels every task of the run and interrupts module-level code as Ctrl+C would
(``Interrupted``).  Then, on wall-clock Qt timers (whatever the loop's speed): ``GRACE`` seconds
later each task still alive (it swallowed its CancelledError) is force-stopped — unhooked from
what it waits on and from the ready queue, its coroutine closed so its ``finally`` blocks run,
marked cancelled — and named in a note; ``ABANDON`` seconds after that, module code still stuck in
a blocking call is left behind in its (daemon) thread and the run ends.  docs/engine-api.md,
"Every run ends".
"""
from __future__ import annotations

import asyncio
import ctypes
import sys
import threading
import time

from PySide6 import QtCore

from ._current import current_run, tid_of

__all__ = ["ABANDON", "GRACE", "POLL", "Escalation", "Interrupted"]

#: Seconds a stopped run's tasks get to finish after their cancel before they are force-stopped.
GRACE = 1.0
SAID = 20      # force-stopped tasks named in a note each; the rest are counted in one
#: Seconds after the force-stop before module code stuck in a blocking call is left behind.
ABANDON = 0.5
#: How often a waiting module thread looks up (so Stop's interrupt lands between two waits).
POLL = 0.05


class Interrupted(KeyboardInterrupt):
    """Stop, --timeout or Ctrl+C landing in module-level code, as Ctrl+C would in a terminal:
    ``except KeyboardInterrupt:`` in the lesson sees it (a subclass, so the run tells it from a
    KeyboardInterrupt the lesson raised itself)."""


class Escalation:
    """One run's way to its end once stopped: the timers, the force-stops, the abandon."""

    def __init__(self, run):
        self.run = run
        self.started_at: float | None = None   # time.monotonic() of the stop (or the leftovers)
        self._timers: list = []

    def start(self) -> None:
        """The run was stopped (or left tasks behind): GRACE seconds from now, escalate."""
        if self.started_at is None:
            self.started_at = time.monotonic()
            self.after(GRACE, self._escalate)

    def cancel(self) -> None:
        """The run ended: no timer of it fires any more."""
        for timer in self._timers:
            timer.stop()
        self._timers.clear()

    def after(self, seconds, callback):
        """Call ``callback`` on the loop's thread after ``seconds`` of wall time (a Qt timer: it
        fires whatever the loop's speed, and whatever the run's code did to the loop)."""
        run = self.run
        timer = QtCore.QTimer()
        timer.setSingleShot(True)
        timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)

        def fire():
            try:
                if not run.done:
                    run._plain_context.copy().run(callback)
            except Exception as exc:   # never let the escalation itself fail silently
                run._note(f"internal error while stopping the run: {exc!r}")
        timer.timeout.connect(fire)
        timer.start(int(seconds * 1000))
        self._timers.append(timer)

    def _escalate(self):
        """GRACE seconds after the cancel: force-stop the tasks that did not end."""
        self.force_stop_stuck(leaves_only=True)
        self.run._interrupt_module()
        self.after(ABANDON, self._abandon)

    def _abandon(self):
        """What is still alive now cannot be stopped: force-stop every task left, leave module code
        stuck in a blocking call behind in its (daemon) thread, and end the run."""
        run = self.run
        self.force_stop_stuck(leaves_only=False)
        thread = run._thread
        if thread is not None and thread.is_alive() and run._module_running:
            where = self._module_line(thread)
            run._note(f"the module code did not stop{where}: it is stuck in a blocking call "
                      "Python cannot interrupt in a thread; it was left behind (a daemon thread) "
                      "and the run ended")
            run._finish("cancelled", None, abandoned=True)

    def _module_line(self, thread) -> str:
        frame = sys._current_frames().get(thread.ident)
        while frame is not None and frame.f_code.co_filename != self.run.path:
            frame = frame.f_back
        return f" (at line {frame.f_lineno})" if frame is not None else ""

    def force_stop_stuck(self, *, leaves_only: bool):
        tracer = self.run.tracer
        stuck = [t for t in tracer.live.values() if not t.done()]
        if not stuck:
            return
        from ._table import TaskTable
        table = TaskTable()
        table.apply(tracer.events)
        live = {tid_of(t) for t in stuck}
        ready = _ReadyIndex(self.run.loop._ready)
        forced = 0
        for task in sorted(stuck, key=tid_of, reverse=True):   # children first
            row = table.by_tid.get(tid_of(task))
            if leaves_only and row is not None and any(t in live for t in row.targets):
                continue   # it waits on a stuck task: it gets its turn when that one ends
            self.force_stop(task, row, ready=ready, say=forced < SAID)
            forced += 1
        if leaves_only and not forced:
            # Every task left waits on another: tasks awaiting each other in a circle (a on b, b
            # on a), which no cancel can end.  Those in the circle go; who awaits them then ends
            # with their CancelledError, as after a leaf (and module code with it).
            for task in sorted(stuck, key=tid_of, reverse=True):
                if _in_cycle(tid_of(task), table, live):
                    self.force_stop(task, table.by_tid.get(tid_of(task)), cycle=True,
                                    ready=ready, say=forced < SAID)
                    forced += 1
        if forced > SAID:
            self.run._note(f"force-stopped {forced - SAID:,} more task{'s' * (forced - SAID > 1)} "
                           "the same way")

    def force_stop(self, task, row, cycle: bool = False, *, ready: _ReadyIndex | None = None,
                   say: bool = True):
        """End ``task`` although it ignores cancellation: unhook it from what it waits on and from
        the ready queue (asyncio must never step it again), close its coroutine (GeneratorExit at
        its await: its ``finally`` blocks run), mark it cancelled, and say so (``say``: a note
        of its own).  ``ready``: the queue's handles by task, for many tasks in a row (None: the
        queue is read here)."""
        run = self.run
        loop = run.loop
        waiter = getattr(task, "_fut_waiter", None)
        if waiter is not None:
            for callback, _ in list(getattr(waiter, "_callbacks", None) or ()):
                if getattr(callback, "__self__", None) is task:
                    waiter.remove_done_callback(callback)
        for handle in (ready or _ReadyIndex(loop._ready)).take(task):
            handle.cancel()
        name = task.get_name()
        where = ""
        if row is not None:
            story = row.story
            landed = story.landed_at if story is not None else None
            line = row.waiting[3] if row.waiting is not None else None
            if cycle:
                where = (f" (it awaits{f' at line {line}' if line else ''} a task that awaits it: "
                         "an await cycle, which no cancel can end)")
            elif landed is not None and landed[1]:
                where = f" (it swallowed CancelledError at line {landed[1]})"
            elif line:
                where = f" (it was waiting at line {line})"
        ignored = ""
        coro = task.get_coro()
        previous = loop.current_traced
        loop.current_traced = task        # its finally blocks' output is the task's
        try:
            ctx = run._plain_context.copy()
            ctx.run(current_run.set, run)
            ctx.run(coro.close)
        except RuntimeError as exc:       # "coroutine ignored GeneratorExit": it awaited again
            ignored = f"; its code ignored GeneratorExit too ({exc})"
        except BaseException as exc:      # its finally raised
            ignored = f"; its cleanup raised {type(exc).__name__}: {exc}"
        finally:
            loop.current_traced = previous
        waited = time.monotonic() - (self.started_at or time.monotonic())
        asyncio.Future.cancel(task, "force-stopped by the playground")
        run.tracer._ended(task, loop.time())
        if say or ignored:
            run._note(f"force-stopped task '{name}' {waited:.1f} s after its cancel: it did not "
                      f"end{where}; its coroutine was closed (finally blocks ran){ignored}")


class _ReadyIndex:
    """The loop's ready queue's handles by the task they step (``take``): the queue read once,
    then only what was appended since (a closed coroutine's ``finally`` may schedule more).  A
    pass over the queue per force-stopped task was quadratic: Stop of a 100k-task run spent
    minutes there."""

    def __init__(self, queue):
        self.queue, self.seen, self.by = queue, 0, {}

    def take(self, task) -> list:
        queue, by = self.queue, self.by
        n = len(queue)
        # (Nothing leaves the queue meanwhile: what is new is at its right end, where a deque's
        # index is cheap.)
        new = queue if not self.seen else [queue[i] for i in range(self.seen, n)]
        for handle in new:
            owner = getattr(handle._callback, "__self__", None)
            if owner is not None:
                by.setdefault(id(owner), []).append(handle)
        self.seen = n
        return by.pop(id(task), [])


def _in_cycle(tid, table, live) -> bool:
    """Whether task ``tid`` awaits (through the live tasks' targets) a task that awaits it."""
    seen, todo = set(), [tid]
    while todo:
        row = table.by_tid.get(todo.pop())
        for target in (row.targets if row is not None else ()):
            if target == tid:
                return True
            if target in live and target not in seen:
                seen.add(target)
                todo.append(target)
    return False


class _Dropped(BaseException):
    """Takes the place of an interrupt still on its way to the module thread
    (``drop_interrupt``)."""


def drop_interrupt() -> None:
    """Drop an asynchronous exception still on its way to this thread (the module thread, once
    its code has ended: ``Run._module``).

    Not ``PyThreadState_SetAsyncExc(id, NULL)``: on 3.11 only an exception that lands clears the
    interpreter's "asynchronous exception pending" flag, so clearing with NULL leaves it set for
    good.  From then on every eval-breaker check in every thread took the slow path, and the first
    call traced with ``sys.settrace`` (a debugger, coverage, a lesson's own tracer) spun forever.
    So this replaces whatever is pending with an exception of its own and lets it land here."""
    try:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(threading.get_ident()),
                                                   ctypes.py_object(_Dropped))
        for _ in range(1_000_000):     # it lands at the loop's first backward jump
            pass
    except _Dropped:
        pass
