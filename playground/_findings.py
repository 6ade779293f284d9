"""Findings: what a run showed that a learner should know, in words, at the line, with the lesson
that teaches it (issue 22).

The kinds are one vocabulary, :class:`~.vocab.FindingKind` (title, why, fix, lesson).  They are
found by folding the run's records, as :class:`~._table.TaskTable` folds them, never by a second
tracer: :class:`Findings` takes the records in order, a batch at a time (live, as a window's frame
reads them, or a whole log at once in replay) and returns what each batch showed.  Where the
records alone cannot say (which Event an ``await`` waits on, who in the program could ever set
it, which lock a task holds, whether a ``create_task`` result was dropped) the run's source
answers (``_findings_source``), read once, the first time a finding needs it.  The waits on
objects (lost wakeups, deadlocks, held locks, the hang doctor) are ``_hang_doctor``'s part of the
fold (the base class of :class:`Findings`).

The fold keeps a few fields per task and does a dict lookup and an attribute test per step;
everything else happens on the rarer records (waits on something other than a timer, ends,
cancels, blocks, errors).  ``docs/findings.md`` lists the kinds (generated from the vocabulary).
"""
from __future__ import annotations

import dataclasses
import os

from ._findings_source import SourceFacts, nearest
from ._hang_doctor import _PRIMITIVES, _TIMED, LONG_AWAIT, Finding, HangDoctor, _ms
from .events import ExcInfo, named
from .vocab import FindingKind

__all__ = ["BLOCK_THRESHOLD", "BUSY_SLEEPS", "BUSY_STEPS", "Finding", "Findings", "LONG_AWAIT",
           "SHORT_SLEEP", "finding_lines", "findings", "findings_markdown"]

#: A step that held the loop at least this long (seconds) is a finding (the tracer's ``Block``
#: records start at 0.1 s).
BLOCK_THRESHOLD = 0.1
#: A task that yields this many times in a row with ``sleep(0)`` in a polling loop busy-waits.
BUSY_STEPS = 100
#: ... or that sleeps this many times at one polling line for at most SHORT_SLEEP seconds.
BUSY_SLEEPS = 20
SHORT_SLEEP = 0.05
_NEVER_RETRIEVED = ("Task exception was never retrieved", "Future exception was never retrieved")
_FORCE_STOPPED = "force-stopped by the playground"


class _T:
    """What the fold keeps of one task."""
    __slots__ = ("tid", "name", "coro", "parent", "library", "created", "ended", "state", "wait",
                 "bare", "sleeps", "cancel_t", "cause", "landed", "landed_line", "uncancelled",
                 "last_child", "last_step", "run_of", "busy", "stop_cancelled", "group",
                 "uncancelled_t", "waited", "landed_in_group", "holding", "lock_wait")

    def __init__(self, tid, t, parent, name, coro, library):
        self.tid, self.created, self.parent, self.name, self.coro = tid, t, parent, name, coro
        self.library = library
        self.ended = None
        self.state = "pending"
        self.wait = None           # the Wait record (a tuple) while suspended
        self.bare = 0              # steps in a row without a wait between them (sleep(0))
        self.sleeps = None         # {line: short sleeps there} once it sleeps briefly
        self.cancel_t = None       # time of a cancel request not yet landed
        self.cause = None          # its cause
        self.landed = None         # time CancelledError landed (the first step after a request)
        self.landed_line = None
        self.uncancelled = None    # who called uncancel() since it landed
        self.uncancelled_t = None  # when
        self.waited = False        # it has been suspended at least once
        self.landed_in_group = False   # the cancel landed in a TaskGroup's async with exit
        self.last_child = None     # the tid of the last task it created
        self.last_step = None      # start of its latest step
        self.run_of = None         # (line, coro, count): tasks awaited one at a time
        self.busy = False          # reported busy waiting already
        self.stop_cancelled = False
        self.group = None          # the lost-wakeup group key it waits in
        self.holding = None        # the locks (alias roots) its current wait's line holds
        self.lock_wait = None      # its open entry in Findings._lock_waits


class Findings(HangDoctor):
    """The incremental fold: ``apply(events)`` takes the run's next records and returns the
    findings they showed (in the order shown); ``found`` holds them all.  ``report()`` orders
    them as a reader wants them (a hang first when Stop or ``--timeout`` ended the run).
    ``stuck(now)`` runs the hang doctor on the run as it stands (for a window whose live run
    has gone quiet); its findings are not added to ``found``.

    ``source``/``filename``: the run's program and its path (read from the ``RunStarted``
    record's path when not given); without them the findings that need the source are not made.
    """

    def __init__(self, source: str | None = None, filename: str | None = None):
        self.source = source
        self.filename = filename
        self.found: list[Finding] = []
        self.started = None
        self.stopped = None           # time of the first Stop cancel (Stop, --timeout, Ctrl+C)
        self.ended = None
        self.now = None
        self._tasks: dict[int, _T] = {}
        self._failed_ids: set[int] = set()   # tasks that ended failed (a gather's wake looks here)
        self._facts: SourceFacts | None = None
        self._keys: set = set()       # what has been reported (no finding twice)
        # A lost-wakeup group: waits on one object (alias root, completing methods) ->
        # ({waiting tid: None}, the qualnames of the functions that complete them).
        self._groups: dict[tuple, tuple] = {}
        self._live: dict[str, dict] = {}   # coroutine qualname -> {tid: None} of its live tasks
        self._lock_waits: dict = {}   # Lock alias root -> [[tid, t0, t1 or None]] of its waits
        self._holding = None          # lock alias root -> _Holders {tid: (shown, line, tid)} (once locks wait)
        self._held: dict = {}         # (file, line) -> (((root, shown, line), ...), (roots, ...)) or ()
        self._short: dict = {}        # sleep detail -> is it a short sleep
        self._dropped = None          # coroutine qualname -> [(line, creator's qualname)]
        self._suspects: dict = {}     # a circle of lock waits not yet confirmed (_lock_cycle)
        self._giving_up = None        # (_analyse) the task cancelling the waiters
        self._objects: dict = {}      # (wait kind, file, line) -> what it waits on (_object)

    # -- the source -----------------------------------------------------------------------------
    @property
    def facts(self) -> SourceFacts | None:
        facts = self._facts
        if facts is None:
            source = self.source
            if source is None and self.filename and os.path.isfile(self.filename):
                try:   # decoded as Python decodes a source file (a BOM, a coding cookie)
                    import importlib.util
                    with open(self.filename, "rb") as f:
                        source = importlib.util.decode_source(f.read())
                except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
                    source = None
            facts = self._facts = SourceFacts(source, self.filename)
        return facts if facts.tree is not None else None

    def _here(self, file) -> bool:
        return file is not None and file == self.filename

    # -- reporting ------------------------------------------------------------------------------
    def _add(self, kind, key, tid, line, t, why, fix=None, filename=None):
        if key is not None:
            if key in self._keys:
                return None
            self._keys.add(key)
        task = self._tasks.get(tid) if tid is not None else None
        finding = Finding(kind, tid, task.name if task is not None else None, line,
                          (filename or self.filename) if line is not None else None, t, why,
                          fix or kind.fix, kind.lesson)
        self.found.append(finding)
        return finding

    def report(self) -> list[Finding]:
        """Every finding, a hang first when Stop or a timeout ended the run, then by time (a lost
        wakeup the hang says again is left out)."""
        hangs = [f for f in self.found if f.kind is FindingKind.HANG]
        said = {(f.tid, f.line) for f in hangs}
        rest = [f for f in self.found if f.kind is not FindingKind.HANG
                and not (f.kind is FindingKind.LOST_WAKEUP and (f.tid, f.line) in said)]
        return hangs + rest if self.stopped else sorted(hangs + rest, key=_when)

    def _renamed(self, task, before):
        """``create_task(..., name=)`` may name a task just after its creation record: findings
        already made about it take the name."""
        found = self.found
        now = self._name(task.tid)
        for i in range(len(found) - 1, max(len(found) - 50, 0) - 1, -1):
            f = found[i]
            if f.tid == task.tid and f.task != task.name:
                found[i] = dataclasses.replace(f, task=task.name, why=f.why.replace(before, now))

    def _name(self, tid) -> str:
        """A task as the learner knows it: its name, or ``main()`` for an unnamed task."""
        task = self._tasks.get(tid)
        if task is None:
            return f"task {tid}"
        if task.name.startswith("Task-") and task.name[5:].isdigit() and task.coro:
            return f"{task.coro}()"
        return f"'{task.name}'"

    # -- the fold -------------------------------------------------------------------------------
    def apply(self, events) -> list[Finding]:
        """Fold ``events`` (the run's next records) in; returns the findings they showed."""
        start = len(self.found)
        tasks = self._tasks
        for ev in events:
            tag = ev[0]
            if tag == "step":
                task = tasks.get(ev[1])
                if task is None:
                    continue
                if task.cancel_t is not None:
                    self._landing(task, ev[2])
                if task.wait is not None:
                    self._woke(task, ev[2])
                else:
                    task.bare += 1
                    if task.bare == BUSY_STEPS:
                        self._busy(task, None, ev[3])
                task.last_step = ev[2]
                self.now = ev[3]
            elif tag == "wait":
                self._wait(ev)
            elif tag == "task":
                tid, parent = ev[1], ev[3]
                task = tasks[tid] = _T(tid, ev[2], parent, ev[4], ev[5], len(ev) > 6 and bool(ev[6]))
                live = self._live.get(ev[5])
                if live is None:
                    live = self._live[ev[5]] = {}
                live[tid] = None
                up = tasks.get(parent)
                if up is not None:
                    up.last_child = tid
                dropped = self._dropped
                if dropped is None:
                    dropped = self._dropped_calls()
                if dropped and ev[5] in dropped:
                    self._no_reference(task, up, dropped[ev[5]])
            elif tag == "end":
                self._end(ev)
            elif tag == "cancel":
                self._cancel(ev if hasattr(ev, "_fields") else named(ev))
            elif tag == "uncancel":
                task = tasks.get(ev[1])
                if task is not None:
                    # Recorded during the step that runs it, so before that step's own record.
                    task.uncancelled, task.uncancelled_t = ev[3], ev[2]
            elif tag == "name":
                task = tasks.get(ev[1])
                if task is not None:
                    before = self._name(task.tid)
                    task.name = ev[3]
                    self._renamed(task, before)
            elif tag == "block":
                self._block(ev if hasattr(ev, "_fields") else named(ev))
            elif tag == "error":
                self._error(ev if hasattr(ev, "_fields") else named(ev))
            elif tag == "run":
                if ev[2] == "start":
                    self.started = ev[1]
                    if self.filename is None:
                        self.filename = ev[3]
                else:
                    self.ended = ev[1]
        if self._suspects:
            self._confirm(None)
        return self.found[start:]

    def _confirm(self, cancelled):
        """Confirm the suspected lock circles that still stand: unchanged for a second of loop
        time, or one of their tasks is being cancelled (``cancelled``: its tid) or the run ends."""
        tasks = self._tasks
        for key, (tid, line, t, why, waits) in list(self._suspects.items()):
            if any(tasks[m].wait is not w for m, w in waits.items()):
                del self._suspects[key]      # it moved on: not a deadlock
            elif cancelled in key or self.ended is not None or (
                    self.now is not None and self.now - t >= 1.0):
                del self._suspects[key]
                self._add(FindingKind.DEADLOCK, ("deadlock", key), tid, line, t, why)

    # -- steps and waits ------------------------------------------------------------------------
    def _landing(self, task, t0):
        if t0 < task.cancel_t:     # the step that asked (a task cancelling itself) goes on
            return
        task.cancel_t = None
        task.landed = t0
        w = task.wait
        task.landed_line = w[6] if w is not None and self._here(w[5]) else None
        # A TaskGroup that cancels the task leaving its ``async with`` catches that cancel itself
        # (3.11's __aexit__ does not even uncancel()): not the lesson's code swallowing it.
        task.landed_in_group = w is not None and w[3] == "future" and str(w[4]).startswith("TaskGroup")
        if task.uncancelled_t is not None and task.uncancelled_t < t0:   # an earlier landing's
            task.uncancelled = task.uncancelled_t = None

    def _wait(self, ev):
        task = self._tasks.get(ev[1])
        if task is None:
            return
        if task.wait is not None:
            self._woke(task, ev[2])
        task.wait = ev
        task.bare = 0
        task.waited = True
        if self._holding is not None:
            self._hold(task, ev)
        kind = ev[3]
        if kind == "sleep":
            short = self._short.get(ev[4])
            if short is None:
                short = self._short[ev[4]] = _short_sleep(ev[4])
            if short:
                sleeps = task.sleeps
                if sleeps is None:
                    sleeps = task.sleeps = {}
                n = sleeps[ev[6]] = sleeps.get(ev[6], 0) + 1
                if n == BUSY_SLEEPS:
                    self._busy(task, ev[6], ev[2])
            return
        if kind in _TIMED:
            return
        targets = ev[7] if len(ev) > 7 else ()
        if targets:
            if kind == "task" and len(targets) == 1:
                self._one_at_a_time_begins(task, targets[0], ev)
            self._await_cycle(task, ev)
        elif kind in _PRIMITIVES and not task.library and self._here(ev[5]):
            self._primitive_wait(task, ev)

    def _woke(self, task, t0):
        w = task.wait
        task.wait = None
        kind = w[3]
        if task.group is not None:
            group = self._groups.get(task.group)
            if group is not None:
                group[0].pop(task.tid, None)
            task.group = None
        if task.holding is not None:
            self._unhold(task)
        if kind == "gather":
            self._gather_woke(task, w, t0)
        elif kind == "task" and task.run_of is not None:
            self._one_at_a_time_ends(task, w)
        elif task.lock_wait is not None:
            task.lock_wait[2] = t0
            task.lock_wait = None
        if t0 - w[2] >= LONG_AWAIT and self._lock_waits and kind not in ("lock", "semaphore") \
                and self._here(w[5]):
            self._lock_held(task, w, t0)

    def _end(self, ev):
        task = self._tasks.get(ev[1])
        if task is None:
            return
        t, state = ev[2], ev[3]
        if task.wait is not None:
            self._woke(task, t)
        task.ended, task.state = t, state
        if state == "failed":
            self._failed_ids.add(task.tid)
        live = self._live.get(task.coro)
        if live is not None:
            live.pop(task.tid, None)
        self.now = t
        if task.landed is not None and not task.library:
            self._swallowed(task, ev)

    def _cancel(self, ev):
        task = self._tasks.get(ev.tid)
        if task is None or task.ended is not None:
            return
        task.cancel_t, task.cause = ev.t, ev.cause
        if self._suspects:
            self._confirm(ev.tid)
        if ev.cause == "stop":
            task.stop_cancelled = True
            if self.stopped is None:
                self.stopped = ev.t
                for finding in self.stuck(ev.t):
                    self._add(finding.kind, ("hang", finding.tid), finding.tid, finding.line,
                              ev.t, finding.why, finding.fix)
        elif ev.cause == "shutdown" and self.stopped is None and not task.library:
            self._leftover(task, ev.t)
        elif task.group is not None:
            # Its wait ends by a cancel: was it ever going to end otherwise?  (Not asked when a
            # task that could have completed it ends: its last step may have done just that,
            # and the waiter's wake-up comes after the end's record.)
            self._check_group(self._groups[task.group], ev.t, giving_up=ev.by)

    # -- blocked loop, errors -------------------------------------------------------------------
    def _block(self, ev):
        if ev.duration < BLOCK_THRESHOLD:
            return
        here = self._here(ev.filename)
        line = ev.lineno if here else None
        who = self._name(ev.tid) if ev.tid in self._tasks else (
            "module code" if ev.filename else "a callback")
        text = self.facts.line_text(line) if here and self.facts else ""
        doing = _what_blocks(text)
        where = f" at line {line}" if line else (
            f" in {os.path.basename(ev.filename)}:{ev.lineno}" if ev.filename else "")
        why = (f"{who} held the event loop for {_ms(ev.duration)}{where}"
               f"{f' ({doing})' if doing else ''}: no other task, timer or I/O ran meanwhile.")
        fix = None
        if "time.sleep" in text:
            fix = "Write `await asyncio.sleep(...)` there, or `await asyncio.to_thread(time.sleep, ...)`."
        self._add(FindingKind.BLOCKED_LOOP, None, ev.tid if ev.tid in self._tasks else None, line,
                  ev.t0, why, fix, ev.filename if not here else None)

    def _error(self, ev):
        exc = ev.exc
        if exc is not None and exc.__class__ is not ExcInfo:
            exc = ExcInfo(*exc)
        message = str(ev.message)
        if message.startswith(_NEVER_RETRIEVED):
            if ev.tid is not None and self._tasks.get(ev.tid) is not None \
                    and self._tasks[ev.tid].library:
                return
            here = exc is not None and self._here(exc.filename)
            line = exc.lineno if here else None
            what = f"{exc.type}: {exc.message}" if exc is not None and exc.message else (
                exc.type if exc is not None else "an exception")
            who = self._name(ev.tid) if ev.tid in self._tasks else "a future"
            why = (f"{who} failed with {what}{f' (raised at line {line})' if line else ''}, "
                   "and nothing ever awaited it or read its exception: the error was lost.")
            self._add(FindingKind.NEVER_RETRIEVED, ("retrieved", ev.tid if ev.tid is not None
                                                     else message), ev.tid, line, ev.t, why)
        elif exc is not None and exc.type == "RuntimeWarning" and "was never awaited" in message:
            self._never_awaited(ev, exc, message)

    def _never_awaited(self, ev, exc, message):
        name = message.split("'")[1] if message.count("'") >= 2 else "?"
        simple = name.rsplit(".", 1)[-1]
        here = self._here(exc.filename)
        line = exc.lineno if here else None
        facts = self.facts if here else None
        if facts is not None and not facts.calls_on_line(line, simple):
            # Dropped by a collection elsewhere: the line that made it, if the program says.
            line = nearest(facts.bare_coroutine_calls(simple), line) or line
        text = facts.line_text(line) if facts is not None else ""
        call = text if text and facts.calls_on_line(line, simple) and "await" not in text else ""
        why = (f"{simple}(...) at line {line} made a coroutine object that was never awaited: "
               f"the code of {simple}() never ran." if line else
               f"A coroutine of {name}() was made and dropped without being awaited: its code "
               "never ran.")
        fix = (f"Write `await {call}` (or `asyncio.create_task({call})`, kept in a variable)."
               if call else None)
        self._add(FindingKind.NEVER_AWAITED, ("awaited", line, name), ev.tid, line, ev.t, why, fix)

    def _dropped_calls(self) -> dict:
        """Coroutine qualname -> ``[(line, enclosing function)]`` of the ``create_task(...)``
        calls whose result the program drops (from the source, once)."""
        out: dict = {}
        facts = self.facts
        if facts is not None:
            for line, enclosing, coro, text in facts.bare_task_calls:
                for f in facts.by_name.get(coro, ()):
                    out.setdefault(f.qualname, []).append((line, enclosing, text))
        self._dropped = out
        return out

    def _no_reference(self, task, parent, places):
        mine = parent.coro if parent is not None else None
        for line, enclosing, text in places:
            if enclosing == mine:
                why = (f"`{text}` at line {line} dropped the task it made ({self._name(task.tid)}): "
                       "nothing holds it, so nobody waits for it or sees its exception, and the "
                       "loop's weak reference alone may let it vanish mid-flight.")
                self._add(FindingKind.NO_REFERENCE, ("noref", line), task.tid, line, task.created,
                          why)
                return

    # -- cancellation ---------------------------------------------------------------------------
    def _swallowed(self, task, ev):
        state, summary = ev[3], ev[4]
        forced = state == "cancelled" and summary and _FORCE_STOPPED in str(summary)
        if not forced and (state != "done" or task.uncancelled is not None):
            return   # re-raised, raised another exception, or uncancel()ed on purpose
        if task.cause == "library" or task.landed_in_group:
            return   # a library's own cancel scope (anyio's) catches its cancels by design
        facts = self.facts
        landed = task.landed_line
        line = (facts.except_line(landed) if facts is not None and landed else None) or landed
        how = ("kept running until the playground force-stopped it" if forced else
               "went on and ended normally")
        why = (f"{self._name(task.tid)} caught CancelledError"
               f"{f' (it landed at line {landed})' if landed else ''}"
               f"{f' in the except at line {line}' if line and line != landed else ''} and {how}: "
               f"whoever cancelled it ({_CAUSE.get(task.cause, task.cause)}) was told it stopped.")
        self._add(FindingKind.SWALLOWED_CANCEL, ("swallowed", task.tid), task.tid, line, ev[2], why)

    def _leftover(self, task, t):
        w = task.wait
        doing = ""
        if w is not None:
            doing = f" (waiting on {w[4] or w[3]}{f' at line {w[6]}' if self._here(w[5]) else ''})"
        elif task.last_step is None:
            doing = " (it had not started yet)"
        line = w[6] if w is not None and self._here(w[5]) else None
        why = (f"{self._name(task.tid)} was still pending when main() returned{doing}: "
               "asyncio.run cancelled it, so its work never finished.")
        self._add(FindingKind.LEFTOVER_TASK, ("leftover", task.tid), task.tid, line, t, why)

    # -- gather, one at a time ------------------------------------------------------------------
    def _gather_woke(self, task, w, t0):
        if task.library or task.cancel_t is not None or task.landed == t0:
            return
        targets = w[7] if len(w) > 7 else ()
        if self._failed_ids.isdisjoint(targets):
            # No child failed: nothing to say, found at C speed (a gather of 100,000 children
            # made two Python passes over them at its wake-up, ~22 ms at a run's end).
            return
        tasks = self._tasks
        children = [tasks[c] for c in targets if c in tasks]
        failed = [c for c in children if c.state == "failed" and c.ended is not None]
        if not failed:
            return
        running = [c for c in children if c.ended is None]
        line = w[6] if self._here(w[5]) else None
        facts = self.facts
        several = len(failed) > 1 and facts is not None and line and \
            not facts.gather_returns_exceptions(line)
        if not running and not several:
            return
        first = failed[0]
        if running:
            names = ", ".join(f"'{c.name}'" for c in running[:4]) + (
                f" and {len(running) - 4} more" if len(running) > 4 else "")
            rest = (f"while {names} {'was' if len(running) == 1 else 'were'} still running: "
                    "nobody cancelled them or will see how they end")
        else:
            rest = (f"and the exceptions of {', '.join(repr(c.name) for c in failed[1:])} were "
                    "dropped")
        why = (f"gather{f' at line {line}' if line else ''} raised '{first.name}''s exception "
               f"in {self._name(task.tid)} {rest}.")
        self._add(FindingKind.LOST_SIBLING_FAILURE, ("sibling", task.tid, line), task.tid, line,
                  t0, why)

    def _one_at_a_time_begins(self, task, target, ev):
        child = self._tasks.get(target)
        if child is None or child.parent != task.tid or task.last_child != target \
                or task.last_step is None or child.created < task.last_step:
            task.run_of = None
            return
        run = task.run_of
        if run is None or run[0] != ev[6] or run[1] != child.coro:
            task.run_of = [ev[6], child.coro, 0, target]
        else:
            run[3] = target

    def _one_at_a_time_ends(self, task, w):
        run = task.run_of
        child = self._tasks.get(run[3])
        if child is None or child.state != "done" or w[6] != run[0] or not child.waited:
            task.run_of = None
            return
        run[2] += 1
        if run[2] == 3 and self._here(w[5]) and not task.library:
            why = (f"{self._name(task.tid)} created a task of {run[1]}() and awaited it at line "
                   f"{run[0]} before creating the next ({run[2]} so far): they ran one after "
                   "another, never together.")
            self._add(FindingKind.ONE_AT_A_TIME, ("one", task.tid, run[0]), task.tid, run[0],
                      w[2], why)

    # -- busy waiting ---------------------------------------------------------------------------
    def _busy(self, task, line, t):
        if task.busy or task.library:
            return
        facts = self.facts
        if facts is None:
            return
        loops = facts.polling_loops
        if not loops:
            return
        if line is None:   # sleep(0) steps carry no line: the polling loop in its code
            found = [(ln, zero) for q in facts.reach(task.coro, direct=True)
                     for ln, zero, _loop in loops.get(q, ()) if zero]
            if not found:
                return
            line = found[0][0]
            how = f"{BUSY_STEPS} times in a row with sleep(0)"
        else:
            if line not in facts.polling_loops_by_sleep:
                return
            how = f"{BUSY_SLEEPS} times with a short sleep"
        line = facts.polling_loops_by_sleep.get(line, line)   # the while loop's own line
        task.busy = True
        why = (f"{self._name(task.tid)} polls in the while loop at line {line}: it woke itself "
               f"{how}, checking a condition instead of waiting for it to change.")
        self._add(FindingKind.BUSY_WAITING, ("busy", task.tid), task.tid, line, t, why)

_CAUSE = {"button": "a Cancel click", "stop": "Stop", "task": "another task",
          "callback": "a loop callback", "taskgroup": "its TaskGroup", "timeout": "a timeout",
          "gather": "its gather", "awaiter": "its awaiter", "shutdown": "asyncio.run's shutdown",
          "library": "library code"}


def _when(f: Finding) -> float:
    return f.t if f.t is not None else float("inf")


def _short_sleep(detail) -> bool:
    if not detail or not detail.startswith("sleep(") or not detail.endswith(")"):
        return False
    try:
        return float(detail[6:-1]) <= SHORT_SLEEP
    except ValueError:
        return False


def _what_blocks(text: str) -> str:
    if "time.sleep" in text or text.startswith("sleep("):
        return "time.sleep: a blocking sleep"
    if "requests." in text or "urlopen" in text or "urllib" in text:
        return "a blocking HTTP call"
    if "input(" in text:
        return "waiting for keyboard input"
    if ".result(" in text or ".join(" in text:
        return "waiting for a thread or a future without await"
    if "subprocess." in text:
        return "a blocking subprocess call"
    return "CPU work or a blocking call" if text else ""


def findings_markdown() -> str:
    """``docs/findings.md``'s reference: every finding kind with its why, fix and lesson."""
    out = ["| kind | short name | the lesson that teaches it |", "|---|---|---|"]
    out += [f"| [`{k.value}`](#{k.value}) | {k.title} | `{k.lesson}` |" for k in FindingKind]
    for k in FindingKind:
        out += ["", f'<a id="{k.value}"></a>', f"### `{k.value}`: {k.title}", "", k.why, "",
                f"**Fix.** {k.fix}", "",
                f"**Lesson.** [`{k.lesson}`](../examples/{k.lesson}.md) "
                f"(`asyncio-playground run {k.lesson}`)"]
    out += ["", "### Thresholds", "",
            f"* a step that holds the loop {BLOCK_THRESHOLD:g} s or longer blocked it;",
            f"* a task that yields {BUSY_STEPS} times in a row with `sleep(0)`, or sleeps "
            f"{BUSY_SLEEPS} times for at most {SHORT_SLEEP:g} s at one line, in a `while` loop "
            "that only polls, busy-waits;",
            f"* a Lock held across an await of {LONG_AWAIT:g} s or longer while another task "
            f"queued for it {LONG_AWAIT / 2:g} s or longer was held too long."]
    return "\n".join(out) + "\n"


def finding_lines(found, started: float | None = None) -> list[str]:
    """``found`` (findings, in the order to say them) as the CLI prints them: per finding its
    title, line, task and time, what happened, the fix and the lesson."""
    if not found:
        return []
    lines = [f"findings ({len(found)}):"]
    for f in found:
        where = [f"line {f.line}" if f.line else None, f"task '{f.task}'" if f.task else None,
                 f"at {f.t - started:.2f} s" if f.t is not None and started is not None else None]
        lines.append(f"  ✗ {f.title} — {', '.join(w for w in where if w)}" if any(where)
                     else f"  ✗ {f.title}")
        lines.append(f"    {f.why}")
        lines.append(f"    fix: {f.fix}" + (f"  (lesson: {f.lesson})" if f.lesson else ""))
    return lines


def findings(run_or_events, *, source: str | None = None,
             filename: str | None = None) -> list[Finding]:
    """What a run showed: its findings, a hang first when Stop or a timeout ended it.

    ``run_or_events``: a ``Run`` (its source and path are used), a ``Tracer``, a saved run
    (``replay.load_run``'s ``SavedRun``) or a list of records.  ``source``/``filename`` override
    what the run says about its program."""
    events = run_or_events
    if hasattr(run_or_events, "tracer"):          # a Run
        source = source if source is not None else getattr(run_or_events, "source", None)
        filename = filename or getattr(run_or_events, "path", None)
        events = run_or_events.tracer.events
    elif hasattr(run_or_events, "source") and hasattr(run_or_events, "events"):   # a SavedRun
        source = source if source is not None else run_or_events.source
        filename = filename or run_or_events.filename
        events = run_or_events.events
    elif hasattr(run_or_events, "events"):        # a Tracer
        filename = filename or getattr(run_or_events, "filename", None)
        events = run_or_events.events
    fold = Findings(source, filename)
    fold.apply(list(events))
    return fold.report()
