"""The tracer: what every task of a run did, as an append-only log of plain tuples.

Shaped like trio's Instrument: the loop calls ``Tracer.step`` only for tasks that belong to a
traced run (``TracedTask``), so a loop with no run pays one attribute check per callback.  Events
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
from array import array
import time
import traceback
from asyncio import futures, tasks

__all__ = ["LIVE_STATES", "Spans", "TaskRow", "TaskTable", "TracedTask", "Tracer", "Waits"]

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 6

LIVE_STATES = frozenset({"pending", "running", "waiting"})

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


class Spans:
    """Append-only ``(t0, t1)`` pairs, stored flat in one ``array('d')``.

    16 bytes a pair instead of ~64 for a list of tuples: a 100k-task run has ~400k steps, and
    the window keeps them for the timeline.  Indexing builds the tuple on demand, so bisect and
    ``for s0, s1 in spans`` work as on a list.
    """

    __slots__ = ("_a",)

    def __init__(self):
        self._a = array("d")

    def append(self, pair):
        self._a.append(pair[0])
        self._a.append(pair[1])

    def __len__(self):
        return len(self._a) >> 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        a = self._a
        return a[2 * i], a[2 * i + 1]

    def __iter__(self):
        a = self._a
        return zip(a[0::2], a[1::2])

    def __bool__(self):
        return bool(self._a)

    def __repr__(self):
        return f"Spans({list(self)!r})"


_NAN = float("nan")
_WAIT_INFO: dict = {}   # (kind, detail) -> that tuple, shared by every wait alike


class Waits:
    """Append-only ``(t0, t1 or None, kind, detail)`` waits; only the last may still be open."""

    __slots__ = ("_t", "_info")

    def __init__(self):
        self._t = array("d")
        self._info: list[tuple] = []

    def open(self, t0, kind, detail):
        self._t.append(t0)
        self._t.append(_NAN)
        key = (kind, detail)
        self._info.append(_WAIT_INFO.setdefault(key, key) if len(_WAIT_INFO) < 50_000 else key)

    def close_last(self, t1):
        """End the open wait, if there is one, at ``t1``."""
        t = self._t
        if t and t[-1] != t[-1]:  # NaN: still open
            t[-1] = t1

    def __len__(self):
        return len(self._info)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        t = self._t
        t1 = t[2 * i + 1]
        kind, detail = self._info[i]
        return t[2 * i], (None if t1 != t1 else t1), kind, detail

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        return bool(self._info)

    def __repr__(self):
        return f"Waits({list(self)!r})"


class TaskRow:
    """The latest known state of one task, folded from the events."""

    __slots__ = ("tid", "name", "coro", "parent", "depth", "created", "first_start", "ended", "state",
                 "waiting", "summary", "exc", "steps", "waits", "cancel_requests")

    def __init__(self, tid, t, parent, name, coro, depth):
        self.tid = tid
        self.name = name
        self.coro = coro
        self.parent = parent
        self.depth = depth
        self.created = t
        self.first_start = None
        self.ended = None
        self.state = "pending"
        self.waiting = None   # (kind, detail, file, line)
        self.summary = None
        self.exc = None
        self.steps = Spans()          # (t0, t1) running slices
        self.waits = Waits()          # (t0, t1 or None, kind, detail)
        self.cancel_requests = ()     # (t, by_tid, msg); a list once there is one

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES

    def __repr__(self):
        return f"<TaskRow {self.tid} {self.name!r} {self.state}>"


class TaskTable:
    """Folds tracer events into one ``TaskRow`` per task (rows in creation order)."""

    def __init__(self):
        self.rows: list[TaskRow] = []
        self.by_tid: dict[int, TaskRow] = {}
        self.failed: list[int] = []          # tids that ended failed, in order
        # (file, line) -> {tid: None} of the tasks suspended there now (insertion-ordered), kept
        # as events arrive so the editor's gutter needn't walk every task each time it redraws.
        self.waiting_lines: dict[tuple, dict[int, None]] = {}
        self.outputs: list[tuple] = []
        self.blocks: list[tuple] = []
        self.errors: list[tuple] = []
        self.started = None
        self.finished = None
        self.outcome = None
        self.message = None
        self.last_time = None

    def apply(self, events) -> set[int]:
        changed = set()
        by_tid = self.by_tid
        for ev in events:
            kind = ev[0]
            if kind == "step":
                row = by_tid[ev[1]]
                if row.waiting is not None:
                    self._unwait(row)
                row.steps.append((ev[2], ev[3]))
                if row.first_start is None:
                    row.first_start = ev[2]
                row.waits.close_last(ev[2])
                row.state = "pending"
                row.waiting = None
                self.last_time = ev[3]
                changed.add(ev[1])
            elif kind == "wait":
                row = by_tid[ev[1]]
                if row.waiting is not None:
                    self._unwait(row)
                row.state = "waiting"
                row.waiting = (ev[3], ev[4], ev[5], ev[6])
                key = (ev[5], ev[6])
                tids = self.waiting_lines.get(key)
                if tids is None:
                    tids = self.waiting_lines[key] = {}
                tids[ev[1]] = None
                row.waits.open(ev[2], ev[3], ev[4])
                changed.add(ev[1])
            elif kind == "task":
                parent = by_tid.get(ev[3])
                row = TaskRow(ev[1], ev[2], ev[3], ev[4], ev[5], parent.depth + 1 if parent else 0)
                self.rows.append(row)
                by_tid[ev[1]] = row
                changed.add(ev[1])
            elif kind == "end":
                row = by_tid[ev[1]]
                if row.waiting is not None:
                    self._unwait(row)
                row.state, row.summary, row.exc, row.ended = ev[3], ev[4], ev[5], ev[2]
                if ev[3] == "failed":
                    self.failed.append(ev[1])
                row.waiting = None
                row.waits.close_last(ev[2])
                changed.add(ev[1])
            elif kind == "cancel":
                row = by_tid[ev[1]]
                if not row.cancel_requests:
                    row.cancel_requests = []
                row.cancel_requests.append((ev[2], ev[3], ev[4]))
                changed.add(ev[1])
            elif kind == "name":
                by_tid[ev[1]].name = ev[3]
                changed.add(ev[1])
            elif kind == "output":
                self.outputs.append(ev)
            elif kind == "block":
                self.blocks.append(ev)
            elif kind == "error":
                self.errors.append(ev)
                if ev[1] in by_tid:
                    changed.add(ev[1])
            elif kind == "run":
                if ev[2] == "start":
                    self.started = ev[1]
                else:
                    self.finished, self.outcome, self.message = ev[1], ev[3], ev[4]
        return changed

    def _unwait(self, row):
        key = (row.waiting[2], row.waiting[3])
        tids = self.waiting_lines.get(key)
        if tids is not None:
            tids.pop(row.tid, None)
            if not tids:
                del self.waiting_lines[key]

    def __len__(self):
        return len(self.rows)

    def row(self, tid) -> TaskRow:
        return self.by_tid[tid]

    def live_tids(self) -> list[int]:
        return [r.tid for r in self.rows if r.state in LIVE_STATES]
