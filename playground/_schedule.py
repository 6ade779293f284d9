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

Step back (the window, Shift+F10) is a replay: the same source run again from its start on the
run's schedule less its last choice, held paused there (``Scheduler(..., hold=True, fast=True)``).
That is exact only for a run that takes no outside input: :func:`replay_obstacles` says, line by
line, what in a program a replay cannot repeat (the wall clock, threads, the network, processes,
unseeded randomness).
"""
from __future__ import annotations

import ast
import functools
import json
import math
import re
import time
import types
import weakref
from bisect import insort
from itertools import islice
from pathlib import Path

from ._current import TracedTask, current_run, tid_of, tracer_of
from .loopstate import _describe, counts_as_step

__all__ = ["ScheduleError", "Scheduler", "choice_words", "load_schedule", "note_advance",
           "note_step", "parse_schedule", "replay_obstacles", "run_on_schedule", "schedule_of",
           "start_on_schedule"]

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


_QUOTED = re.compile(r"""^(['"].*['"])( \(#\d+\))?$""", re.DOTALL)


def choice_words(choice: dict) -> str:
    """A choice of a schedule as the window lists it: "step of alice", "step of worker (#2)",
    "callback print()", "the clock moved on 0.100 s to the next timer"; and for a recorded
    choice's ``fifo`` note, what asyncio's order would have run: ``choice_words({"fifo": ...})``
    reads it the same way ("step of bob")."""
    if "advance" in choice:
        value, by = choice["advance"], choice.get("by")
        if value is True:
            return ("the clock moved on" + (f" {by:.3f} s" if _number(by) else "")
                    + " to the next timer")
        return f"the clock moved on {float(value):.3f} s"
    nth = f" (#{choice['nth']})" if "nth" in choice else ""
    if "run" in choice:
        return f"step of {choice['run']}{nth}"
    if "call" in choice:
        return f"callback {choice['call']}{nth}"
    fifo = str(choice.get("fifo", ""))
    m = _QUOTED.match(fifo)
    if m is not None:
        try:
            return f"step of {ast.literal_eval(m.group(1))}{m.group(2) or ''}"
        except (SyntaxError, ValueError):
            pass
    return fifo


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
        for ev in events[self.cursor:n]:     # (islice would walk from the log's start)
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
    if isinstance(getattr(run, "schedule", None), (list, tuple)):
        return [dict(c) for c in run.schedule]          # a SavedRun (or the window's copy of one)
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
    resume the loop there.  ``hold``: once the schedule is used up (its advances due before the
    next step applied too), stop there with the loop paused -- the window's Step back: the learner
    steps on from that point.  ``explore``: note at each point what could have been chosen
    (``options``: per point, ``(choices, timer)`` -- the run's ready steps as choices, and whether
    a timer is pending, i.e. an advance is possible).

    ``fast``: the program takes no outside input (:func:`replay_obstacles` found none), so a jump
    to the run's next timer needs no moment of real quiet while its module code waits on the loop
    (in ``asyncio.run``): nothing else can hand the loop anything.  ``pace``: wall seconds between
    two steps while the schedule has choices left (the window's "Show me": each choice is seen).

    Attributes: ``error`` (a ScheduleError: a choice did not fit; the run was then stopped),
    ``applied`` (choices applied), ``finished`` (the run ended, or the scheduler let it go),
    ``held`` (``hold``: it stopped where the schedule ends), ``on_finish`` (callables called with
    the scheduler once it has finished).  When it finishes, the loop's step policy is put back
    as it was, and its pause state too (``hold``: paused).

    :meth:`start` starts the run; :meth:`follow` takes over one already started on a paused loop
    before its first step (the window's run controller starts its runs itself).
    """

    def __init__(self, run, schedule=(), *, to_end: bool = True, explore: bool = False,
                 hold: bool = False, fast: bool = False, pace: float = 0.0):
        self.run = run
        self.loop = run.loop
        self.choices = parse_schedule(schedule if isinstance(schedule, dict) else list(schedule))
        self.to_end = to_end
        self.explore = explore
        self.hold = hold
        self.fast = fast
        self.pace = max(float(pace), 0.0)
        self.held = False
        self.on_finish: list = []
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
        """Pause the loop, start the run and take its first step as the schedule says."""
        self._take_loop()
        try:
            self.run.start()
        except BaseException:
            self._release()
            raise
        self._next()
        return self

    def follow(self) -> "Scheduler":
        """Take over ``run``, started already on the paused loop and not stepped yet (its module
        code may still be on its way to ``asyncio.run``): step it as :meth:`start` would."""
        if not self.loop.paused:
            raise RuntimeError("follow() needs a paused loop: pause() it before starting the run")
        if getattr(self.run, "_done", True) is None:
            raise RuntimeError("follow() takes a run already started: start() starts one")
        book = _BOOKS.get(self.run.tracer)
        if book is not None and (book.points or book.entries):
            raise RuntimeError("follow() takes a run before its first step: this one has taken "
                               f"{book.points}")
        self._take_loop()
        self._next()
        return self

    def _take_loop(self) -> None:
        loop = self.loop
        self._was_paused = loop.paused
        loop.pause()
        self._previous_policy = loop.step_policy
        loop.step_policy = self._policy
        loop.clock_listeners.append(self._after)
        self._seen = loop.step_count

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
        if self.pace and not self.exhausted:
            from PySide6.QtCore import QTimer
            QTimer.singleShot(round(self.pace * 1000), self._next)
            return
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
        if self.hold and self.exhausted:
            if not (loop._ready or _module_waits(run)):
                # Not a step taken yet and the module code still on its way to asyncio.run: hold
                # once it is there, with the run's first step ready, as Pause-then-Run shows it.
                from PySide6.QtCore import QTimer
                QTimer.singleShot(_POLL_MS, self._next)
                return
            self.held = True
            self._release(resume=False)
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
        elif own and self.fast and _module_waits(run):
            wait = 0.0                      # nothing else can hand the loop anything: jump now
        else:
            wait = _QUIET if own else max(other - loop.time(), _QUIET)
        if wait is None:
            self._quiet_since = None
        elif self._quiet_since is None:
            self._quiet_since = wall
        if self._quiet_since is None or (wait and wall - self._quiet_since < wait):
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
        for callback in list(self.on_finish):
            callback(self)


def _module_waits(run) -> bool:
    """Whether the run's module code is blocked waiting on the loop (``asyncio.run``,
    ``run_until_complete``, ``run_forever``): then only the loop can make anything of the run's
    ready."""
    return bool(getattr(run, "_awaiting_main", False)) or \
        getattr(run, "_forever_wait", None) is not None


def start_on_schedule(run, schedule=(), **options) -> Scheduler:
    """Start ``run`` on ``schedule`` (see Scheduler); returns the Scheduler at once."""
    return Scheduler(run, schedule, **options).start()


async def run_on_schedule(run, schedule=(), **options) -> Scheduler:
    """Run ``run`` on ``schedule`` to its end (await it on the run's loop); returns the Scheduler
    (its ``error`` says whether the schedule fitted)."""
    scheduler = start_on_schedule(run, schedule, **options)
    await run.wait()
    return scheduler


# -- what a replay cannot repeat ------------------------------------------------------------------

#: (module, name) called -> what it does, in words ("reads the wall clock (time.time)").
_OUTSIDE_CALLS = {
    **{("time", n): f"reads the wall clock (time.{n})"
       for n in ("time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns",
                 "process_time", "process_time_ns", "thread_time", "thread_time_ns", "localtime",
                 "gmtime", "ctime", "asctime", "strftime")},
    ("time", "sleep"): "blocks the loop in real time (time.sleep)",
    **{("datetime", n): f"reads the wall clock (datetime.{n})" for n in ("now", "utcnow", "today")},
    **{("date", n): f"reads the wall clock (date.{n})" for n in ("today",)},
    ("asyncio", "to_thread"): "runs work in a thread (asyncio.to_thread)",
    ("asyncio", "run_coroutine_threadsafe"): "hands work over from a thread "
                                             "(run_coroutine_threadsafe)",
    ("threading", "Thread"): "starts a thread (threading.Thread)",
    ("threading", "Timer"): "starts a thread (threading.Timer)",
    ("futures", "ThreadPoolExecutor"): "runs work in threads (ThreadPoolExecutor)",
    ("futures", "ProcessPoolExecutor"): "runs work in processes (ProcessPoolExecutor)",
    ("asyncio", "open_connection"): "talks over a socket (asyncio.open_connection)",
    ("asyncio", "start_server"): "talks over a socket (asyncio.start_server)",
    ("asyncio", "open_unix_connection"): "talks over a socket (asyncio.open_unix_connection)",
    ("asyncio", "start_unix_server"): "talks over a socket (asyncio.start_unix_server)",
    ("asyncio", "create_subprocess_exec"): "starts a process (create_subprocess_exec)",
    ("asyncio", "create_subprocess_shell"): "starts a process (create_subprocess_shell)",
    ("os", "urandom"): "reads random bytes (os.urandom)",
    ("os", "kill"): "sends a signal (os.kill)",
    ("signal", "raise_signal"): "sends a signal (signal.raise_signal)",
    ("uuid", "uuid1"): "makes a unique id from the clock (uuid.uuid1)",
    ("uuid", "uuid4"): "makes a random id (uuid.uuid4)",
    # memory addresses differ from run to run: what shows them cannot be repeated
    ("asyncio", "print_call_graph"): "prints tasks' memory addresses (asyncio.print_call_graph)",
    ("asyncio", "format_call_graph"): "shows tasks' memory addresses (asyncio.format_call_graph)",
    (None, "id"): "uses memory addresses (id)",
}
#: Methods that mean the same whatever they are called on (a loop, mostly).
_OUTSIDE_METHODS = {
    "run_in_executor": "runs work in a thread (run_in_executor)",
    "call_soon_threadsafe": "hands work over from a thread (call_soon_threadsafe)",
    "create_connection": "talks over a socket (create_connection)",
    "create_server": "talks over a socket (create_server)",
    "create_datagram_endpoint": "talks over a socket (create_datagram_endpoint)",
    "sock_connect": "talks over a socket (sock_connect)",
    "sock_recv": "talks over a socket (sock_recv)",
    "add_signal_handler": "waits for a signal (add_signal_handler)",
    "subprocess_exec": "starts a process (subprocess_exec)",
}
#: Modules whose very use means the network, processes or threads.
_OUTSIDE_MODULES = {
    "httpx": "talks over the network (httpx)",
    "aiohttp": "talks over the network (aiohttp)",
    "requests": "talks over the network (requests)",
    "urllib.request": "talks over the network (urllib.request)",
    "socket": "uses sockets (socket)",
    "subprocess": "starts processes (subprocess)",
    "multiprocessing": "starts processes (multiprocessing)",
    "secrets": "reads random numbers (secrets)",
}
#: random's functions that draw from its global generator.
_RANDOM = frozenset({"random", "randint", "randrange", "choice", "choices", "shuffle", "sample",
                     "uniform", "gauss", "normalvariate", "expovariate", "triangular",
                     "betavariate", "gammavariate", "lognormvariate", "vonmisesvariate",
                     "paretovariate", "weibullvariate", "getrandbits", "randbytes", "binomialvariate"})


def replay_obstacles(source: str) -> list[tuple[int, str]]:
    """``(line, what)`` for each place in ``source`` that a replay on the same schedule cannot
    repeat exactly: the wall clock read (``time.time()``, ``datetime.now()``...), real sleeps,
    threads and executors, sockets and the network, processes, signals, and randomness not
    seeded in the program (``random.random()`` with no ``random.seed(...)`` call, ``uuid4``,
    ``os.urandom``).  Loop time (``loop.time()``, sleeps, timeouts) is fine: a schedule governs it.
    Empty: a run of it can be stepped back (the window's Step back) to exactly the same state.
    A source that does not parse has nothing to say (it will not run either)."""
    return list(_obstacles(source))


@functools.lru_cache(maxsize=16)
def _obstacles(source: str) -> tuple:
    """replay_obstacles, kept for the last sources asked about (the window asks at every Step
    back, for the same text)."""
    from ._ast import parse
    try:
        tree = parse(source)
    except (SyntaxError, ValueError):
        return ()
    alias: dict[str, tuple[str, str]] = {}    # local name -> (module, name) it was imported as
    modules: dict[str, str] = {}              # local name -> module it binds
    found: set = set()
    seeded = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                modules[(a.asname or a.name).split(".")[0]] = a.name
                what = _module_use(a.name)
                if what is not None:
                    found.add((node.lineno, what))
        elif isinstance(node, ast.ImportFrom) and node.module:
            what = _module_use(node.module)
            if what is not None:
                found.add((node.lineno, what))
            last = node.module.split(".")[-1]
            for a in node.names:
                alias[a.asname or a.name] = (last, a.name)
                if _module_use(f"{node.module}.{a.name}") is not None:
                    found.add((node.lineno, _module_use(f"{node.module}.{a.name}")))
    randoms = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        owner = name = None
        if isinstance(func, ast.Attribute):
            name = func.attr
            base = func.value
            if isinstance(base, ast.Name):
                owner = alias.get(base.id, (None, base.id))[1] if base.id in alias else \
                    modules.get(base.id, base.id).split(".")[-1]
            elif isinstance(base, ast.Attribute):
                owner = base.attr
        elif isinstance(func, ast.Name):
            owner, name = alias.get(func.id, (None, func.id))
        if name is None:
            continue
        if owner == "random":
            if name == "seed" and (node.args or node.keywords):
                seeded = True
            elif name in _RANDOM:
                randoms.append((node.lineno, f"draws unseeded random numbers (random.{name})"))
            elif name in ("Random", "SystemRandom") and (name == "SystemRandom" or not (
                    node.args or node.keywords)):
                found.add((node.lineno, f"draws unseeded random numbers (random.{name}())"))
            continue
        what = _OUTSIDE_CALLS.get((owner, name))
        if what is None and isinstance(func, ast.Attribute):
            what = _OUTSIDE_METHODS.get(name)
        if what is not None:
            found.add((node.lineno, what))
    if not seeded:
        found.update(randoms)
    return tuple(sorted(found))


def _module_use(module: str) -> str | None:
    for name, what in _OUTSIDE_MODULES.items():
        if module == name or module.startswith(name + "."):
            return what
    return None
