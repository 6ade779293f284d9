"""The playground's vocabulary, defined once: task states, wait kinds, outcomes, cancel causes,
network modes.

Every word is a ``str`` (a ``StrEnum`` member compares, hashes, prints and serialises to JSON as its
value), so events stay plain data while a misspelt word raises where it enters::

    >>> NetworkMode.parse("ofline")
    Traceback (most recent call last):
    ValueError: unknown network mode 'ofline' (one of: offline, live)

The tracer emits these words, the lesson checks validate against them, the window colours and
legends are keyed by them, and ``docs/authoring.md`` / ``docs/engine-api.md`` list them from here
(``python -m asyncio_playground._docs`` rewrites every generated table; a test checks they match).
"""
from __future__ import annotations

import enum

__all__ = ["AfterCancel", "CancelCause", "LIVE_STATES", "NetworkMode", "RunOutcome", "TaskState",
           "VOCABULARIES", "WaitKind", "cancel_message"]


class _Word(enum.StrEnum):
    """A word of the vocabulary: its value is the string; ``doc`` says what it means."""

    def __new__(cls, value: str, doc: str = ""):
        word = str.__new__(cls, value)
        word._value_ = value
        word.doc = doc
        return word

    # Keep them interchangeable with plain strings: dict keys, sets, reprs in messages.
    __hash__ = str.__hash__

    def __repr__(self) -> str:
        return repr(self._value_)

    @classmethod
    def parse(cls, value) -> "_Word":
        """``value`` as a word of this vocabulary; a clear ``ValueError`` for anything else."""
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"unknown {cls.what} {value!r} (one of: "
                             f"{', '.join(w.value for w in cls)})") from None


class TaskState(_Word):
    """Where a task is now.  The first three are live; the last three are how it ended."""
    what = enum.nonmember("task state")
    PENDING = "pending", "created or woken, waiting for its turn on the loop"
    RUNNING = "running", "its step is on the CPU right now"
    WAITING = "waiting", "suspended at an await until what it waits on is ready"
    DONE = "done", "returned a value"
    CANCELLED = "cancelled", "ended by CancelledError"
    FAILED = "failed", "raised an exception"


LIVE_STATES = frozenset({TaskState.PENDING, TaskState.RUNNING, TaskState.WAITING})


class WaitKind(_Word):
    """What a suspended task waits on (the tracer's ``wait`` events)."""
    what = enum.nonmember("wait kind")
    SLEEP = "sleep", "asyncio.sleep(d): a timer"
    TASK = "task", "another task (await task)"
    GATHER = "gather", "an asyncio.gather(...) of several awaitables"
    WAIT = "wait", "asyncio.wait(...) / as_completed over several tasks"
    TIMEOUT = "timeout", "wait_for(...): the awaited thing, with a deadline"
    IO = "io", "network or stream I/O (httpx, streams, sockets)"
    THREAD = "thread", "work in another thread (to_thread, run_in_executor)"
    LOCK = "lock", "asyncio.Lock.acquire()"
    EVENT = "event", "asyncio.Event.wait()"
    CONDITION = "condition", "asyncio.Condition.wait()/wait_for()"
    SEMAPHORE = "semaphore", "asyncio.Semaphore.acquire()"
    BARRIER = "barrier", "asyncio.Barrier.wait()"
    QUEUE = "queue", "asyncio.Queue get/put/join"
    FUTURE = "future", "any other future"


class RunOutcome(_Word):
    """How a run ended."""
    what = enum.nonmember("run outcome")
    COMPLETED = "completed", "the script ran to its end"
    FAILED = "failed", "the script raised (its traceback is shown)"
    CANCELLED = "cancelled", "stopped: Stop, a timeout, Ctrl+C, or main() cancelled"


class CancelCause(_Word):
    """Why a task was asked to cancel."""
    what = enum.nonmember("cancel cause")
    BUTTON = "button", "a Cancel click on the task's row (or its keyboard equivalent)"
    STOP = "stop", "Stop, Run while running, closing the window, --timeout or Ctrl+C"
    TASK = "task", "lesson code in another task called .cancel()"
    CALLBACK = "callback", "a plain loop callback called .cancel() (loop.call_later(d, t.cancel))"
    TASKGROUP = "taskgroup", "a TaskGroup cancelled its children or body after a failure"
    TIMEOUT = "timeout", "asyncio.timeout/timeout_at/wait_for reached its deadline"
    GATHER = "gather", "a cancelled gather cancelled its children"
    AWAITER = "awaiter", "the cancel travelled from a cancelled task into what it awaited"
    SHUTDOWN = "shutdown", "the run ended with the task still pending (the asyncio.run rule)"
    LIBRARY = "library", "code outside the lesson (httpx, anyio, ...) cancelled it"


class AfterCancel(_Word):
    """What a task's code did once CancelledError landed in it."""
    what = enum.nonmember("after-cancel behaviour")
    RERAISED = "reraised", "let CancelledError propagate (the task ends cancelled)"
    SWALLOWED = "swallowed", "caught it and went on without uncancel()"
    UNCANCELLED = "uncancelled", "caught it and called uncancel()"
    RAISED = "raised", "raised another exception while handling it"


class NetworkMode(_Word):
    """Where a lesson's HTTP requests go."""
    what = enum.nonmember("network mode")
    OFFLINE = "offline", "the tutorial's demo host is answered by a local server on 127.0.0.1"
    LIVE = "live", "requests go to the internet"


#: Every vocabulary, in the order the docs list them.
VOCABULARIES = (TaskState, WaitKind, RunOutcome, CancelCause, AfterCancel, NetworkMode)


def markdown(*vocabularies) -> str:
    """Markdown tables of ``vocabularies`` (default: all), word and meaning, for the docs."""
    out = []
    for vocab in vocabularies or VOCABULARIES:
        out += [f"**{vocab.__name__}** — {vocab.__doc__.strip()}", "", "| word | meaning |",
                "|---|---|"]
        out += [f"| `{word.value}` | {word.doc} |" for word in vocab]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def cancel_message(cause: str, msg, most: int = 60):
    """A cancel request's message as the window and stories show it.  A library's (``cause``
    ``library``) loses the object reprs and addresses it carries — anyio's "Cancelled via cancel
    scope 7f8a… by <Task pending name=… coro=<…>>" reads "Cancelled via cancel scope" — and is
    cut to ``most`` characters; the lesson's own messages are shown as they are."""
    if msg is None or cause != CancelCause.LIBRARY:
        return msg
    import re
    text = str(msg)
    while True:   # innermost <...> first, so nested reprs go too
        shorter = re.sub(r"\s*<[^<>]*>", "", text)
        if shorter == text:
            break
        text = shorter
    text = re.sub(r"\s+(?:0x)?[0-9a-f]{8,}\b", "", text)
    text = re.sub(r"\s+by\s*$", "", text.strip())
    return text if len(text) <= most else text[:most - 1] + "…"
