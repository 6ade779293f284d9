"""Two finished runs compared: ``diff_runs(a, b)`` lists the ``Difference``s the compare view
shows (the pinned run against the latest).

Facts that shaped this module:

* It holds two runs' tables against each other, not a learner's prediction against one run
  (that is ``lessons.compare``).  Both were once called ``compare``; this one is named for what it
  gives.
* Tasks are matched by name, in order of first appearance, not by tid: a tid is a task's place in
  its run's creation order, which an edited script changes, while a name is what the lesson called
  the task (an unnamed task's, ``Task-<tid>``, is its tid again).
* The same code run twice never takes exactly the same time: a duration differs only by more than
  ``rel`` of the longer one and ``slop`` seconds.
"""
from __future__ import annotations

from typing import NamedTuple

from ._table import TaskTable

__all__ = ["Difference", "diff_runs"]


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


def diff_runs(a: TaskTable, b: TaskTable, *, rel: float = 0.10, slop: float = 0.005) -> list:
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
