"""The fold: tracer events -> one ``TaskRow`` per task, the shape the window, CLI and exporter read.

Rows keep their steps and waits in flat arrays (``Spans``/``Waits``): a 100k-task run has ~400k
steps, and the window keeps them all for the timeline.
"""
from __future__ import annotations

from array import array

__all__ = ["LIVE_STATES", "Spans", "TaskRow", "TaskTable", "Waits"]

LIVE_STATES = frozenset({"pending", "running", "waiting"})


class Spans:
    """Append-only ``(t0, t1)`` pairs, stored flat in one ``array('d')``.

    16 bytes a pair instead of ~64 for a list of tuples: a 100k-task run has ~400k steps, and
    the window keeps them for the timeline.  Indexing builds the tuple on demand, so bisect and
    ``for s0, s1 in spans`` work as on a list.
    """

    __slots__ = ("_a",)

    def __init__(self):
        self._a = array("d")

    def append(self, pair):
        self._a.append(pair[0])
        self._a.append(pair[1])

    def __len__(self):
        return len(self._a) >> 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        a = self._a
        return a[2 * i], a[2 * i + 1]

    def __iter__(self):
        a = self._a
        return zip(a[0::2], a[1::2])

    def __bool__(self):
        return bool(self._a)

    def __repr__(self):
        return f"Spans({list(self)!r})"


_NAN = float("nan")
_WAIT_INFO: dict = {}   # (kind, detail) -> that tuple, shared by every wait alike


class Waits:
    """Append-only ``(t0, t1 or None, kind, detail)`` waits; only the last may still be open."""

    __slots__ = ("_t", "_info")

    def __init__(self):
        self._t = array("d")
        self._info: list[tuple] = []

    def open(self, t0, kind, detail):
        self._t.append(t0)
        self._t.append(_NAN)
        key = (kind, detail)
        self._info.append(_WAIT_INFO.setdefault(key, key) if len(_WAIT_INFO) < 50_000 else key)

    def close_last(self, t1):
        """End the open wait, if there is one, at ``t1``."""
        t = self._t
        if t and t[-1] != t[-1]:  # NaN: still open
            t[-1] = t1

    def __len__(self):
        return len(self._info)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        t = self._t
        t1 = t[2 * i + 1]
        kind, detail = self._info[i]
        return t[2 * i], (None if t1 != t1 else t1), kind, detail

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        return bool(self._info)

    def __repr__(self):
        return f"Waits({list(self)!r})"


class TaskRow:
    """The latest known state of one task, folded from the events."""

    __slots__ = ("tid", "name", "coro", "parent", "depth", "created", "first_start", "ended", "state",
                 "waiting", "summary", "exc", "steps", "waits", "cancel_requests")

    def __init__(self, tid, t, parent, name, coro, depth):
        self.tid = tid
        self.name = name
        self.coro = coro
        self.parent = parent
        self.depth = depth
        self.created = t
        self.first_start = None
        self.ended = None
        self.state = "pending"
        self.waiting = None   # (kind, detail, file, line)
        self.summary = None
        self.exc = None
        self.steps = Spans()          # (t0, t1) running slices
        self.waits = Waits()          # (t0, t1 or None, kind, detail)
        self.cancel_requests = ()     # (t, by_tid, msg); a list once there is one

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES

    def __repr__(self):
        return f"<TaskRow {self.tid} {self.name!r} {self.state}>"


class TaskTable:
    """Folds tracer events into one ``TaskRow`` per task (rows in creation order)."""

    def __init__(self):
        self.rows: list[TaskRow] = []
        self.by_tid: dict[int, TaskRow] = {}
        self.failed: list[int] = []          # tids that ended failed, in order
        # (file, line) -> {tid: None} of the tasks suspended there now (insertion-ordered), kept
        # as events arrive so the editor's gutter needn't walk every task each time it redraws.
        self.waiting_lines: dict[tuple, dict[int, None]] = {}
        self.outputs: list[tuple] = []
        self.blocks: list[tuple] = []
        self.errors: list[tuple] = []
        self.started = None
        self.finished = None
        self.outcome = None
        self.message = None
        self.last_time = None

    def apply(self, events) -> set[int]:
        changed = set()
        by_tid = self.by_tid
        for ev in events:
            kind = ev[0]
            if kind == "step":
                row = by_tid[ev[1]]
                if row.waiting is not None:
                    self._unwait(row)
                row.steps.append((ev[2], ev[3]))
                if row.first_start is None:
                    row.first_start = ev[2]
                row.waits.close_last(ev[2])
                row.state = "pending"
                row.waiting = None
                self.last_time = ev[3]
                changed.add(ev[1])
            elif kind == "wait":
                row = by_tid[ev[1]]
                if row.waiting is not None:
                    self._unwait(row)
                row.state = "waiting"
                row.waiting = (ev[3], ev[4], ev[5], ev[6])
                key = (ev[5], ev[6])
                tids = self.waiting_lines.get(key)
                if tids is None:
                    tids = self.waiting_lines[key] = {}
                tids[ev[1]] = None
                row.waits.open(ev[2], ev[3], ev[4])
                changed.add(ev[1])
            elif kind == "task":
                parent = by_tid.get(ev[3])
                row = TaskRow(ev[1], ev[2], ev[3], ev[4], ev[5], parent.depth + 1 if parent else 0)
                self.rows.append(row)
                by_tid[ev[1]] = row
                changed.add(ev[1])
            elif kind == "end":
                row = by_tid[ev[1]]
                if row.waiting is not None:
                    self._unwait(row)
                row.state, row.summary, row.exc, row.ended = ev[3], ev[4], ev[5], ev[2]
                if ev[3] == "failed":
                    self.failed.append(ev[1])
                row.waiting = None
                row.waits.close_last(ev[2])
                changed.add(ev[1])
            elif kind == "cancel":
                row = by_tid[ev[1]]
                if not row.cancel_requests:
                    row.cancel_requests = []
                row.cancel_requests.append((ev[2], ev[3], ev[4]))
                changed.add(ev[1])
            elif kind == "name":
                by_tid[ev[1]].name = ev[3]
                changed.add(ev[1])
            elif kind == "output":
                self.outputs.append(ev)
            elif kind == "block":
                self.blocks.append(ev)
            elif kind == "error":
                self.errors.append(ev)
                if ev[1] in by_tid:
                    changed.add(ev[1])
            elif kind == "run":
                if ev[2] == "start":
                    self.started = ev[1]
                else:
                    self.finished, self.outcome, self.message = ev[1], ev[3], ev[4]
        return changed

    def _unwait(self, row):
        key = (row.waiting[2], row.waiting[3])
        tids = self.waiting_lines.get(key)
        if tids is not None:
            tids.pop(row.tid, None)
            if not tids:
                del self.waiting_lines[key]

    def __len__(self):
        return len(self.rows)

    def row(self, tid) -> TaskRow:
        return self.by_tid[tid]

    def live_tids(self) -> list[int]:
        return [r.tid for r in self.rows if r.state in LIVE_STATES]
