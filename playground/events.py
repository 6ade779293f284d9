"""The tracer's records: what a run's log holds, one named tuple per kind of event.

Each record is a ``NamedTuple`` whose first field, ``event``, names its kind, so a record is still a
plain tuple (cheap to keep and to JSON-encode) that reads by name: ``ev.tid``, ``ev.t0``.  The records
made for every task and every step (``TaskCreated``, ``Step``, ``Wait``, ``TaskEnded``) are logged
as plain tuples in the same field order (see ``_tracer``'s docstring for the measured reason): read
any record from a log through ``named(ev)`` when you want names, or unpack it by position.
Times are ``loop.time()`` seconds; ``tid`` is the task's number within its run (1, 2, 3… in creation
order).  ``docs/engine-api.md``'s table of events is generated from this module
(``python -m asyncio_playground._docs``), and a test keeps the two in step.

Words that fields carry (states, wait kinds, outcomes) come from :mod:`.vocab`.
"""
from __future__ import annotations

from typing import NamedTuple

__all__ = ["Block", "CancelRequested", "EVENT_TYPES", "Error", "ExcInfo", "Output", "Renamed",
           "ResourceCreated", "ResourceOp", "ResourceWait", "RunEnded", "RunStarted", "Step",
           "TaskCreated", "TaskEnded", "Uncancelled", "Wait", "named"]


class ExcInfo(NamedTuple):
    """An exception, described: class name, message, traceback text, and the raising line in the
    run's own file (else the innermost frame)."""
    type: str
    message: str
    traceback: str
    filename: str | None
    lineno: int | None


class TaskCreated(NamedTuple):
    """A task was created; ``parent`` is the tid of the task whose step created it (None: module
    code, a callback or another thread); ``library`` when a library (httpx, anyio…) created it
    for its own ends, not the lesson's code."""
    event: str
    tid: int
    t: float
    parent: int | None
    name: str
    coro: str
    library: bool = False


class Renamed(NamedTuple):
    """``task.set_name(name)``."""
    event: str
    tid: int
    t: float
    name: str


class Step(NamedTuple):
    """One running slice of the task, from ``t0`` to ``t1``."""
    event: str
    tid: int
    t0: float
    t1: float


class Wait(NamedTuple):
    """After a step that left the task suspended: what it waits on (``kind``, a ``WaitKind``;
    ``detail``, e.g. ``"sleep(1)"``, ``"task 'fetch-A'"`` or ``"TaskGroup of 2"``) and where
    (``filename:lineno``, the innermost frame in the run's own file, else the innermost frame).
    ``targets``: the tids of the run's tasks it waits on — the awaited task, a gather's children,
    the live children of the TaskGroup whose ``async with`` it is leaving, the pending tasks of an
    ``asyncio.wait``; ``()`` for anything else (a sleep, a lock, a queue, a future)."""
    event: str
    tid: int
    t: float
    kind: str
    detail: str
    filename: str | None
    lineno: int | None
    targets: tuple[int, ...] = ()


class CancelRequested(NamedTuple):
    """``task.cancel(msg)`` was called, for ``cause`` (a ``CancelCause``; ``detail`` says more,
    e.g. which child of a TaskGroup failed).  ``by`` is the canceller task's tid (None: no task —
    the window, a timer, the runner); ``filename:lineno`` the lesson line that asked (None: none
    did)."""
    event: str
    tid: int
    t: float
    by: int | None
    msg: str | None
    cause: str = "library"
    detail: str | None = None
    filename: str | None = None
    lineno: int | None = None


class Uncancelled(NamedTuple):
    """``task.uncancel()`` was called by ``source`` (a ``CancelCause``: ``task`` for lesson code,
    ``timeout`` when asyncio.timeout turned the cancel into TimeoutError, ``taskgroup`` when a
    TaskGroup undid its own), leaving ``remaining`` cancel requests."""
    event: str
    tid: int
    t: float
    source: str
    remaining: int


class TaskEnded(NamedTuple):
    """The task ended: ``state`` is done, cancelled or failed; ``summary`` a short repr of the
    result or ``"ValueError: bad"``; ``exc`` an ``ExcInfo`` when it failed."""
    event: str
    tid: int
    t: float
    state: str
    summary: str
    exc: ExcInfo | None


class Output(NamedTuple):
    """Text written to ``stream`` (stdout or stderr) by task ``tid`` (None: module code or another
    thread)."""
    event: str
    tid: int | None
    t: float
    stream: str
    text: str


class Block(NamedTuple):
    """Synchronous code blocked the loop for ``duration`` seconds (≥ 0.1) from ``t0``, in task
    ``tid`` (None: outside a task) at ``filename:lineno``."""
    event: str
    tid: int | None
    t0: float
    duration: float
    filename: str | None
    lineno: int | None


class Error(NamedTuple):
    """Something asyncio would only have logged ("Task exception was never retrieved", an exception
    in a callback), for task ``tid`` if there is one."""
    event: str
    tid: int | None
    t: float
    message: str
    exc: ExcInfo | None


class RunStarted(NamedTuple):
    """The run began (``phase`` is ``"start"``) with the file at ``path``."""
    event: str
    t: float
    phase: str
    path: str


class RunEnded(NamedTuple):
    """The run ended (``phase`` is ``"end"``) with ``outcome`` (a ``RunOutcome``); ``message`` is
    the traceback or reason when it failed."""
    event: str
    t: float
    phase: str
    outcome: str
    message: str | None


class ResourceCreated(NamedTuple):
    """The run's code made a synchronisation object (an asyncio Lock, Semaphore, BoundedSemaphore,
    Event, Condition, Barrier, Queue, PriorityQueue or LifoQueue, or a subclass): ``rid`` numbers
    it within the run (1, 2, 3...), ``kind`` is its ``WaitKind`` word (lock, semaphore, event,
    condition, barrier, queue) and ``cls`` its class's name; ``name`` what the program binds it to
    (``db_lock``, ``self.jobs``; else "Lock #1"), ``filename:lineno`` the line that made it, ``tid``
    the task whose step made it (None: module code); ``capacity`` a semaphore's permits, a queue's
    maxsize (0: unbounded) or a barrier's parties (else None); ``lock`` the rid of a Condition's
    lock when the program made that lock itself (None: the Condition's own, whose holders are
    the Condition's); ``library`` when library code made it, not the lesson's."""
    event: str
    rid: int
    t: float
    kind: str
    cls: str
    name: str
    filename: str | None
    lineno: int | None
    tid: int | None
    capacity: int | None = None
    lock: int | None = None
    library: bool = False


class ResourceOp(NamedTuple):
    """Task ``tid`` (None: module code or a callback) changed the object ``rid``: ``op`` is
    acquire, release or cancelled (a waiting acquire gave up) on a Lock, Semaphore or Condition;
    set or clear on an Event; notify on a Condition; put, get, task_done or shutdown on a Queue;
    pass, broken, cancelled, reset or abort on a Barrier.  ``value`` is the count after it: 1/0
    locked (Lock, Condition), permits left (Semaphore), 1/0 set (Event), items in it (Queue),
    tasks inside (Barrier).  ``item``: the short repr of the item put or got.  ``more``: a
    Queue's unfinished tasks, a Barrier's state (filling, draining, resetting, broken), how many
    tasks a notify woke."""
    event: str
    rid: int
    t: float
    tid: int | None
    op: str
    value: int
    item: str | None = None
    more: int | str | None = None


class ResourceWait(NamedTuple):
    """Task ``tid`` began to wait on the object ``rid`` in its method ``op`` (acquire, wait, get,
    put, join), at ``filename:lineno`` (as its ``Wait`` record, logged just before).  The wait
    ends with the task's next step, its end, or its next operation on an object."""
    event: str
    rid: int
    t: float
    tid: int
    op: str
    filename: str | None
    lineno: int | None


#: event tag -> record type (``"run"`` is two records, told apart by ``phase``).
EVENT_TYPES = {"task": TaskCreated, "name": Renamed, "step": Step, "wait": Wait,
               "cancel": CancelRequested, "uncancel": Uncancelled, "end": TaskEnded, "output": Output, "block": Block,
               "error": Error, "run": (RunStarted, RunEnded), "resource": ResourceCreated,
               "rop": ResourceOp, "rwait": ResourceWait}


def named(ev):
    """A record from any sequence of its fields (e.g. a list read back from JSON)."""
    tag = ev[0]
    kind = EVENT_TYPES[tag]
    if tag == "run":
        kind = RunStarted if ev[2] == "start" else RunEnded
    fields = list(ev)
    if kind is TaskEnded or kind is Error:
        i = kind._fields.index("exc")
        if fields[i] is not None and not isinstance(fields[i], ExcInfo):
            fields[i] = ExcInfo(*fields[i])
    return kind(*fields)
