"""The playground's vocabulary, defined once: task states, wait kinds, outcomes, cancel causes,
network modes, and the kinds of finding a run can show (``FindingKind``: what went wrong, why it
matters, the fix and the lesson that teaches it).

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

__all__ = ["AfterCancel", "CancelCause", "FindingKind", "LIVE_STATES", "NetworkMode", "RunOutcome",
           "TaskState", "VOCABULARIES", "WaitKind", "cancel_message"]


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
    TAKEN_BACK = "taken-back", ("the timeout or TaskGroup that cancelled it took the cancel back "
                                "(uncancel()) and raised its own error in its place")


class NetworkMode(_Word):
    """Where a lesson's HTTP requests go."""
    what = enum.nonmember("network mode")
    OFFLINE = "offline", "the tutorial's demo host is answered by a local server on 127.0.0.1"
    LIVE = "live", "requests go to the internet"


class FindingKind(_Word):
    """What a run showed that a learner should know (`asyncio_playground.findings`): each kind
    has a short `title`, a one-paragraph `why`, a `fix` hint and the `lesson` (a slug)
    that teaches it.  `docs/findings.md` is generated from these."""
    what = enum.nonmember("finding kind")

    def __new__(cls, value: str, title: str, why: str, fix: str, lesson: str):
        word = str.__new__(cls, value)
        word._value_ = value
        word.doc = word.title = title
        word.why = " ".join(why.split())
        word.fix = " ".join(fix.split())
        word.lesson = lesson
        return word

    HANG = ("hang", "hang: nothing can wake it",
            """The run stood still: a task waited on something (an Event, a Queue, a Lock, another
            task) that no task still alive could ever complete, so it would wait forever.  asyncio
            does not notice: a hang looks exactly like a slow program until you ask each waiting
            task what it waits on and who could end that wait.""",
            """Make sure something completes every wait: the missing `set()`, `put()` or
            `release()`, or wait with a deadline (`async with asyncio.timeout(...)`) so a
            lost wakeup becomes a TimeoutError you can see.""",
            "pitfalls_05_debugging_a_hang")
    LOST_WAKEUP = ("lost-wakeup", "lost wakeup",
                   """A task waits on an object that nothing left in the program will ever
                   complete: nobody calls its `set()`/`notify()`/`put()`, or only tasks that
                   have already ended did.  The task can now only end by being cancelled; if
                   nothing cancels it, the program hangs.""",
                   """Call the completing method where the waiter expects it (often a missing
                   `event.set()`), or give the wait a deadline with `asyncio.timeout()`.""",
                   "pitfalls_05_debugging_a_hang")
    DEADLOCK = ("deadlock", "await cycle / deadlock",
                """Tasks wait on each other in a circle: task A awaits B while B awaits A, or A
                holds lock 1 and waits for lock 2 while B holds lock 2 and waits for lock 1.
                Neither can go on, so neither ever will.""",
                """Break the circle: take locks always in the same order (or take one lock for
                both), and never await a task that awaits you.""",
                "pitfalls_07_deadlock")
    NEVER_AWAITED = ("never-awaited", "never awaited",
                     """Calling an `async def` function does not run it: it only makes a
                     coroutine object, which runs when awaited or wrapped in a task.  This one was
                     made and dropped, so its code never ran (Python only warns "coroutine ... was
                     never awaited" when the object is destroyed).""",
                     """Write `await f(...)` at that line, or `asyncio.create_task(f(...))`
                     (kept in a variable) to run it concurrently.""",
                     "pitfalls_03_never_awaited")
    NEVER_RETRIEVED = ("never-retrieved", "exception never retrieved",
                       """A task failed and nobody looked at its result: no `await`, no
                       `result()`/`exception()`, no gather or TaskGroup.  The exception is
                       lost; asyncio only logs "Task exception was never retrieved" when the task
                       object is garbage-collected, which may be much later or never.""",
                       """Await every task you create (or gather them, or use a TaskGroup), or
                       add a done callback that reads `task.exception()`.""",
                       "errors_02_never_retrieved")
    NO_REFERENCE = ("no-reference", "task without a reference",
                    """`create_task(...)`'s result was dropped (fire and forget).  The event
                    loop keeps only a weak reference to its tasks, so a task nobody holds can be
                    garbage-collected mid-flight, and nobody waits for it or sees its
                    exception.""",
                    """Keep the task (`task = asyncio.create_task(...)` and await it, or add it
                    to a set and discard it in a done callback), or start it in a
                    `TaskGroup`.""",
                    "pitfalls_02_fire_and_forget")
    BLOCKED_LOOP = ("blocked-loop", "blocked the loop",
                    """Synchronous code ran inside a task for a long time without an `await`
                    (`time.sleep`, a blocking HTTP client, CPU work).  The event loop runs one
                    thing at a time, so every other task, timer and I/O stood still meanwhile.""",
                    """Await the async version (`await asyncio.sleep`, httpx's
                    `AsyncClient`), or move the blocking call to a thread:
                    `await asyncio.to_thread(f, ...)`.""",
                    "pitfalls_01_blocking_the_loop")
    BUSY_WAITING = ("busy-waiting", "busy waiting",
                    """A task polls: it loops on `await asyncio.sleep(0)` (or a tiny sleep)
                    until a condition holds, waking itself again and again.  It burns CPU the
                    other tasks could use and reacts late; asyncio has objects that wake a task
                    exactly when something happens.""",
                    """Wait on the thing itself: an `asyncio.Event` (`await ev.wait()`), a
                    `Queue` or a `Condition`, set by whoever makes the condition true.""",
                    "pitfalls_08_busy_waiting")
    SWALLOWED_CANCEL = ("swallowed-cancel", "swallowed cancellation",
                        """The task caught `CancelledError` and went on as if nothing happened
                        (without `uncancel()`).  Whoever cancelled it (a TaskGroup, a
                        `timeout()`, Stop, the end of `asyncio.run`) believes it stopped; they
                        can wait forever, or a timeout never fires.""",
                        """Re-raise it: clean up in `finally` (or `except CancelledError:
                        ...; raise`).  Only code that really means to refuse a cancel calls
                        `uncancel()`.""",
                        "pitfalls_09_swallowed_cancel")
    LOST_SIBLING_FAILURE = ("lost-sibling-failure", "lost sibling failure",
                            """`asyncio.gather` without `return_exceptions` raised the first
                            exception of its tasks at once and left the others running
                            unsupervised (or dropped their exceptions): nobody cancels them,
                            nobody sees how they end.""",
                            """Use an `asyncio.TaskGroup`, which cancels the siblings when one
                            fails and reports every exception, or `gather(...,
                            return_exceptions=True)` and look at each result.""",
                            "errors_05_taskgroup_vs_gather")
    LOCK_HELD_LONG = ("lock-held-long", "lock held across a long await",
                      """A task held a Lock while it slept or waited on I/O for a long time, and
                      other tasks queued for that lock all the while: the lock turned concurrent
                      code into one-at-a-time code.""",
                      """Hold the lock only around the shared state it protects: do the slow
                      await before `async with lock:` or after it.""",
                      "pitfalls_10_lock_held_across_await")
    LEFTOVER_TASK = ("leftover-task", "leftover task",
                     """A task was still pending when `main()` returned, so `asyncio.run`
                     cancelled it: its work never finished, although nothing said so (learners
                     often think it ran).""",
                     """Await the task (or gather it, or start it in a TaskGroup) before
                     `main()` returns, or cancel it yourself and await it.""",
                     "pitfalls_02_fire_and_forget")
    ONE_AT_A_TIME = ("one-at-a-time", "awaited one at a time",
                     """A loop created a task and awaited it before creating the next one, so the
                     tasks ran one after another: as slow as plain sequential code, with the
                     cost of tasks on top.""",
                     """Create all the tasks first and then await them (`gather`, a
                     `TaskGroup`), or await them in a second loop.""",
                     "pitfalls_04_await_in_a_loop")


#: Every vocabulary, in the order the docs list them.
VOCABULARIES = (TaskState, WaitKind, RunOutcome, CancelCause, AfterCancel, NetworkMode, FindingKind)


def markdown(*vocabularies) -> str:
    """Markdown tables of ``vocabularies`` (default: all), word and meaning, for the docs."""
    out = []
    for vocab in vocabularies or VOCABULARIES:
        out += [f"**{vocab.__name__}** — {' '.join(vocab.__doc__.split())}", "", "| word | meaning |",
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
