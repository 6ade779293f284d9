"""``_Moment``: one ``TaskTable`` kept at one place in a finished run's log, its rows made from
the run's ``_Index`` rather than by folding the log up to there.

Facts that shaped this module:

* A moment costs its tasks, not its place in the log: ``sync`` brings a task's row to its first
  ``k`` records from the last of them and slices of the index's arrays (its steps and waits so
  far).  A task with a cancel or uncancel among its records has a cancellation story, a fold of
  its own: it is folded alone, from its creation (``_refold``).
* Two users want different tables.  ``Replay.table_at`` wants a new table at once (``keep``
  False): rows are synced in one loop (``sync_all``) and the waiting lines and the awaiters are
  built in one pass (``finish``).  A ``Scrub`` moves one table in place for a window (``keep``
  True): the waiting lines and the awaiters follow row by row, and what is too big for one frame
  (a gather of 100,000 tasks, a line where 100,000 wait) is done in slices (``work``,
  ``reorder``).  Either way they end in the fold's order: each line's and each awaited task's
  tids in the order they began to wait.
* A 100k-task moment makes 100k rows: rows are made without the spans and waits ``sync`` replaces
  at once (``_new_row``: a third of the cost), and where a table of the whole run is at hand
  (``share``: a ``Scrub``'s), a row at its task's last record shares that row's spans and waits
  (never changed in place) instead of slicing its own.
"""
from __future__ import annotations

import bisect
import time
from array import array
from collections import deque
from typing import TYPE_CHECKING

from ._run_index import _E, _N, _NAN, _W, _new
from ._table import Spans, TaskRow, TaskTable, Waits
from .events import ExcInfo

if TYPE_CHECKING:
    from ._moments import Replay

_NO_SPANS = Spans.of(array("d"))        # an unsynced row's (never appended to: nothing folds into
_NO_WAITS = Waits.of(array("d"), [])    # a moment's table before its rows are synced)


def _new_row(tid, t, parent, name, coro, depth) -> TaskRow:
    """``TaskRow(...)`` without the spans and waits ``sync`` replaces at once (a third of the
    cost of a 100k-task moment)."""
    row = _new(TaskRow)
    row.tid, row.name, row.coro, row.parent, row.depth, row.created = tid, name, coro, parent, \
        depth, t
    row.first_start = row.ended = row.waiting = row.summary = row.exc = row.story = None
    row.state = "pending"
    row.targets = row.cancel_requests = ()
    row.steps, row.waits = _NO_SPANS, _NO_WAITS
    return row


def _clone(r: TaskRow) -> TaskRow:
    """A new row with ``r``'s fields (its spans, waits and story shared: never changed in place)."""
    row = _new(TaskRow)
    row.tid, row.name, row.coro, row.parent, row.depth, row.created = r.tid, r.name, r.coro, \
        r.parent, r.depth, r.created
    row.first_start, row.ended, row.state, row.waiting, row.targets = r.first_start, r.ended, \
        r.state, r.waiting, r.targets
    row.summary, row.exc, row.steps, row.waits = r.summary, r.exc, r.steps, r.waits
    row.cancel_requests, row.story = r.cancel_requests, r.story
    return row


class _Moment:
    """A ``TaskTable`` kept at one place ``n`` of a run's log (as if ``events[:n]`` were folded),
    moved by bringing rows to their state there (``sync``).

    ``share``: a table of the whole run whose rows' spans and waits a row at its last record
    shares (never changed in place: a row at an earlier record gets slices of its own).  ``keep``:
    keep ``waiting_lines`` and the awaiters up to date row by row (a table moved in place); else
    ``finish`` builds them at once (a new table).
    """

    #: Taking away more rows than this starts the awaiters and waiting lines afresh.
    FORGET = 2000
    #: A wait on more tasks than this updates the awaiters in slices (``work``).
    BULK = 2000

    def __init__(self, replay: "Replay", share: TaskTable | None, keep: bool):
        self.replay = replay
        self.ix = replay._ix
        self.events = replay.events
        self.share = share
        self.keep = keep
        self.table = TaskTable()
        self.n = 0
        self.count = 0                   # tasks created before n: the first ``count`` rows
        self.rows: list = []             # task ordinal -> its TaskRow, made once
        self.k: dict[int, int] = {}      # tid -> how many of its records its row shows
        self.wat: dict[int, int] = {}    # tid -> place in the log of the wait it is in now
        self.tail: dict = {}             # (0, line) / (1, awaited tid) -> latest place inserted
        self.mixed: set = set()          # those a wait that began earlier was appended to
        self.queue: deque = deque()      # awaiters' updates to do in slices (``work``)
        self.job = None                  # (gen, mark, steps) putting a big line back in order
        self.gen = 0                     # counts the changes to waiting_lines and the awaiters
        self.tid_of = replay._tid_of()

    # -- rows ------------------------------------------------------------------------------------
    def _row(self, i: int) -> TaskRow:
        rows = self.rows
        if i < len(rows):
            return rows[i]
        ix, events = self.ix, self.events
        for j in range(len(rows), i + 1):
            ev = events[ix.created[j]]
            rows.append(_new_row(ev[1], ev[2], ev[3], ev[4], ev[5], ix.depth[j]))
        return rows[i]

    def place(self, i: int, n: int) -> int:
        """How many of task ``i``'s records were logged before ``n``."""
        ix = self.ix
        o0 = ix.o0[i]
        return bisect.bisect_left(ix.order, n, o0, ix.o0[i + 1]) - o0

    def sync(self, i: int, k: int) -> bool:
        """Bring task ``i``'s row to its first ``k`` records; False if it showed them already."""
        row = self.rows[i]
        tid = row.tid
        if self.k.get(tid) == k:
            return False
        ix, events = self.ix, self.events
        o = ix.o0[i]
        end = o + k
        codes = ix.codes
        if i in ix.complex:
            self._refold(i, row, o, end)
            self.k[tid] = k
            return True
        p = end - 1
        while codes[p] == _N:
            p -= 1
        c = codes[p]
        if i in ix.renamed:
            q = codes.rfind(b"n", o, end)
            row.name = events[ix.order[q]][3] if q >= 0 else events[ix.order[o]][4]
        share = self.share
        if share is not None and end == ix.o0[i + 1]:
            frow = share.by_tid[tid]
            row.steps, row.waits, row.first_start = frow.steps, frow.waits, frow.first_start
        else:
            ns = codes.count(b"s", o, end)
            nw = codes.count(b"w", o, end)
            s = ix.s0[i]
            row.steps = Spans.of(ix.spans[2 * s:2 * (s + ns)])
            row.first_start = ix.spans[2 * s] if ns else None
            w = ix.w0[i]
            t = ix.wspans[2 * w:2 * (w + nw)]
            if c == _W:
                t[-1] = _NAN          # it is still waiting: that wait is open
            row.waits = Waits.of(t, ix.winfo[w:w + nw])
        if c == _W:
            g = ix.order[p]
            ev = events[g]
            targets = ev[7]
            if targets and targets.__class__ is not tuple:
                targets = tuple(targets)
            self._wait(row, g, ev, targets or ())
            row.state = "waiting"
            row.summary = row.exc = row.ended = None
        else:
            self._wait(row, None, None, ())
            if c == _E:
                ev = events[ix.order[p]]
                exc = ev[5]
                if exc is not None and exc.__class__ is not ExcInfo:
                    exc = ExcInfo(*exc)
                row.state, row.summary, row.exc, row.ended = ev[3], ev[4], exc, ev[2]
            else:
                row.state = "pending"
                row.summary = row.exc = row.ended = None
        self.k[tid] = k
        return True

    def _refold(self, i: int, row: TaskRow, o: int, end: int) -> None:
        """A task with a cancellation story: fold its records alone, from its creation."""
        ix, events = self.ix, self.events
        scratch = TaskTable()
        scratch.apply([events[g] for g in ix.order[o:end]])
        s = scratch.rows[0]
        row.name, row.state, row.summary, row.exc, row.ended = s.name, s.state, s.summary, s.exc, \
            s.ended
        row.first_start, row.steps, row.waits = s.first_start, s.steps, s.waits
        row.cancel_requests, row.story = s.cancel_requests, s.story
        if s.waiting is None:
            self._wait(row, None, None, ())
            return
        q = end - 1
        while events[ix.order[q]][0] != "wait":
            q -= 1
        g = ix.order[q]
        self._wait(row, g, s.waiting, s.targets)

    def _wait(self, row: TaskRow, where, wait, targets) -> None:
        """The row waits now on the wait logged at ``where`` (``wait``: its record, or the
        ``waiting`` tuple of a refolded row), or does not wait (None)."""
        tid = row.tid
        wat = self.wat
        before = wat.get(tid)
        if before == where:
            if where is None:
                row.waiting, row.targets = None, ()
            return
        waiting = None if wait is None else \
            wait if len(wait) == 4 else (wait[3], wait[4], wait[5], wait[6])
        if not self.keep:
            row.waiting, row.targets = waiting, targets
            if where is None:
                wat.pop(tid, None)
            else:
                wat[tid] = where
            return
        table = self.table
        self.gen += 1
        if before is not None:
            del wat[tid]
            old = row.waiting
            if old is not None:
                key = (old[2], old[3])
                tids = table.waiting_lines.get(key)
                if tids is not None:
                    tids.pop(tid, None)
                    if not tids:
                        del table.waiting_lines[key]
            if row.targets:
                self._awaiting(False, tid, row.targets, None)
        row.waiting, row.targets = waiting, targets
        if where is None:
            return
        wat[tid] = where
        key = (waiting[2], waiting[3])
        lines = table.waiting_lines
        tids = lines.get(key)
        if tids is None:
            tids = lines[key] = {}
        tids[tid] = None
        self._appended((0, key), where)
        if targets:
            self._awaiting(True, tid, targets, where)

    def _awaiting(self, add: bool, tid: int, targets: tuple, where) -> None:
        """Task ``tid`` began (``add``) or ended a wait on ``targets``: the awaiters' index.  A
        wait on many tasks (a gather of 100,000) goes to ``queue`` for ``work`` to do in slices;
        while anything is queued, everything is (in order)."""
        if self.queue or len(targets) > self.BULK:
            self.queue.append([add, tid, targets, where, 0])
        else:
            self._awaiters_of(add, tid, targets, where)

    def _awaiters_of(self, add, tid, targets, where) -> None:
        self.gen += 1
        awaiters = self.table._awaiters
        if not add:
            for target in targets:
                who = awaiters.get(target)
                if who is not None:
                    who.pop(tid, None)
                    if not who:
                        del awaiters[target]
            return
        for target in targets:
            who = awaiters.get(target)
            if who is None:
                who = awaiters[target] = {}
            who[tid] = None
            self._appended((1, target), where)

    def _appended(self, mark, where) -> None:
        """A wait that began at ``where`` was appended to the index ``mark`` names (``(0, line
        key)`` or ``(1, awaited tid)``): it is out of order (``mixed``) once a wait is appended
        after one that began later; else ``tail`` keeps the latest beginning."""
        if where < self.tail.get(mark, -1):
            self.mixed.add(mark)
        else:
            self.tail[mark] = where

    def work(self, budget: int = 5000) -> bool:
        """Do up to ``budget`` targets' worth of the queued awaiters' updates; True when none
        is left."""
        queue = self.queue
        while queue and budget > 0:
            item = queue[0]
            add, tid, targets, where, pos = item
            stop = min(len(targets), pos + budget)
            self._awaiters_of(add, tid, targets[pos:stop], where)
            budget -= stop - pos
            if stop >= len(targets):
                queue.popleft()
            else:
                item[4] = stop
        return not queue

    def sync_all(self) -> None:
        """Sync every row of a new table (``keep`` False) at once: ``sync`` in one loop."""
        ix, events, n = self.ix, self.events, self.n
        o0, s0, w0, order, codes = ix.o0, ix.s0, ix.w0, ix.order, ix.codes
        spans, wspans, winfo = ix.spans, ix.wspans, ix.winfo
        alone = ix.complex | ix.renamed
        rows, known, wat = self.rows, self.k, self.wat
        spans_of, waits_of, first = Spans.of, Waits.of, bisect.bisect_left
        whole = n >= ix.n
        for i in range(self.count):
            a, b = o0[i], o0[i + 1]
            end = b if whole else first(order, n, a, b)
            if i in alone:
                self.sync(i, end - a)
                continue
            row = rows[i]
            p = end - 1
            c = codes[p]
            sa, wa = s0[i], w0[i]
            if end == b:
                sb, wb = s0[i + 1], w0[i + 1]
            else:
                sb, wb = sa + codes.count(b"s", a, end), wa + codes.count(b"w", a, end)
            row.steps = spans_of(spans[2 * sa:2 * sb])
            if sb > sa:
                row.first_start = spans[2 * sa]
            t = wspans[2 * wa:2 * wb]
            if c == _W:
                t[-1] = _NAN
                g = order[p]
                ev = events[g]
                row.waiting = (ev[3], ev[4], ev[5], ev[6])
                targets = ev[7]
                if targets:
                    row.targets = targets if targets.__class__ is tuple else tuple(targets)
                row.state = "waiting"
                wat[row.tid] = g
            elif c == _E:
                ev = events[order[p]]
                exc = ev[5]
                if exc is not None and exc.__class__ is not ExcInfo:
                    exc = ExcInfo(*exc)
                row.state, row.summary, row.exc, row.ended = ev[3], ev[4], exc, ev[2]
            row.waits = waits_of(t, winfo[wa:wb])
            known[row.tid] = end - a

    def _unsync(self, i: int) -> None:
        """Task ``i`` does not exist at the moment: take it out of what the table keeps."""
        row = self.rows[i]
        self._wait(row, None, None, ())
        self.k.pop(row.tid, None)

    def forget(self) -> None:
        """Every row must be synced again (``waiting_lines`` and the awaiters start empty)."""
        table = self.table
        table.waiting_lines, table._awaiters = {}, {}
        self.k, self.wat, self.tail, self.mixed = {}, {}, {}, set()
        self.queue.clear()
        self.job = None
        self.gen += 1

    # -- the table -------------------------------------------------------------------------------
    def move(self, n: int) -> tuple[range, bool]:
        """Go to place ``n`` as far as the table's own lists and its set of rows go (rows are
        brought there by ``sync``).  Returns (the ordinals of the tasks created since, whether
        rows were taken away); many taken away: ``forget``."""
        ix, table = self.ix, self.table
        n = max(0, min(n, ix.n))
        self.n = n
        count = bisect.bisect_left(ix.created, n)
        added, removed = range(0), False
        if count > self.count:
            added = range(self.count, count)
            self._row(count - 1)
            new = self.rows[self.count:count]
            table.rows.extend(new)
            table.by_tid.update(zip(ix.tids[self.count:count], new))
            if ix.library:
                table.library_tids.update(ix.library.intersection(ix.tids[self.count:count]))
        elif count < self.count:
            removed = True
            gone = ix.tids[count:self.count]
            if self.keep and len(gone) > self.FORGET:
                self.forget()
            else:
                for i in range(count, self.count):
                    self._unsync(i)
            if len(gone) > count:
                table.by_tid = dict(zip(ix.tids[:count], self.rows[:count]))
            else:
                by_tid = table.by_tid
                for tid in gone:
                    del by_tid[tid]
            if table.library_tids:
                table.library_tids.difference_update(gone)
            del table.rows[count:]
        self.count = count
        lists = self.replay._lists()
        loose = ix.loose
        table.outputs = lists["output"][:bisect.bisect_left(loose["output"], n)]
        table.blocks = lists["block"][:bisect.bisect_left(loose["block"], n)]
        table.errors = lists["error"][:bisect.bisect_left(loose["error"], n)]
        table.failed = ix.failed[:bisect.bisect_left(ix.failed_at, n)]
        table.started = table.finished = table.outcome = table.message = None
        events = self.events
        for g in loose["run"]:
            if g >= n:
                break
            ev = events[g]
            if ev[2] == "start":
                table.started = ev[1]
            else:
                table.finished, table.outcome, table.message = ev[1], ev[3], ev[4]
        table.last_time = None
        g = n - 1
        while g >= 0:
            if events[g][0] == "step":
                table.last_time = events[g][3]
                break
            g -= 1
        landed: dict = {}
        for g, key, tid in ix.landings:
            if g >= n:
                break
            landed.setdefault(key, {})[tid] = None
        table.landed_lines = landed
        return added, removed

    def finish(self, limit: int | None = None) -> bool:
        """Every row is synced: put ``waiting_lines`` and the awaiters in the fold's order (each
        line's and each awaited task's tids in the order they began to wait).  ``limit``: leave
        the ones holding more tids than that for later; returns whether none is left."""
        table, wat = self.table, self.wat
        if not self.keep:
            lines: dict = {}
            awaiters: dict = {}
            by_tid = table.by_tid
            for tid in sorted(wat, key=wat.__getitem__):
                row = by_tid[tid]
                waiting = row.waiting
                lines.setdefault((waiting[2], waiting[3]), {})[tid] = None
                for target in row.targets:
                    awaiters.setdefault(target, {})[tid] = None
            table.waiting_lines, table._awaiters = lines, awaiters
            return True
        tail, later = self.tail, set()
        for which, key in self.mixed:
            tids = (table.waiting_lines if which == 0 else table._awaiters).get(key)
            if tids is None:
                tail.pop((which, key), None)
                continue
            if limit is not None and len(tids) > limit:
                later.add((which, key))
                continue
            # Mostly in order already: sorting costs about one pass.
            ordered = sorted(tids, key=wat.__getitem__)
            tail[(which, key)] = wat[ordered[-1]]
            if ordered != list(tids):
                tids.clear()
                tids.update(dict.fromkeys(ordered))
        self.mixed = later
        return not later

    def reorder(self, deadline: float) -> bool:
        """``finish`` for the lines (awaited tasks) holding too many tids to sort in one slice
        (100,000 tasks waiting on one line), a step of a few ms at a time until ``deadline``;
        a step after anything moved starts that line again.  True when none is left."""
        first = True
        while self.mixed or self.job is not None:
            if not first and time.perf_counter() >= deadline:
                return False
            first = False
            if self.job is not None and self.job[0] != self.gen:
                self.job = None           # the line changed since: begin it again
            if self.job is None:
                mark = next(iter(self.mixed))
                self.job = (self.gen, mark, self._reorder_steps(*mark))
            try:
                next(self.job[2])
            except StopIteration:
                self.mixed.discard(self.job[1])
                self.job = None
        return True

    def _reorder_steps(self, which, key, chunk=15_000):
        lines = self.table.waiting_lines if which == 0 else self.table._awaiters
        tids = lines.get(key)
        if tids is None:
            self.tail.pop((which, key), None)
            return
        keys = list(tids)
        yield
        places: list = []
        get = self.wat.__getitem__
        for i in range(0, len(keys), chunk):
            places.extend(map(get, keys[i:i + chunk]))
            yield
        order = sorted(range(len(keys)), key=places.__getitem__)
        self.tail[(which, key)] = places[order[-1]]
        yield
        new: dict = {}
        for i in range(0, len(order), chunk):
            new.update(dict.fromkeys(map(keys.__getitem__, order[i:i + chunk])))
            yield
        lines[key] = new          # whole, at once: the line as the fold orders it
