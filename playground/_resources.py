"""Resources (issue 23): the synchronisation objects of a run — every asyncio Lock, Semaphore,
BoundedSemaphore, Event, Condition, Barrier and Queue (PriorityQueue, LifoQueue) its code made —
folded from the run's log: who holds each one and since when, who waits on it (in order, since
when, at which line), its count (permits left, items, set or not, tasks at the barrier), at the
end of the run or at any moment of it.

    resources(run_or_events, at=None, *, library=False) -> [ResourceState]

The records come from ``_resource_hooks`` (``ResourceCreated``, ``ResourceOp``,
``ResourceWait``: :mod:`.events`); a ``ResourceWait`` ends with the task's next step, its end or
its next operation on an object, records the log has anyway.

Facts that shaped this module:

* A moment is not a fold from the start.  ``ResourceTable.apply`` folds the log once (the live
  window folds each frame's new records, as it does for the task table), keeping each object's
  history as flat, time-ordered arrays: its operations (the count, and a queue's first items,
  after each), its holds and its waits as intervals (start, end: ``inf`` while open, tid).
  ``state(rid, t)`` is then a bisection and one pass at C speed (``compress``) over the intervals
  begun by ``t``; its holders and waiters are made when read (``_Seq``): a Qt model reading the
  rows on screen at a scrubbed moment pays for those rows, not for the log (10,000 tasks through
  one Semaphore: ~1 ms for the state at its busiest moment, 9,990 waiters).  "At ``t``" means what
  ``Replay.table_at(t)`` means: every record logged at or before ``t`` (so a wait ends when the
  step that woke the task is logged, as its row stops waiting).
* A run without such objects logs none of these records; the fold then costs a tag comparison
  per record (``tests/test_resources.py`` holds it under the task table's fold).
* A queue's items are kept as the short reprs its records carry (the item put or got), in the
  order they will come out for a Queue and a LifoQueue; a PriorityQueue's are kept in the order
  they were put (the fold does not have the items to compare), with the item each get took
  removed.
"""
from __future__ import annotations

import bisect
from array import array
from collections import deque
from collections.abc import Sequence
from itertools import compress, islice
from typing import NamedTuple

from .events import ResourceCreated, named

__all__ = ["Holder", "Resource", "ResourceState", "ResourceTable", "Waiter", "resource_summary",
           "resources", "series", "summary_lines", "trace_events"]

#: Items of a queue a state shows (the first ones to come out).
ITEMS_SHOWN = 5


class Holder(NamedTuple):
    """A task holding a Lock or a Condition's lock, or a permit of a Semaphore, since ``since``."""
    tid: int | None
    since: float


class Waiter(NamedTuple):
    """A task waiting on an object since ``since``, in its method ``op`` (acquire, wait, get, put,
    join), at ``filename:line``."""
    tid: int
    since: float
    op: str
    filename: str | None
    line: int | None


_INF = float("inf")
_NO_TID = -(1 << 62)   # a hold by no task (module code), in an int array


class Resource:
    """One synchronisation object of a run: what it is, and its history (for ``state``).

    Identity: ``rid``, ``kind`` (a ``WaitKind`` word), ``cls``, ``name``, ``filename``, ``line``,
    ``created``, ``creator`` (tid or None), ``capacity``, ``lock`` (rid of a Condition's own
    program-made Lock), ``library``.  Use so far: ``counts`` (op -> how many), ``max_waiters``,
    ``longest_wait`` ((seconds, tid) or None), ``longest_hold`` (the same).  History: ``op_t`` and
    ``ops`` (each operation's time; ``(op, tid, value, more, items shown)`` after it), the holds
    and the waits as flat arrays (``hold_t``/``hold_end``/``hold_tid``, ``wait_t``/``wait_end``/
    ``wait_tid``/``wait_info``; an end is ``inf`` while open), ``holds``/``waits`` as lists.
    """

    __slots__ = ("rid", "kind", "cls", "name", "filename", "line", "created", "creator",
                 "capacity", "lock", "library",
                 # the state now (the end of what was folded)
                 "value", "more", "items", "holds_open", "_holds_of", "_first_open", "waits_open",
                 "_open_waits", "shut_at",
                 # the history
                 "op_t", "ops", "hold_t", "hold_end", "hold_tid", "wait_t", "wait_end",
                 "wait_tid", "wait_info", "end_t",
                 # use
                 "counts", "max_waiters", "longest_wait", "longest_hold", "peak")

    def __init__(self, ev):
        (_, self.rid, self.created, self.kind, self.cls, self.name, self.filename, self.line,
         self.creator, self.capacity, self.lock, self.library) = ev
        self.library = bool(self.library)
        self.value, self.more, _ = self.initial
        self.items = deque() if self.kind == "queue" else None
        self.shut_at = None            # when a Queue was shut down (3.13+)
        self.holds_open: dict = {}     # indices of the holds still held, oldest first (-> None)
        self._holds_of: dict = {}      # tid (_NO_TID) -> deque of the indices of its open holds
        self._first_open = 0           # no hold before this index is still held
        self.waits_open: dict = {}     # tid -> index of its wait, in the order they began
        self._open_waits: tuple | None = ()   # waits_open's indices, made when read (None: stale)
        self.op_t = array("d")         # each operation's time
        self.ops: list = []            # (op, tid, value, more, items shown) after each
        self.hold_t, self.hold_end, self.hold_tid = array("d"), array("d"), array("q")
        self.wait_t, self.wait_end, self.wait_tid = array("d"), array("d"), array("q")
        self.wait_info: list = []      # (op, filename, line) of each wait
        self.end_t = array("d")        # when waits ended, in that order (for counts at a time)
        self.counts: dict = {}
        self.max_waiters = 0
        self.peak = self.value         # the highest value it had (a Queue: most items at once)
        self.longest_wait = self.longest_hold = None

    def open_waits(self) -> tuple:
        """The indices of the waits open now, in the order they began: made once per change,
        however many views ask in between (the task table asks once per row on screen)."""
        waits = self._open_waits
        if waits is None:
            waits = self._open_waits = tuple(self.waits_open.values())
        return waits

    def __repr__(self):
        return f"<Resource {self.rid} {self.cls} {self.name!r}>"

    @property
    def initial(self) -> tuple:
        """(value, more, items) before any operation."""
        value = self.capacity if self.kind == "semaphore" and self.capacity is not None else 0
        more = "filling" if self.kind == "barrier" else 0 if self.kind == "queue" else None
        return value, more, ()

    def hold(self, i) -> Holder:
        tid = self.hold_tid[i]
        return Holder(None if tid == _NO_TID else tid, self.hold_t[i])

    def wait(self, i) -> Waiter:
        return Waiter(self.wait_tid[i], self.wait_t[i], *self.wait_info[i])

    @property
    def holds(self) -> list:
        """Every hold, ``(tid, t0, t1 or None)``, in the order they began."""
        return [(self.hold(i).tid, t0, None if t1 == _INF else t1)
                for i, (t0, t1) in enumerate(zip(self.hold_t, self.hold_end))]

    @property
    def waits(self) -> list:
        """Every wait, ``(tid, t0, t1 or None, op, filename, line)``, in the order they began."""
        return [(tid, t0, None if t1 == _INF else t1, *info)
                for tid, t0, t1, info in zip(self.wait_tid, self.wait_t, self.wait_end,
                                             self.wait_info)]


class _Seq(Sequence):
    """The holders or waiters of a state: made from the object's arrays when read (a moment
    with 10,000 waiters costs their indices, not 10,000 tuples, until a view reads them)."""

    __slots__ = ("_make", "_at")

    def __init__(self, make, at):
        self._make = make
        self._at = at

    def __len__(self):
        return len(self._at)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(map(self._make, self._at[i]))
        return self._make(self._at[i])

    def __iter__(self):
        return map(self._make, self._at)

    def __eq__(self, other):
        if isinstance(other, (Sequence, _Seq)) and not isinstance(other, str):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return repr(tuple(self))


def _open_at(start, end, t) -> list:
    """Indices of the intervals (``start``, ``end`` arrays, by start) open at ``t``."""
    n = bisect.bisect_right(start, t)
    return list(compress(range(n), map(t.__lt__, end[:n])))


class ResourceState:
    """One object at one moment (``t``; None: the end of what was folded).

    ``value``: 1/0 held (Lock, Condition), permits left (Semaphore), 1/0 set (Event), tasks
    waiting at it (Barrier), items in it (Queue).  ``state``: a word for it (locked/unlocked,
    set/clear, filling/draining/resetting/broken, empty/full/shut down...).  ``unfinished``: a
    Queue's unfinished tasks (what ``join()`` waits for).  ``items``: a Queue's first items
    (short reprs, the next out first).  ``holders``: ``Holder``s, oldest first; ``waiters``:
    ``Waiter``s in the order they began to wait (asyncio wakes them in that order); both are
    sequences made when read.
    """

    __slots__ = ("resource", "t", "value", "state", "unfinished", "items", "holders", "waiters",
                 "last_op")

    def __init__(self, resource, t, value, state, unfinished, items, holders, waiters, last_op):
        self.resource = resource
        self.t = t
        self.value = value
        self.state = state
        self.unfinished = unfinished
        self.items = items
        self.holders = holders
        self.waiters = waiters
        self.last_op = last_op

    # identity, read through
    rid = property(lambda self: self.resource.rid)
    kind = property(lambda self: self.resource.kind)
    cls = property(lambda self: self.resource.cls)
    name = property(lambda self: self.resource.name)
    filename = property(lambda self: self.resource.filename)
    line = property(lambda self: self.resource.line)
    library = property(lambda self: self.resource.library)
    capacity = property(lambda self: self.resource.capacity)
    created = property(lambda self: self.resource.created)

    def __repr__(self):
        return (f"<ResourceState {self.cls} {self.name!r} {self.state} value={self.value} "
                f"holders={[h.tid for h in self.holders]} waiters={[w.tid for w in self.waiters]}>")

    def as_dict(self) -> dict:
        return {"rid": self.rid, "kind": self.kind, "cls": self.cls, "name": self.name,
                "filename": self.filename, "line": self.line, "library": self.library,
                "capacity": self.capacity, "t": self.t, "value": self.value, "state": self.state,
                "unfinished": self.unfinished, "items": list(self.items),
                "holders": [h._asdict() for h in self.holders],
                "waiters": [w._asdict() for w in self.waiters]}


def _word(res: Resource, value, more, shut: bool) -> str:
    kind = res.kind
    if kind == "lock" or kind == "condition":
        return "locked" if value else "unlocked"
    if kind == "event":
        return "set" if value else "clear"
    if kind == "semaphore":
        return "no permit left" if value <= 0 else f"{value} permit{'s' * (value != 1)} left"
    if kind == "barrier":
        return str(more or "filling")
    if kind == "queue":
        if shut:
            return "shut down" + (f", {value} item{'s' * (value != 1)}" if value else "")
        cap = res.capacity
        if not value:
            return "empty"
        return "full" if cap and value >= cap else f"{value} item{'s' * (value != 1)}"
    return ""


class ResourceTable:
    """Folds a run's log into one ``Resource`` per object (``rows``, creation order); ``state``
    and ``at`` read any of them at any moment.  ``apply(events)`` returns the rids that changed."""

    def __init__(self):
        self.rows: list[Resource] = []
        self.by_rid: dict[int, Resource] = {}
        self.library_rids: set[int] = set()
        self._waiting: dict = {}   # tid -> (row, index of its wait) of the tasks waiting now
        self._waits_of: dict = {}  # tid -> [(row, index of its wait)] of every wait it made
        self._infos: dict = {}     # (op, filename, line) of waits, each kept once

    def __len__(self):
        return len(self.rows)

    # -- the fold ------------------------------------------------------------------------------
    def apply(self, events) -> set[int]:
        changed = set()
        waiting = self._waiting
        by_rid = self.by_rid
        for ev in events:
            tag = ev[0]
            if tag == "step":
                if waiting and ev[1] in waiting:
                    changed.add(self._unwait(ev[1], ev[3]))
            elif tag == "rop":
                _, rid, t, tid, op, value, item, more = ev
                row = by_rid.get(rid)
                if row is None:
                    continue
                if tid is not None and waiting and tid in waiting:
                    changed.add(self._unwait(tid, t))
                self._op(row, t, tid, op, value, item, more)
                changed.add(rid)
            elif tag == "rwait":
                _, rid, t, tid, op, filename, line = ev
                row = by_rid.get(rid)
                if row is None:
                    continue
                if tid in waiting:
                    changed.add(self._unwait(tid, t))
                i = len(row.wait_t)
                row.wait_t.append(t)
                row.wait_end.append(_INF)
                row.wait_tid.append(tid)
                info = (op, filename, line)
                row.wait_info.append(self._infos.setdefault(info, info))
                row.waits_open[tid] = i
                row._open_waits = None
                waiting[tid] = (row, i)
                self._waits_of.setdefault(tid, []).append((row, i))
                if len(row.waits_open) > row.max_waiters:
                    row.max_waiters = len(row.waits_open)
                changed.add(rid)
            elif tag == "end":
                if waiting and ev[1] in waiting:
                    changed.add(self._unwait(ev[1], ev[2]))
            elif tag == "resource":
                row = Resource(ev if ev.__class__ is ResourceCreated or len(ev) == 12
                               else named(ev))
                self.rows.append(row)
                by_rid[row.rid] = row
                if row.library:
                    self.library_rids.add(row.rid)
                changed.add(row.rid)
        return changed

    def _unwait(self, tid, t) -> int:
        row, i = self._waiting.pop(tid)
        row.wait_end[i] = t
        ends = row.end_t
        if ends and t < ends[-1]:          # (records a little out of time order: kept sorted)
            ends.insert(bisect.bisect_right(ends, t), t)
        else:
            ends.append(t)
        row.waits_open.pop(tid, None)
        row._open_waits = None
        took = t - row.wait_t[i]
        if row.longest_wait is None or took > row.longest_wait[0]:
            row.longest_wait = (took, tid)
        return row.rid

    def _op(self, row, t, tid, op, value, item, more):
        counts = row.counts
        counts[op] = counts.get(op, 0) + 1
        if op == "acquire":
            i = len(row.hold_t)
            key = _NO_TID if tid is None else tid
            row.holds_open[i] = None
            mine = row._holds_of.get(key)
            if mine is None:
                row._holds_of[key] = deque((i,))
            else:
                mine.append(i)
            row.hold_t.append(t)
            row.hold_end.append(_INF)
            row.hold_tid.append(key)
        elif op == "release":
            opened = row.holds_open
            if opened:
                # The releasing task's own hold (its oldest); a permit another task released: the
                # oldest of all.  Both found without a pass over the holds (2,000 permits held
                # at once: a scan of them per release was most of the fold).
                key = _NO_TID if tid is None else tid
                holds_of = row._holds_of
                mine = holds_of.get(key)
                if mine is None:
                    ends = row.hold_end
                    i = row._first_open
                    while ends[i] != _INF:      # (each index is passed once: O(1) amortized)
                        i += 1
                    row._first_open = i
                    key = row.hold_tid[i]
                    mine = holds_of[key]        # the oldest of all is its task's oldest
                i = mine.popleft()
                if not mine:
                    del holds_of[key]
                del opened[i]
                row.hold_end[i] = t
                took = t - row.hold_t[i]
                if row.longest_hold is None or took > row.longest_hold[0]:
                    row.longest_hold = (took, row.hold(i).tid)
        items = row.items
        shown = ()
        if items is not None:
            if op == "put":
                items.append(item)
            elif op == "get" and items:
                if row.cls == "LifoQueue":
                    items.pop()
                elif items[0] == item:
                    items.popleft()
                else:   # a PriorityQueue's (or a subclass's own order): the item it took
                    try:
                        items.remove(item)
                    except ValueError:
                        items.popleft()
            elif op == "shutdown" and row.shut_at is None:
                row.shut_at = t
            while len(items) > value:   # (shutdown(immediate=True) emptied it)
                items.popleft()
            shown = tuple(islice(reversed(items), ITEMS_SHOWN)) if row.cls == "LifoQueue" \
                else tuple(islice(items, ITEMS_SHOWN))
        row.ops.append((op, tid, value, more, shown))
        row.op_t.append(t)
        row.value = value
        row.more = more
        if value > row.peak:
            row.peak = value

    # -- reading ----------------------------------------------------------------------------------
    def state(self, rid: int, t: float | None = None) -> ResourceState | None:
        """Object ``rid`` at loop time ``t`` (None: now, the end of what was folded); None when
        it did not exist yet.  Costs a bisection, and a pass at C speed over the waits and holds
        that began by ``t``; its ``holders`` and ``waiters`` are made when read."""
        row = self.by_rid[rid]
        owner = row
        if row.kind == "condition" and row.lock is not None and row.lock in self.by_rid:
            owner = self.by_rid[row.lock]    # a Condition over the program's own Lock: its holder
        if t is None:
            held = list(owner.holds_open)
            waiting = row.open_waits()
            value, more = row.value, row.more
            items = row.ops[-1][4] if row.ops else ()
            last = row.ops[-1][0] if row.ops else None
        else:
            t = float(t)
            if row.created > t:
                return None
            i = bisect.bisect_right(row.op_t, t) - 1
            if i >= 0:
                last, _tid, value, more, items = row.ops[i]
            else:
                (value, more, items), last = row.initial, None
            held = _open_at(owner.hold_t, owner.hold_end, t)
            waiting = _open_at(row.wait_t, row.wait_end, t)
        if row.kind == "barrier":
            value = len(waiting)
        elif row.kind == "condition":
            value = 1 if held else 0   # its lock's (the program's own Lock's, when it made one)
        shut = row.shut_at is not None and (t is None or row.shut_at <= t)
        unfinished = more if row.kind == "queue" else None
        return ResourceState(row, t, value, _word(row, value, more, shut), unfinished, items,
                             _Seq(owner.hold, held), _Seq(row.wait, waiting), last)

    def waiting_on(self, tid: int, t: float | None = None) -> tuple[ResourceState, int] | None:
        """What task ``tid`` waits on at loop time ``t`` (None: now): the object's state then and
        the task's place in its line of waiters (1: the next to get in), or None when it waits on
        no such object then.  Costs a pass at C speed over the object's waits."""
        if t is None:
            entry = self._waiting.get(tid)
            if entry is None:
                return None
            row, i = entry
            place = bisect.bisect_left(row.open_waits(), i) + 1
        else:
            t = float(t)
            for row, i in reversed(self._waits_of.get(tid, ())):
                if row.wait_t[i] <= t < row.wait_end[i]:
                    break
            else:
                return None
            place = bisect.bisect_left(_open_at(row.wait_t, row.wait_end, t), i) + 1
        return self.state(row.rid, t), place

    def series(self, rid: int) -> list[tuple[float, float, int]]:
        """Object ``rid``'s history, ``(t, value, waiters)`` after each change (see ``series``)."""
        return series(self.by_rid[rid])

    def at(self, t: float | None = None, *, library: bool = False) -> list[ResourceState]:
        """Every object (``library``: those a library made too) at loop time ``t`` (None: now),
        in the order they were made; objects not made yet by ``t`` are left out."""
        out = []
        for row in self.rows:
            if row.library and not library:
                continue
            state = self.state(row.rid, t)
            if state is not None:
                out.append(state)
        return out


def _events_of(source):
    """A Run, a Tracer, a SavedRun or a list of records -> the records."""
    tracer = getattr(source, "tracer", None)
    if tracer is not None:
        return tracer.events
    events = getattr(source, "events", None)
    return events if events is not None else source


def resources(run_or_events, at: float | None = None, *, library: bool = False) \
        -> list[ResourceState]:
    """The synchronisation objects of a run (a ``Run``, a ``Tracer``, a ``SavedRun`` or a list
    of records) at loop time ``at`` (None: at the end), in the order they were made; those a
    library made only with ``library=True``.  For many moments of one run, fold it once into a
    ``ResourceTable`` and ask ``table.at(t)``."""
    table = ResourceTable()
    table.apply(_events_of(run_or_events))
    return table.at(at, library=library)


# -- in words: the CLI's summary ------------------------------------------------------------------

def _secs(seconds: float) -> str:
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _task(tasks, tid) -> str:
    if tid is None:
        return "module code"
    row = tasks.by_tid.get(tid) if tasks is not None else None
    return f"'{row.name}'" if row is not None else f"task {tid}"


def _what(res: Resource) -> str:
    cap = res.capacity
    if res.kind == "semaphore" and cap is not None:
        return f"{res.cls}({cap})"
    if res.kind == "queue" and cap:
        return f"{res.cls}(maxsize={cap})"
    if res.kind == "barrier" and cap is not None:
        return f"{res.cls}({cap})"
    return res.cls


def _use(res: Resource, tasks) -> str:
    counts = res.counts
    parts = []
    order = ("acquire", "release", "cancelled", "set", "clear", "notify", "put", "get",
             "task_done", "pass", "broken", "reset", "abort", "shutdown")
    for op in order:
        n = counts.get(op)
        if n:
            parts.append(f"{n} {op}")
    if res.wait_t:
        parts.append(f"{len(res.wait_t)} wait{'s' * (len(res.wait_t) != 1)} (up to "
                     f"{res.max_waiters} at once)")
    if res.longest_wait is not None and res.longest_wait[0] > 0:
        took, tid = res.longest_wait
        parts.append(f"longest wait {_secs(took)} ({_task(tasks, tid)})")
    if res.longest_hold is not None and res.longest_hold[0] > 0:
        took, tid = res.longest_hold
        parts.append(f"longest hold {_secs(took)} ({_task(tasks, tid)})")
    return ", ".join(parts) if parts else "never used"


def _now(state: ResourceState, tasks, t0) -> str:
    text = state.state
    if state.kind == "queue":
        if state.items:
            more = state.value - len(state.items)
            text += ": " + ", ".join(state.items) + (f", … {more} more" if more > 0 else "")
        if state.unfinished:
            text += f"; {state.unfinished} unfinished"
    if state.kind == "semaphore" and state.capacity is not None:
        text = f"{state.value} of {state.capacity} permits free"
    if state.holders:
        who = ", ".join(f"{_task(tasks, h.tid)} (since {h.since - t0:.3f} s)"
                        for h in state.holders[:3])
        rest = len(state.holders) - 3
        text += f"; held by {who}" + (f" and {rest} more" if rest > 0 else "")
    if state.waiters:
        who = ", ".join(f"{_task(tasks, w.tid)} (line {w.line})" for w in state.waiters[:3])
        rest = len(state.waiters) - 3
        text += f"; {len(state.waiters)} waiting: {who}" + (f" and {rest} more" if rest > 0 else "")
    return text


def summary_lines(table: ResourceTable, tasks=None, filename: str | None = None) -> list[str]:
    """The objects in words, one line each: name, what it is, the line that made it, its state at
    the end — its use (``tasks``: a ``TaskTable`` of the same run, for the tasks' names;
    ``filename``: the run's file, whose lines are named by number alone)."""
    states = table.at(None)
    if not states and not table.library_rids:
        return []
    t0 = tasks.started if tasks is not None and tasks.started is not None else 0.0
    rows = []
    for s in states:
        res = s.resource
        where = (f"line {res.line}" if filename is None or res.filename == filename
                 else f"{(res.filename or '?').rsplit('/', 1)[-1]}:{res.line}")
        rows.append((res.name, _what(res), where, f"{_now(s, tasks, t0)} — {_use(res, tasks)}"))
    widths = [min(max((len(r[i]) for r in rows), default=0), 28) for i in range(3)]
    lines = ["synchronisation objects:"]
    for r in rows:
        lines.append("  " + "  ".join(r[i][:28].ljust(widths[i]) for i in range(3)) + "  " + r[3])
    if table.library_rids:
        n = len(table.library_rids)
        lines.append(f"  (and {n} made by library code for its own use)")
    return lines


def resource_summary(events, tasks=None, filename: str | None = None) -> str:
    """``summary_lines`` of a run's log as text for the CLI ("" when it made no such object)."""
    table = ResourceTable()
    table.apply(events)
    lines = summary_lines(table, tasks, filename)
    return "\n" + "\n".join(lines) + "\n" if lines else ""


# -- the Chrome trace ------------------------------------------------------------------------------

_PID = 2   # the trace's process for the objects (the run's tasks are process 1)
_SERIES = {"lock": "held", "condition": "held", "semaphore": "permits", "event": "set",
           "queue": "size", "barrier": None}


def _us(t, t0):
    return round((t - t0) * 1e6, 3)


def series(res: Resource) -> list[tuple[float, float, int]]:
    """An object's history as ``(t, value, waiters)`` after each change, from its creation: the
    value is what its Chrome trace counter shows (held 1/0, permits left, set 1/0, a queue's
    size; a barrier's: the tasks at it) and ``waiters`` how many tasks wait on it then."""
    changes = [(t, 0, i) for i, t in enumerate(res.op_t)]
    changes += [(t, 1, 1) for t in res.wait_t]
    changes += [(t, 1, -1) for t in res.wait_end if t != _INF]
    changes.sort(key=lambda c: c[0])
    value = res.initial[0]
    waiters = 0
    points = [(res.created, value, 0)]
    barrier = res.kind == "barrier"
    for t, what, x in changes:
        if what == 0:
            value = res.ops[x][2]
        else:
            waiters += x
        shown = waiters if barrier else value
        if points[-1][0] == t:
            points[-1] = (t, shown, waiters)
        else:
            points.append((t, shown, waiters))
    return points


def trace_events(events, t0: float, end: float, tasks=None) -> list[dict]:
    """Chrome Trace Event records of the run's objects (none when it made none): process 2
    ("synchronisation objects"), per object a counter track (``"ph": "C"``, named after it: the
    count — held, permits, set, size — and ``waiters``) and its holds as slices, one lane per
    permit held at once (``"cat": "hold"``, ``args.task``)."""
    table = events if isinstance(events, ResourceTable) else None
    if table is None:
        table = ResourceTable()
        table.apply(events)
    if not table.rows:
        return []
    out = [{"ph": "M", "pid": _PID, "name": "process_name",
            "args": {"name": "synchronisation objects"}},
           {"ph": "M", "pid": _PID, "name": "process_sort_index", "args": {"sort_index": _PID}}]
    for res in table.rows:
        title = f"{res.name} ({_what(res)})" + (" [library]" if res.library else "")
        # the counters: each change of the count or of the waiters
        counter = _SERIES.get(res.kind)
        for t, value, waiters in series(res):
            args = {"waiters": waiters} if counter is None else {counter: value, "waiters": waiters}
            out.append({"ph": "C", "pid": _PID, "name": title, "ts": _us(t, t0), "args": args})
        # the holds: lanes rid * 1000 + slot, a slot per permit held at once
        lanes: list = []   # slot -> end of its last hold
        for tid, h0, h1 in res.holds:
            finish = h1 if h1 is not None else max(end, h0)
            slot = next((i for i, last in enumerate(lanes) if last <= h0), None)
            if slot is None:
                slot = len(lanes)
                lanes.append(finish)
                lane = res.rid * 1000 + slot
                out.append({"ph": "M", "pid": _PID, "tid": lane, "name": "thread_name",
                            "args": {"name": title if slot == 0 else f"{title} permit {slot + 1}"}})
                out.append({"ph": "M", "pid": _PID, "tid": lane, "name": "thread_sort_index",
                            "args": {"sort_index": lane}})
            else:
                lanes[slot] = finish
            who = tasks.by_tid.get(tid) if tasks is not None and tid is not None else None
            name = (who.name if who is not None else
                    "module code" if tid is None else f"task {tid}")
            ts = _us(h0, t0)
            out.append({"ph": "X", "cat": "hold", "name": f"held by {name}", "pid": _PID,
                        "tid": res.rid * 1000 + slot, "ts": ts,
                        "dur": max(0.0, round(_us(finish, t0) - ts, 3)),
                        "args": {"task": name, "task_id": tid, "object": res.name,
                                 "kind": res.kind}})
    return out
