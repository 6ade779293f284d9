"""The Resources tab: every Lock, Semaphore, Event, Condition, Barrier and Queue of the run on
screen — a row per object (its name, what it is, its state, who holds it, who waits on it, in the
order asyncio will wake them) and, for the selected one, its holders and its whole line of waiters,
each with since when and the line it waits at.  Live, paused, stepping and at a replayed moment:
the rows are the objects as they were at the moment the window shows.

Signals:
    objectSelected(object): an object's row was picked (its ``ResourceState``): the window shows
        the line that made it.
    taskSelected(int): a holder or a waiter was picked (its tid): the window selects that task.
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QHeaderView, QLabel, QListWidget,
                               QListWidgetItem, QSplitter, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from .resource_lanes import LEGEND, ResourceLanes

_EMPTY = ("No synchronisation objects yet: a Lock, Semaphore, Event, Condition, Barrier or Queue "
          "the lesson makes shows here, with who holds it and who waits on it.")
_NONE = "This run made no Lock, Semaphore, Event, Condition, Barrier or Queue."
_ROLE = Qt.ItemDataRole.UserRole
#: Waiters (and holders) the detail list shows at once; the rest are counted.
SHOWN = 200
COLUMNS = ("Object", "State", "Held by", "Waiting, in order")


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, … 11th, 12th, 13th, 21st …"""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def what(state) -> str:
    """``Lock 'db_lock'``, ``Semaphore(3) 'pool'``, ``Queue(maxsize=2) 'jobs'``."""
    cap = state.capacity
    cls = state.cls
    if state.kind in ("semaphore", "barrier") and cap is not None:
        cls = f"{cls}({cap})"
    elif state.kind == "queue" and cap:
        cls = f"{cls}(maxsize={cap})"
    return f"{cls} '{state.name}'"


def state_text(state) -> str:
    """The object's state in words: ``locked``, ``1 of 3 permits free``, ``2 items: 'a', 'b'``."""
    if state.kind == "semaphore" and state.capacity is not None:
        text = f"{state.value} of {state.capacity} permit{'s' * (state.capacity != 1)} free"
    elif state.kind == "barrier":
        text = f"{state.state}: {state.value} of {state.capacity} at the barrier" \
            if state.capacity is not None else state.state
    else:
        text = state.state
    if state.kind == "queue" and state.items:
        more = state.value - len(state.items)
        text += ": " + ", ".join(state.items) + (f", … {more} more" if more > 0 else "")
    if state.kind == "queue" and state.unfinished:
        text += f" ({state.unfinished} unfinished)"
    return text


class ResourcesView(QWidget):
    """See the module docstring.

    Attributes:
        table: the QTableWidget, a row per object (its ``ResourceState`` in the first cell's
            UserRole).
        lanes: a ``ResourceLanes``: a lane per object over the whole run (in use, waiting).
        detail: the selected object's holders and waiters (a QListWidget; each item's UserRole
            is the task's tid).
        states: the ``ResourceState``s shown.
    """

    objectSelected = Signal(object)
    taskSelected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="resourcesView")
        self.states: list = []
        self._name_of = lambda tid: f"task {tid}"
        self._origin = 0.0
        self._rid_selected: int | None = None
        self.summary = QLabel(_EMPTY, wordWrap=True, objectName="resourcesSummary")
        self.table = QTableWidget(0, len(COLUMNS), objectName="resourcesTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.currentCellChanged.connect(lambda row, _c, _r, _pc: self._picked(row))
        self.caption = QLabel(objectName="resourceCaption", wordWrap=True)
        self.detail = QListWidget(objectName="resourceDetail")
        self.detail.itemActivated.connect(self._task_picked)
        self.detail.itemClicked.connect(self._task_picked)
        lower = QWidget()
        box = QVBoxLayout(lower, spacing=2)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.caption)
        box.addWidget(self.detail, 1)
        self.lanes = ResourceLanes()
        self.lanes.setVisible(False)
        self.lanes_legend = QLabel(LEGEND, wordWrap=True, objectName="resourceLanesLegend")
        self.lanes_legend.setEnabled(False)          # the palette's quieter text
        upper = QWidget()
        box = QVBoxLayout(upper, spacing=2)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.table, 1)
        box.addWidget(self.lanes)
        box.addWidget(self.lanes_legend)
        split = QSplitter(Qt.Orientation.Vertical, childrenCollapsible=False)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 1)
        self.detail.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self, spacing=4)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        self.set_states(None)

    # == what is shown ================================================================================
    def set_states(self, states, *, name_of=None, origin: float | None = None,
                   finished: bool = False, moment: float | None = None) -> None:
        """Show ``states`` (``ResourceState``s; None: no run on screen).  ``name_of(tid)`` names a
        task; ``origin`` is the loop time the run started at (times are counted from it);
        ``moment``: the replayed moment they are of (None: live, or the end)."""
        self.states = list(states or ())
        if name_of is not None:
            self._name_of = name_of
        self._origin = origin or 0.0
        table = self.table
        table.blockSignals(True)
        table.setRowCount(len(self.states))
        select = -1
        for r, st in enumerate(self.states):
            cells = (what(st), state_text(st), self._holders_text(st), self._waiters_text(st))
            for c, text in enumerate(cells):
                item = table.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    table.setItem(r, c, item)
                if item.text() != text:
                    item.setText(text)
                    item.setToolTip(text + (f"\n(made at line {st.line})" if c == 0 and st.line else ""))
            table.item(r, 0).setData(_ROLE, st)
            if st.rid == self._rid_selected:
                select = r
        if select >= 0:
            table.selectRow(select)
        else:
            table.clearSelection()
        table.blockSignals(False)
        if select >= 0:
            self._show_detail(self.states[select])
        else:   # nothing picked yet: the first object anyone waits on (else the first) meanwhile
            self._show_detail(next((st for st in self.states if len(st.waiters)),
                                   self.states[0] if self.states else None), picked=False)
        n = len(self.states)
        when = f" at {moment - self._origin:.2f} s" if moment is not None else ""
        if n:
            busy = sum(1 for st in self.states if len(st.waiters))
            self.summary.setText(
                f"{n} object{'s' * (n != 1)}{when}"
                + (f"; {busy} with tasks waiting" if busy else "; no task waiting")
                + ".  Select one: who holds it and its waiters in order.")
        else:
            self.summary.setText(_NONE if finished else _EMPTY)
        table.setVisible(bool(n))
        self.lanes_legend.setVisible(bool(n))
        self.detail.parentWidget().setVisible(bool(n))

    def _since(self, t: float) -> str:
        return f"{t - self._origin:.2f} s"

    def _holders_text(self, st) -> str:
        holders = st.holders
        if not len(holders):
            return ""
        first = ", ".join(f"'{self._name(h.tid)}' since {self._since(h.since)}" for h in holders[:2])
        more = len(holders) - 2
        return first + (f" and {more} more" if more > 0 else "")

    def _waiters_text(self, st) -> str:
        waiters = st.waiters
        n = len(waiters)
        if not n:
            return ""
        first = ", ".join(f"'{self._name(w.tid)}'" for w in waiters[:4])
        return f"{n}: {first}" + (f", … {n - 4} more" if n > 4 else "")

    def _name(self, tid) -> str:
        return "module code" if tid is None else self._name_of(tid)

    # == selection ====================================================================================
    def selected(self):
        row = self.table.currentRow()
        if row < 0 or row >= len(self.states) or not self.table.item(row, 0).isSelected():
            return None
        return self.states[row]

    def select(self, rid: int) -> bool:
        """Select the object ``rid`` (as a click would)."""
        for r, st in enumerate(self.states):
            if st.rid == rid:
                self.table.setCurrentCell(r, 0)
                self.table.selectRow(r)
                return True
        return False

    def _picked(self, row: int) -> None:
        st = self.states[row] if 0 <= row < len(self.states) else None
        self._rid_selected = st.rid if st is not None else None
        self._show_detail(st)
        if st is not None:
            self.objectSelected.emit(st)

    def _task_picked(self, item) -> None:
        tid = item.data(_ROLE)
        if isinstance(tid, int):
            self.taskSelected.emit(tid)

    def _show_detail(self, st, picked: bool = True) -> None:
        self.detail.clear()
        if st is None:
            self.caption.setText("Select an object: its holders and its waiters, in order, show "
                                 "here.")
            return
        self.caption.setText(f"<b>{html.escape(what(st))}</b> — {html.escape(state_text(st))}"
                             + (f", made at line {st.line}" if st.line else "")
                             + ("" if picked else " <i>(select a row for another)</i>"))
        for h in st.holders[:SHOWN]:
            item = QListWidgetItem(f"holds it: '{self._name(h.tid)}', since {self._since(h.since)}",
                                   self.detail)
            item.setData(_ROLE, h.tid)
        waiters = st.waiters
        for i, w in enumerate(waiters[:SHOWN], 1):
            at = f", line {w.line}" if w.line else ""
            item = QListWidgetItem(f"{ordinal(i)} in line: '{self._name(w.tid)}' in {w.op}(), "
                                   f"since {self._since(w.since)}{at}", self.detail)
            item.setData(_ROLE, w.tid)
        more = len(waiters) - SHOWN
        if more > 0:
            QListWidgetItem(f"… and {more:,} more waiting", self.detail)
        if not len(st.holders) and not len(waiters):
            QListWidgetItem("Nobody holds it and nobody waits on it at this moment.", self.detail)
