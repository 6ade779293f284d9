"""A run's log grouped by task (``_Index``): what every replayed moment is made from, and what a
saved run carries so that opening it does not build it again.

Facts about replay that shaped this module:

* Replay shows a run at any loop time ``t``: the table, the timeline, the await view and the gutter
  all read a ``TaskTable``, so showing a moment is showing the table as the fold of the events
  logged up to ``t`` left it.  Events are logged in the order their times say (a step when it ends,
  a block when it ends: ``logged_at``), so a moment is a place in the log.
* A fold from the start costs a moment's position in the log, so the moment is not folded: every
  task's events are indexed together (per task its records' places in the log and its steps' and
  waits' times, as flat arrays), and a task's row at a moment is made from its last record before
  it and the counts of its steps and waits, a slice of the arrays (``_moment_table``).  A moment
  costs its tasks, not its place in the log; tasks whose records include a cancel or uncancel
  (whose cancellation story is a fold of its own) are folded alone, from their creation.
* A saved run (format 2, ``_saved_run``) is built to open a 1M-event run in well under 2 s, so the
  index goes into the file with the events (``to_body``: its arrays as base64, ``_pack``) and
  comes back with them (``from_body``, checked against the events) as a ``_Log``.
* A run of this session builds its index when its scrubber first moves, and a frame waits on
  it: a Python loop over a million records took ~1.9 s (2 loaded cores).  ``build`` reads the
  log in columns, each pass a C loop (``map``, ``compress``, one stable ``sorted`` by tid that
  groups the records by task), in log order (reading the records in grouped order, a cache miss
  each, cost twice as much), and takes the steps' and waits' times from the window's table of
  the run when it agrees: ~1.0 s there, of which the sort ~0.3 s and each pass over the records
  30–90 ms.  The Python loop stays (``_build_records``) for logs that are not a tracer's, and to
  say what is wrong with one that cannot be a run.
* So the first frame does not wait on the grouping at all (issue 25: ≤ 0.5 s before the first
  scrub frame of a fresh 1M-event run): when the window's table agrees with the log,
  ``_build_lazy`` makes at once what every moment needs of the whole log (the keys, the
  creations, the outputs and failures: C passes, ~0.2 s loaded) and groups the records by task
  afterwards, a few ms a step (``advance``), with a counting sort on the tid (a bucket per task)
  in place of ``sorted`` (0.5 s loaded, and one C call that cannot be cut); a move before then
  brings the rows on screen from their records alone (``_part``), the others when it is whole.
* The run's million records are alive while anything is built from them, and the cyclic GC
  walking them every few hundred new objects tripled the time of a 100k-row table: a replay's
  index, a loaded run and every moment are built under ``_gc_paused``.

A module of its own because the file (``_saved_run``) and the tables (``_moment_table``,
``_moments``) both stand on it, and the tables need nothing of the file's format.
"""
from __future__ import annotations

import base64
import bisect
import gc
import re
import time
from array import array
from collections import deque
from contextlib import contextmanager
from itertools import accumulate, chain, compress, count, islice, repeat
from operator import add, attrgetter, getitem, gt, itemgetter, lt, ne, not_, rshift, sub

from ._table import TaskTable

__all__ = ["logged_at"]

_I = next(c for c in "ilq" if array(c).itemsize == 4)   # 4-byte ints: places, string ids, lines
_NAN = float("nan")

# One letter per record of a task (``_Index.codes``): the four records logged for every task and
# step in their usual shapes, renames, and ``x`` for any other (a cancel, an uncancel, an odd shape).
_T, _S, _W, _E, _N = b"t"[0], b"s"[0], b"w"[0], b"e"[0], b"n"[0]
_LOOSE = ("output", "block", "error", "run")


class _Log(list):
    """A run's events read back from a format-2 file, with the file's ``_Index`` of them (so
    ``Replay`` does not build it again)."""
    __slots__ = ("index",)


@contextmanager
def _gc_paused():
    """No cyclic GC while a moment or a loaded run is built: the run's million records are
    alive, and every few hundred new objects would start a collection that walks them (it
    tripled the time of a 100k-row table).  What is made here holds no cycles.

    Where the engine's collector policy is on (a playground loop exists: ``_loop._gc_phase``),
    what was made is frozen as the policy freezes a run's records, so the young collections
    that follow do not walk it (pauses of ~0.2 s each, three times, after a 1M-event run was
    opened); the policy's full collections still see everything."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        from ._loop import _gc_phase
        if _gc_phase in gc.callbacks:
            gc.freeze()
        if was:
            gc.enable()


def logged_at(ev) -> float:
    """The loop time at which ``ev`` was logged (the order of a tracer's log)."""
    tag = ev[0]
    if tag == "run":
        return ev[1]
    if tag == "step":
        return ev[3]
    if tag == "block":
        return ev[2] + ev[3]
    return ev[2]


class _Index:
    """A run's log grouped by task, as flat arrays.

    ``n`` events; ``keys``: each one's ``logged_at``, made non-decreasing (built on first use).
    Per task, in creation order (``tids``): ``created`` (the place of its creation record in the
    log), ``depth``, and ``o0``/``s0``/``w0`` (where its records, steps and waits start in the
    arrays below; one more entry ends the last task).  Grouped, task after task: ``order`` (the
    places of each task's records in the log, in log order), ``codes`` (one letter each: t s w e
    n x), ``spans`` (every step's t0, t1), ``wspans`` (every wait's t0 and the time the task's next
    step or end closed it, NaN if none did) and ``winfo`` (every wait's ``(kind, detail)``).
    ``loose``: the places of the outputs, blocks, errors and run records; ``failed_at``/``failed``:
    the places and tids of the ends in failure; ``library``: the tids of the tasks a library
    made.  ``complex``: the tasks (ordinals) with a record
    other than t s w e n, folded alone; ``renamed``: those with a rename; ``landings``: (place,
    line, tid) of each time CancelledError landed, in log order.
    """

    __slots__ = ("n", "_keys", "_make_keys", "tids", "created", "o0", "s0", "w0", "order",
                 "codes", "spans", "wspans", "winfo", "loose", "depth", "complex", "renamed",
                 "landings", "failed_at", "failed", "library", "_rest", "_early")

    @property
    def keys(self) -> list:
        if self._keys is None:
            self._keys = self._make_keys()
            self._make_keys = None
        return self._keys

    # -- built in slices (``_build_lazy``) ---------------------------------------------------------
    def __getattr__(self, name):
        # Only for a slot not set yet: an index still being built (``_rest``) is finished now,
        # whoever asks for its grouped arrays; ``_rest`` and ``_early`` read as None until set.
        if name == "_rest" or name == "_early":
            return None
        if self._rest is None:
            raise AttributeError(name)
        self.complete()
        return object.__getattribute__(self, name)

    @property
    def ready(self) -> bool:
        """Whether every field is there (False: the records are still being grouped by task,
        ``advance``)."""
        return self._rest is None

    def advance(self, deadline: float) -> bool:
        """Group more of the records by task, in steps of a few ms, until ``deadline``
        (``time.perf_counter``); True when the index is whole."""
        rest = self._rest
        if rest is None:
            return True
        with _gc_paused():
            while True:
                try:
                    next(rest)
                except StopIteration:
                    self._rest = self._early = None
                    return True
                if time.perf_counter() >= deadline:
                    return False

    def complete(self) -> None:
        """Finish the index now, however long it takes."""
        self.advance(float("inf"))

    def at(self, t: float) -> int:
        """``bisect_right(keys, t)`` (how many events were logged up to ``t``), without making
        the keys non-decreasing first if they are not yet: the first record logged after ``t``."""
        keys = self._keys
        if keys is not None:
            return bisect.bisect_right(keys, t)
        raw = self._early[3]        # (being made non-decreasing in place: either way, the same)
        c = bisect.bisect_right(raw, t)
        if c and max(islice(raw, c)) > t:
            c = next(compress(range(c), map(lt, repeat(t), raw)))
        return c

    def _part(self, tasks: list, n: int) -> "_Index":
        """While the index is being built: a stand-in for ``_Moment.sync`` and ``place`` at a
        place ``n`` of the log, that has the grouped arrays of the tasks (ordinals, ascending)
        ``tasks`` alone (the others have no records in it), from one pass over the tid column up
        to ``n``.  Each task's records after ``n`` stand as places past ``n`` (how many, its
        final row and its renames say): a row is at its last record only if it is."""
        tidcol, letters, rows, _raw, renames = self._early
        tids = self.tids
        want = {tids[i]: i for i in tasks}
        groups: dict = {i: [] for i in tasks}
        for g in compress(range(n), map(want.__contains__, islice(tidcol, n))):
            groups[want[tidcol[g]]].append(g)
        part = _new(_Index)
        order, codes, totals = array(_I), [], []
        for i, got in groups.items():
            row = rows[i]
            total = (1 + (len(row.steps._a) >> 1) + len(row.waits._info)
                     + (row.ended is not None) + renames.get(i, 0))
            order.extend(got)
            codes.append(bytes(map(letters.__getitem__, got)))
            if total > len(got):
                order.extend(repeat(self.n, total - len(got)))
                codes.append(b"-" * (total - len(got)))
            totals.append(max(total, len(got)))
        part.order, part.codes = order, b"".join(codes)
        steps = [rows[i].steps._a for i in tasks]
        waits = [rows[i].waits for i in tasks]
        t = len(tids)
        part.o0 = _prefix(t, tasks, totals)
        part.s0 = _prefix(t, tasks, map(rshift, map(len, steps), repeat(1)))
        part.w0 = _prefix(t, tasks, map(len, map(_info_of, waits)))
        part.spans, part.wspans = array("d"), array("d")
        part.spans.frombytes(b"".join(steps))
        part.wspans.frombytes(b"".join(map(_t_of, waits)))
        part.winfo = list(chain.from_iterable(map(_info_of, waits)))
        part.complex, part.renamed = self.complex, self.renamed
        return part

    # -- from a log ----------------------------------------------------------------------------
    @classmethod
    def build(cls, events, final: TaskTable | None = None) -> "_Index":
        """The index of ``events``: in columns (``_build_columns``) when the log has the shape a
        tracer makes, else record by record (``_build_records``), which also says what is wrong
        with a log that cannot be a run.  ``final``: the table of all of ``events``, if at hand
        (its rows' steps and waits are the index's); when it agrees with the log, the index is
        built in slices (``_build_lazy``: ``ready``, ``advance``)."""
        try:
            ix = _build_lazy(cls, events, final)
        except (TypeError, IndexError, AttributeError, KeyError, ValueError):
            ix = None
        return ix if ix is not None else cls._build_now(events, final)

    @classmethod
    def _build_now(cls, events, final: TaskTable | None = None) -> "_Index":
        """``build`` at once: in columns, else record by record."""
        try:
            ix = _build_columns(cls, events, final)
        except (TypeError, IndexError, AttributeError):
            ix = None
        if ix is None:
            ix = cls._build_records(events)
        return ix

    @classmethod
    def _build_records(cls, events) -> "_Index":
        n = len(events)
        keys = [0.0] * n
        recs: dict = {}
        codes: dict = {}
        tids, depth, depth_of, library = [], [], {}, set()
        failed_at, failed = array(_I), []
        loose = {k: array(_I) for k in _LOOSE}
        for i, ev in enumerate(events):
            tag = ev[0]
            if tag == "step":
                tid = ev[1]
                keys[i] = ev[3]
                code = "s" if len(ev) == 4 else "x"
            elif tag == "wait":
                tid = ev[1]
                keys[i] = ev[2]
                code = "w" if len(ev) == 8 else "x"
            elif tag == "task":
                tid = ev[1]
                keys[i] = ev[2]
                if tid in recs:
                    raise ValueError(f"task {tid} is created twice")
                recs[tid], codes[tid] = [], []
                tids.append(tid)
                parent = depth_of.get(ev[3])
                d = depth_of[tid] = parent + 1 if parent is not None else 0
                depth.append(d)
                if len(ev) > 6 and ev[6]:
                    library.add(tid)
                code = "t" if len(ev) == 7 else "x"
            elif tag == "end":
                tid = ev[1]
                keys[i] = ev[2]
                code = "e" if len(ev) == 6 else "x"
                if ev[3] == "failed":
                    failed_at.append(i)
                    failed.append(tid)
            elif tag == "cancel" or tag == "uncancel" or tag == "name":
                tid = ev[1]
                keys[i] = ev[2]
                code = "n" if tag == "name" and len(ev) == 4 else "x"
            else:
                keys[i] = logged_at(ev)
                if tag in loose:
                    loose[tag].append(i)
                continue
            r = recs.get(tid)
            if r is None:   # the fold fails on it too (by_tid[tid])
                raise KeyError(f"a {tag} record of task {tid}, which was never created")
            r.append(i)
            codes[tid].append(code)
        order, o0, s0, w0 = array(_I), array(_I), array(_I), array(_I)
        spans, wspans, winfo, letters = array("d"), array("d"), [], []
        infos: dict = {}
        for tid in tids:
            o0.append(len(order))
            s0.append(len(spans) >> 1)
            w0.append(len(winfo))
            pos, cc = recs[tid], codes[tid]
            order.extend(pos)
            letters.extend(cc)
            last = len(cc) - 1
            for q, (j, c) in enumerate(zip(pos, cc)):
                if c == "s":
                    ev = events[j]
                    spans.append(ev[2])
                    spans.append(ev[3])
                elif c == "w":
                    ev = events[j]
                    wspans.append(ev[2])
                    r = q + 1   # a rename does not end a wait: the task's next step or end does
                    while r <= last and cc[r] == "n":
                        r += 1
                    nxt = cc[r] if r <= last else None
                    wspans.append(events[pos[r]][2] if nxt == "s" or nxt == "e" else _NAN)
                    key = (ev[3], ev[4])
                    winfo.append(infos.setdefault(key, key))
        o0.append(len(order))
        s0.append(len(spans) >> 1)
        w0.append(len(winfo))
        ix = cls()
        ix.n, ix.tids, ix.depth = n, tids, array(_I, depth)
        ix._keys, ix._make_keys = list(accumulate(keys, max)), None
        ix.o0, ix.s0, ix.w0, ix.order, ix.codes = o0, s0, w0, order, "".join(letters).encode("ascii")
        ix.spans, ix.wspans, ix.winfo = spans, wspans, winfo
        ix.loose, ix.failed_at, ix.failed, ix.library = loose, failed_at, failed, library
        ix._finish(events)
        return ix

    def _finish(self, events) -> None:
        """Which tasks are folded alone (``complex``) or renamed, where each cancellation landed."""
        order, o0, codes = self.order, self.o0, self.codes
        self.created = created = array(_I, map(order.__getitem__, o0[:-1]))
        if len(created) != len(self.depth) or not all(map(int.__lt__, created, created[1:])):
            raise ValueError("the tasks' creations are out of order")
        ends = bisect.bisect_right
        self.complex = {ends(o0, m.start()) - 1 for m in re.finditer(rb"x", codes)}
        self.renamed = {ends(o0, m.start()) - 1 for m in re.finditer(rb"n", codes)}
        # Where each cancellation landed, in log order: the fold of each complex task alone says
        # (a landing depends on the task's own records only).
        landings = []
        for i in sorted(self.complex):
            scratch = TaskTable()
            seen = 0
            for q in range(o0[i], o0[i + 1]):
                g = order[q]
                scratch.apply((events[g],))
                lines = scratch.landed_lines
                count = sum(map(len, lines.values())) if lines else 0
                if count > seen:
                    seen = count
                    row = scratch.rows[0]
                    landings.append((g, row.story.landed_at, row.tid))
        landings.sort()
        self.landings = landings

    def moved(self, old: str, new: str) -> "_Index":
        """This index for the run's events with the file ``old`` renamed ``new`` (``relocate``):
        the places are the same, the lines where cancellations landed are in the new file."""
        ix = _new(_Index)
        for name in _Index.__slots__:
            setattr(ix, name, getattr(self, name))
        ix.landings = [(g, (new if key[0] == old else key[0], key[1]), tid)
                       for g, key, tid in self.landings]
        return ix

    # -- in a saved run ------------------------------------------------------------------------------
    def to_body(self) -> dict:
        infos: dict = {}
        ids = array(_I, (infos.setdefault(info, len(infos)) for info in self.winfo))
        return {"keys": _pack(array("d", self.keys)), "order": _pack(self.order),
                "codes": self.codes.decode("ascii"),
                "o0": _pack(self.o0), "s0": _pack(self.s0), "w0": _pack(self.w0),
                "depth": _pack(self.depth), "failed_at": _pack(self.failed_at),
                "spans": _pack(self.spans), "wspans": _pack(self.wspans),
                "winfo": _pack(ids), "winfos": [list(info) for info in infos]}

    @classmethod
    def from_body(cls, body: dict, events, make_keys, loose, swap: bool) -> "_Index":
        ix = cls()
        n = len(events)
        ix.n, ix._keys, ix.loose = n, None, loose
        keys = body.get("keys")
        # The saved keys (made non-decreasing when saved); else merged from the events' columns.
        if keys is None:
            ix._make_keys = make_keys
        else:
            ix._keys, ix._make_keys = _unpack(keys, "d", swap, n), None
        ix.order = _unpack(body["order"], _I, swap)
        ix.codes = body["codes"].encode("ascii")
        ix.o0, ix.s0, ix.w0, ix.depth, ix.failed_at = (
            _unpack(body[k], _I, swap) for k in ("o0", "s0", "w0", "depth", "failed_at"))
        ix.spans, ix.wspans = _unpack(body["spans"], "d", swap), _unpack(body["wspans"], "d", swap)
        table = [tuple(info) for info in body["winfos"]]
        ix.winfo = list(map(table.__getitem__, _unpack(body["winfo"], _I, swap)))
        t = len(ix.o0) - 1
        if (len(ix.codes) != len(ix.order) or len(ix.s0) != t + 1 or len(ix.w0) != t + 1
                or ix.o0[-1] != len(ix.order) or 2 * ix.s0[-1] != len(ix.spans)
                or 2 * ix.w0[-1] != len(ix.wspans) or ix.w0[-1] != len(ix.winfo)
                or (ix.order and not 0 <= min(ix.order) <= max(ix.order) < n)
                or (ix.failed_at and not 0 <= min(ix.failed_at) <= max(ix.failed_at) < n)
                or ix.codes.count(b"s") != ix.s0[-1] or ix.codes.count(b"w") != ix.w0[-1]):
            raise ValueError("the index does not match the events")
        ix._finish(events)
        creations = list(map(events.__getitem__, ix.created))
        if any(ev[0] != "task" for ev in creations):
            raise ValueError("the index does not match the events")
        ix.tids = [ev[1] for ev in creations]
        ix.library = {ev[1] for ev in creations if len(ev) > 6 and ev[6]}
        ix.failed = [events[g][1] for g in ix.failed_at]
        return ix


_new = object.__new__

# The task records, and the letter (``_Index.codes``) of each in its usual shape (else ``x``).
_BOUND = frozenset(("step", "wait", "task", "end", "cancel", "uncancel", "name"))
_KEY_AT = {"step": 3, "run": 1}       # where ``logged_at`` is (a block's is worked out)


def _build_columns(cls, events, final=None):
    """``_Index.build`` as a few passes over columns, each a C loop (``map``, ``compress``,
    ``sorted``, ``bytes.count``), never a Python loop over the records: what a run of this
    session pays when its scrubber first moves.  The records are grouped by task with a stable
    sort on the tid (a tracer's tids ascend with creation, and its log is runs of ascending tids,
    which ``sorted`` merges in a few passes); each group starts with its task's creation (``t``).
    The records are read in log order, where they lie in memory in order (read in the grouped
    order, each a cache miss, it cost twice as much), and the steps' and waits' times come from
    ``final``, the table of the whole run, when it is at hand and agrees.  None when the log is
    not what this assumes (tids not ascending with creation, a record before its task's
    creation, a task created twice or never, an odd creation record): ``_build_records`` then
    builds the index, or says what is wrong."""
    n = len(events)
    get = events.__getitem__
    tags = list(map(_first, events))
    keys = list(map(getitem, events, map(_KEY_AT.get, tags, repeat(2))))
    letters = list(map(_LETTERS.get, tags, repeat("-")))   # - : not a task's record
    tidcol = list(map(_second, events))
    loose = {k: array(_I) for k in _LOOSE}
    # The records in an odd shape (a cancel's, an uncancel's: every one) and those of no task.
    for i in compress(range(n), map(ne, map(len, events), map(_SHAPE.get, tags, repeat(-1)))):
        tag = tags[i]
        if tag in _BOUND:
            letters[i] = "x"
            continue
        tidcol[i] = -1          # (sorted first, then left out)
        if tag == "block":
            ev = events[i]
            keys[i] = ev[2] + ev[3]
        if tag in loose:
            loose[tag].append(i)
    everything = sorted(range(n), key=tidcol.__getitem__)
    order_l = everything[letters.count("-"):]
    del everything
    glet = list(map(letters.__getitem__, order_l))
    codes = "".join(glet).encode("ascii")
    o0_l = [m.start() for m in re.finditer(rb"t", codes)]
    t = len(o0_l)
    tpos = list(map(order_l.__getitem__, o0_l))
    tids = list(map(tidcol.__getitem__, tpos))
    o0_l.append(len(order_l))
    # Each ``t`` starts its task's group: the tids ascend with the creations, and the record
    # before each ``t`` is the previous task's (none is missing its creation, or before it).
    if (t and o0_l[0] != 0 or not all(map(lt, tpos, islice(tpos, 1, None)))
            or not all(map(lt, tids, islice(tids, 1, None)))
            or list(map(tidcol.__getitem__, map(order_l.__getitem__,
                                                map(sub, islice(o0_l, 1, None), repeat(1)))))
            != tids):
        return None
    if b"x" in codes and any(tags[order_l[m.start()]] == "task" for m in re.finditer(rb"x", codes)):
        return None                  # a creation in an odd shape
    spans = None
    rows = getattr(final, "rows", None)
    if rows is not None and len(rows) == t and b"x" not in codes:
        # The table folded these very records (the window's, as the run ended): its rows'
        # spans and waits are the index's, and so are their counts, depths, the library's tasks
        # and the failed ones, if it saw every record (each task's, in all).
        steps, waits = list(map(_steps_of, rows)), list(map(_waits_of, rows))
        ns, nw = list(map(len, steps)), list(map(len, waits))
        failed = list(final.failed)
        at = list(map(bisect.bisect_left, repeat(tids), failed))
        ends = [o0_l[i + 1] - 1 for i in at if i < t]   # (each its task's last record)
        if (sum(ns) == codes.count(b"s") and sum(nw) == codes.count(b"w")
                and list(map(_tid_row, rows)) == tids and len(ends) == len(failed)
                and list(map(tids.__getitem__, at)) == failed
                and all(codes[q] == _E for q in ends)):
            s0_l = list(accumulate(ns, initial=0))
            w0_l = list(accumulate(nw, initial=0))
            spans, wspans = array("d"), array("d")
            spans.frombytes(b"".join(map(_a_of, steps)))
            wspans.frombytes(b"".join(map(_t_of, waits)))
            winfo = list(chain.from_iterable(map(_info_of, waits)))
            depth = array(_I, map(_depth_of, rows))
            library = set(final.library_tids)
            failed_at = array(_I, sorted(map(order_l.__getitem__, ends)))
            failed = list(map(_second, map(get, failed_at)))
    if spans is None:
        s0_l = list(accumulate(map(codes.count, repeat(b"s"), o0_l, islice(o0_l, 1, None)),
                               initial=0))
        w0_l = list(accumulate(map(codes.count, repeat(b"w"), o0_l, islice(o0_l, 1, None)),
                               initial=0))
        sq = [m.start() for m in re.finditer(rb"s", codes)]
        spans = array("d", chain.from_iterable(map(_t0t1, map(get, map(order_l.__getitem__, sq)))))
        # A wait ends at the task's next record when that is a step or its end (a rename
        # between does not end it); else it is open (NaN).
        wq = [m.start() for m in re.finditer(rb"w", codes)]
        nxt = list(map(add, wq, repeat(1)))
        if b"wn" in codes:
            skip = {m.start(): m.end() for m in re.finditer(rb"wn+", codes)}
            nxt = [skip.get(q, r) for q, r in zip(wq, nxt)]
        glet.append("t")                 # (past the last group: a next task's creation)
        order_l.append(0)
        ends = list(map(_third, map(get, map(order_l.__getitem__, nxt))))
        order_l.pop()
        for j in compress(range(len(wq)), map(not_, map(_closes, map(glet.__getitem__, nxt)))):
            ends[j] = _NAN
        wevs = list(map(get, map(order_l.__getitem__, wq)))
        wspans = array("d", chain.from_iterable(zip(map(_third, wevs), ends)))
        infos: dict = {}
        wkeys = list(map(_info, wevs))
        winfo = list(map(infos.setdefault, wkeys, wkeys))
        depth, depth_of, library = array(_I), {}, set()
        for ev in map(get, tpos):
            parent = depth_of.get(ev[3])
            d = depth_of[ev[1]] = parent + 1 if parent is not None else 0
            depth.append(d)
            if len(ev) > 6 and ev[6]:
                library.add(ev[1])
        epos = [order_l[m.start()] for m in re.finditer(rb"e", codes)]
        if b"x" in codes:
            epos.extend(g for g in map(order_l.__getitem__,
                                       (m.start() for m in re.finditer(rb"x", codes)))
                        if tags[g] == "end")
            epos.sort()
        failed_at = array(_I, compress(epos, map("failed".__eq__, map(_fourth, map(get, epos)))))
        failed = list(map(_second, map(get, failed_at)))
    # Non-decreasing, as ``accumulate(keys, max)`` makes them (~250 ms on a million, where the
    # log has one or two records out of order: a block is logged when it is seen).
    for j in list(compress(range(1, n), map(gt, keys, islice(keys, 1, None)))):
        top = keys[j - 1]
        while j < n and keys[j] < top:
            keys[j] = top
            j += 1
    ix = cls()
    ix.n, ix.tids, ix.depth = n, tids, depth
    ix._keys, ix._make_keys = keys, None
    ix.o0, ix.s0, ix.w0 = array(_I, o0_l), array(_I, s0_l), array(_I, w0_l)
    ix.order, ix.codes = array(_I, order_l), codes
    ix.spans, ix.wspans, ix.winfo = spans, wspans, winfo
    ix.loose, ix.failed_at, ix.library, ix.failed = loose, failed_at, library, failed
    ix._finish(events)
    return ix


_first, _second, _third, _fourth = itemgetter(0), itemgetter(1), itemgetter(2), itemgetter(3)
_t0t1, _info = itemgetter(2, 3), itemgetter(3, 4)
_closes = frozenset("se").__contains__
_steps_of, _waits_of, _tid_row = attrgetter("steps"), attrgetter("waits"), attrgetter("tid")
_a_of, _t_of, _info_of = attrgetter("_a"), attrgetter("_t"), attrgetter("_info")
_depth_of = attrgetter("depth")
_LETTERS = {"step": "s", "wait": "w", "task": "t", "end": "e", "name": "n", "cancel": "x",
            "uncancel": "x"}
_SHAPE = {"step": 4, "wait": 8, "task": 7, "end": 6, "name": 4}


# -- built in slices: a run of this session, with the window's table of it ---------------------------
# One byte per record, in log order: the task records' letters (``_Index.codes``), the loose ones'
# (output, block, run, error), ``-`` for any other.
_CODE = {"step": _S, "wait": _W, "task": _T, "end": _E, "name": _N, "cancel": b"x"[0],
         "uncancel": b"x"[0], "output": b"o"[0], "block": b"b"[0], "run": b"r"[0],
         "error": b"E"[0]}
_OTHER = b"-"[0]


def _table(pairs: dict) -> bytes:
    t = bytearray(256)
    for k, v in pairs.items():
        t[k[0]] = v
    return bytes(t)


_EXPECT = _table({b"s": 4, b"w": 8, b"t": 7, b"e": 6, b"n": 4})     # each letter's length
_KEY_IN = bytes(3 if c == _S else 1 if c == b"r"[0] else 2 for c in range(256))   # logged_at's field
_CHUNK = 32768          # records a step of the grouping takes (a few ms)
#: A shorter log is indexed at once (~0.1 s at most): every move of its scrub is whole at once.
_LAZY_FROM = 100_000


def _build_lazy(cls, events, final):
    """``_Index.build`` for a run of this session whose table (``final``) agrees with its log:
    the first scrub frame waits on what a moment's table needs of the whole log (the keys, the
    creations, the outputs and failures, in a few C passes over the log, ~0.15 s for a million
    records) and on the rows on screen (``_part``); the records are grouped by task afterwards,
    in steps of a few ms (``advance``, which ``Scrub.settle`` calls; anything that reads a
    grouped array first finishes it: ``__getattr__``).  The grouping is a counting sort on the
    tid (a tracer's tids are 1, 2, 3… in creation order), not ``sorted``: 0.5 s on a loaded
    machine, and not to be cut in slices.

    None for a log shorter than ``_LAZY_FROM``, and when the log or the table is not what this
    assumes (a cancel or uncancel, a record in an odd shape, tids not ascending with creation, a table of other records): the index is
    then built at once (``_build_columns``)."""
    rows = getattr(final, "rows", None)
    n = len(events)
    if not rows or n < _LAZY_FROM:
        return None
    letters = bytes(map(_CODE.get, map(_first, events), repeat(_OTHER)))
    if b"x" in letters:
        return None                 # a cancellation story: its task is folded alone
    lens = bytes(map(len, events))
    expect = bytearray(letters.translate(_EXPECT))
    loose = {k: array(_I) for k in _LOOSE}
    others = [m.start() for m in re.finditer(rb"[^stwen]", letters)]
    for g in others:
        expect[g] = lens[g]
        tag = events[g][0]
        if tag in loose:
            loose[tag].append(g)
    if lens != expect:
        return None                 # a task's record in an odd shape
    del lens, expect
    keys = list(map(getitem, events, letters.translate(_KEY_IN)))
    for g in loose["block"]:
        ev = events[g]
        keys[g] = ev[2] + ev[3]
    tidcol = list(map(_second, events))
    for g in others:
        tidcol[g] = 0
    created = _where(letters, b"t")
    tids = list(map(tidcol.__getitem__, created))
    t = len(tids)
    if (t != len(rows) or set(map(type, tids)) != {int} or tids[0] < 1
            or not all(map(lt, tids, islice(tids, 1, None))) or tids[-1] > 4 * t + 1024
            or list(map(_tid_row, rows)) != tids):
        return None
    steps, waits = list(map(_steps_of, rows)), list(map(_waits_of, rows))
    if (sum(map(len, map(_a_of, steps))) != 2 * letters.count(b"s")
            or sum(map(len, map(_info_of, waits))) != letters.count(b"w")):
        return None
    get = events.__getitem__
    ends = _where(letters, b"e")
    failed_at = array(_I, compress(ends, map("failed".__eq__, map(_fourth, map(get, ends)))))
    failed = list(map(_second, map(get, failed_at)))
    if sorted(failed) != sorted(final.failed):
        return None
    renames: dict = {}              # task ordinal -> how many renames
    for m in re.finditer(rb"n", letters):
        tid = tidcol[m.start()]
        i = bisect.bisect_left(tids, tid)
        if i == t or tids[i] != tid:
            return None
        renames[i] = renames.get(i, 0) + 1
    ix = cls()
    ix.n, ix.tids, ix.depth = n, tids, array(_I, map(_depth_of, rows))
    # The keys are made non-decreasing in the first steps (``at`` does without), or when read.
    ix._keys, ix._make_keys = None, lambda: _nondecreasing(keys, 0, n)
    ix.loose, ix.failed_at, ix.failed, ix.library = loose, failed_at, failed, set(final.library_tids)
    ix.created, ix.complex, ix.renamed, ix.landings = array(_I, created), set(), set(renames), []
    ix._early = (tidcol, letters, rows, keys, renames)
    ix._rest = _grouped(ix, events, final, steps, waits, len(others))
    return ix


def _grouped(ix, events, final, steps, waits, nloose):
    """The rest of a lazy index (``_build_lazy``), a step of a few ms at each ``next``: the
    records grouped by task (a bucket per tid, filled in log order), their letters, and the
    steps' and waits' times from the window's table.  A log that turns out not to be what
    ``_build_lazy`` assumed (a record of a task before its creation, or of none) is built at
    once as ``_Index.build`` would have, or refused as it would have been."""
    tidcol, letters, _rows, keys, _renames = ix._early
    n, tids, created = ix.n, ix.tids, ix.created
    step = 4 * _CHUNK
    for a in range(0, n, step):
        _nondecreasing(keys, a, min(n, a + step))
        yield
    if ix._keys is None:
        ix._keys, ix._make_keys = keys, None
    try:
        for a in range(0, n, step):
            if min(tidcol[a:a + step]) < 0:
                raise ValueError("a negative tid")
            yield
        top = tids[-1] + 1
        buckets: list = []
        while len(buckets) < top:
            buckets.extend([array(_I) for _ in range(min(16384, top - len(buckets)))])
            yield
        put, into = array.append, buckets.__getitem__
        for a in range(0, n, _CHUNK):
            deque(map(put, map(into, tidcol[a:a + _CHUNK]), range(a, min(n, a + _CHUNK))),
                  maxlen=0)
            yield
        groups = list(map(into, tids))
        # Each task's group starts with its creation, and no record is of another tid.
        if (len(buckets[0]) != nloose or list(map(getitem, groups, repeat(0))) != list(created)
                or sum(map(len, groups)) + nloose != n):
            raise ValueError("a record of a task before its creation, or of none")
        del buckets
        order = array(_I)
        order.frombytes(b"".join(groups))
        o0 = array(_I, accumulate(map(len, groups), initial=0))
        del groups
        yield
        parts = []
        for a in range(0, n, step):
            parts.append(bytes(map(letters.__getitem__, order[a:a + step])))
            yield
        codes = b"".join(parts)
        del parts
        s0 = array(_I, accumulate(map(rshift, map(len, map(_a_of, steps)), repeat(1)), initial=0))
        w0 = array(_I, accumulate(map(len, map(_info_of, waits)), initial=0))
        spans, wspans = array("d"), array("d")
        spans.frombytes(b"".join(map(_a_of, steps)))
        yield
        wspans.frombytes(b"".join(map(_t_of, waits)))
        yield
        winfo: list = []
        for a in range(0, len(waits), 16384):
            winfo.extend(chain.from_iterable(map(_info_of, waits[a:a + 16384])))
            yield
    except (TypeError, IndexError, ValueError, AttributeError, KeyError):
        full = _Index._build_now(events, final)
        for name in _Index.__slots__:
            if name not in ("_rest", "_early"):
                setattr(ix, name, getattr(full, name))
        return
    ix.o0, ix.s0, ix.w0, ix.order, ix.codes = o0, s0, w0, order, codes
    ix.spans, ix.wspans, ix.winfo = spans, wspans, winfo


def _where(letters: bytes, letter: bytes) -> list:
    """The places of ``letter`` in ``letters``, ascending (from the lengths of what lies
    between them: a C loop over the letters, not a match object each)."""
    pieces = letters.split(letter)
    pieces.pop()
    return list(map(add, accumulate(map(len, pieces)), count()))


def _nondecreasing(keys: list, a: int, b: int) -> list:
    """``keys[a:b]`` made non-decreasing in place, as ``accumulate(keys, max)`` makes them, the
    keys before ``a`` being so already (~250 ms on a million, where the log has one or two
    records out of order: a block is logged when it is seen)."""
    n = len(keys)
    lo = max(a, 1)
    for j in list(compress(range(lo, b), map(gt, islice(keys, lo - 1, b - 1),
                                              islice(keys, lo, b)))):
        top = keys[j - 1]
        while j < n and keys[j] < top:
            keys[j] = top
            j += 1
    return keys


def _prefix(t: int, tasks: list, counts) -> array:
    """``o0``-like starts over ``t`` tasks where only ``tasks`` (ascending) have ``counts``."""
    a = array(_I)
    cur = j = 0
    for i, c in zip(tasks, counts):
        a.extend(array(_I, (cur,)) * (i + 1 - j))
        j, cur = i + 1, cur + c
    a.extend(array(_I, (cur,)) * (t + 1 - j))
    return a


def _pack(a: array) -> str:
    return base64.b64encode(a.tobytes()).decode("ascii")


def _unpack(text: str, code: str, swap: bool, n: int | None = None) -> array:
    a = array(code)
    a.frombytes(base64.b64decode(text, validate=True))
    if swap:
        a.byteswap()
    if n is not None and len(a) != n:
        raise ValueError(f"a column holds {len(a)} values where {n} were expected")
    return a
