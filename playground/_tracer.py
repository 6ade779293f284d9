"""The tracer: what every task of a run did, as an append-only log of named tuples.

Shaped like trio's Instrument (see ``Instrument`` below for the calls the loop makes): while runs
are live the loop drains its ready queue through ``run_traced_batch``, which times only the steps
of tasks that belong to a run (``TracedTask``); a loop with no live run runs its plain drain and
pays nothing.  Events are the records of :mod:`.events` (tuples with names) appended to a list;
readers (the CLI, the window's frame timer, the trace exporter) keep a cursor and ``read()`` what is
new.  Nothing here emits a Qt signal.

How a step is recognised: asyncio schedules a task's step (and its wake-up after a future) as a
handle whose callback is bound to the task (``TaskStepMethWrapper`` / ``task_wakeup``), so
``handle._callback.__self__`` is the task.  What a task waits on between steps is
``task._fut_waiter`` plus its coroutine chain (``cr_await``), read once per step.

The records made for every task and every step — ``TaskCreated``, ``Step``, ``Wait``,
``TaskEnded`` — are appended as plain tuples in their fields' order (``events.named(ev)`` reads
them by name; the fold unpacks them by position).  As named tuples they cost ~1,200 (``Step``, made
through ``tuple.__new__``) to ~2,800 (through the generated ``__new__``) more instructions each,
and stay tracked by the garbage collector (CPython untracks only exact tuples of atomic values):
+10 to +15 % of a traced run's instructions in ``bench/instructions.py``.  The rare records
(cancels, renames, output, blocks, errors, the run's start and end) are made as named tuples.
"""
from __future__ import annotations

import asyncio
import os
import reprlib
import sys
import traceback
import types
import weakref
from asyncio import tasks

from .events import Block, CancelRequested, Error, ExcInfo, Output, Renamed, Uncancelled, named
from ._causes import cancel_cause, exc_summary, uncancel_source
from ._current import ENGINE_DIRS, TracedTask, current_run, tid_of, tracer_of
from ._resource_hooks import SYNC_KINDS, sync_wait
from ._tracebacks import innermost
from .vocab import CancelCause, TaskState, WaitKind

__all__ = ["Instrument", "TracedTask", "Tracer", "run_traced_batch", "tid_of", "tracer_of"]

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 6

# Innermost library coroutine -> (kind, label).  Matched on code objects, so it costs a dict lookup.
_KNOWN = {}


class _W:
    """The words the hot path writes, as plain ``str`` values of the vocabulary: a record holding
    a ``StrEnum`` member (an instance with a ``__dict__``) stays tracked by the garbage collector,
    where a tuple of plain strings and numbers is untracked at its first collection."""
    SLEEP, TASK, GATHER, IO, FUTURE = (WaitKind.SLEEP.value, WaitKind.TASK.value,
                                       WaitKind.GATHER.value, WaitKind.IO.value,
                                       WaitKind.FUTURE.value)
    DONE, CANCELLED, FAILED = (TaskState.DONE.value, TaskState.CANCELLED.value,
                               TaskState.FAILED.value)


_DONE = _W.DONE   # read by _ended for every task that returns


def _know(fn, kind, label=None):
    code = getattr(fn, "__code__", None)
    if code is not None:
        # The word's plain str: records hold no enum members (see _W below).
        _KNOWN[code] = (kind.value, label or fn.__qualname__)


_know(tasks.sleep, WaitKind.SLEEP, "sleep")
_know(asyncio.Lock.acquire, WaitKind.LOCK)
_know(asyncio.Event.wait, WaitKind.EVENT)
_know(asyncio.Condition.wait, WaitKind.CONDITION)
_know(asyncio.Condition.wait_for, WaitKind.CONDITION)
_know(asyncio.Semaphore.acquire, WaitKind.SEMAPHORE)
_know(asyncio.Queue.get, WaitKind.QUEUE)
_know(asyncio.Queue.put, WaitKind.QUEUE)
_know(asyncio.Queue.join, WaitKind.QUEUE)
_know(asyncio.Barrier.wait, WaitKind.BARRIER) if hasattr(asyncio, "Barrier") else None
_know(tasks.wait, WaitKind.WAIT, "asyncio.wait")
_know(asyncio.to_thread, WaitKind.THREAD, "to_thread")
_know(asyncio.StreamReader.read, WaitKind.IO)
_know(asyncio.StreamReader.readline, WaitKind.IO)
_know(asyncio.StreamReader.readexactly, WaitKind.IO)
_know(asyncio.StreamReader._wait_for_data, WaitKind.IO, "socket read")
_know(asyncio.StreamWriter.drain, WaitKind.IO)

# Waits whose targets (the run's tasks waited on) are read from the innermost frame's locals: a
# TaskGroup body leaving ``async with`` (``__aexit__``, 3.14's ``_aexit``) waits on a plain future,
# ``asyncio.wait`` and 3.11's ``wait_for`` on one too.  Their labels are these sentinels, told
# apart by identity (``is``), so other waits pay nothing for them (a str subclass: never the same
# object as a plain label).
class _Targeted(str):
    __slots__ = ()


_TASKGROUP = _Targeted("TaskGroup")
_ASYNCIO_WAIT = _Targeted("asyncio.wait")
_WAIT_LABELS = {asyncio.FIRST_COMPLETED: "asyncio.wait, first completed",
                asyncio.FIRST_EXCEPTION: "asyncio.wait, first exception"}
_WAIT_FOR = _Targeted("wait_for")   # 3.11's wait_for waits on a future of its own (3.12+: the task)
_know(asyncio.TaskGroup.__aexit__, WaitKind.FUTURE, _TASKGROUP)
_know(getattr(asyncio.TaskGroup, "_aexit", None), WaitKind.FUTURE, _TASKGROUP)
_know(tasks._wait, WaitKind.WAIT, _ASYNCIO_WAIT)
_know(tasks.wait_for, WaitKind.TIMEOUT, _WAIT_FOR)

_ASYNCIO_DIR = os.path.dirname(asyncio.__file__) + os.sep
# Frames from these packages mean "network I/O" whatever primitive they wait on underneath.
_IO_MARKERS = (os.sep + "httpx" + os.sep, os.sep + "httpcore" + os.sep, os.sep + "anyio" + os.sep,
               os.sep + "h11" + os.sep, _ASYNCIO_DIR + "streams.py",
               _ASYNCIO_DIR + "selector_events.py")
_PACKAGE_DIRS = (os.sep + "site-packages" + os.sep, os.sep + "dist-packages" + os.sep)

_FUTURE = asyncio.Future   # the C future: its exact class means neither a task nor a gather
_SLEEP_DETAILS: dict = {}   # delay -> "sleep(0.5)", shared by every wait on that delay


def _by_file(test):
    """``test(co_filename)``, asked once per code object: the hot path gets a dict lookup."""
    cache: dict = {}

    def check(code) -> bool:
        known = cache.get(code)
        if known is None:
            known = cache[code] = test(code.co_filename)
        return known
    check.cache = cache
    return check


_is_io = _by_file(lambda name: any(marker in name for marker in _IO_MARKERS))
# A coroutine from an installed package (where a library's own tasks come from).
_installed = _by_file(lambda name: any(part in name for part in _PACKAGE_DIRS))
# asyncio's own code or the playground's: a caller that speaks for someone else.
_internal = _by_file(lambda name: name.startswith(_ASYNCIO_DIR) or name.startswith(ENGINE_DIRS))
_INSTALLED = _installed.cache   # read inline by new_task (a call per task costs more than this)


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


def _created_by_library(frame, filename) -> bool:
    """Whether the first frame above asyncio's and the playground's own is neither the lesson's
    nor nobody's (no such frame: the runner made it, for the lesson)."""
    while frame is not None:
        code = frame.f_code
        if not _internal(code):
            return code.co_filename != filename
        frame = frame.f_back
    return False


_new = TracedTask.__new__


class Instrument:
    """What a playground loop calls on the instruments of its live runs (trio's ``Instrument``).

    The loop keeps a set of instruments (``loop.add_tracer``/``remove_tracer``) and, while it is
    not empty, drains its ready queue through ``run_batch``.  Every hook is optional in spirit:
    a loop with no live instrument calls none of them and pays nothing.

    * ``new_task(coro, *, name, context, eager) -> asyncio.Task`` — ``loop.create_task`` for code
      that belongs to this instrument's run.
    * ``run_batch(loop, ntodo, deadline)`` — run ``ntodo`` ready handles (a static function:
      one instrument runs the batch for all).
    * ``loop_error(task, context)`` — asyncio would only have logged ``context`` (a never-retrieved
      exception, a failing callback); ``task`` is the traced task concerned or None.
    * ``blocked(task, t0, duration, filename, lineno)`` — the watchdog saw the loop blocked.
    * ``filename``, ``block_limit`` — the run's file (blocks are located in it) and how long its
      code may block the loop before the watchdog interrupts it (None: never).
    """

    filename: str | None = None
    block_limit: float | None = None

    def new_task(self, coro, *, name=None, context=None, eager=False):
        raise NotImplementedError

    run_batch = None

    def loop_error(self, task, context) -> None:
        pass

    def blocked(self, task, t0, duration, filename, lineno) -> None:
        pass


class Tracer(Instrument):
    """Append-only event log of one run.  ``read(cursor)`` returns what is new.

    Attributes:
        events: the log (records of :mod:`.events`; append-only).
        filename: the run's file; waits and errors are located in it.
        block_limit: seconds the run's code may block the loop (None: no limit).
        live: tid -> task, for the run's tasks that have not ended.
        on_fatal: called with a SystemExit/KeyboardInterrupt raised by one of the run's tasks.
    """

    def __init__(self, loop, filename: str | None = None, *, block_limit: float | None = None,
                 on_fatal=None):
        self.loop = loop
        self.filename = filename
        self.block_limit = block_limit
        self.events: list[tuple] = []
        # code object -> 1 (in the run's file) | 2 (a network library's frame), for the wait walk.
        self._code_flags: dict = {}
        self._next_tid = 1
        self.live: dict[int, TracedTask] = {}
        self.on_fatal = on_fatal
        self._explicit = None   # (cause, detail, where) of a cancel the playground is making now
        self._cancelling: dict | None = None  # tids a cancel of the playground's passed through, in order
        self.cycle: tuple = ()   # the await cycle (tids) the playground's last cancel went round
        # (file, line) pairs where a task that suspends is cancelled on arrival (cancel points).
        self.cancel_points: frozenset = frozenset()
        self._cancel_msgs: dict[int, str] = {}   # tid -> message of its last cancel(msg)
        self._failed: list = []   # weak references to the run's failed tasks (_unretrieved)
        self.resources = None     # the run's synchronisation objects (_resource_hooks.Session)
        _install_unawaited_hook()   # never-awaited coroutines become Error records (once per process)

    # -- reading ---------------------------------------------------------------------------
    def read(self, cursor: int = 0, limit: int | None = None) -> tuple[list[tuple], int]:
        """The events appended since ``cursor`` (at most ``limit``), and the next cursor."""
        events = self.events
        end = len(events)
        if limit is not None:
            end = min(end, cursor + limit)
        return (events[cursor:end] if cursor < end else []), end

    # -- the loop's hooks ------------------------------------------------------------------------
    def new_task(self, coro, *, name=None, context=None, eager=False,
                 _Coro=types.CoroutineType) -> TracedTask:
        loop = self.loop
        parent = loop.current_traced   # the traced task whose step is creating this one
        tid = self._next_tid
        self._next_tid = tid + 1
        if name is None:
            # Numbered within the run, as a fresh `python file.py` numbers its tasks from Task-1
            # (asyncio's own counter is per process and would carry over from earlier runs).
            name = f"Task-{tid}"
        clock = loop._clock   # loop time (see _loop: the learner may slow it down or pause it)
        t0 = clock()
        # Numbered before asyncio's constructor runs: it puts the task in sets (all_tasks,
        # a TaskGroup's), where a TracedTask hashes as its number (_current.TracedTask).
        task = _new(TracedTask)
        task._tid = tid
        if eager:
            # The first step runs inside the constructor; time it as a step of its own.
            task.__init__(coro, loop=loop, name=name, context=context, eager_start=True)
            t1 = clock()
        else:
            task.__init__(coro, loop=loop, name=name, context=context)
        task._tracer = self
        self.live[tid] = task
        parent_tid = (parent._tid if parent.__class__ is TracedTask and parent._tracer is self
                      else None)
        if coro.__class__ is _Coro:
            code = coro.cr_code
        else:
            code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
        qualname = code.co_qualname if code is not None else type(coro).__name__
        # A task of a library (anyio's connect_tcp racing addresses for httpx, say): its
        # coroutine comes from an installed package, and the code that asked for it is not the
        # lesson's.  Only such coroutines pay for the look at the callers (sys._getframe makes
        # frame objects: ~7,000 instructions a task); the rest answer from a cache by code object.
        installed = _INSTALLED.get(code) if code is not None else False
        if installed is None:
            installed = _installed(code)
        library = (installed
                   and _created_by_library(sys._getframe(2), self.filename))
        self.events.append(("task", tid, t0, parent_tid,
                            name if name.__class__ is str else task.get_name(), qualname, library))
        if eager:
            self.events.append(("step", tid, t0, t1))   # a Step, as a plain tuple (docstring)
            if task.done():
                self._ended(task, t1)
            elif task._fut_waiter is not None:
                self._waiting(task, task._fut_waiter, t1)
        return task

    def loop_error(self, task, context) -> None:
        exc = context.get("exception")
        self.events.append(Error("error", tid_of(task) if task is not None else None,
                                 self.loop.time(), context.get("message", "error"),
                                 self.describe_exception(exc) if exc is not None else None))

    def blocked(self, task, t0, duration, filename, lineno) -> None:
        """A block the watchdog saw, ``t0``/``duration`` in wall seconds: recorded in loop time."""
        loop = self.loop
        if loop is not None and hasattr(loop, "loop_time_at"):
            t0, duration = loop.loop_time_at(t0), duration * loop.speed
        self.events.append(Block("block", tid_of(task) if task is not None else None,
                                 t0, duration, filename, lineno))

    # -- recording ---------------------------------------------------------------------------
    def renamed(self, task):
        self.events.append(Renamed("name", task._tid, self.loop.time(), task.get_name()))

    def cancel(self, task, msg=None, cause=CancelCause.BUTTON, *, detail=None, where=None,
               once: bool = True) -> bool:
        """Cancel ``task`` on the playground's own behalf (a Cancel click, Stop, the run's end, a
        cancel point), recorded with ``cause``, ``detail`` and ``where`` ((file, line) or None).
        ``once``: round an await cycle once (see ``cancel_reentered``); False: as asyncio
        would (asyncio.run's own end: RecursionError, as under python)."""
        self._explicit = (cause, detail, where)
        self._cancelling = {} if once else None
        self.cycle = ()
        try:
            return task.cancel(msg)
        finally:
            self._explicit = self._cancelling = None

    def cancel_reentered(self, task) -> bool:
        """Whether ``task.cancel()`` is called again inside a cancel of the playground's that
        already passed through it: tasks that await each other (a waits on b, b on a) pass
        ``cancel()`` round their cycle forever, and asyncio raises RecursionError out of Stop.
        The second pass is refused (False, as for a task that cannot be cancelled): the task
        before it in the cycle keeps the request (``_must_cancel``) and the cycle is stopped as a
        stubborn task is (Stop's force-stop).  A cancel in the program's own code is left as
        asyncio has it."""
        seen = self._cancelling
        if seen is None:
            return False
        tid = task._tid
        if tid in seen:
            passed = list(seen)
            self.cycle = tuple(passed[passed.index(tid):])   # (tasks before it in line: not in it)
            return True
        seen[tid] = None
        return False

    def cancel_requested(self, task, msg, caller):
        """``task.cancel(msg)`` was called from the frame ``caller``: record it with its cause."""
        loop = self.loop
        current = (tasks.current_task(loop) if loop.is_running() and loop._thread_id == _thread_ident()
                   else None)
        cause, detail, by = cancel_cause(self, task, caller, current)
        explicit = self._explicit
        if explicit is not None and explicit[0] == cause and explicit[2] is not None:
            file, line = explicit[2]           # a cancel point: the line it stands on
        else:
            lesson = caller
            while lesson is not None and lesson.f_code.co_filename != self.filename:
                lesson = lesson.f_back
            file, line = (lesson.f_code.co_filename, lesson.f_lineno) if lesson else (None, None)
        self._cancel_msgs[task._tid] = None if msg is None else str(msg)
        self.events.append(CancelRequested(
            "cancel", task._tid, loop.time(), by._tid if by is not None and by._tracer is self else None,
            None if msg is None else str(msg), cause, detail, file, line))

    def uncancelled(self, task, remaining, caller):
        source = uncancel_source(self, caller)
        self.events.append(Uncancelled("uncancel", task._tid, self.loop.time(), source, remaining))

    def _waiting(self, task, waiter, t, _Coro=types.CoroutineType):
        # One walk down the suspended coroutine chain (cr_await / gi_yieldfrom) finds the
        # innermost frame in the run's own file, the innermost frame overall, and the first
        # frame of a network library.  What a frame's code is (the run's, a network library's)
        # is asked once per code object (``_code_flags``): a dict lookup per frame.
        flags_of = self._code_flags
        coro = task._coro
        outer = user = inner = io_code = None
        while coro is not None:
            if coro.__class__ is _Coro:
                frame = coro.cr_frame
                if frame is None:
                    break
                nxt = coro.cr_await
            else:
                frame = getattr(coro, "cr_frame", None)
                if frame is not None:
                    nxt = coro.cr_await
                else:
                    frame = getattr(coro, "gi_frame", None)
                    if frame is None:
                        break
                    nxt = coro.gi_yieldfrom
            code = frame.f_code
            flags = flags_of.get(code)
            if flags is None:
                flags = flags_of[code] = ((code.co_filename == self.filename)
                                          | (_is_io(code) << 1))
            if flags:
                if flags & 1:
                    user = frame
                if flags & 2 and io_code is None:
                    io_code = code
            if outer is None:
                outer = frame
            inner = frame
            coro = nxt
        where = user or outer
        targets = ()   # the run's tasks it waits on (Wait.targets)
        kind = obj = None
        if waiter.__class__ is not _FUTURE:   # a plain future (sleep, lock, queue...) is neither
            if isinstance(waiter, asyncio.Task):
                kind, detail = _W.TASK, f"task '{waiter.get_name()}'"
                if waiter.__class__ is TracedTask and waiter._tracer is self:
                    targets = (waiter._tid,)
            elif isinstance(waiter, tasks._GatheringFuture):
                children = getattr(waiter, "_children", ())
                kind, detail = _W.GATHER, f"gather of {len(children)}"
                targets = self._tids_of(children)
        if kind is not None:
            pass
        elif io_code is not None:
            kind, detail = _W.IO, io_code.co_qualname
        else:
            known = _KNOWN.get(inner.f_code) if inner is not None else None
            if known is None:
                kind, detail = _W.FUTURE, "a future"
            else:
                kind, detail = known
                if kind is _W.SLEEP:
                    sleep = self.loop.last_sleep
                    detail = _sleep_detail(sleep[1] if sleep[0] is waiter else None)
                elif kind in SYNC_KINDS:
                    # A Lock, Event, Queue...: the object (issue 23's resources), and the word for
                    # what the program called (Barrier.wait, not the Condition a Barrier uses).
                    kind, detail, obj, op = sync_wait(task._coro, inner, kind, detail,
                                                      self.resources)
                elif detail is _TASKGROUP:
                    # TaskGroup.__aexit__ waits until its set of pending children (_tasks) empties.
                    targets = self._pending_tids(getattr(inner.f_locals.get("self"), "_tasks", ()))
                    detail = f"TaskGroup of {len(targets)}"
                elif detail is _ASYNCIO_WAIT:
                    local = inner.f_locals
                    targets = self._pending_tids(local.get("fs", ()))
                    # ALL_COMPLETED (the default) ends when every target has; the others when one
                    # has (the hang doctor reads which from the label).
                    detail = _WAIT_LABELS.get(local.get("return_when"), "asyncio.wait")
                elif detail is _WAIT_FOR:
                    targets = self._pending_tids((inner.f_locals.get("fut"),))
                    detail = "wait_for"
        file = where.f_code.co_filename if where is not None else None
        line = where.f_lineno if where is not None else None
        self.events.append(("wait", task._tid, t, kind, detail, file, line, targets))  # a Wait
        if obj is not None:
            self.resources.waited(obj, task, t, op, file, line)   # a ResourceWait, just after
        if self.cancel_points and (file, line) in self.cancel_points:
            # A cancel point: cancelled on arrival, exactly here (inside a finally, between two
            # awaits...), with no sleep made long enough to click in time.
            self.cancel(task, None, CancelCause.BUTTON, detail=f"cancel point at line {line}",
                        where=(file, line))

    def _tids_of(self, futures) -> tuple[int, ...]:
        """The tids of the run's tasks among ``futures``, in their order, each once."""
        tids = [fut._tid for fut in futures if fut.__class__ is TracedTask and fut._tracer is self]
        return tuple(dict.fromkeys(tids)) if len(tids) > 1 else tuple(tids)

    def _pending_tids(self, futures) -> tuple[int, ...]:
        """The tids of the run's tasks among ``futures`` (a set) that are not done, sorted."""
        return tuple(sorted(fut._tid for fut in futures
                            if fut.__class__ is TracedTask and fut._tracer is self and not fut.done()))

    def _ended(self, task, t):
        tid = task._tid
        self.live.pop(tid, None)
        # The C task keeps its cancel message private: the last cancel(msg) request's message is
        # the one its CancelledError carries.
        asked = self._cancel_msgs.pop(tid, None) if self._cancel_msgs else None
        if task.cancelled():
            msg = getattr(task, "_cancel_message", None) or asked
            summary = f"CancelledError: {msg}" if msg else "CancelledError"
            self.events.append(("end", tid, t, _W.CANCELLED, summary, None))   # a TaskEnded
            return
        exc = task._exception  # not .exception(): that would mark it retrieved
        if exc is None:
            self.events.append(("end", tid, t, _DONE, short_repr(task._result), None))
            return
        self.events.append(("end", tid, t, _W.FAILED, exc_summary(exc),
                                     self.describe_exception(exc)))
        # Asked again when the run ends: has anyone looked at it? (Only a failed task pays.)
        self._failed.append(weakref.ref(task))

    def _unretrieved(self, t):
        """The run is ending: each failed task still alive whose exception nobody retrieved
        (asyncio would log "Task exception was never retrieved" only when it is collected, after
        the run, or at exit) gets the ``Error`` asyncio's log would have made."""
        failed, self._failed = self._failed, []
        for ref in failed:
            task = ref()
            if task is not None and getattr(task, "_log_traceback", False):
                self.events.append(Error("error", task._tid, t, "Task exception was never retrieved",
                                         self.describe_exception(task._exception)))

    def describe_exception(self, exc: BaseException) -> ExcInfo:
        """The exception as an ``ExcInfo``, located at its raising line in the run's file."""
        # The innermost TB_LIMIT entries, as Python's own printer shows: a 10**6-deep recursion
        # is not formatted whole (that took half a minute, the loop blocked, --timeout late).
        tb_text = "".join(traceback.format_exception(type(exc), exc, innermost(exc.__traceback__)))
        filename = lineno = None
        for frame, line in traceback.walk_tb(exc.__traceback__):
            if frame.f_code.co_filename == self.filename or filename is None:
                filename, lineno = frame.f_code.co_filename, line
        return ExcInfo(type(exc).__name__, str(exc), tb_text, filename, lineno)

    def unawaited(self, coro, frame) -> None:
        """The coroutine ``coro`` was destroyed without ever running (Python is about to warn
        "coroutine ... was never awaited"): an ``Error`` record located at the lesson's line that
        dropped it (the innermost frame in the run's file from ``frame`` out), else at its
        ``def``.  Only a coroutine of the lesson's own code, or one dropped by it, is recorded."""
        code = getattr(coro, "cr_code", None)
        filename = self.filename
        while frame is not None and frame.f_code.co_filename != filename:
            frame = frame.f_back
        if frame is not None:
            file, line = filename, frame.f_lineno
        elif code is not None and code.co_filename == filename:
            file, line = filename, code.co_firstlineno
        else:
            return
        loop = self.loop
        task = loop.current_traced if _thread_ident() == loop._thread_id else None
        tid = task._tid if task is not None and task._tracer is self else None
        message = f"coroutine '{getattr(coro, '__qualname__', '?')}' was never awaited"
        self.events.append(Error("error", tid, loop.time(), message,
                                 ExcInfo("RuntimeWarning", message, "", file, line)))

    def output(self, stream: str, text: str):
        task = self.loop.current_traced if _thread_ident() == self.loop._thread_id else None
        tid = task._tid if task is not None and task._tracer is self else None
        self.events.append(Output("output", tid, self.loop.time(), stream, text))

    def record(self, event: tuple):
        """Append ``event`` (a record of :mod:`.events`, or any sequence of one's fields)."""
        if self._failed and event[0] == "run" and event[2] == "end":
            self._unretrieved(event[1])
        self.events.append(event if hasattr(event, "_fields") else named(event))


def _fatal_callback(loop, handle, exc):
    """``call_soon(sys.exit, 3)`` in a run: SystemExit/KeyboardInterrupt out of a plain callback
    ends that run (its ``on_fatal``), as out of a task's step; not the loop, not the app."""
    run = handle._context.get(current_run)
    tracer = getattr(run, "tracer", None)
    if tracer is None or tracer.on_fatal is None:
        raise exc
    _drop_own_frame(exc)
    tracer.on_fatal(exc)


def _drop_own_frame(exc):
    """Start ``exc``'s traceback past ``run_traced_batch``'s own frame, where asyncio's would
    start (the lesson's coroutine, or asyncio's ``Handle._run``): tracebacks printed for it (the
    run's error, "Task exception was never retrieved") show no frame of the playground."""
    tb = exc.__traceback__
    if tb is not None and tb.tb_frame.f_code is run_traced_batch.__code__:
        exc.__traceback__ = tb.tb_next


def _unawaited_hook():
    """``warnings._warn_unawaited_coroutine`` (CPython calls it when a coroutine that never ran
    is destroyed) that first tells the run whose code dropped it (``Tracer.unawaited``).  Only a
    dropped coroutine pays for it: nothing on any other path.  The warning is then the one
    ``warnings`` makes, word for word and at the same place (the stdlib function's body: calling
    it from here would put one more frame between CPython and the code that dropped the
    coroutine, and its ``stacklevel=2`` would point into the playground)."""
    import warnings

    def _warn_unawaited_coroutine(coro):
        try:
            tracer = getattr(current_run.get(), "tracer", None)
            if tracer is not None and tracer.loop is not None:
                tracer.unawaited(coro, sys._getframe(1))
        except Exception:   # a finaliser must never fail because of the playground
            pass
        msg_lines = [f"coroutine '{coro.__qualname__}' was never awaited\n"]
        if coro.cr_origin is not None:
            import linecache
            msg_lines.append("Coroutine created at (most recent call last)\n")
            msg_lines += traceback.format_list([
                (filename, lineno, funcname, linecache.getline(filename, lineno))
                for filename, lineno, funcname in reversed(coro.cr_origin)])
        msg = "".join(msg_lines).rstrip("\n")
        warnings.warn(msg, category=RuntimeWarning, stacklevel=2, source=coro)
    _warn_unawaited_coroutine.playground = True
    return _warn_unawaited_coroutine


def _install_unawaited_hook():
    import warnings
    original = getattr(warnings, "_warn_unawaited_coroutine", None)
    if original is not None and not getattr(original, "playground", False):
        warnings._warn_unawaited_coroutine = _unawaited_hook()


def _thread_ident():
    import threading
    return threading.get_ident()


def run_traced_batch(loop, ntodo, deadline, TracedTask=TracedTask, _MethodType=types.MethodType):
    """Run ``ntodo`` ready handles; time the ones that step a traced task (the loop's hot path).

    A task's step and its wake-up are handles bound to the task (``TaskStepMethWrapper`` /
    ``task_wakeup``), so ``handle._callback.__self__`` is the task.
    """
    popleft = loop._ready.popleft
    clock = loop._clock   # loop time; ``deadline`` is in it too
    # The end of the previous handle when it was a traced step that left nothing to record but
    # the step (a sleep(0), a bare yield): the next step starts then, so one clock read serves
    # both (a step's start is then the previous one's end, ~0.1 µs earlier than its own).
    t1 = None
    for i in range(ntodo):
        handle = popleft()
        if handle._cancelled:
            continue
        callback = handle._callback
        task = getattr(callback, "__self__", None)
        if task.__class__ is not TracedTask or callback.__class__ is _MethodType:
            # Not a step: a plain callback, or a Python method of a task scheduled as one
            # (loop.call_later(d, task.cancel)), which must not count as the task's step.
            t1 = None
            try:   # free unless raised (3.11+: zero-cost try)
                handle._run()
            except (SystemExit, KeyboardInterrupt) as exc:
                _fatal_callback(loop, handle, exc)
        else:
            loop.current_traced = task
            t0 = clock() if t1 is None else t1
            args = handle._args
            try:
                # Handle._run minus its except-Exception: a task's step stores its coroutine's
                # exceptions in the task, so only BaseExceptions escape (one frame less per step).
                # A step's handle has no arguments (a wake-up has the future): ``run(callback)``
                # is a plain call, where ``run(callback, *args)`` builds a tuple and calls through
                # CALL_FUNCTION_EX (callgrind, hops 300 x 40: -1,500 instructions a step on 3.11,
                # -550 on 3.15).
                if args:
                    handle._context.run(callback, *args)
                else:
                    handle._context.run(callback)
            except (SystemExit, KeyboardInterrupt) as exc:
                # asyncio stored it as the task's exception and re-raised it to unwind the
                # whole loop; in the playground it reaches this run only (its on_fatal, at once:
                # before anything else runs, as the loop's unwinding would).
                if task._tracer.on_fatal is not None:
                    _drop_own_frame(exc)
                    task._tracer.on_fatal(exc)
            t1 = clock()
            loop.current_traced = None
            tracer = task._tracer
            # A Step, as a plain tuple.  ``events.append`` is the call 3.11+ specializes; a bound
            # append kept as an instance attribute costs a generic method lookup each time.
            tracer.events.append(("step", task._tid, t0, t1))
            waiter = task._fut_waiter
            if waiter is not None:
                tracer._waiting(task, waiter, t1)
                t1 = None   # the walk took its time: the next step reads the clock
            elif task.done():
                tracer._ended(task, t1)
                t1 = None
        # Traced steps cost more than plain callbacks: look at the clock more often, so the
        # slice still ends close to its deadline and the window gets its frame.
        if not i & 31 and clock() >= deadline:
            return


# The loop drains through an instrument's run_batch; one function serves every tracer.
Tracer.run_batch = staticmethod(run_traced_batch)
