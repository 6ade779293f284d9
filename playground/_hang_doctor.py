"""The findings about waits on objects: lost wakeups, deadlocks (an await cycle, locks taken in
opposite orders), a lock held across a long await, and the hang doctor, which names every stuck
task, what it waits on and why nothing can complete it.  A part of :class:`._findings.Findings`
(its base class), kept apart: it is the part that asks the run's source who could complete a wait
(``_findings_source``), and it only works on the rare records (a wait on an Event, a Queue, a
Lock...; a cancel; Stop).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from operator import attrgetter

from ._findings_source import COMPLETERS, OBJECT_WORDS
from .vocab import FindingKind

__all__ = ["Finding", "HangDoctor", "LONG_AWAIT"]

#: A lock held across an await at least this long (seconds) while another task queued for it.
LONG_AWAIT = 0.5
#: Waits that end on their own: a timer, I/O, a thread.  A task waiting on one is never stuck.
_TIMED = frozenset({"sleep", "io", "thread", "timeout"})
#: Waits on an object another task must complete (the hang doctor's business).
_PRIMITIVES = frozenset({"event", "condition", "queue", "lock", "semaphore", "barrier", "future"})
#: The method of each kind that waits (``await ready.wait()``); anything else at the line means
#: the wait happens inside some other call, whose object we cannot name.
_WAITING_METHODS = {"event": ("wait",), "condition": ("wait", "wait_for"),
                    "queue": ("get", "put", "join"), "barrier": ("wait",),
                    "lock": (None, "acquire"), "semaphore": (None, "acquire"),
                    "future": (None,)}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a run showed.  ``kind`` is a :class:`FindingKind`; ``tid``/``task`` the task
    concerned (None: none, e.g. module code); ``line`` in ``filename`` (the run's file, or None);
    ``t`` the loop time at which the run showed it; ``why`` says what happened in this run,
    ``fix`` what to write instead (this run's line when it can), ``lesson`` the slug of the
    lesson that teaches it."""
    kind: FindingKind
    tid: int | None
    task: str | None
    line: int | None
    filename: str | None
    t: float | None
    why: str
    fix: str
    lesson: str | None

    @property
    def title(self) -> str:
        """The kind's short name ("never awaited")."""
        return self.kind.title

    def as_dict(self) -> dict:
        return {"kind": str(self.kind), "title": self.title, "tid": self.tid, "task": self.task,
                "line": self.line, "filename": self.filename, "t": self.t, "why": self.why,
                "fix": self.fix, "lesson": self.lesson}


def _ms(seconds) -> str:
    return f"{seconds * 1e3:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _targets(w) -> tuple:
    return w[7] if w is not None and len(w) > 7 else ()


_waiting = attrgetter("wait")    # a task's wait record (None: not suspended)


class _Holders(dict):
    """The live tasks suspended inside an ``async with`` on one lock (alias root): tid ->
    ``(how the lock is written, the line that took it, tid)``, in the order they took it (a
    dict's order) -- and ``order``, the same entries in that order with the ones since removed
    still in it (skipped, and dropped, when met: ``first``), so that the first holder is found
    in O(1) amortized: a dict's first key is not (after many removals at its front, as a
    Semaphore of 2,000 permits makes, ``next(iter(d))`` steps over every removed entry), nor is
    a pass over the holders, per record."""

    __slots__ = ("order",)

    def __init__(self):
        super().__init__()
        self.order = deque()

    def add(self, tid, shown, line):
        """``tid`` took the lock (it holds it no more, or never did: ``_hold``)."""
        entry = self[tid] = (shown, line, tid)
        order = self.order
        order.append(entry)
        if len(order) > 2 * len(self) + 64:
            # Too many removed ones in it: the entries still in are the dict's, in its order.
            self.order = deque(self.values())

    def first(self, exclude=None):
        """The tid of the first holder that is not ``exclude`` (None: none)."""
        order = self.order
        while order:
            entry = order[0]
            if self.get(entry[2]) is entry:
                break
            order.popleft()
        else:
            return None
        if entry[2] != exclude:
            return entry[2]
        order.popleft()               # the first is ``exclude``: the next one, then put it back
        try:
            while order:
                nxt = order[0]
                if self.get(nxt[2]) is nxt:
                    return nxt[2]
                order.popleft()
            return None
        finally:
            order.appendleft(entry)


class HangDoctor:
    """Waits on objects, for :class:`._findings.Findings` (which holds the state it reads:
    ``_tasks``, ``_live``, ``_groups``, ``_holding``, ``_lock_waits``...)."""

    #: ``(stuck, counts)`` while ``_analyse`` runs (``_free_holders``)
    _analysing = None

    # -- locks ----------------------------------------------------------------------------------
    def _lock_held(self, task, w, t0):
        facts = self.facts
        if facts is None:
            return
        for name, shown, with_line in facts.held_locks(w[6]):
            waits = self._lock_waits.get(facts.aliases.find(name))
            if not waits:
                continue
            queued = set()
            for tid, q0, q1 in waits[-200:]:
                end = t0 if q1 is None else min(t0, q1)
                if tid != task.tid and end - max(w[2], q0) >= LONG_AWAIT / 2:
                    queued.add(tid)
            if not queued:
                continue
            who = ", ".join(sorted(map(self._name, queued)))
            why = (f"{self._name(task.tid)} held Lock '{shown}' (taken at line {with_line}) while "
                   f"it awaited {w[4] or w[3]} at line {w[6]} for {_ms(t0 - w[2])}; {who} queued "
                   "for the lock meanwhile.")
            self._add(FindingKind.LOCK_HELD_LONG, ("held", task.tid, w[6]), task.tid, w[6], t0, why)
            return

    def _hold(self, task, w):
        """Index ``task`` under the locks its wait's line holds (``async with lock:`` around it).
        O(1) per record, however many tasks hold the lock (``_Holders``)."""
        key = (w[5], w[6])
        held = self._held.get(key)
        if held is None:
            held = self._held[key] = self._held_at(w)
        if held:
            holding = self._holding
            tid = task.tid
            for root, shown, line in held[0]:
                holders = holding.get(root)
                if holders is None:
                    holders = holding[root] = _Holders()
                holders.add(tid, shown, line)
            task.holding = held[1]

    def _held_at(self, w) -> tuple:
        """``(((lock alias root, shown, line), ...), (the roots...))`` of the locks the line of
        the wait ``w`` holds, each root once (two names of one lock: the first place, the last
        name, as a dict assigned twice keeps them); ``()`` when it holds none."""
        if not self._here(w[5]):
            return ()
        facts = self.facts
        held: dict = {}
        for name, shown, line in facts.held_locks(w[6]):
            held[facts.aliases.find(name)] = (shown, line)
        return (tuple((root, shown, line) for root, (shown, line) in held.items()),
                tuple(held)) if held else ()

    def _unhold(self, task):
        holding = self._holding
        tid = task.tid
        for root in task.holding:
            holders = holding.get(root)
            if holders is not None:
                holders.pop(tid, None)
        task.holding = None

    def _holders(self, root, exclude=None) -> list[tuple]:
        """``(task, how the lock is written, the line that took it)`` of the live tasks suspended
        inside an ``async with`` on the lock ``root``, in the order they took it.  O(holders):
        not for a record's work (``_first_holder``, ``_free_holders``)."""
        holders = self._holding.get(root) if self._holding is not None else None
        tasks = self._tasks
        return [(tasks[tid], shown, line) for tid, (shown, line, _tid) in (holders or {}).items()
                if tid != exclude]

    def _first_holder(self, root, exclude=None):
        """The tid of the first of ``_holders(root, exclude)``, in O(1) amortized (None: none)."""
        holders = self._holding.get(root) if self._holding is not None else None
        return holders.first(exclude) if holders else None

    # -- waits on objects: lost wakeups, deadlocks, hangs ---------------------------------------
    def _object(self, w):
        """``(category, name, shown, methods, alias root)`` of what the wait ``w`` waits on, from
        the source; None when the line does not name it."""
        key = (w[3], w[5], w[6])
        try:
            return self._objects[key]
        except KeyError:
            obj = self._objects[key] = self._find_object(w)
            return obj

    def _find_object(self, w):
        facts = self.facts
        if facts is None or not self._here(w[5]):
            return None
        got = facts.waited_object(w[6])
        if got is None:
            return None
        name, shown, method = got
        kind = w[3]
        if method not in _WAITING_METHODS.get(kind, ()):
            return None
        known = facts.object_types.get(facts.aliases.find(name))
        if known is not None and known != kind:
            # Barrier.wait waits on a Condition inside: the program says which it is.
            if method not in _WAITING_METHODS.get(known, ()):
                return None
            kind = known
        category = kind
        if kind == "queue":
            category = {"get": "queue", "put": "queue.put", "join": "queue.join"}[method]
        elif kind == "future" and facts.aliases.find(name) not in facts.future_names:
            return None
        return category, name, shown, COMPLETERS[category], facts.aliases.find(name)

    def _capable(self, funcs, exclude=()) -> list:
        """The live tasks whose code may run one of the functions ``funcs`` (qualnames), looked up
        by coroutine (a run has few kinds of task, however many tasks)."""
        if not funcs:
            return []
        facts = self.facts
        tasks = self._tasks
        return [tasks[tid] for coro, tids in self._live.items() if tids
                and not facts.reach(coro).isdisjoint(funcs) for tid in tids if tid not in exclude]

    def _free(self, t) -> bool:
        """Whether ``t`` can go on by itself: running, ready, or waiting on a timer, I/O, a
        thread, or with a deadline."""
        w = t.wait
        if w is None or w[3] in _TIMED:
            return True
        facts = self.facts
        return facts is not None and self._here(w[5]) and facts.has_deadline(w[6])

    def _primitive_wait(self, task, w):
        obj = self._object(w)
        if obj is None:
            return
        category, name, shown, methods, root = obj
        facts = self.facts
        if category in ("lock", "semaphore"):
            if self._holding is None:   # from now on, index who holds which lock
                self._holding = {}      # lock alias root -> _Holders
                for t in self._tasks.values():
                    if t.ended is None and t.wait is not None:
                        self._hold(t, t.wait)
            if category == "lock":
                task.lock_wait = [task.tid, w[2], None]
                self._lock_waits.setdefault(root, []).append(task.lock_wait)
            self._lock_cycle(task, w, root)
            return
        sites, doubt = facts.completer_sites(name, methods)
        if doubt:
            return
        if not sites:
            why = f"{self._reason(task, {}, True)[1]} It can only end by being cancelled."
            self._add(FindingKind.LOST_WAKEUP, ("lost", task.tid, w[6]), task.tid, w[6], w[2], why)
            return
        if category == "queue":
            return   # an idle consumer waiting for more work is how worker pools look
        key = (root, methods)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = ({}, frozenset(f.qualname for _l, f in sites if f))
        group[0][task.tid] = None
        task.group = key
        # Lost already if no task left alive could ever complete it.  (Not when those tasks only
        # wait themselves: what they wait on may be complete already, their wake-up not yet in
        # the records; a queue that is full has items for the getters waiting on it.)
        if not self._capable(group[1], exclude=group[0]):
            why = f"{self._reason(task, {}, False)[1]} It can only end by being cancelled."
            self._add(FindingKind.LOST_WAKEUP, ("lost", task.tid, w[6]), task.tid, w[6], w[2], why)

    def _check_group(self, group, t, giving_up=None):
        """A wait of ``group`` may have lost its wakeup: when every task that could complete it
        is blocked itself, ask the hang doctor which of its waiters nothing can wake.
        ``giving_up``: the task that is cancelling a waiter (it stopped waiting for the wakeup
        too, so it does not count as one that could still complete it)."""
        waiting, funcs = group
        if not waiting or any(self._free(c) for c in self._capable(funcs, exclude=waiting)
                              if c.tid != giving_up):
            return
        stuck, reasons = self._analyse(definite=True, giving_up=giving_up)
        for tid in list(waiting):
            if tid in stuck:
                task = self._tasks[tid]
                why = f"{reasons[tid]} It can only end by being cancelled."
                self._add(FindingKind.LOST_WAKEUP, ("lost", tid, task.wait[6]), tid, task.wait[6],
                          t, why)

    def _lock_cycle(self, task, w, root):
        """Locks taken in opposite orders: follow waits-on-lock -> holder until back here."""
        facts = self.facts
        holding, tasks = self._holding, self._tasks
        path = [(task, w, root)]
        seen = {task.tid}
        me, lock = task.tid, root
        while True:
            holders = holding.get(lock)
            nxt = holders.first(me) if holders else None
            if nxt is None:
                return
            if nxt == task.tid:
                break
            if nxt in seen:
                return
            holder = tasks[nxt]
            hw = holder.wait
            if hw is None or (hw[3] != "lock" and hw[3] != "semaphore"):
                return          # the holder is not waiting for a lock: no circle (the usual case)
            obj = self._object(hw)
            if obj is None:
                return
            seen.add(nxt)
            path.append((holder, hw, obj[4]))
            me, lock = nxt, obj[4]
        parts = []
        for i, (t, tw, _root) in enumerate(path):
            shown = facts.waited_object(tw[6])[1]
            nxt = path[(i + 1) % len(path)][0]
            parts.append(f"{self._name(t.tid)} waits on '{shown}' (line {tw[6]}), held by "
                         f"{self._name(nxt.tid)}")
        why = ("; ".join(parts) + ": each holds the lock the other needs, so neither will ever "
               "go on (locks taken in opposite orders).")
        # Locks are told apart by name only (two locks may share one): a suspicion until the
        # circle has stood still a while, or someone had to cancel one of its tasks.
        key = frozenset(seen)
        if ("deadlock", key) not in self._keys:
            self._suspects[key] = (task.tid, w[6], w[2], why, {t.tid: t.wait for t, _w, _r in path})

    def _await_cycle(self, task, w):
        """Tasks awaiting each other: follow the targets of the waiting tasks back to ``task``."""
        tasks = self._tasks
        me = (task.tid,)
        # Only a target that waits on tasks itself can lead back (a gather of 10,000 fresh tasks:
        # none does, and none is pushed).  The targets that wait at all are picked at C speed (a
        # gather of 100,000 tasks: ~25 ms a pass in Python, in one frame of the live fold).
        targets = w[7]
        if task.tid in targets:
            stack = [(t, me) for t in targets
                     if t == task.tid or _targets(getattr(tasks.get(t), "wait", None))]
        else:
            stack = [(t.tid, me) for t in filter(_waiting, filter(None, map(tasks.get, targets)))
                     if len(t.wait) > 7 and t.wait[7]]
        seen = set()
        while stack:
            tid, path = stack.pop()
            if tid == task.tid:
                names = " → ".join(self._name(t) for t in path + me)
                line = w[6] if self._here(w[5]) else None
                why = (f"{names}: each awaits the next, so none of them can ever finish "
                       "(an await cycle).")
                self._add(FindingKind.DEADLOCK, ("deadlock", frozenset(path)), task.tid, line,
                          w[2], why)
                return
            if tid in seen:
                continue
            seen.add(tid)
            other = tasks.get(tid)
            ow = other.wait if other is not None else None
            if ow is not None and len(ow) > 7 and ow[7]:
                stack.extend((t, path + (tid,)) for t in ow[7])

    # -- the hang doctor ------------------------------------------------------------------------
    def stuck(self, now=None) -> list[Finding]:
        """The hang doctor: every task that waits on something nothing still able to run can
        complete (no timer, no I/O, no thread, no task that could set the Event, feed the Queue,
        release the Lock), each with what it waits on and why nothing can complete it; the
        causes first, then the tasks waiting on them.  Made on the run as it stands; returned,
        not added to ``found``."""
        now = self.now if now is None else now
        stuck, reasons = self._analyse(definite=False)
        out = []
        for tid, t in sorted(stuck.items(), key=lambda item: (bool(_targets(item[1].wait)), item[0])):
            if t.library:
                continue
            w = t.wait
            line = w[6] if self._here(w[5]) else None
            out.append(Finding(FindingKind.HANG, tid, t.name, line, self.filename if line else None,
                               now, reasons[tid], FindingKind.HANG.fix, FindingKind.HANG.lesson))
        return out

    def _analyse(self, definite: bool, giving_up=None) -> tuple[dict, dict]:
        """``(stuck, reasons)``: the live tasks nothing can wake (tid -> task) and why, each.
        ``definite``: only what the program proves; else, when no task can run at all, a wait on
        something the source cannot name counts as stuck too.  ``giving_up``: a task that counts
        as stuck whatever it does (it is cancelling the waiters)."""
        live = [t for t in self._tasks.values() if t.ended is None]
        stuck = {t.tid: t for t in live if t.tid == giving_up or not self._free(t)}
        self._giving_up = giving_up
        if not stuck:
            return {}, {}
        quiet = not definite and len(stuck) == len(live)
        reasons: dict[int, str] = {}
        # Per lock root, how many of its holders are in ``stuck`` (counted the first time a
        # waiter asks, kept as tasks leave ``stuck``): a waiter on a Semaphore of 2,000 holders
        # asks in O(1), not by a pass over them (``_free_holders``).
        counts: dict = {}
        self._analysing = (stuck, counts)
        try:
            changed = True
            while changed:
                changed = False
                for tid in list(stuck):
                    if tid == giving_up:
                        continue
                    t = stuck[tid]
                    ok, reason = self._reason(t, stuck, quiet)
                    if ok:
                        del stuck[tid]
                        changed = True
                        if counts and t.holding:
                            for root in t.holding:
                                if root in counts:
                                    counts[root] -= 1
                    else:
                        reasons[tid] = reason
        finally:
            self._analysing = None
        stuck.pop(giving_up, None)
        return stuck, reasons

    def _free_holders(self, root, t, stuck) -> int:
        """How many of the holders of the lock ``root`` other than ``t`` are not in ``stuck``:
        O(1) amortized within ``_analyse`` (its counts), a pass over them otherwise."""
        holders = self._holding.get(root) if self._holding is not None else None
        if not holders:
            return 0
        mine = t.tid in holders and t.tid not in stuck
        analysing = self._analysing
        if analysing is not None and analysing[0] is stuck:
            counts = analysing[1]
            n = counts.get(root)
            if n is None:
                n = counts[root] = sum(1 for tid in holders if tid in stuck)
            return len(holders) - n - mine
        return sum(1 for tid in holders if tid not in stuck) - mine

    def _reason(self, t, stuck, quiet) -> tuple[bool, str]:
        """Whether something outside ``stuck`` can end ``t``'s wait, and if not, why not."""
        w = t.wait
        kind, detail = w[3], w[4] or w[3]
        at = f" (line {w[6]})" if self._here(w[5]) else ""
        me = self._name(t.tid)
        targets = _targets(w)
        if targets:
            waiting = [x for x in targets if x in stuck]
            if kind == "wait" and detail.startswith("asyncio.wait, first"):
                if len(waiting) < len(targets):     # one of them ending ends the wait
                    return True, ""
            elif not waiting:                       # (ALL_COMPLETED: each of them has to)
                return True, ""
            names = ", ".join(self._name(x) for x in waiting[:3])
            return False, (f"{me} waits on {detail}{at}, and {names} "
                           f"{'is' if len(waiting) == 1 else 'are'} stuck too.")
        obj = self._object(w) if kind in _PRIMITIVES else None
        if obj is None:
            if not quiet:
                return True, ""
            return False, (f"{me} waits on {detail}{at}; no task is running and none sleeps, so "
                           "no task can complete it (unless a callback, a thread or I/O does).")
        category, name, shown, methods, root = obj
        what = f"{OBJECT_WORDS[category.split('.')[0]]} '{shown}'"
        facts = self.facts
        if category in ("lock", "semaphore"):
            if self._free_holders(root, t, stuck):
                return True, ""
            first = self._first_holder(root, exclude=t.tid)
            if first is not None:
                line = self._holding[root][first][1]
                return False, (f"{me} waits on {what}{at}, held by {self._name(first)} (taken at "
                               f"line {line}), which is stuck too.")
            if not quiet:
                return True, ""
            return False, f"{me} waits on {what}{at}; no task that is still alive releases it."
        sites, doubt = facts.completer_sites(name, methods)
        funcs = frozenset(f.qualname for _l, f in sites if f is not None)
        capable = self._capable(funcs, exclude=(t.tid,))
        if any(c.tid not in stuck for c in capable) or (doubt and not quiet):
            return True, ""
        call = f"{shown}.{methods[0]}()"
        direct = [c for c in capable if not facts.reach(c.coro, direct=True).isdisjoint(funcs)]
        if not sites:
            because = f"nothing in the program ever calls {call}"
        elif not direct:
            because = f"no task that is still alive ever calls {call}"
            gone = next((x for x in self._tasks.values() if x.ended is not None
                         and not facts.reach(x.coro, direct=True).isdisjoint(funcs)), None)
            line = next((ln for ln, f in sites if f is not None and gone is not None
                         and f.qualname in facts.reach(gone.coro, direct=True)), None)
            if gone is not None:
                because += (f" ({self._name(gone.tid)} could, at line {line}, but it ended "
                            "without calling it)" if line else
                            f" ({self._name(gone.tid)} could, but it ended without calling it)")
        else:
            names = ", ".join(self._name(c.tid) for c in direct[:3])
            because = (f"only {names} could call {call}, and "
                       f"{'it is' if len(direct) == 1 else 'they are'} stuck too")
        if doubt:
            because += " (unless a callback or a thread does)"
        return False, f"{me} waits on {what}{at}; {because}."
