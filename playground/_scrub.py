"""``Scrub``: one run's table moved in place from moment to moment, for a window's scrubber.

Facts that shaped this module:

* The views (the task table, the timeline, the await view) are set on a table once and keep its
  row objects: so a move keeps the same table and the same rows, and says what it did (``Move``)
  for the views to repaint those rows alone.  Taking rows away (moving back before tasks were
  created) is the one move a view must be set on the table again for.
* A frame cannot wait on 100,000 rows: a move updates the rows whose records lie in between; a
  long jump (more rows than ``NOW``, or more events than ``FAR`` to look into) brings the rows a
  window shows at once (``first``) and the rest in slices (``settle``), each a few ms.
* The scrub's table starts as a copy of the run's final table, not from the index again: its
  rows share the final rows' spans and waits (``_clone``).  So it does for a run of this session
  (the window's table, ``final=``) when the table agrees with the index (``_agrees``): syncing
  every row of a 90k-task run from the index took 0.4 s of the first scrub frame.
* Nor does that frame wait on the run's index grouped by task (``_Index.ready``): until it is
  whole, a move brings every row again, those on screen from their records alone
  (``_seek_early``), and ``settle`` finishes the index before it brings the others.
"""
from __future__ import annotations

import time
from itertools import islice
from operator import attrgetter, sub
from typing import TYPE_CHECKING, NamedTuple

from ._moment_table import _clone, _Moment
from ._run_index import _gc_paused
from ._table import TaskTable

if TYPE_CHECKING:
    from ._moments import Replay

__all__ = ["Move", "Scrub"]


class Scrub:
    """One run's table kept at a moving moment, for a window: ``table`` is always the same
    ``TaskTable`` with the same row objects (a view set on it once follows every move).

    ``seek(t, first)`` moves it: the table's lists, its set of rows and the rows in ``first``
    (the ones on screen) are there at once; so is every row when few changed.  After a long
    jump the other rows follow in slices: call ``settle(seconds)`` until ``settled``.  Until then
    ``waiting_lines`` and the awaiters hold what the rows show so far.
    """

    #: A move that changes more rows than this brings ``first`` at once and the rest in slices.
    NOW = 600
    #: A move over more events than this is not looked into: every row is brought in slices.
    FAR = 30_000

    def __init__(self, replay: "Replay"):
        with _gc_paused():
            self._start(replay)

    def _start(self, replay: "Replay") -> None:
        self.replay = replay
        ix = replay._ix
        final = replay.final
        if replay._ordinals is None:    # (``Replay._tid_of``, as one C loop)
            replay._ordinals = dict(zip(ix.tids, range(len(ix.tids))))
        m = self._m = _Moment(replay, final, keep=True)
        made = replay._made
        fresh = made is None and _agrees(ix, final)
        if made is not None or fresh:   # the final table's rows, copied (sharing spans, waits)
            m.rows = list(map(_clone, final.rows))
            table = m.table
            table.rows = list(m.rows)
            table.by_tid = dict(zip(ix.tids, m.rows))
            table.library_tids = set(final.library_tids)
            table.waiting_lines = {k: dict(v) for k, v in final.waiting_lines.items()}
            # (as dicts: a line moved in place; the fold keeps a lone awaiter as its tid)
            table._awaiters = {k: dict(v) if v.__class__ is dict else {v: None}
                               for k, v in final._awaiters.items()}
            m.count = len(m.rows)
            if made is not None:
                m.k, m.wat = dict(made.k), dict(made.wat)
                self._tails()
            elif ix.ready:   # (a run of this session: its table was folded, not made here)
                self._at_end()
            else:            # (its index is still being built: see ``_lazy``)
                self._lazy = True
            m.move(ix.n)
        else:
            m.move(ix.n)
            for i in range(m.count):
                m.sync(i, m.place(i, m.n))
            m.finish()
        self._pending: list[int] | None = None   # task ordinals still to sync
        self._cursor = 0

    #: The table is the copy of the final table, at the end, and its moment's ``k``, ``wat`` and
    #: ``tail`` are not there yet: a run of this session whose index is still being built
    #: (``_Index.ready``).  Made when it is (``_at_end``), unless a move came first.
    _lazy = False

    def _at_end(self) -> None:
        """``k``, ``wat`` and ``tail`` of a table that is the copy of a run's final table."""
        m, ix, final = self._m, self.replay._ix, self.replay.final
        o0, order, codes = ix.o0, ix.order, ix.codes
        m.k = dict(zip(ix.tids, map(sub, islice(o0, 1, None), o0)))
        m.wat = {r.tid: order[codes.rfind(b"w", o0[i], o0[i + 1])]
                 for i, r in enumerate(final.rows) if r.waiting is not None}
        self._tails()

    def _tails(self) -> None:
        m = self._m
        wat, table = m.wat, m.table
        for which, lines in enumerate((table.waiting_lines, table._awaiters)):
            for key, tids in lines.items():
                m.tail[(which, key)] = max(map(wat.__getitem__, tids))

    @property
    def table(self) -> TaskTable:
        return self._m.table

    @property
    def moment(self) -> int:
        """The place in the run's log shown: the table is the fold of ``events[:moment]``."""
        return self._m.n

    @property
    def settled(self) -> bool:
        m = self._m
        return self._pending is None and not m.queue and not m.mixed and m.job is None

    def seek(self, t: float | None, first=()) -> "Move":
        """Move to loop time ``t`` (None: the run's end); ``first``: tids to bring there now."""
        with _gc_paused():
            return self._seek(t, first)

    def _seek(self, t, first) -> "Move":
        rp = self.replay
        ix = rp._ix
        if not ix.ready:
            return self._seek_early(ix.n if t is None else ix.at(t), first)
        n = ix.n if t is None else rp.index_at(t)
        if self._lazy:
            self._lazy = False
            self._at_end()
        m = self._m
        old, was = m.n, self._pending     # was: rows still to bring to the last moment
        added, removed = m.move(n)
        count = m.count
        sync, place, rows = m.sync, m.place, m.rows
        lo, hi = min(old, n), max(old, n)
        # Rows not pending are at the last moment: of those, the ones to move are the tasks with
        # records in between.  Pending ones are brought to whatever the moment is when reached.
        rest = was[self._cursor:] if was is not None else []
        changed = set()
        if m.k and hi - lo <= self.FAR:
            # In the order of their last record in between (the waits they begin are appended
            # in log order, as the fold appends them).
            span = list(map(_second, rp.events[lo:hi]))
            span.reverse()
            tid_of = m.tid_of
            todo = [i for i in map(tid_of.get, dict.fromkeys(span)) if i is not None and i < count]
            todo.reverse()
            if added:
                known = set(todo)
                todo.extend(i for i in added if i not in known)
        else:       # every row (rest among them)
            todo, rest = list(range(count)), []
        if len(todo) <= self.NOW:
            for i in todo:
                if sync(i, place(i, n)):
                    changed.add(rows[i].tid)
            if rest:
                self._pending, self._cursor = rest, 0
            else:
                self._pending = None
                # (A line where 100k tasks wait is put back in order in a slice of its own.)
                if m.work(self.NOW) and m.finish(limit=self.NOW) and m.job is None:
                    return Move(changed, [rows[i].tid for i in added], removed, True)
            return Move(changed, [rows[i].tid for i in added], removed, False)
        todo.extend(rest)
        tid_of = m.tid_of
        for tid in first:
            i = tid_of.get(tid)
            if i is not None and i < count and sync(i, place(i, n)):
                changed.add(tid)
        self._pending, self._cursor = todo, 0
        return Move(changed, [rows[i].tid for i in added], removed, False)

    def _seek_early(self, n: int, first) -> "Move":
        """A move while the run's index is still being built (the first scrub frame of a run of
        this session): every row is brought to the moment again, those in ``first`` now, from
        their records alone (``_Index._part``: a pass over the tid column, not the whole index),
        the rest in slices once the index is there (``settle``)."""
        m = self._m
        if self._lazy and n == m.n:
            return Move(set(), [], False, True)      # still at the end
        self._lazy = False
        m.forget()      # (the lines and the awaiters follow the rows as they are brought)
        added, removed = m.move(n)
        count, rows = m.count, m.rows
        tasks = sorted({i for i in map(m.tid_of.get, first) if i is not None and i < count})
        changed = set()
        if tasks:
            ix = m.ix
            m.ix = ix._part(tasks, n)
            try:
                for i in tasks:
                    if m.sync(i, m.place(i, n)):
                        changed.add(rows[i].tid)
            finally:
                m.ix = ix
        self._pending, self._cursor = list(range(count)), 0
        return Move(changed, [rows[i].tid for i in added], removed, False)

    def settle(self, seconds: float = 0.008) -> set[int]:
        """Bring more rows to the moment, for about ``seconds``; returns the tids that changed.
        ``settled`` says when every row is there."""
        with _gc_paused():
            return self._settle(seconds)

    def _settle(self, seconds: float) -> set[int]:
        m = self._m
        deadline = time.perf_counter() + seconds
        changed = set()
        if not m.ix.ready and not m.ix.advance(deadline):
            return changed          # (the run's index first: ``_seek_early``)
        if self._lazy:
            self._lazy = False
            self._at_end()
        pending = self._pending
        if pending is not None:
            sync, place, n, rows, count = m.sync, m.place, m.n, m.rows, m.count
            i, end = self._cursor, len(pending)
            while i < end:
                stop = min(end, i + 128)
                for j in pending[i:stop]:
                    if j < count and sync(j, place(j, n)):   # (a task taken away since: not)
                        changed.add(rows[j].tid)
                i = stop
                if time.perf_counter() >= deadline:
                    break
            self._cursor = i
            if i < end:
                return changed
            self._pending = None
            if m.queue or m.mixed:
                return changed      # the awaiters' updates and the order: slices of their own
        if m.queue:
            while not m.work() and time.perf_counter() < deadline:
                pass
            if m.queue:
                return changed
        if m.job is None:
            m.finish(limit=self.NOW)
        m.reorder(deadline)
        return changed

    def finish(self) -> None:
        """Settle now, however long it takes."""
        while not self.settled:
            self.settle(1.0)


def _agrees(ix, final: TaskTable) -> bool:
    """Whether ``final`` shows every record the index has, each row as the index would make it
    (a table the window folded from the run; tasks with a cancellation story are folded alone)."""
    rows = final.rows
    if not ix.ready:     # built in slices: only from a final table that agrees (``_build_lazy``)
        return ix._early is not None and ix._early[2] is rows
    if ix.complex or len(rows) != len(ix.tids) or list(map(_tid, rows)) != ix.tids:
        return False
    s0, w0 = ix.s0, ix.w0
    return (list(map(len, map(_steps, rows))) == list(map(sub, islice(s0, 1, None), s0))
            and list(map(len, map(_waits, rows))) == list(map(sub, islice(w0, 1, None), w0)))


_tid, _steps, _waits = attrgetter("tid"), attrgetter("steps"), attrgetter("waits")


def _second(ev):
    return ev[1]


class Move(NamedTuple):
    """What ``Scrub.seek`` did: the tids of rows it brought to the moment, the tids of rows it
    added (tasks created since), whether it took rows away (tasks not created yet: a view must
    be set on the table again), and whether every row is at the moment already."""
    changed: set
    added: list
    removed: bool
    settled: bool
