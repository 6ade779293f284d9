"""The loop's own state, as plain data: what is ready (FIFO), what is scheduled, what waits on
sockets and what runs in executor threads, and what a Step would run next.

Read by the window's "Inside the loop" panel at frame rate (only while it is shown) and exactly
while the loop is paused or stepping.  Nothing here holds a frame, a handle or a task: every entry
is strings and numbers, copied at once, so a snapshot never keeps a run's objects alive.
"""
from __future__ import annotations

import asyncio
import functools
import heapq
import inspect
import types
from typing import NamedTuple

from ._current import TracedTask, current_run
from ._tracer import _installed, _internal

__all__ = ["LoopState", "NextStep", "QueueEntry", "counts_as_step", "next_step", "run_next", "snapshot"]

_SET_RESULT_UNLESS_CANCELLED = asyncio.futures._set_result_unless_cancelled
# The most entries of each queue a snapshot copies (a 10k-task run has 10k ready handles).
MAX_ENTRIES = 200


class QueueEntry(NamedTuple):
    """One entry of the ready queue or the timer heap.

    ``tid``: the run's task it resumes (None for a plain callback); ``label``: what it is, in words;
    ``when``: loop time it is due (timers) or None; ``run``: True if it belongs to a run (its
    context carries one), False for the loop's and the window's own work.
    """
    label: str
    tid: int | None
    when: float | None
    run: bool


class LoopState(NamedTuple):
    """What the loop holds at loop time ``time``.

    ``ready``/``timers`` list at most MAX_ENTRIES entries each (FIFO order; due order), with the
    full counts in ``n_ready``/``n_timers``.  ``io``: ``(kind, fd, label)`` per registered socket
    reader or writer; ``executor``: ``(label, since)`` per job running in an executor thread.
    """
    time: float
    speed: float
    paused: bool
    skip_idle: bool
    ready: tuple
    n_ready: int
    timers: tuple
    n_timers: int
    io: tuple
    executor: tuple


class NextStep(NamedTuple):
    """What ``loop.step()`` would run next.

    ``kind``: "task" (a task's step), "callback" (a plain callback of the run), "plumbing" (only
    asyncio's own callbacks are ready; what they make ready runs), "timer" (nothing is ready: the
    clock jumps to ``when`` first), or "idle" (nothing ready, nothing scheduled: the run waits on
    sockets or threads).  ``line``: where the task resumes (the line of its ``await``, or
    its ``def`` line before its first step) in ``filename``.
    """
    kind: str
    tid: int | None
    label: str
    filename: str | None
    line: int | None
    when: float | None


def _callback_of(cb):
    while isinstance(cb, functools.partial):
        cb = cb.func
    return cb


def _is_internal(cb) -> bool:
    """asyncio's, qasync's, the playground's or an installed library's callback (not the lesson's)."""
    cb = _callback_of(cb)
    fn = getattr(cb, "__func__", cb)
    code = getattr(fn, "__code__", None)
    if code is not None:
        return _internal(code) or _installed(code)
    return isinstance(getattr(cb, "__self__", None), asyncio.Future)


def counts_as_step(handle, until=None) -> bool:
    """Whether running ``handle`` is a step of its own for Step: a traced task's step, or a plain
    callback of a run written by the lesson (``call_soon(print, ...)``, ``call_later(d, t.cancel)``).
    asyncio's plumbing (a sleep's timer setting its future, a future's done callbacks) runs along
    silently.  With ``until`` (a task), only that task's steps count."""
    cb = handle._callback
    owner = getattr(cb, "__self__", None)
    if owner.__class__ is TracedTask:
        if cb.__class__ is not types.MethodType:   # TaskStepMethWrapper / task_wakeup: a step
            return until is None or owner is until
        return until is None                        # t.cancel scheduled as a callback
    if until is not None or handle._context.get(current_run) is None:
        return False
    return not _is_internal(cb)


def _waiters(loop) -> dict:
    """id(future) -> the run's task awaiting it, over every live run."""
    found = {}
    for tracer in list(loop.tracers):
        for task in list(tracer.live.values()):
            fut = task._fut_waiter
            if fut is not None:
                found[id(fut)] = task
    return found


def _name(task) -> str:
    return task.get_name()


def _resume_line(task, filename):
    """(filename, line) where ``task`` will resume: innermost frame in the run's file, else the
    outermost frame of its coroutine."""
    coro = task.get_coro()
    outer = user = None
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        outer = outer or frame
        if frame.f_code.co_filename == filename:
            user = frame
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    frame = user or outer
    if frame is None:
        return None, None
    return frame.f_code.co_filename, frame.f_lineno


def _describe(handle, waiters) -> tuple[str, object]:
    """(label, the run's task it concerns or None) for a ready handle or a timer."""
    cb = handle._callback
    owner = getattr(cb, "__self__", None)
    if isinstance(owner, asyncio.Task):
        if cb.__class__ is types.MethodType:
            return f"{cb.__name__}() of {_name(owner)}", None
        traced = owner if owner.__class__ is TracedTask else None
        return f"step of {_name(owner)}", traced
    args = handle._args
    if cb is _SET_RESULT_UNLESS_CANCELLED and args:
        task = waiters.get(id(args[0]))
        if task is not None:
            return f"sleep of {_name(task)} ends", task
        return "a sleep ends", None
    if isinstance(owner, asyncio.Future):
        task = waiters.get(id(owner))
        what = getattr(cb, "__name__", "callback")
        if task is not None:
            return f"{what}() wakes {_name(task)}", task
        return f"future.{what}()", None
    inner = _callback_of(cb)
    name = getattr(inner, "__qualname__", None) or getattr(inner, "__name__", None) or repr(inner)
    return f"{name}()", None


def _entry(handle, waiters, when=None) -> QueueEntry:
    label, task = _describe(handle, waiters)
    tid = task._tid if task is not None else None
    return QueueEntry(label, tid, when, handle._context.get(current_run) is not None)


def _when(handle) -> float:
    return handle._when


def snapshot(loop) -> LoopState:
    """The loop's queues now, as plain data (see LoopState)."""
    waiters = _waiters(loop)
    ready = tuple(_entry(h, waiters) for h in list(loop._ready)[:MAX_ENTRIES] if not h._cancelled)
    live_timers = [h for h in loop._scheduled if not h._cancelled]
    # The first MAX_ENTRIES only: sorting 100k timers on each refresh of the Loop tab took 40 ms.
    due = heapq.nsmallest(MAX_ENTRIES, live_timers, key=_when)
    timers = tuple(_entry(h, waiters, h._when) for h in due)
    io = tuple((kind, fd, label) for (kind, fd), label in sorted(loop.io_waiters().items()))
    executor = tuple(loop.executor_jobs())
    return LoopState(loop.time(), loop.speed, loop.paused, loop.skip_idle, ready, len(loop._ready),
                     timers, len(live_timers), io, executor)


def next_step(loop) -> NextStep | None:
    """What Step would run next (None if the loop holds nothing of any run's)."""
    waiters = _waiters(loop)
    filename_of = {}
    for tracer in list(loop.tracers):
        filename_of[id(tracer)] = tracer.filename

    def about(kind, task, label, when=None):
        if task is None:
            return NextStep(kind, None, label, None, None, when)
        coro = task.get_coro()
        if label.startswith("step of ") and getattr(coro, "cr_frame", None) is not None:
            # Its first step starts the coroutine at its def line; later ones resume at an await.
            verb = "starts" if inspect.getcoroutinestate(coro) == inspect.CORO_CREATED else "resumes"
            label = f"{_name(task)} {verb}" + label[len(f"step of {_name(task)}"):]
        filename, line = _resume_line(task, filename_of.get(id(task._tracer)))
        return NextStep(kind, task._tid, label, filename, line, when)

    plumbing = False
    for handle in list(loop._ready):
        if handle._cancelled:
            continue
        label, task = _describe(handle, waiters)
        if counts_as_step(handle):
            return about("task" if task is not None and label.startswith("step") else "callback",
                         task, label)
        if task is not None:     # asyncio's plumbing that wakes a task: that task runs next
            return about("task", task, f"step of {_name(task)} ({label})")
        plumbing = plumbing or handle._context.get(current_run) is not None
    if plumbing:
        return NextStep("plumbing", None, "asyncio's own callbacks first, then what they make "
                        "ready", None, None, None)
    live = [h for h in loop._scheduled if not h._cancelled]
    # The earliest few first (the usual answer), the whole order only if none of them is a run's.
    first = heapq.nsmallest(64, live, key=_when)
    for handle in first + (sorted(live, key=_when)[64:] if len(live) > 64 else []):
        label, task = _describe(handle, waiters)
        if handle._context.get(current_run) is not None or task is not None:
            return about("timer", task, label, handle._when)
    if loop.tracers:
        return NextStep("idle", None, "nothing is ready or scheduled: the run waits on sockets "
                        "or threads", None, None, None)
    return None


def run_next(loop, tid: int) -> str | None:
    """While paused: run the step of task ``tid`` now, ahead of what asyncio's FIFO order would run
    first — the learner as the scheduler.  Every ready item is one asyncio could legally run next
    (the ready queue is only an order of arrival); this one goes first, the rest keep their order.

    Returns the label of what FIFO would have run instead ("" when it was this one anyway), or
    None when task ``tid`` has no step ready (nothing is run then).  The choice is recorded in the
    run's schedule (``asyncio_playground.schedule.schedule_of(run)``), as every step taken while
    paused is."""
    if not loop.paused:
        raise RuntimeError("run_next() needs a paused loop: call pause() first")
    waiters = _waiters(loop)
    target = first = None
    for handle in list(loop._ready):
        if handle._cancelled or not counts_as_step(handle):
            continue
        label, task = _describe(handle, waiters)
        if first is None:
            first = label
        if task is not None and task._tid == tid and _own_step(handle):
            target = handle
            break
    if target is None:
        return None
    previous = loop.step_policy

    def once(ready):
        loop.step_policy = previous          # one choice: the next step is asyncio's again
        try:
            return ready.index(target)
        except ValueError:                   # it ran or was cancelled meanwhile
            return 0

    loop.step_policy = once
    loop.step()
    label = _describe(target, waiters)[0]
    return "" if first == label else first


def _own_step(handle) -> bool:
    """Whether ``handle`` is a task's own step (not a method of the task scheduled as a callback)."""
    return handle._callback.__class__ is not types.MethodType


# -- what the loop's clock cannot slow down ------------------------------------------------------
_WALL_CLOCK = {
    ("time", "time"): "reads the wall clock (time.time)",
    ("time", "monotonic"): "reads the wall clock (time.monotonic)",
    ("time", "perf_counter"): "reads the wall clock (time.perf_counter)",
    ("time", "sleep"): "sleeps in real time (time.sleep blocks the loop)",
    ("asyncio", "to_thread"): "runs work in a thread (asyncio.to_thread), at real speed",
    ("loop", "run_in_executor"): "runs work in a thread (run_in_executor), at real speed",
    ("threading", "Thread"): "starts a thread, which runs at real speed",
}


def unscaled_uses(source: str) -> list[tuple[int, str]]:
    """``(line, what)`` for each place in ``source`` whose time the loop's speed and Pause do not
    govern: the wall clock read directly, real sleeps, work in threads.  Loop time (``sleep``,
    ``call_later``, timeouts, ``loop.time()``) follows the speed; these do not."""
    import ast

    from ._ast import parse
    try:
        tree = parse(source)
    except (SyntaxError, ValueError):
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            attr = node.func.attr
            base = node.func.value
            owner = base.id if isinstance(base, ast.Name) else (
                base.attr if isinstance(base, ast.Attribute) else "")
            what = _WALL_CLOCK.get((owner, attr))
            if what is None and attr == "run_in_executor":
                what = _WALL_CLOCK[("loop", "run_in_executor")]
            if what is not None:
                found.append((node.lineno, what))
    return sorted(set(found))
