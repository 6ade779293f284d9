"""The tracer: what every task of a run did, as an append-only log of plain tuples.

Shaped like trio's Instrument: while runs are live the loop drains its ready queue through
``run_traced_batch``, which times only the steps of tasks that belong to a run (``TracedTask``);
a loop with no live run runs its plain drain and pays nothing.  Events
are tuples appended to a list (see docs/engine-api.md for the shapes); readers (the CLI, the
window's frame timer, the trace exporter) keep a cursor and ``read()`` what is new.  Nothing here
emits a Qt signal.

How a step is recognised: asyncio schedules a task's step (and its wake-up after a future) as a
handle whose callback is bound to the task (``TaskStepMethWrapper`` / ``task_wakeup``), so
``handle._callback.__self__`` is the task.  What a task waits on between steps is
``task._fut_waiter`` plus its coroutine chain (``cr_await``), read once per step.
"""
from __future__ import annotations

import asyncio
import os
import reprlib
import time
import traceback
from asyncio import tasks

__all__ = ["TracedTask", "Tracer", "run_traced_batch"]

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 6

# Innermost library coroutine -> (kind, label).  Matched on code objects, so it costs a dict lookup.
_KNOWN = {}


def _know(fn, kind, label=None):
    code = getattr(fn, "__code__", None)
    if code is not None:
        _KNOWN[code] = (kind, label or fn.__qualname__)


_know(tasks.sleep, "sleep", "sleep")
_know(asyncio.Lock.acquire, "lock")
_know(asyncio.Event.wait, "event")
_know(asyncio.Condition.wait, "condition")
_know(asyncio.Condition.wait_for, "condition")
_know(asyncio.Semaphore.acquire, "semaphore")
_know(asyncio.Queue.get, "queue")
_know(asyncio.Queue.put, "queue")
_know(asyncio.Queue.join, "queue")
_know(asyncio.Barrier.wait, "barrier") if hasattr(asyncio, "Barrier") else None
_know(tasks.wait, "wait", "asyncio.wait")
_know(tasks._wait, "wait", "asyncio.wait")
_know(tasks.wait_for, "timeout", "wait_for")
_know(asyncio.to_thread, "thread", "to_thread")
_know(asyncio.StreamReader.read, "io")
_know(asyncio.StreamReader.readline, "io")
_know(asyncio.StreamReader.readexactly, "io")
_know(asyncio.StreamReader._wait_for_data, "io", "socket read")
_know(asyncio.StreamWriter.drain, "io")

_asyncio_dir = os.path.dirname(asyncio.__file__)
# Frames from these packages mean "network I/O" whatever primitive they wait on underneath.
_IO_MARKERS = (os.sep + "httpx" + os.sep, os.sep + "httpcore" + os.sep, os.sep + "anyio" + os.sep,
               os.sep + "h11" + os.sep, os.path.join(_asyncio_dir, "streams.py"),
               os.path.join(_asyncio_dir, "selector_events.py"))


_IS_IO: dict = {}   # code object -> bool, so the marker scan runs once per code object
_SLEEP_DETAILS: dict = {}   # delay -> "sleep(0.5)", shared by every wait on that delay


def _is_io(code) -> bool:
    known = _IS_IO.get(code)
    if known is None:
        name = code.co_filename
        known = _IS_IO[code] = any(marker in name for marker in _IO_MARKERS)
    return known


def _sleep_detail(delay) -> str:
    detail = _SLEEP_DETAILS.get(delay)
    if detail is None:
        detail = f"sleep({delay:g})" if isinstance(delay, (int, float)) else "sleep"
        if len(_SLEEP_DETAILS) < 10_000:
            _SLEEP_DETAILS[delay] = detail
    return detail


def short_repr(value) -> str:
    cls = type(value)
    if value is None or cls is int or cls is bool or cls is float or (cls is str and len(value) < 60):
        return repr(value)   # the common results, without reprlib's cost
    try:
        return _repr.repr(value)
    except Exception:  # a lesson's __repr__ may raise; the trace must not
        return f"<{type(value).__name__}>"


def exc_summary(exc: BaseException) -> str:
    msg = str(exc)
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


class TracedTask(asyncio.Task):
    """An ``asyncio.Task`` of a traced run: records cancel requests and renames."""

    __slots__ = ("_pg_tracer", "_pg_tid")

    def cancel(self, msg=None):
        tracer = getattr(self, "_pg_tracer", None)
        if tracer is not None and not self.done():
            tracer.cancel_requested(self, msg)
        return super().cancel(msg)

    def set_name(self, value):
        super().set_name(value)
        tracer = getattr(self, "_pg_tracer", None)
        if tracer is not None:
            tracer.renamed(self)


# asyncio's messages and reprs name the task's class ("Task exception was never retrieved",
# "<Task finished ...>"); lessons quote them, so keep them word for word.
TracedTask.__name__ = TracedTask.__qualname__ = "Task"


class Tracer:
    """Append-only event log of one run.  ``read(cursor)`` returns what is new.

    Attributes:
        events: the log (list of tuples; append-only).
        filename: the run's file; waits and errors are located in it.
    """

    def __init__(self, loop, filename: str | None = None):
        self.loop = loop
        self.filename = filename
        self.events: list[tuple] = []
        self._next_tid = 1
        self.live: dict[int, TracedTask] = {}   # tid -> task, until it ends
        self.on_fatal = None   # called with a SystemExit/KeyboardInterrupt raised by a task

    # -- reading ---------------------------------------------------------------------------
    def read(self, cursor: int = 0, limit: int | None = None) -> tuple[list[tuple], int]:
        """The events appended since ``cursor`` (at most ``limit``), and the next cursor."""
        events = self.events
        end = len(events)
        if limit is not None:
            end = min(end, cursor + limit)
        return (events[cursor:end] if cursor < end else []), end

    # -- recording ---------------------------------------------------------------------------
    def new_task(self, coro, *, name=None, context=None, eager=False) -> TracedTask:
        loop = self.loop
        parent = loop.current_traced   # the traced task whose step is creating this one
        tid = self._next_tid
        self._next_tid = tid + 1
        t0 = time.monotonic()
        if eager:
            # The first step runs inside the constructor; time it as a step of its own.
            task = TracedTask(coro, loop=loop, name=name, context=context, eager_start=True)
            t1 = time.monotonic()
        else:
            task = TracedTask(coro, loop=loop, name=name, context=context)
        task._pg_tracer = self
        task._pg_tid = tid
        self.live[tid] = task
        parent_tid = (parent._pg_tid if parent.__class__ is TracedTask and parent._pg_tracer is self
                      else None)
        try:
            qualname = coro.cr_code.co_qualname
        except AttributeError:  # a generator-based or foreign awaitable
            code = getattr(coro, "gi_code", None)
            qualname = code.co_qualname if code is not None else type(coro).__name__
        self.events.append(("task", tid, t0, parent_tid, task.get_name(), qualname))
        if eager:
            self.events.append(("step", tid, t0, t1))
            if task.done():
                self._ended(task, t1)
            elif task._fut_waiter is not None:
                self._waiting(task, task._fut_waiter, t1)
        return task

    def renamed(self, task):
        self.events.append(("name", task._pg_tid, self.loop.time(), task.get_name()))

    def cancel_requested(self, task, msg):
        loop = self.loop
        by = tasks.current_task(loop) if loop.is_running() and loop._thread_id == _thread_ident() else None
        by_tid = getattr(by, "_pg_tid", None) if getattr(by, "_pg_tracer", None) is self else None
        self.events.append(("cancel", task._pg_tid, loop.time(), by_tid,
                            None if msg is None else str(msg)))

    def _waiting(self, task, waiter, t):
        # One walk down the suspended coroutine chain (cr_await / gi_yieldfrom) finds the
        # innermost frame in the run's own file, the innermost frame overall, and the first
        # frame of a network library.
        filename = self.filename
        coro = task.get_coro()
        outer = user = inner = io_code = None
        while coro is not None:
            frame = getattr(coro, "cr_frame", None)
            if frame is not None:
                nxt = coro.cr_await
            else:
                frame = getattr(coro, "gi_frame", None)
                if frame is None:
                    break
                nxt = coro.gi_yieldfrom
            code = frame.f_code
            if outer is None:
                outer = frame
            if code.co_filename == filename:
                user = frame
            if io_code is None and _is_io(code):
                io_code = code
            inner = frame
            coro = nxt
        where = user or outer
        if isinstance(waiter, asyncio.Task):
            kind, detail = "task", f"task '{waiter.get_name()}'"
        elif isinstance(waiter, tasks._GatheringFuture):
            kind, detail = "gather", f"gather of {len(getattr(waiter, '_children', ()))}"
        elif io_code is not None:
            kind, detail = "io", io_code.co_qualname
        else:
            known = _KNOWN.get(inner.f_code) if inner is not None else None
            if known is None:
                kind, detail = "future", "a future"
            else:
                kind, detail = known
                if kind == "sleep":
                    sleep = self.loop.last_sleep
                    detail = _sleep_detail(sleep[1] if sleep[0] is waiter else None)
        self.events.append(("wait", task._pg_tid, t, kind, detail,
                            where.f_code.co_filename if where is not None else None,
                            where.f_lineno if where is not None else None))

    def _ended(self, task, t):
        tid = task._pg_tid
        self.live.pop(tid, None)
        if task.cancelled():
            msg = getattr(task, "_cancel_message", None)
            summary = f"CancelledError: {msg}" if msg else "CancelledError"
            self.events.append(("end", tid, t, "cancelled", summary, None))
            return
        exc = task._exception  # not .exception(): that would mark it retrieved
        if exc is None:
            self.events.append(("end", tid, t, "done", short_repr(task._result), None))
            return
        self.events.append(("end", tid, t, "failed", exc_summary(exc), self.describe_exception(exc)))

    def describe_exception(self, exc: BaseException):
        """(type, message, traceback text, file, line of the raising line in the run's file)."""
        tb_text = "".join(traceback.format_exception(exc))
        filename = lineno = None
        for frame, line in traceback.walk_tb(exc.__traceback__):
            if frame.f_code.co_filename == self.filename or filename is None:
                filename, lineno = frame.f_code.co_filename, line
        return (type(exc).__name__, str(exc), tb_text, filename, lineno)

    def output(self, stream: str, text: str):
        task = self.loop.current_traced if _thread_ident() == self.loop._thread_id else None
        tid = task._pg_tid if task is not None and task._pg_tracer is self else None
        self.events.append(("output", tid, self.loop.time(), stream, text))

    def record(self, event: tuple):
        self.events.append(event)


def _thread_ident():
    import threading
    return threading.get_ident()


def run_traced_batch(loop, ntodo, deadline, TracedTask=TracedTask, clock=time.monotonic):
    """Run ``ntodo`` ready handles; time the ones that step a traced task (the loop's hot path).

    A task's step and its wake-up are handles bound to the task (``TaskStepMethWrapper`` /
    ``task_wakeup``), so ``handle._callback.__self__`` is the task.
    """
    popleft = loop._ready.popleft
    for i in range(ntodo):
        handle = popleft()
        if handle._cancelled:
            continue
        task = getattr(handle._callback, "__self__", None)
        if task.__class__ is not TracedTask:
            handle._run()
        else:
            tracer = task._pg_tracer
            loop.current_traced = task
            t0 = clock()
            try:
                # Handle._run minus its except-Exception: a task's step stores its coroutine's
                # exceptions in the task, so only BaseExceptions escape (one frame less per step).
                handle._context.run(handle._callback, *handle._args)
            except (SystemExit, KeyboardInterrupt) as exc:
                # asyncio stored it as the task's exception and re-raised it to unwind the
                # whole loop; in the playground it ends this run only.
                if tracer.on_fatal is not None:
                    loop.call_soon(tracer.on_fatal, exc)
            t1 = clock()
            loop.current_traced = None
            tracer.events.append(("step", task._pg_tid, t0, t1))
            if task.done():
                tracer._ended(task, t1)
            elif task._fut_waiter is not None:
                tracer._waiting(task, task._fut_waiter, t1)
        # Traced steps cost more than plain callbacks: look at the clock more often, so the
        # slice still ends close to its deadline and the window gets its frame.
        if not i & 31 and clock() >= deadline:
            return
