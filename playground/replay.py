"""Runs as documents: save a run, open it again, see any moment of it, compare two runs.

A saved run is a Chrome Trace Event JSON file (Perfetto and chrome://tracing open it as they open
``run --trace``) with one more top-level key, ``"asyncioPlayground"``, that carries what replay needs:
the tracer's events as plain lists, the source that ran, its file name and the Python that ran it.
Viewers of the trace format ignore keys they do not know.

``Replay`` folds a run's events into a ``TaskTable`` as it was at any loop time ``t``: the table,
the timeline, the await view and the gutter all read a table, so showing a moment is showing that
table.  Events are logged in the order their times say (a step when it ends, a block when it
ends), so the table at ``t`` is the fold of the events logged up to ``t``; moving forward folds
only what is new, moving back folds again from the start (lesson runs are thousands of events).
"""
from __future__ import annotations

import bisect
import json
import platform
from pathlib import Path
from typing import NamedTuple

from ._export import chrome_trace
from ._table import TaskTable
from .events import named

__all__ = ["FORMAT", "Difference", "Replay", "ReplayError", "SavedRun", "compare", "load_run",
           "relocate", "save_run"]

#: The key under which a saved run carries its replay data, and that data's format version.
FORMAT = ("asyncioPlayground", 1)


class ReplayError(ValueError):
    """A file that cannot be opened as a saved run; the message says why, in words."""


class SavedRun(NamedTuple):
    """A run read back from a file: ``events`` (named records), the ``source`` that ran, the
    ``filename`` it ran as, the ``python`` version that ran it, and a ``label`` ("what ran")."""
    events: list
    source: str | None
    filename: str | None
    python: str | None
    label: str


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


def save_run(events, path, *, source: str | None = None, filename: str | None = None,
             label: str | None = None) -> None:
    """Write ``events`` (a tracer's log) to ``path`` as a saved run (see the module docstring)."""
    trace = chrome_trace(list(events))
    key, version = FORMAT
    trace[key] = {
        "version": version,
        "label": label or (Path(filename).name if filename else "run"),
        "filename": filename,
        "source": source,
        "python": platform.python_version(),
        "events": [list(ev) for ev in events],
    }
    Path(path).write_text(json.dumps(trace), encoding="utf-8")


def load_run(path) -> SavedRun:
    """Read a saved run; raises ``ReplayError`` saying why a file is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReplayError(f"Cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReplayError(f"{path.name} is not a saved run: not JSON ({exc})") from None
    key, version = FORMAT
    body = data.get(key) if isinstance(data, dict) else None
    if body is None:
        raise ReplayError(f"{path.name} has no replay data: it is a trace, but not one saved by "
                          "asyncio Playground (File → Save run, or `run --trace`)")
    if not isinstance(body, dict) or body.get("version") != version:
        raise ReplayError(f"{path.name} was saved by another version of asyncio Playground "
                          f"(replay format {body.get('version') if isinstance(body, dict) else '?'},"
                          f" this one reads {version})")
    try:
        events = [named(ev) for ev in body["events"]]
        table = TaskTable()
        table.apply(events)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ReplayError(f"{path.name}: the replay data is damaged ({type(exc).__name__}: "
                          f"{exc})") from None
    return SavedRun(events, body.get("source"), body.get("filename"), body.get("python"),
                    str(body.get("label") or path.stem))


def relocate(events, old: str, new: str) -> list:
    """``events`` (named records) with every file name ``old`` replaced by ``new``: a saved run
    opened from another folder or machine, whose source now lives at ``new``."""
    def move(name):
        return new if name == old else name

    out = []
    for ev in events:
        tag = ev[0]
        if tag == "wait" or tag == "block" or tag == "cancel":
            ev = ev._replace(filename=move(ev.filename))
        elif (tag == "end" or tag == "error") and ev.exc is not None:
            ev = ev._replace(exc=ev.exc._replace(filename=move(ev.exc.filename)))
        elif tag == "run" and ev.phase == "start":
            ev = ev._replace(path=move(ev.path))
        out.append(ev)
    return out


class Replay:
    """A finished run's events, seen at any moment.

    Attributes:
        events: the run's log (named records or the tracer's plain tuples).
        start, end: the loop times the run started and ended (its first and last events).
    """

    def __init__(self, events):
        self.events = list(events)
        self._keys = [logged_at(ev) for ev in self.events]
        # A log is in time order; a stray out-of-order time (a block recorded late) must not
        # make bisect skip events: keep the keys non-decreasing.
        for i in range(1, len(self._keys)):
            if self._keys[i] < self._keys[i - 1]:
                self._keys[i] = self._keys[i - 1]
        full = TaskTable()
        full.apply(self.events)
        first = self._keys[0] if self._keys else 0.0
        self.start = full.started if full.started is not None else first
        self.end = full.finished or (self._keys[-1] if self._keys else self.start)
        self.final = full
        self._table: TaskTable | None = None
        self._cursor = 0

    def index_at(self, t: float) -> int:
        """How many events were logged up to loop time ``t``."""
        return bisect.bisect_right(self._keys, t)

    def table_at(self, t: float) -> TaskTable:
        """The run's ``TaskTable`` as it was at loop time ``t`` (a new table when ``t`` moved
        back; forward moves fold only the events in between into the same table)."""
        n = self.index_at(t)
        if self._table is None or n < self._cursor:
            self._table, self._cursor = TaskTable(), 0
        if n > self._cursor:
            self._table.apply(self.events[self._cursor:n])
            self._cursor = n
        return self._table

    def outputs_until(self, t: float) -> list:
        """The ``Output`` records written up to loop time ``t``, in order."""
        n = self.index_at(t)
        return [named(ev) for ev in self.events[:n] if ev[0] == "output"]


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
