"""Why a task was cancelled: the cause, from the frame that called ``Task.cancel()``.

asyncio's own modules cancel for their own reasons (a TaskGroup after a failure, a timeout at its
deadline, gather on behalf of its awaiter); a cancelled task passes its cancel on to what it awaits
(the C ``Task.cancel`` calls ``_fut_waiter.cancel()``, so the Python caller seen is
``TracedTask.cancel`` itself); the playground says why it cancels (``Tracer.cancel``); anything
else is lesson code (in a task, or in a loop callback) or a library.  Only ``cancel()`` pays for
this, never a step.

Facts this relies on, checked on 3.11 and 3.13 (tests/test_cancel_causes.py):

* 3.11's ``wait_for`` cancels the inner task itself, from the waiting task (``_cancel_and_wait``):
  at its deadline (cause ``timeout``), or in its ``except CancelledError:`` because the waiting
  task was cancelled (cause ``awaiter``).  Which one is read from where ``wait_for`` stands (the
  line of its ``_cancel_and_wait`` call), not from ``current.cancelling()``: a waiting task that
  once swallowed a cancel keeps a count above 0 although nobody cancels it now.  3.12+ wraps the
  await in ``asyncio.timeout``, so the deadline cancels the *waiting* task, which passes the cancel
  on to the inner one (cause ``awaiter``, its detail naming the root: the timeout).
* 3.11.7's TaskGroup only ``uncancel()``s its parent when the failure came before the body reached
  ``__aexit__``; 3.12+ always takes its own cancel back.
"""
from __future__ import annotations

import asyncio
import traceback
from asyncio import tasks

from ._current import TracedTask, tracer_of
from .vocab import CancelCause

__all__ = ["cancel_cause", "exc_summary", "uncancel_source"]

# Found from the frame that called Task.cancel(): asyncio's own modules cancel for their own
# reasons (a TaskGroup after a failure, a timeout at its deadline, gather on behalf of its
# awaiter), a cancelled task passes its cancel on to what it awaits (Task.cancel calls
# _fut_waiter.cancel(), so the caller is TracedTask.cancel itself), the playground says why it
# cancels (Tracer.cancel), and anything else is lesson code (in a task or a callback) or a library.
# Only cancel() pays for this, never a step.
_TASKGROUPS_PY = asyncio.taskgroups.__file__
_TIMEOUTS_PY = asyncio.timeouts.__file__
_TASKS_PY = tasks.__file__
_RUNNERS_PY = asyncio.runners.__file__
_EVENTS_PY = asyncio.events.__file__
_WAIT_FOR_CODES = {tasks.wait_for.__code__}


def _awaiter_branch_lines() -> frozenset:
    """The lines of 3.11's ``wait_for`` where it cancels the inner task because the waiting task
    itself was cancelled: its ``_cancel_and_wait`` calls inside ``except CancelledError:``.
    Empty on 3.12+ (no such calls) or when the source cannot be read."""
    import ast
    import inspect

    from ._ast import parse
    try:
        lines, first = inspect.getsourcelines(tasks.wait_for)
        tree = parse("".join(lines))
    except (OSError, TypeError, SyntaxError):
        return frozenset()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and "CancelledError" in ast.dump(node.type or node):
            for inner in ast.walk(node):
                if (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name)
                        and inner.func.id == "_cancel_and_wait"):
                    found.add(inner.lineno + first - 1)
    return frozenset(found)


_WAIT_FOR_AWAITER_LINES = _awaiter_branch_lines()
_CANCEL_CODE = TracedTask.cancel.__code__


def exc_summary(exc: BaseException) -> str:
    """``ValueError: bad`` (the class name alone when the message is empty)."""
    msg = str(exc)
    return f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__


def _traced(task, tracer):
    """``task`` if it is one of ``tracer``'s run, else None."""
    return task if task is not None and tracer_of(task) is tracer else None


def cancel_cause(tracer, task, caller, current):
    """(cause, detail, canceller task or None) of ``task.cancel()`` called from ``caller``;
    ``current`` is the task running now (or None)."""
    code = caller.f_code
    filename = code.co_filename
    if code is _CANCEL_CODE:   # a cancelled task passing its cancel on to what it awaits
        awaiter = caller.f_locals.get("self")
        return (CancelCause.AWAITER, f"its awaiter '{awaiter.get_name()}' was cancelled"
                + _root(tracer, awaiter), awaiter)
    if filename == _TASKS_PY and code.co_name == "cancel":   # _GatheringFuture.cancel
        up = caller.f_back
        if up is not None and up.f_code is _CANCEL_CODE:
            awaiter = up.f_locals.get("self")
            return (CancelCause.GATHER, f"the gather that '{awaiter.get_name()}' awaited was "
                    "cancelled", awaiter)
        return CancelCause.GATHER, "its gather was cancelled", _traced(current, tracer)
    if tracer._explicit is not None:
        cause, detail, _where = tracer._explicit
        return cause, detail, None
    if filename == _TASKGROUPS_PY:
        return (CancelCause.TASKGROUP, _taskgroup_reason(tracer, caller),
                _taskgroup_culprit(tracer, caller) or _traced(current, tracer))
    if filename == _TIMEOUTS_PY:
        return CancelCause.TIMEOUT, _timeout_reason(tracer, task), None
    if filename == _TASKS_PY and code.co_name in ("wait_for", "_cancel_and_wait"):
        # Python 3.11's wait_for cancels the inner task from the waiting task, at the deadline
        # or because the waiting task itself was cancelled (3.12+ uses asyncio.timeout instead).
        if _wait_for_was_cancelled(caller) and current is not None:
            return (CancelCause.AWAITER, f"its awaiter '{current.get_name()}' was cancelled "
                    "inside wait_for" + _root(tracer, current), _traced(current, tracer))
        return CancelCause.TIMEOUT, "wait_for() reached its deadline", _traced(current, tracer)
    if filename == _RUNNERS_PY:
        return CancelCause.SHUTDOWN, "asyncio.run() ended with the task still pending", None
    if filename == tracer.filename:
        if current is not None:
            return CancelCause.TASK, None, _traced(current, tracer)
        return CancelCause.CALLBACK, None, None
    if filename == _EVENTS_PY and current is None:   # loop.call_later(d, task.cancel)
        return CancelCause.CALLBACK, None, None
    return CancelCause.LIBRARY, code.co_qualname, _traced(current, tracer)


def _wait_for_was_cancelled(caller) -> bool:
    """Whether 3.11's ``wait_for`` (the frame ``caller``, or the one awaiting ``caller``'s
    ``_cancel_and_wait``) cancels its inner task because the waiting task was cancelled."""
    frame = caller
    while frame is not None and frame.f_code is not tasks.wait_for.__code__:
        frame = frame.f_back
    if frame is None:
        return False
    if _WAIT_FOR_AWAITER_LINES:
        return frame.f_lineno in _WAIT_FOR_AWAITER_LINES
    waiter = frame.f_locals.get("waiter")     # cancelled with the waiting task
    return waiter is not None and waiter.cancelled()


def _root(tracer, awaiter) -> str:
    """Why ``awaiter`` was cancelled, when that was just recorded (its own cancel request is
    recorded before it passes the cancel on): ", by a timeout: wait_for() reached its deadline"."""
    events = tracer.events
    if not events or tracer_of(awaiter) is not tracer:
        return ""
    last = events[-1]
    if last[0] != "cancel" or last[1] != awaiter._tid:
        return ""
    cause, detail = last[5], last[6]   # a CancelRequested: event, tid, t, by, msg, cause, detail
    if cause == CancelCause.AWAITER:
        return f" ({detail})" if detail else ""
    return f", by {_CAUSE_WORDS.get(cause, cause)}" + (f": {detail}" if detail else "")


_CAUSE_WORDS = {CancelCause.TIMEOUT: "a timeout", CancelCause.TASKGROUP: "its TaskGroup",
                CancelCause.BUTTON: "a Cancel click", CancelCause.STOP: "Stop",
                CancelCause.TASK: "another task", CancelCause.CALLBACK: "a loop callback",
                CancelCause.GATHER: "its gather", CancelCause.SHUTDOWN: "the run's end",
                CancelCause.LIBRARY: "a library"}


def _taskgroup_frame(caller, name):
    frame = caller
    while frame is not None and frame.f_code.co_filename == _TASKGROUPS_PY:
        if frame.f_code.co_name == name:
            return frame
        frame = frame.f_back
    return None


def _taskgroup_culprit(tracer, caller):
    frame = _taskgroup_frame(caller, "_on_task_done")
    return _traced(frame.f_locals.get("task"), tracer) if frame is not None else None


def _taskgroup_reason(tracer, caller) -> str:
    frame = _taskgroup_frame(caller, "_on_task_done")
    if frame is not None:
        failed, exc = frame.f_locals.get("task"), frame.f_locals.get("exc")
        where = ""
        if exc is not None:
            lineno = next((line for f, line in traceback.walk_tb(exc.__traceback__)
                           if f.f_code.co_filename == tracer.filename), None)
            where = f" at line {lineno}" if lineno else ""
        who = f"'{failed.get_name()}'" if failed is not None else "a child"
        return f"{who} raised {exc_summary(exc) if exc is not None else 'an exception'}{where}"
    frame = _taskgroup_frame(caller, "__aexit__")
    if frame is not None:
        exc = frame.f_locals.get("exc")
        if isinstance(exc, asyncio.CancelledError):
            return "the body of the async with was cancelled"
        if exc is not None:
            return f"the body of the async with raised {exc_summary(exc)}"
    return "the TaskGroup is shutting down"


def _timeout_reason(tracer, task) -> str:
    which, line = "asyncio.timeout()", None
    coro = task.get_coro()
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        if frame.f_code in _WAIT_FOR_CODES:
            which = "wait_for()"
        if frame.f_code.co_filename == tracer.filename:
            line = frame.f_lineno
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return f"{which} reached its deadline" + (f" while the task waited at line {line}" if line else "")


def uncancel_source(tracer, caller) -> CancelCause:
    """Who called ``task.uncancel()`` from the frame ``caller``."""
    name = caller.f_code.co_filename
    if name == _TIMEOUTS_PY:
        return CancelCause.TIMEOUT
    if name == _TASKGROUPS_PY:
        return CancelCause.TASKGROUP
    return CancelCause.TASK if name == tracer.filename else CancelCause.LIBRARY
