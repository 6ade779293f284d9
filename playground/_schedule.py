"""You are the scheduler (issue 24): a run's *schedule* -- the choice made at each step it took
while paused -- and running a file again on a schedule, headless and deterministic.

Any ready step is one asyncio could legally run next (its ready queue is only an order of
arrival), and the clock may move on while steps are ready (a slow step).  A schedule says which:
a JSON list of choices, one per scheduling point of the run (a step: the loop picks the handle
that runs next), in order::

    {"step": 1, "run": "main"}            the step of the task named "main" (else the task
                                          running main(): the coroutine's name)
    {"step": 2, "run": "worker", "nth": 2}   the 2nd task named "worker", in creation order
    {"step": 3, "call": "print()"}        a plain callback of the lesson's code, by its label
    {"step": 4, "advance": true}          before step 4, the clock moves to the next timer
    {"step": 4, "advance": 0.25}          ... or by 0.25 s

A bare string is a ``run`` choice (``"worker-A"``).  ``step`` is optional: a choice without one
applies at the next scheduling point, and one with it waits for that point (asyncio's order
until then).  When the schedule is used up, asyncio's order (FIFO) goes on.  Tasks are named,
never numbered by id: the same schedule applies to a fresh run of the same file.  A recorded
schedule also says what FIFO would have run (``"fifo"``) and how far an advance moved the clock
(``"by"``); both are for people and ignored when a schedule is applied.

Recording is always on: the loop calls :func:`note_step` for every step it takes while paused
(Step, Step task, the learner's pick with ``loopstate.run_next``) and :func:`note_advance` for
``loop.advance_clock()``; :func:`schedule_of` reads a run's schedule.  :class:`Scheduler`
replays one: it pauses the loop, starts the run and steps it, choosing at each point what the
schedule says.  Loop time only moves by the steps' jumps to the run's next timer and by the
schedule's advances (and, for a busy ``sleep(0)`` loop that would never let it move, after SPIN
steps), so a schedule gives the same trace every time, whatever the wall clock does.  Real time
counts only where the run waits on nothing of its own: its module code's thread, a thread, a
socket, a timer that is not the run's (the command line's ``--timeout``).
"""
from __future__ import annotations

import json
import math
import time
import types
import weakref
from bisect import insort
from itertools import islice
from pathlib import Path

from ._current import TracedTask, current_run, tid_of, tracer_of
from .loopstate import _describe, counts_as_step

__all__ = ["ScheduleError", "Scheduler", "load_schedule", "note_advance", "note_step",
           "parse_schedule", "run_on_schedule", "schedule_of", "start_on_schedule"]

#: The keys a choice may carry ("fifo" and "by" are a recording's notes, ignored when applied).
_KEYS = frozenset({"step", "run", "call", "nth", "advance", "fifo", "by"})
#: While the loop holds nothing of the run's to step (its module code is still starting, or it
#: is waiting on a thread), look again after this many wall milliseconds.
_POLL_MS = 2
#: Wall seconds of quiet before a step that jumps the clock (nothing ready): what the run's
#: module code or a thread of its own hands the loop lands first (the loop's skip-idle rule).
_QUIET = 0.005
#: Steps in a row with a timer pending and the clock standing still (a busy ``sleep(0)`` loop
#: that polls for what a timer will do): then the clock moves to the next timer, as if those
#: steps had taken that long (recorded as an advance).  In stepped loop time nothing else would
#: ever move it.
SPIN = 10_000


class ScheduleError(ValueError):
    """A schedule that is not one, or one that does not fit the program it is applied to (the
    message says which step and what was ready then)."""


# -- the format ---------------------------------------------------------------------------------

def parse_schedule(data) -> list[dict]:
    """``data`` (a list of choices, or ``{"schedule": [...]}``) checked and normalised: each choice a
    dict with one of ``run``/``call``/``advance``.  Raises ScheduleError saying what is wrong."""
    if isinstance(data, dict) and "schedule" in data:
        data = data["schedule"]
    if not isinstance(data, (list, tuple)):
        raise ScheduleError(f"a schedule is a list of choices, not {type(data).__name__}")
    out = []
    point = 1                     # the scheduling point the next choice applies to
    for i, raw in enumerate(data, 1):
        where = f"choice {i}"
        if isinstance(raw, str):
            raw = {"run": raw}
        if not isinstance(raw, dict):
            raise ScheduleError(f"{where}: a task's name or a table, not {raw!r}")
        unknown = sorted(set(raw) - _KEYS)
        if unknown:
            raise ScheduleError(f"{where}: unknown key {unknown[0]!r} (known: step, run, call, "
                                "nth, advance)")
        kinds = [k for k in ("run", "call", "advance") if k in raw]
        if len(kinds) != 1:
            raise ScheduleError(f"{where}: give one of run, call or advance (got "
                                f"{', '.join(kinds) or 'none'})")
        kind = kinds[0]
        choice = {}
        step = raw.get("step")
        if step is not None:
            if not _whole(step) or step < 1:
                raise ScheduleError(f"{where}: step must be a whole number >= 1, not {step!r}")
            if step < point:
                raise ScheduleError(f"{where}: step {step} comes after step {point - 1} in the "
                                    "schedule: choices go in step order")
            choice["step"] = point = int(step)
        value = raw[kind]
        if kind == "advance":
            if value is not True and not (_number(value) and 0 <= value < math.inf):
                raise ScheduleError(f"{where}: advance is true (to the next timer) or a number "
                                    f"of seconds >= 0, not {value!r}")
            choice["advance"] = value
            if "nth" in raw:
                raise ScheduleError(f"{where}: nth goes with run or call, not advance")
        else:
            if not isinstance(value, str) or not value.strip():
                raise ScheduleError(f"{where}: {kind} must be a task's name"
                                    if kind == "run" else f"{where}: call must be a callback's "
                                    "label, such as \"print()\"")
            choice[kind] = value
            nth = raw.get("nth")
            if nth is not None:
                if not _whole(nth) or nth < 1:
                    raise ScheduleError(f"{where}: nth must be a whole number >= 1, not {nth!r}")
                choice["nth"] = int(nth)
            point += 1
        out.append(choice)
    return out


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _whole(v) -> bool:
    return _number(v) and float(v).is_integer()


def load_schedule(path) -> list[dict]:
    """The schedule in the JSON file at ``path``: a list of choices, ``{"schedule": [...]}``, or
    a saved run (``run --trace``, File → Save run), whose schedule is the one it was run on."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScheduleError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScheduleError(f"{path.name} is not JSON ({exc})") from None
    if isinstance(data, dict) and "asyncioPlayground" in data:
        body = data["asyncioPlayground"]
        data = body.get("schedule") if isinstance(body, dict) else None
        if data is None:
            raise ScheduleError(f"{path.name} is a saved run without a schedule (nothing was "
                                "stepped while paused)")
    try:
        return parse_schedule(data)
    except ScheduleError as exc:
        raise ScheduleError(f"{path.name}: {exc}") from None


def _text(choice: dict) -> str:
    """A choice in words: 'worker', 'worker' (#2), print(), advance the clock."""
    if "advance" in choice:
        value = choice["advance"]
        return "advance the clock" + ("" if value is True else f" by {value:g} s")
    nth = f" (#{choice['nth']})" if "nth" in choice else ""
    return (repr(choice["run"]) if "run" in choice else choice["call"]) + nth


# -- recording: every step taken while paused ----------------------------------------------------

class _Book:
    """One run's schedule as it is taken, and the names of its tasks (tid -> name, name -> tids
    in creation order), read from its tracer's records as they come."""
    __slots__ = ("entries", "points", "cursor", "names", "by_name", "by_coro", "__weakref__")

    def __init__(self):
        self.entries: list[dict] = []
        self.points = 0
        self.cursor = 0
        self.names: dict = {}
        self.by_name: dict = {}
        self.by_coro: dict = {}

    def sync(self, tracer) -> None:
        events = tracer.events
        n = len(events)
        if n == self.cursor:
            return
        names, by_name = self.names, self.by_name
        for ev in islice(events, self.cursor, n):
            tag = ev[0]
            if tag == "task":
                tid, name = ev[1], ev[4]
                names[tid] = name
                by_name.setdefault(name, []).append(tid)
                self.by_coro.setdefault(ev[5], []).append(tid)
            elif tag == "name":
                tid, name = ev[1], ev[3]
                old = names.get(tid)
                if old is not None and tid in by_name.get(old, ()):
                    by_name[old].remove(tid)
                names[tid] = name
                insort(by_name.setdefault(name, []), tid)
        self.cursor = n


_BOOKS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # tracer -> _Book


def _book(tracer) -> _Book:
    book = _BOOKS.get(tracer)
    if book is None:
        book = _BOOKS[tracer] = _Book()
    return book


def _task_step(handle):
    """The traced task whose own step ``handle`` is (None: a callback, or not a traced task)."""
    cb = handle._callback
    owner = getattr(cb, "__self__", None)
    if owner.__class__ is TracedTask and cb.__class__ is not types.MethodType:
        return owner
    return None


def _tracer_of_handle(handle):
    owner = getattr(handle._callback, "__self__", None)
    tracer = tracer_of(owner) if owner is not None else None
    if tracer is None:
        run = handle._context.get(current_run)
        tracer = getattr(run, "tracer", None)
    return tracer


def _label(handle) -> str:
    return _describe(handle, {})[0]


def _identify(handle, before, book, tracer) -> dict:
    """The choice that names ``handle``; ``before``: the ready handles ahead of it (FIFO order)."""
    task = _task_step(handle)
    if task is not None:
        book.sync(tracer)
        tid = tid_of(task)
        name = book.names.get(tid) or task.get_name()
        choice = {"run": name}
        same = book.by_name.get(name, ())
        if len(same) > 1 and tid in same:
            choice["nth"] = same.index(tid) + 1
        return choice
    label = _label(handle)
    choice = {"call": label}
    nth = 1 + sum(1 for h in before if not h._cancelled and _task_step(h) is None
                  and counts_as_step(h) and _tracer_of_handle(h) is tracer and _label(h) == label)
    if nth > 1:
        choice["nth"] = nth
    return choice


def note_step(loop, ready, index) -> None:
    """The loop is about to run ``ready[index]`` as a step (paused): record the choice in the
    schedule of the run it belongs to (with what FIFO, ``ready[0]``, would have run instead)."""
    if not loop.tracers:
        return
    handle = ready[index]
    tracer = _tracer_of_handle(handle)
    if tracer is None:
        return
    book = _book(tracer)
    book.points += 1
    entry = {"step": book.points}
    entry.update(_identify(handle, list(islice(ready, 0, index)), book, tracer))
    if index:
        fifo = ready[0]
        other = _tracer_of_handle(fifo)
        entry["fifo"] = _text(_identify(fifo, (), _book(other), other)) if other is not None \
            else _label(fifo)
    book.entries.append(entry)


def note_advance(loop, seconds, moved) -> None:
    """``loop.advance_clock(seconds)`` moved the clock by ``moved``: record it in every live run's
    schedule, before its next step."""
    for tracer in list(loop.tracers):
        book = _book(tracer)
        entry = {"step": book.points + 1, "advance": True if seconds is None else seconds}
        if seconds is None:
            entry["by"] = round(moved, 9)
        book.entries.append(entry)


def schedule_of(run) -> list[dict]:
    """The schedule a run was stepped on so far (a list of JSON-able choices, see the module
    docstring; empty when it was never stepped while paused).  ``run``: a Run, its Tracer, or a
    SavedRun (the schedule saved with it)."""
    if not hasattr(run, "tracer") and isinstance(getattr(run, "schedule", None), (list, tuple)):
        return [dict(c) for c in run.schedule]          # a SavedRun
    tracer = getattr(run, "tracer", run)
    try:
        book = _BOOKS.get(tracer)
    except TypeError:                                    # not a run at all
        raise TypeError(f"schedule_of() takes a Run, a Tracer or a SavedRun, not "
                        f"{type(run).__name__}") from None
    return [dict(c) for c in book.entries] if book is not None else []


# -- replaying: a run driven step by step ------------------------------------------------------------

class Scheduler:
    """Runs ``run`` (a Run not started yet) on ``schedule``: :meth:`start` pauses the loop, starts
    the run and steps it, each step's handle chosen as the schedule says (then FIFO).

    ``to_end``: keep stepping in asyncio's order once the schedule is used up (the default: loop
    time then moves only by jumps to the next timer, so the whole run is deterministic); False:
    resume the loop there.  ``explore``: note at each point what could have been chosen
    (``options``: per point, ``(choices, timer)`` -- the run's ready steps as choices, and whether
    a timer is pending, i.e. an advance is possible).

    Attributes: ``error`` (a ScheduleError: a choice did not fit; the run was then stopped),
    ``applied`` (choices applied), ``finished`` (the run ended, or the scheduler let it go).
    When it finishes, the loop's pause state and step policy are put back as they were.
    """

    def __init__(self, run, schedule=(), *, to_end: bool = True, explore: bool = False):
        self.run = run
        self.loop = run.loop
        self.choices = parse_schedule(schedule if isinstance(schedule, dict) else list(schedule))
        self.to_end = to_end
        self.explore = explore
        self.options: list = []
        self.error: ScheduleError | None = None
        self.applied = 0
        self.finished = False
        self._i = 0
        self._seen = 0
        self._was_paused = False
        self._previous_policy = None
        self._spin = 0                 # steps since the clock last moved
        self._last_time = None
        self._quiet_since = None       # wall time since when nothing was ready to step

    def start(self) -> "Scheduler":
        loop = self.loop
        self._was_paused = loop.paused
        loop.pause()
        self._previous_policy = loop.step_policy
        loop.step_policy = self._policy
        loop.clock_listeners.append(self._after)
        self._seen = loop.step_count
        try:
            self.run.start()
        except BaseException:
            self._release()
            raise
        self._next()
        return self

    @property
    def exhausted(self) -> bool:
        return self._i >= len(self.choices)

    # -- the choices --------------------------------------------------------------------------
    def _due(self, point: int, advance: bool):
        """The choice that applies at ``point`` now (an advance before it, or its step)."""
        if self._i >= len(self.choices) or self.error is not None:
            return None
        choice = self.choices[self._i]
        step = choice.get("step")
        if step is not None and step < point:     # its point went by (a step taken elsewhere)
            self.error = ScheduleError(f"schedule step {step}: {_text(choice)} could not be "
                                       f"applied there (the run was at step {point})")
            return None
        if (step is not None and step > point) or ("advance" in choice) != advance:
            return None
        return choice

    def _policy(self, ready):
        tracer = self.run.tracer
        book = _book(tracer)
        point = book.points + 1
        if self.explore:
            self.options.append((self._choices(ready, book, tracer), self._timer_pending()))
        choice = self._due(point, advance=False)
        if self.error is not None:
            return None
        if choice is None:
            return 0
        index = self._find(choice, ready, book, tracer)
        if index is None:
            ready_now = [_text(c) for c in self._choices(ready, book, tracer)]
            self.error = ScheduleError(
                f"schedule step {point}: {_text(choice)} has no step ready then (ready: "
                f"{', '.join(ready_now) or 'nothing'})")
            return None
        self._i += 1
        self.applied += 1
        return index

    def _find(self, choice, ready, book, tracer):
        nth = choice.get("nth", 1)
        if "run" in choice:
            book.sync(tracer)
            name = choice["run"]
            tids = book.by_name.get(name) or book.by_coro.get(name) or ()
            if len(tids) < nth:
                return None
            tid = tids[nth - 1]
            for i, handle in enumerate(ready):
                task = _task_step(handle)
                if task is not None and not handle._cancelled and tracer_of(task) is tracer \
                        and tid_of(task) == tid:
                    return i
            return None
        seen = 0
        for i, handle in enumerate(ready):
            if handle._cancelled or _task_step(handle) is not None or not counts_as_step(handle):
                continue
            if _tracer_of_handle(handle) is tracer and _label(handle) == choice["call"]:
                seen += 1
                if seen == nth:
                    return i
        return None

    def _choices(self, ready, book, tracer) -> list[dict]:
        """The run's ready steps, as choices, in FIFO order."""
        out, before = [], []
        for handle in ready:
            if not handle._cancelled and counts_as_step(handle) \
                    and _tracer_of_handle(handle) is tracer:
                choice = _identify(handle, before, book, tracer)
                if choice not in out:
                    out.append(choice)
            before.append(handle)
        return out

    def _timer_pending(self) -> bool:
        """A timer of the run's is pending (what an advance would move the clock to)."""
        return self._timers()[0]

    def _timers(self):
        """(a timer of the run's is pending, the due time of the earliest other timer or None)."""
        run, own, other = self.run, False, None
        for handle in self.loop._scheduled:
            if handle._cancelled or handle._when == math.inf:
                continue
            if handle._context.get(current_run) is run:
                own = True
            elif other is None or handle._when < other:
                other = handle._when
        return own, other

    # -- driving the loop -----------------------------------------------------------------------
    def _after(self):
        """A clock listener: after each step, the next one."""
        loop = self.loop
        if self.finished or loop.step_count == self._seen:
            return
        self._seen = loop.step_count
        now = loop.time()
        self._spin = self._spin + 1 if now == self._last_time else 0
        self._last_time = now
        self._next()

    def _next(self):
        if self.finished:
            return
        run, loop = self.run, self.loop
        if run.done:
            self._release()
            return
        if self.error is not None:
            self._fail()
            return
        if not loop.paused:               # someone resumed the loop: the run is theirs now
            self._release(resume=False)
            return
        point = _book(run.tracer).points + 1
        while (choice := self._due(point, advance=True)) is not None:
            value = choice["advance"]
            if loop.advance_clock(None if value is True else value) is None:
                self.error = ScheduleError(f"schedule step {point}: advance the clock, but no "
                                           "timer is scheduled")
                self._fail()
                return
            self._i += 1
            self.applied += 1
            self._spin = 0
        if self.error is not None:
            self._fail()
            return
        if not self.to_end and self.exhausted:
            self._release(resume=True)
            return
        if loop._ready:
            self._quiet_since = None
            if self._spin >= SPIN and self._timer_pending():
                loop.advance_clock()        # a busy loop: those steps took until the next timer
                self._spin = 0
            loop.step(jump=False)           # what is ready; a jump only below, when nothing is
            return
        # Nothing to step but a jump of the clock to the next timer.  Not while nothing of the
        # run's is alive to wait (its module code is starting or ending in its thread) or nothing
        # is scheduled (it waits on a thread or a socket -- or hangs); and only after a moment of
        # quiet, in which what its module code or its threads hand the loop lands first.  A
        # timer that is not the run's (the command line's --timeout) is waited for in real time:
        # the run may be waiting on a thread of its own meanwhile.
        wall = time.monotonic()
        own, other = self._timers()
        if not run.tracer.live or not (own or other is not None):
            wait = None
        else:
            wait = _QUIET if own else max(other - loop.time(), _QUIET)
        if wait is None:
            self._quiet_since = None
        elif self._quiet_since is None:
            self._quiet_since = wall
        if self._quiet_since is None or wall - self._quiet_since < wait:
            from PySide6.QtCore import QTimer
            left = _POLL_MS if wait is None else (wait - (wall - self._quiet_since)) * 1000
            QTimer.singleShot(int(min(max(left, _POLL_MS), 20)), self._next)
            return
        self._quiet_since = None
        loop.step()

    def _fail(self):
        self.run.stop("the schedule does not fit the program")
        self._release(resume=True)

    def _release(self, resume: bool | None = None):
        """Let the loop go: its step policy and pause state as they were (``resume``: run on)."""
        if self.finished:
            return
        self.finished = True
        loop = self.loop
        if loop.step_policy == self._policy:
            loop.step_policy = self._previous_policy
        if self._after in loop.clock_listeners:
            loop.clock_listeners.remove(self._after)
        if resume or (resume is None and not self._was_paused):
            loop.resume()


def start_on_schedule(run, schedule=(), **options) -> Scheduler:
    """Start ``run`` on ``schedule`` (see Scheduler); returns the Scheduler at once."""
    return Scheduler(run, schedule, **options).start()


async def run_on_schedule(run, schedule=(), **options) -> Scheduler:
    """Run ``run`` on ``schedule`` to its end (await it on the run's loop); returns the Scheduler
    (its ``error`` says whether the schedule fitted)."""
    scheduler = start_on_schedule(run, schedule, **options)
    await run.wait()
    return scheduler
