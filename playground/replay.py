"""Runs as documents: save a run, open it again, see any moment of it, compare two runs.

A saved run is a Chrome Trace Event JSON file (Perfetto and chrome://tracing open it as they open
``run --trace``) with one more top-level key, ``"asyncioPlayground"``, that carries what replay needs:
the tracer's events, the source that ran, its file name and the Python that ran it.  Viewers of
the trace format ignore keys they do not know.

Format 2 (written since issue 14) is built to open a 1M-event run in well under 2 s: the key comes
first in the file and says how many bytes it takes, so opening reads and parses that much and never
the trace after it; the events are columns (tids, times, string-table indices as base64 arrays, one
letter per event for its kind), and the run's events grouped by task (below) come with them.
Format 1 files (the events as one JSON list, at the end) still open, more slowly.

``Replay`` shows a run at any loop time ``t``: the table, the timeline, the await view and the
gutter all read a ``TaskTable``, so showing a moment is showing the table as the fold of the events
logged up to ``t`` left it (events are logged in the order their times say: a step when it ends, a
block when it ends).  A fold from the start costs a moment's position in the log, so the moment is
not folded: every task's events are indexed together (``_Index``: per task its records' places in
the log and its steps' and waits' times, as flat arrays), and a task's row at a moment is made from
its last record before it and the counts of its steps and waits (a slice of the arrays).  A moment
costs its tasks, not its place in the log; tasks whose records include a cancel or uncancel (whose
cancellation story is a fold of its own) are folded alone, from their creation.

``Scrub`` keeps one table at a moving moment for a window: the rows stay the same objects (the
views keep theirs), a move updates the rows whose records lie in between, and a long jump updates
the rows a window shows at once and the rest in slices (``settle``), so no frame waits on 100,000
rows.
"""
from __future__ import annotations

import base64
import bisect
import gc
import json
import platform
import re
import sys
import time
from array import array
from collections import deque
from contextlib import contextmanager
from itertools import accumulate, repeat
from pathlib import Path
from typing import NamedTuple

from ._export import chrome_trace
from ._table import Spans, TaskRow, TaskTable, Waits
from .events import ExcInfo, named

__all__ = ["FORMAT", "Difference", "Move", "Replay", "ReplayError", "SavedRun", "Scrub", "compare",
           "load_run", "relocate", "save_run"]

#: The key under which a saved run carries its replay data, and the format version it writes.
FORMAT = ("asyncioPlayground", 2)
_READS = (1, 2)   # the format versions load_run reads

_NONE = -(1 << 63)          # an int column's None
_I = next(c for c in "ilq" if array(c).itemsize == 4)   # 4-byte ints: places, string ids, lines
_NONE32 = -(1 << 31)        # a line column's None
_NAN = float("nan")
_HEAD = re.compile(rb'\{"asyncioPlayground":\{"version":2,"bytes":"(\d{12})"')
_OPEN = b'{"asyncioPlayground":'

# One letter per record of a task (``_Index.codes``): the four records logged for every task and
# step in their usual shapes, renames, and ``x`` for any other (a cancel, an uncancel, an odd shape).
_T, _S, _W, _E, _N = b"t"[0], b"s"[0], b"w"[0], b"e"[0], b"n"[0]
_LOOSE = ("output", "block", "error", "run")


class ReplayError(ValueError):
    """A file that cannot be opened as a saved run; the message says why, in words."""


class SavedRun(NamedTuple):
    """A run read back from a file: ``events`` (the run's log, records as the tracer logs them:
    plain tuples for task creations, steps, waits and ends, named records for the rest; read any of
    them through ``events.named``), the ``source`` that ran, the ``filename`` it ran as, the
    ``python`` version that ran it, and a ``label`` ("what ran")."""
    events: list
    source: str | None
    filename: str | None
    python: str | None
    label: str


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


# == the index: every task's records together ===========================================================
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
                 "landings", "failed_at", "failed", "library")

    @property
    def keys(self) -> list:
        if self._keys is None:
            self._keys = self._make_keys()
            self._make_keys = None
        return self._keys

    # -- from a log ----------------------------------------------------------------------------
    @classmethod
    def build(cls, events) -> "_Index":
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


# == saving and loading ==================================================================================
def _plain(s) -> str:
    return s if s.__class__ is str else str.__str__(s)   # a StrEnum word, as its plain string


def _encode_events(events, sid) -> dict:
    """The events as columns: ``kinds`` (t s w e, ``o`` for the rest, one letter each), one set of
    columns per kind of the four plain records, and ``other`` (the rest as JSON lists)."""
    kinds = bytearray()
    tt, tp, tn, tc, tl, ttid = array("d"), array("q"), array(_I), array(_I), array("B"), array("q")
    st, s0, s1 = array("q"), array("d"), array("d")
    wt, wtt, wk, wd, wf, wl = array("q"), array("d"), array(_I), array(_I), array(_I), array(_I)
    wat, wn, wtids = array(_I), array(_I), array("q")
    et, ett, es, esum = array("q"), array("d"), array(_I), array(_I)
    exc_at, exc_info = [], []
    other = []
    for ev in events:
        tag = ev[0]
        size = len(ev)
        if tag == "step" and size == 4 and type(ev[1]) is int and type(ev[2]) is float \
                and type(ev[3]) is float:
            kinds.append(_S)
            st.append(ev[1])
            s0.append(ev[2])
            s1.append(ev[3])
            continue
        if tag == "wait" and size == 8 and type(ev[1]) is int and type(ev[2]) is float \
                and isinstance(ev[3], str) and (ev[4] is None or isinstance(ev[4], str)) \
                and (ev[5] is None or isinstance(ev[5], str)) \
                and (ev[6] is None or (type(ev[6]) is int and _NONE32 < ev[6] < -_NONE32)) \
                and isinstance(ev[7], (tuple, list)) and all(type(x) is int for x in ev[7]):
            kinds.append(_W)
            wt.append(ev[1])
            wtt.append(ev[2])
            wk.append(sid(ev[3]))
            wd.append(sid(ev[4]))
            wf.append(sid(ev[5]))
            wl.append(_NONE32 if ev[6] is None else ev[6])
            if ev[7]:
                wat.append(len(wt) - 1)
                wn.append(len(ev[7]))
                wtids.extend(ev[7])
            continue
        if tag == "task" and size == 7 and type(ev[1]) is int and type(ev[2]) is float \
                and (ev[3] is None or type(ev[3]) is int) and isinstance(ev[4], str) \
                and isinstance(ev[5], str) and type(ev[6]) is bool:
            kinds.append(_T)
            ttid.append(ev[1])
            tt.append(ev[2])
            tp.append(_NONE if ev[3] is None else ev[3])
            tn.append(sid(ev[4]))
            tc.append(sid(ev[5]))
            tl.append(ev[6])
            continue
        if tag == "end" and size == 6 and type(ev[1]) is int and type(ev[2]) is float \
                and isinstance(ev[3], str) and (ev[4] is None or isinstance(ev[4], str)):
            kinds.append(_E)
            et.append(ev[1])
            ett.append(ev[2])
            es.append(sid(ev[3]))
            esum.append(sid(ev[4]))
            if ev[5] is not None:
                exc_at.append(len(et) - 1)
                exc_info.append(list(ev[5]))
            continue
        kinds.append(b"o"[0])
        other.append(list(ev))
    return {
        "kinds": kinds.decode("ascii"),
        "task": {"tid": _pack(ttid), "t": _pack(tt), "parent": _pack(tp), "name": _pack(tn),
                 "coro": _pack(tc), "library": _pack(tl)},
        "step": {"tid": _pack(st), "t0": _pack(s0), "t1": _pack(s1)},
        "wait": {"tid": _pack(wt), "t": _pack(wtt), "kind": _pack(wk), "detail": _pack(wd),
                 "filename": _pack(wf), "lineno": _pack(wl),
                 "targets": {"at": _pack(wat), "n": _pack(wn), "tids": _pack(wtids)}},
        "end": {"tid": _pack(et), "t": _pack(ett), "state": _pack(es), "summary": _pack(esum),
                "exc": {"at": exc_at, "info": exc_info}},
        "other": other,
    }


def _decode_events(body: dict, swap: bool):
    """``_encode_events`` backwards: (events, a function making their keys, loose places),
    every step at C speed."""
    strings = list(body["strings"]) + [None]   # index -1 is None
    name = strings.__getitem__
    kinds = body["kinds"].encode("ascii")
    n = len(kinds)
    if n != body["count"]:
        raise ValueError(f"{len(kinds)} kinds for {body['count']} events")
    nt, ns, nw, ne = (kinds.count(c) for c in (b"t", b"s", b"w", b"e"))
    task, step, wait, end = body["task"], body["step"], body["wait"], body["end"]

    def ints(col, k, count, code="q"):
        return _unpack(col[k], code, swap, count)

    def ids(col, k, count):   # string-table indices
        return map(name, _unpack(col[k], _I, swap, count))

    def floats(col, k, count):
        return _unpack(col[k], "d", swap, count)

    def maybe(a, none):   # an int column with ``none`` for None
        return [None if x == none else x for x in a] if none in a else a.tolist()

    ttid, stid, wtid, etid = ints(task, "tid", nt), ints(step, "tid", ns), ints(wait, "tid", nw), \
        ints(end, "tid", ne)
    tt = floats(task, "t", nt)
    tasks = list(zip(repeat("task"), ttid, tt, maybe(ints(task, "parent", nt), _NONE),
                     ids(task, "name", nt), ids(task, "coro", nt),
                     map(bool, _unpack(task["library"], "B", swap, nt))))
    s1 = floats(step, "t1", ns)
    steps = list(zip(repeat("step"), stid, floats(step, "t0", ns), s1))
    targets = [()] * nw
    tg = wait["targets"]
    at, counts, flat = ints(tg, "at", None, _I), ints(tg, "n", None, _I), ints(tg, "tids", None)
    if len(at) != len(counts) or sum(counts) != len(flat):
        raise ValueError("the waits' targets do not add up")
    pos = 0
    for w, c in zip(at, counts):
        targets[w] = tuple(flat[pos:pos + c])
        pos += c
    wt = floats(wait, "t", nw)
    waits = list(zip(repeat("wait"), wtid, wt, ids(wait, "kind", nw), ids(wait, "detail", nw),
                     ids(wait, "filename", nw), maybe(ints(wait, "lineno", nw, _I), _NONE32),
                     targets))
    et = floats(end, "t", ne)
    excs = [None] * ne
    for e, info in zip(end["exc"]["at"], end["exc"]["info"]):
        excs[e] = ExcInfo(*info)
    ends = list(zip(repeat("end"), etid, et, ids(end, "state", ne), ids(end, "summary", ne),
                    excs))
    others = [named(ev) for ev in body["other"]]
    if len(others) != n - nt - ns - nw - ne:
        raise ValueError("the other records do not add up")
    tables = [None] * 128
    for letter, records in ((b"t", tasks), (b"s", steps), (b"w", waits), (b"e", ends),
                            (b"o", others)):
        tables[letter[0]] = iter(records)
    events = _Log(map(next, map(tables.__getitem__, kinds)))

    def make_keys():   # the log's keys, merged the same way (on first use)
        merge = [None] * 128
        for letter, values in ((b"t", tt), (b"s", s1), (b"w", wt), (b"e", et),
                               (b"o", [logged_at(ev) for ev in others])):
            merge[letter[0]] = iter(values)
        return list(accumulate(map(next, map(merge.__getitem__, kinds)), max))

    loose = {k: array("q") for k in _LOOSE}
    for m, ev in zip(re.finditer(rb"o", kinds), others):
        if ev[0] in loose:
            loose[ev[0]].append(m.start())
    return events, make_keys, loose


def save_run(events, path, *, source: str | None = None, filename: str | None = None,
             label: str | None = None) -> None:
    """Write ``events`` (a tracer's log) to ``path`` as a saved run (see the module docstring)."""
    events = list(events)
    trace = chrome_trace(events)
    key, version = FORMAT
    strings: dict = {}

    def sid(s):
        if s is None:
            return -1
        i = strings.get(s)
        if i is None:
            i = strings[s] = len(strings)
        return i

    body = {"label": label or (Path(filename).name if filename else "run"), "filename": filename,
            "source": source, "python": platform.python_version(), "byteorder": sys.byteorder,
            "count": len(events)}
    body.update(_encode_events(events, sid))
    body["strings"] = [_plain(s) for s in strings]
    body["index"] = _Index.build(events).to_body()
    rest = json.dumps(body, separators=(",", ":"))   # ASCII: its length is its size in bytes
    size = len('{"version":2,"bytes":"000000000000",') + len(rest) - 1
    head = f'{{"version":{version},"bytes":"{size:012d}",'
    assert len(head) + len(rest) - 1 == size
    tail = json.dumps(trace)
    with open(path, "w", encoding="utf-8") as f:
        f.write(f'{{"{key}":')
        f.write(head)
        f.write(rest[1:])
        f.write(",")
        f.write(tail[1:])


def load_run(path) -> SavedRun:
    """Read a saved run; raises ``ReplayError`` saying why a file is not one."""
    path = Path(path)
    key, _version = FORMAT
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            m = _HEAD.match(head)
            body = None
            if m:   # format 2, as written: read the replay data alone, not the trace after it
                f.seek(len(_OPEN))
                text = f.read(int(m[1]))
                try:
                    body = json.loads(text)
                except (UnicodeDecodeError, json.JSONDecodeError):
                    body = None    # rewritten by hand or by a tool: read it all below
            if body is None:
                f.seek(0)
                data = json.loads(f.read())
                body = data.get(key) if isinstance(data, dict) else None
    except OSError as exc:
        raise ReplayError(f"Cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReplayError(f"{path.name} is not a saved run: not JSON ({exc})") from None
    if body is None:
        raise ReplayError(f"{path.name} has no replay data: it is a trace, but not one saved by "
                          "asyncio Playground (File → Save run, or `run --trace`)")
    version = body.get("version") if isinstance(body, dict) else "?"
    if version not in _READS:
        raise ReplayError(f"{path.name} was saved by another version of asyncio Playground "
                          f"(replay format {version}, this one reads "
                          f"{' and '.join(map(str, _READS))})")
    try:
        if version == 1:
            events = [named(ev) for ev in body["events"]]
            table = TaskTable()
            table.apply(events)
        else:
            swap = body.get("byteorder", "little") != sys.byteorder
            with _gc_paused():
                events, make_keys, loose = _decode_events(body, swap)
                try:
                    events.index = _Index.from_body(body["index"], events, make_keys, loose, swap)
                except (KeyError, TypeError, ValueError, IndexError):
                    events.index = None      # Replay builds it from the events
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise ReplayError(f"{path.name}: the replay data is damaged ({type(exc).__name__}: "
                          f"{exc})") from None
    return SavedRun(events, body.get("source"), body.get("filename"), body.get("python"),
                    str(body.get("label") or path.stem))


def relocate(events, old: str, new: str) -> list:
    """``events`` with every file name ``old`` replaced by ``new``: a saved run opened from
    another folder or machine, whose source now lives at ``new``.  Records keep their places (a
    saved run's index of them still holds)."""
    out = _Log(events)
    index = getattr(events, "index", None) if isinstance(events, _Log) else None
    out.index = index.moved(old, new) if index is not None else None

    def moved_exc(exc):
        if exc is None or exc[3] != old:
            return None
        return ExcInfo(*exc)._replace(filename=new)

    for i, ev in enumerate(out):
        tag = ev[0]
        if tag == "wait":
            if ev[5] == old:
                out[i] = ev._replace(filename=new) if hasattr(ev, "_replace") else \
                    ev[:5] + (new,) + ev[6:]
        elif tag == "block" or tag == "cancel":
            if ev.filename == old:
                out[i] = ev._replace(filename=new)
        elif tag == "end":
            exc = moved_exc(ev[5])
            if exc is not None:
                out[i] = ev._replace(exc=exc) if hasattr(ev, "_replace") else ev[:5] + (exc,)
        elif tag == "error":
            exc = moved_exc(ev.exc)
            if exc is not None:
                out[i] = ev._replace(exc=exc)
        elif tag == "run" and ev[2] == "start" and ev[3] == old:
            out[i] = ev._replace(path=new) if hasattr(ev, "_replace") else ev[:3] + (new,) + ev[4:]
    return out


# == moments ============================================================================================
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
        m = self._m = _Moment(replay, final, keep=True)
        made = replay._made
        if made is not None:   # the final table's rows, copied (they share spans and waits)
            m.rows = list(map(_clone, final.rows))
            table = m.table
            table.rows = list(m.rows)
            table.by_tid = dict(zip(ix.tids, m.rows))
            table.library_tids = set(final.library_tids)
            table.waiting_lines = {k: dict(v) for k, v in final.waiting_lines.items()}
            table._awaiters = {k: dict(v) for k, v in final._awaiters.items()}
            m.k, m.wat, m.count = dict(made.k), dict(made.wat), len(m.rows)
            wat = m.wat
            for which, lines in enumerate((table.waiting_lines, table._awaiters)):
                for key, tids in lines.items():
                    m.tail[(which, key)] = max(map(wat.__getitem__, tids))
            m.move(ix.n)
        else:
            m.move(ix.n)
            for i in range(m.count):
                m.sync(i, m.place(i, m.n))
            m.finish()
        self._pending: list[int] | None = None   # task ordinals still to sync
        self._cursor = 0

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
        n = ix.n if t is None else rp.index_at(t)
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

    def settle(self, seconds: float = 0.008) -> set[int]:
        """Bring more rows to the moment, for about ``seconds``; returns the tids that changed.
        ``settled`` says when every row is there."""
        with _gc_paused():
            return self._settle(seconds)

    def _settle(self, seconds: float) -> set[int]:
        m = self._m
        deadline = time.perf_counter() + seconds
        changed = set()
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


class Replay:
    """A finished run's events, seen at any moment.

    Attributes:
        events: the run's log (named records or the tracer's plain tuples).
        start, end: the loop times the run started and ended (its first and last events).
        final: the table of the whole run (``final=``: one already folded from ``events``).
    """

    def __init__(self, events, *, final: TaskTable | None = None):
        index = getattr(events, "index", None) if isinstance(events, _Log) else None
        self.events = events if index is not None else list(events)
        self._index = index if index is not None and index.n == len(self.events) else None
        self._full_lists = None
        self._ordinals = None
        self._made = None                # the _Moment that made ``final`` (Scrub copies it)
        self._table: TaskTable | None = None
        self._cursor = 0
        try:
            if final is None:
                with _gc_paused():
                    self._made = self._moment(len(self.events))
                final = self._made.table
            first = logged_at(self.events[0]) if self.events else 0.0
            end = final.finished or (self._ix.keys[-1] if self.events else None)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ReplayError(f"the run's events are damaged ({type(exc).__name__}: {exc})") \
                from None
        self.final = final
        self.start = final.started if final.started is not None else first
        self.end = end if end is not None else self.start

    @property
    def _ix(self) -> _Index:
        if self._index is None:     # (a run of this session: built when first needed)
            with _gc_paused():
                self._index = _Index.build(self.events)
        return self._index

    def _tid_of(self) -> dict:
        """tid -> the task's ordinal (creation order)."""
        if self._ordinals is None:
            self._ordinals = {tid: i for i, tid in enumerate(self._ix.tids)}
        return self._ordinals

    def _lists(self) -> dict:
        """Every output, block and error record of the run, in order (moments take prefixes)."""
        if self._full_lists is None:
            events = self.events
            self._full_lists = {k: list(map(events.__getitem__, v))
                                for k, v in self._ix.loose.items()}
        return self._full_lists

    def _moment(self, n: int) -> _Moment:
        """A new table, the fold of ``events[:n]``, in the ``_Moment`` that made it."""
        m = _Moment(self, None, keep=False)
        m.move(n)
        m.sync_all()
        m.finish()
        return m

    def index_at(self, t: float) -> int:
        """How many events were logged up to loop time ``t``."""
        return bisect.bisect_right(self._ix.keys, t)

    def table_at(self, t: float) -> TaskTable:
        """The run's ``TaskTable`` as it was at loop time ``t`` (a new table when ``t`` moved
        back or far forward; short forward moves fold the events in between into the same
        table)."""
        n = self.index_at(t)
        table = self._table
        if table is None or n < self._cursor or n - self._cursor > max(4096, 4 * len(table.rows)):
            with _gc_paused():
                self._table, self._cursor = self._moment(n).table, n
        elif n > self._cursor:
            table.apply(self.events[self._cursor:n])
            self._cursor = n
        return self._table

    def outputs_until(self, t: float) -> list:
        """The ``Output`` records written up to loop time ``t``, in order."""
        ix = self._ix
        c = bisect.bisect_left(ix.loose["output"], self.index_at(t))
        return [named(ev) for ev in self._lists()["output"][:c]]

    def scrub(self) -> Scrub:
        """A ``Scrub``: one table moved in place from moment to moment (for a window)."""
        return Scrub(self)


class Difference(NamedTuple):
    """One way two runs differ: ``name`` (a task's, or "the run"), ``what`` in words, and the two
    values as shown (None where a task exists in one run only)."""
    name: str
    what: str
    a: str | None
    b: str | None


def _duration(row) -> float | None:
    if row.ended is None:
        return None
    return row.ended - (row.first_start if row.first_start is not None else row.created)


def compare(a: TaskTable, b: TaskTable, *, rel: float = 0.10, slop: float = 0.005) -> list:
    """How run ``b`` differs from run ``a``: the total time, then each task (matched by name, in
    order of first appearance) whose outcome differs, whose duration differs by more than ``rel``
    (and ``slop`` seconds), or that ran in one run only."""
    out = []

    def total(t):
        if t.started is None or t.finished is None:
            return None
        return t.finished - t.started

    ta, tb = total(a), total(b)
    if ta is not None and tb is not None and abs(ta - tb) > max(slop, rel * max(ta, tb)):
        out.append(Difference("the run", "took", f"{ta:.2f} s", f"{tb:.2f} s"))
    if a.outcome != b.outcome:
        out.append(Difference("the run", "ended", a.outcome, b.outcome))
    rows_a, rows_b = {}, {}
    for row in a.rows:
        rows_a.setdefault(row.name, row)
    for row in b.rows:
        rows_b.setdefault(row.name, row)
    for name in list(dict.fromkeys([*rows_a, *rows_b])):
        ra, rb = rows_a.get(name), rows_b.get(name)
        if ra is None or rb is None:
            out.append(Difference(name, "ran in one run only", ra.state if ra else None,
                                  rb.state if rb else None))
            continue
        if ra.state != rb.state:
            out.append(Difference(name, "ended", ra.state, rb.state))
            continue
        da, db = _duration(ra), _duration(rb)
        if da is not None and db is not None and abs(da - db) > max(slop, rel * max(da, db)):
            out.append(Difference(name, "took", f"{da:.2f} s", f"{db:.2f} s"))
    return out
