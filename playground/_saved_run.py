"""The saved-run file: ``save_run`` writes a finished run, ``load_run`` reads it back (or raises
``ReplayError`` saying why not), ``relocate`` moves it to where its source now lives.

Facts about the file that shaped this module:

* A saved run is a Chrome Trace Event JSON file (Perfetto and chrome://tracing open it as they
  open ``run --trace``) with one more top-level key, ``"asyncioPlayground"``, that carries what
  replay needs: the tracer's events, the source that ran, its file name and the Python that ran it.
  Viewers of the trace format ignore keys they do not know.
* Format 2 (written since issue 14) is built to open a 1M-event run in well under 2 s: the key
  comes first in the file and says how many bytes it takes, so opening reads and parses that much
  and never the trace after it; the events are columns (tids, times, string-table indices as base64
  arrays, one letter per event for its kind), and the run's events grouped by task (``_Index``,
  ``_run_index``) come with them.  Format 1 files (the events as one JSON list, at the end) still
  open, more slowly.
* The schedule the run was stepped on (``_schedule``: the learner's choices while paused) is one
  more key of the replay data, ``"schedule"``, a list; a file without it (older, or a run never
  stepped) reads as an empty schedule.  Still format 2: older readers ignore the key.
* A file is a document the learner picks: anything wrong with it (not JSON, no replay data,
  another version, damaged) is a ``ReplayError`` whose message says so in words, never a
  traceback.  A damaged index alone is no error: ``Replay`` builds it again from the events.
"""
from __future__ import annotations

import json
import platform
import re
import sys
from array import array
from itertools import accumulate, repeat
from pathlib import Path
from typing import NamedTuple

from ._export import chrome_trace
from ._run_index import (_E, _I, _LOOSE, _S, _T, _W, _gc_paused, _Index, _Log, _pack, _unpack,
                         logged_at)
from ._table import TaskTable
from .events import ExcInfo, named

__all__ = ["FORMAT", "ReplayError", "SavedRun", "load_run", "relocate", "save_run"]

#: The key under which a saved run carries its replay data, and the format version it writes.
FORMAT = ("asyncioPlayground", 2)
_READS = (1, 2)   # the format versions load_run reads

_NONE = -(1 << 63)          # an int column's None
_NONE32 = -(1 << 31)        # a line column's None
_HEAD = re.compile(rb'\{"asyncioPlayground":\{"version":2,"bytes":"(\d{12})"')
_OPEN = b'{"asyncioPlayground":'


class ReplayError(ValueError):
    """A file that cannot be opened as a saved run; the message says why, in words."""


class SavedRun(NamedTuple):
    """A run read back from a file: ``events`` (the run's log, records as the tracer logs them:
    plain tuples for task creations, steps, waits and ends, named records for the rest; read any of
    them through ``events.named``), the ``source`` that ran, the ``filename`` it ran as, the
    ``python`` version that ran it, a ``label`` ("what ran"), and the ``schedule`` it was stepped
    on (``_schedule``'s choices; empty when it was never stepped while paused)."""
    events: list
    source: str | None
    filename: str | None
    python: str | None
    label: str
    schedule: list | tuple = ()


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
             label: str | None = None, schedule: list | None = None) -> None:
    """Write ``events`` (a tracer's log) to ``path`` as a saved run (see the module docstring);
    ``schedule``: the choices it was stepped on (``_schedule.schedule_of(run)``), if any."""
    events = list(events)
    trace = chrome_trace(events, code=source, filename=filename)
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
    if schedule:
        body["schedule"] = [dict(choice) for choice in schedule]
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
    schedule = body.get("schedule")
    return SavedRun(events, body.get("source"), body.get("filename"), body.get("python"),
                    str(body.get("label") or path.stem),
                    [dict(c) for c in schedule if isinstance(c, dict)]
                    if isinstance(schedule, list) else [])


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
        elif tag == "resource" or tag == "rwait":   # where an object was made, or waited on
            at = 6 if tag == "resource" else 5
            if ev[at] == old:
                out[i] = ev[:at] + (new,) + ev[at + 1:] if not hasattr(ev, "_replace") else \
                    ev._replace(filename=new)
        elif tag == "run" and ev[2] == "start" and ev[3] == old:
            out[i] = ev._replace(path=new) if hasattr(ev, "_replace") else ev[:3] + (new,) + ev[4:]
    return out
