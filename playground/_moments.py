"""``Replay``: a finished run's events, seen at any moment (``table_at``, ``outputs_until``), or
through one table moved in place (``scrub``).

Facts that shaped this module:

* A run of this session comes as the tracer's list, with the window's table of it as it ended
  (``final=``): its index is built when first needed (the scrubber first moved), so the end of a
  run costs nothing for replay.  A saved run comes as a ``_Log`` that carries its ``_Index``.
* Without ``final=``, the table of the whole run is made from the index like any moment, and
  the ``_Moment`` that made it is kept (``_made``) for a ``Scrub`` to start as a copy of.
* A short move forward costs less as a fold of the events in between into the same table than
  as a new one: ``table_at`` does that, and makes a new table from the index for a move back or
  far ahead.
* Events that cannot be a run (a saved run damaged in a way the format's checks let through) are
  a ``ReplayError``, as a file that cannot be opened is.
"""
from __future__ import annotations

import bisect

from ._moment_table import _Moment
from ._run_index import _gc_paused, _Index, _Log, logged_at
from ._saved_run import ReplayError
from ._scrub import Scrub
from ._table import TaskTable
from .events import named

__all__ = ["Replay"]


class Replay:
    """A finished run's events, seen at any moment.

    Attributes:
        events: the run's log (named records or the tracer's plain tuples).
        start, end: the loop times the run started and ended (its first and last events).
        final: the table of the whole run (``final=``: one already folded from ``events``).
    """

    def __init__(self, events, *, final: TaskTable | None = None):
        index = getattr(events, "index", None) if isinstance(events, _Log) else None
        # A run of this session (``final``) is read from the tracer's own list, not a copy (8
        # bytes a record: 7 MiB at the end of a 100k-task run, its peak); ``events`` cuts it back
        # to these records should anything be logged after the run ended.
        keep = index is not None or (final is not None and events.__class__ is list)
        self._events = events if keep else list(events)
        self._n = len(self._events)
        self._index = index if index is not None and index.n == self._n else None
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
    def events(self):
        """The run's records (the tracer's list as the run ended)."""
        events = self._events
        if len(events) != self._n:   # (a late record of an abandoned thread: not the run's)
            events = self._events = events[:self._n]
        return events

    @property
    def _ix(self) -> _Index:
        if self._index is None:     # (a run of this session: built when first needed)
            with _gc_paused():
                self._index = _Index.build(self.events, getattr(self, "final", None))
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
