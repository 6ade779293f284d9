"""The task table's model: one row per task of the current run, in creation order."""
from __future__ import annotations

import os
import time

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from asyncio_playground.vocab import LIVE_STATES, TaskState
from . import colors

_ROOT = QModelIndex()

# Beyond this many separate row ranges in one frame, one dataChanged spanning them all is cheaper
# for the view than dozens of signals (it only repaints the rows it shows anyway).
_MAX_RANGES = 16

_DISPLAY, _DECORATION, _TOOLTIP, _ALIGNMENT, _FOREGROUND = 0, 1, 3, 7, 9   # Qt.ItemDataRole values
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
# The live "Elapsed" cells are announced at most this often in *wall* time (the refresher ticks
# them every ~100 ms, the time bar's clock reads the loop every 100 ms too).  Not loop time: at
# 1/20x, 0.1 s of loop time is 2 s on the wall clock, and the column lagged the clock that long.
_TICK_S = 0.08

_STATE_HELP = {state: state.doc for state in TaskState}   # what each state means, said once (vocab)
# Module constants: data() is the hot path, and an enum class attribute costs ~5x a global.
_WAITING, _CANCELLED, _FAILED = TaskState.WAITING, TaskState.CANCELLED, TaskState.FAILED


class TaskTableModel(QAbstractTableModel):
    """Adapts a ``playground.TaskTable`` (the engine's fold of tracer events) to Qt.

    The model copies nothing but the row order: ``data()`` reads the current ``TaskRow`` from the
    table, so a frame only has to say *which* rows changed (``apply``).  Rows are only ever
    appended (tids grow in creation order), which keeps persistent indexes and selections valid
    while a run is live.

    Roles:
        TidRole: the task id (int) of a row, on every column.
        DepthRole: nesting depth (0 = created by the module/root, 1 = its child, ...).
        StateRole: the state word (``pending`` ... ``failed``), on every column.

    Attributes:
        COLUMNS: header titles; the ``*_COL`` constants index them.
    """

    TidRole = Qt.ItemDataRole.UserRole + 1
    DepthRole = Qt.ItemDataRole.UserRole + 2
    StateRole = Qt.ItemDataRole.UserRole + 3

    COLUMNS = ("State", "Name", "Coroutine", "Waiting on", "Elapsed", "Result", "")
    STATE_COL, NAME_COL, CORO_COL, WAIT_COL, ELAPSED_COL, RESULT_COL, ACTION_COL = range(7)

    _HEADER_TIPS = {
        ELAPSED_COL: "Time since the task was created (live while it runs or waits)",
        ACTION_COL: "Cancel a live task: its button, or select its row and press Delete",
        STATE_COL: "What the task is doing now (the legend under the timeline says what each colour means)",
        NAME_COL: "The task's name, under the task that created it",
        WAIT_COL: "What a waiting task awaits, and the line it is suspended at",
        RESULT_COL: "What the task returned or raised (hover a cell for the whole text or the cancel story)",
    }

    def __init__(self, parent=None):
        super().__init__(parent)
        self._table = None
        self._rows: list = []               # model row -> the table's TaskRow (mutated in place)
        self._row_of: dict[int, int] = {}   # tid -> model row
        self._now: float | None = None      # clock for live "Elapsed", set by tick()
        self._first_live = 0                # rows above this one have all ended
        self._cwd = os.getcwd()
        self._last_tick = -1.0              # wall time (time.monotonic) of the last announcement
        self._announced: float | None = None   # the loop time it announced
        self._handlers = self._make_handlers()
        # Tasks a library created for its own ends (table.library_tids) are left out unless asked.
        self.show_library = False
        # row -> (short, full) words for what a waiting task waits on when it is one of the run's
        # Locks, Queues…: the object, its holder, the task's place in line (the Resources feature).
        self.wait_words = None

    # -- feeding -----------------------------------------------------------------------------
    #: False while a replayed moment is shown: its live-looking rows belong to a run that has
    #: ended, so they get no Cancel button.
    cancellable = True

    def set_table(self, table) -> None:
        """Show *table* (a new run's ``TaskTable``, possibly already holding rows)."""
        self.beginResetModel()
        self._table = table
        self._rows, self._row_of = [], {}
        self._now = self._announced = None
        self._last_tick = -1.0
        self._first_live = 0
        if table is not None:
            self._append(table.rows)
        self.endResetModel()

    def reset(self) -> None:
        """Forget the current run (an empty table)."""
        self.set_table(None)

    def apply(self, changed) -> None:
        """Reflect the tids *changed* by one ``table.apply(events)``, in as few signals as possible.

        New tids are appended with one ``rowsInserted``; rows already shown are announced with one
        ``dataChanged`` per contiguous run of rows (all columns), never one per event.
        """
        if self._table is None or not changed:
            return
        known = self._row_of
        hidden = () if self.show_library else self._table.library_tids
        new = [self._table.row(tid) for tid in sorted(tid for tid in changed
                                                      if tid not in known and tid not in hidden)]
        rows = sorted(known[tid] for tid in changed if tid in known)
        if new:
            first = len(self._rows)
            self.beginInsertRows(_ROOT, first, first + len(new) - 1)
            self._append(new)
            self.endInsertRows()
        if not rows:
            return
        ranges = contiguous(rows)
        if len(ranges) > _MAX_RANGES:
            ranges = [(rows[0], rows[-1])]
        last_col = len(self.COLUMNS) - 1
        for top, bottom in ranges:
            self.dataChanged.emit(self.index(top, 0), self.index(bottom, last_col))

    def tick(self, now: float) -> None:
        """Advance the clock of the live "Elapsed" cells to loop time ``now``: one ``dataChanged``
        on that column.

        Safe to call every frame: the signal goes out at most every ~100 ms of wall time, whatever
        the loop's speed (the cells show milliseconds, and repainting a table column 60 times a
        second costs more than it shows), and not at all while the clock stands still (paused).
        """
        wall = time.monotonic()
        self._now = now
        if now == self._announced or 0.0 <= wall - self._last_tick < _TICK_S:
            return
        self._announced, self._last_tick = now, wall
        # Rows never come back to life once ended, so the first live row only moves down: the
        # scan is amortised O(1) per row over a run, not O(rows) per tick.
        rows, live = self._rows, LIVE_STATES
        first = self._first_live
        while first < len(rows) and rows[first].state not in live:
            first += 1
        self._first_live = first
        last = len(rows) - 1
        while last >= first and rows[last].state not in live:
            last -= 1
        if first <= last:
            col = self.ELAPSED_COL
            self.dataChanged.emit(self.index(first, col), self.index(last, col),
                                  [Qt.ItemDataRole.DisplayRole])

    def refresh_column(self, col: int) -> None:
        """Every row's ``col`` changed (the view repaints the cells on screen)."""
        if self._rows:
            self.dataChanged.emit(self.index(0, col), self.index(len(self._rows) - 1, col),
                                  [Qt.ItemDataRole.DisplayRole])

    def set_show_library(self, show: bool) -> None:
        """Show (or leave out) the tasks libraries created for their own ends."""
        if show != self.show_library:
            self.show_library = show
            self.set_table(self._table)

    def _append(self, rows) -> None:
        hidden = () if self.show_library or self._table is None else self._table.library_tids
        for row in rows:
            if row.tid in hidden:
                continue
            self._row_of[row.tid] = len(self._rows)
            self._rows.append(row)

    # -- lookups -----------------------------------------------------------------------------
    def paint_key(self, row: int):
        """Everything a row's cells paint but the live "Elapsed" clock (which ``tick`` announces
        on its own): two equal keys paint the same row.  The view compares them to skip repainting
        rows that changed in the table but not on screen (a task that stepped and waits again on
        the same line looks the same)."""
        r = self._rows[row]
        return (r.state, r.name, r.waiting if r.state == _WAITING else None, r.summary, r.ended,
                self.cancellable)

    def tid_at(self, row: int) -> int:
        """The tid shown in *row* (or -1)."""
        return self._rows[row].tid if 0 <= row < len(self._rows) else -1

    def row_of(self, tid: int) -> int:
        """The row showing *tid* (or -1)."""
        return self._row_of.get(tid, -1)

    # -- QAbstractItemModel ----------------------------------------------------------------
    def rowCount(self, parent=_ROOT):
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=_ROOT):
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return self._HEADER_TIPS.get(section)
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return self.tid_at(section) if 0 <= section < len(self._rows) else None
        return None

    # flags() is QAbstractTableModel's (enabled, selectable, never has children): not overriding it
    # saves a Python call per painted cell.

    def data(self, index, role=0):
        # Hot path: Qt asks ~7 roles per painted cell, and each call crosses from C++ into Python.
        # Roles arrive as plain ints; an int-keyed dict rejects the unused ones without enum maths.
        handler = self._handlers.get(role)
        if handler is None:
            return None
        r = index.row()
        if not 0 <= r < len(self._rows):   # also covers an invalid index (row -1)
            return None
        return handler(self._rows[r], index.column())

    # -- cell text ---------------------------------------------------------------------------
    def _make_handlers(self) -> dict:
        state_col, elapsed_col, result_col = self.STATE_COL, self.ELAPSED_COL, self.RESULT_COL
        ink = colors.state_ink
        return {
            _DISPLAY: self._display,
            _DECORATION: lambda row, col: colors.state_color(row.state) if col == state_col else None,
            _TOOLTIP: self._tooltip,
            _ALIGNMENT: lambda row, col: _RIGHT if col == elapsed_col else None,
            _FOREGROUND: lambda row, col: ink(_FAILED) if col == result_col and row.state == _FAILED else None,
            int(self.TidRole): lambda row, col: row.tid,
            int(self.DepthRole): lambda row, col: row.depth,
            int(self.StateRole): lambda row, col: row.state,
        }

    def _display(self, row, col):
        if col == self.STATE_COL:
            return row.state
        if col == self.NAME_COL:
            return row.name
        if col == self.CORO_COL:
            return row.coro
        if col == self.WAIT_COL:
            if row.waiting is None or row.state != _WAITING:
                return ""
            kind, detail, _file, line = row.waiting
            words = self.wait_words(row) if self.wait_words is not None else None
            if words is not None:
                detail = words[0]
            return f"{detail or kind} \u00b7 L{line}" if line else (detail or kind)
        if col == self.ELAPSED_COL:
            return self._elapsed(row)
        if col == self.RESULT_COL:
            if row.state == _CANCELLED and not row.summary:
                return "CancelledError"
            return row.summary or ""
        if col == self.ACTION_COL:
            return "Cancel" if row.state in LIVE_STATES and self.cancellable else ""
        return None

    def _elapsed(self, row) -> str:
        end = row.ended if row.ended is not None else self._now
        if end is None:
            return ""
        return colors.format_duration(end - row.created)

    def _tooltip(self, row, col):
        if col == self.STATE_COL:
            text = f"{row.state}: {_STATE_HELP.get(row.state, '')}"
            if row.cancel_requests and row.state in LIVE_STATES:
                text += "\n(cancel requested)"
            return text
        if col == self.NAME_COL:
            parent = self._table.by_tid.get(row.parent)
            by = f"'{parent.name}' (task {parent.tid})" if parent is not None else "the module"
            return (f"{row.name}  (task {row.tid}, created by {by})\n"
                    f"coroutine {row.coro}(), {self._elapsed(row) or 'not started'} since it was created")
        if col == self.CORO_COL:
            return f"{row.coro}()"
        if col == self.ELAPSED_COL:
            return f"{self._elapsed(row)} since the task was created" + (" (still live)" if row.state in LIVE_STATES else "")
        if col == self.WAIT_COL and row.waiting is not None and row.state == _WAITING:
            kind, detail, file, line = row.waiting
            where = f"{self._short(file)}:{line}" if file else "unknown location"
            words = self.wait_words(row) if self.wait_words is not None else None
            if words is not None:
                return f"waiting on {words[1]}\nsuspended at {where}"
            return f"waiting on {kind}: {detail}\nsuspended at {where}"
        if col == self.RESULT_COL:
            if row.cancel_requests:
                return self._table.cancel_story(row.tid)
            exc = row.exc
            if exc:
                return exc.traceback or f"{exc.type}: {exc.message} ({self._short(exc.filename)}:{exc.lineno})"
            if row.summary:
                return row.summary
        if col == self.ACTION_COL and row.state in LIVE_STATES:
            return f"Cancel task {row.tid} ({row.name})"
        return None

    def _short(self, path):
        if not path:
            return "?"
        try:
            rel = os.path.relpath(path, self._cwd)
        except ValueError:  # another drive on Windows
            return path
        return path if rel.startswith("..") else rel


def contiguous(rows: list[int]) -> list[tuple[int, int]]:
    """``[1, 2, 3, 7, 8]`` -> ``[(1, 3), (7, 8)]`` (rows sorted, unique): one signal per range."""
    if not rows:
        return []
    ranges = []
    start = prev = rows[0]
    for r in rows[1:]:
        if r != prev + 1:
            ranges.append((start, prev))
            start = r
        prev = r
    ranges.append((start, prev))
    return ranges
