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

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QHeaderView, QLabel, QListWidget,
                               QScrollArea, QSplitter, QStyleOptionViewItem, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from .resource_lanes import LEGEND, ResourceLanes

_EMPTY = ("No synchronisation objects yet: a Lock, Semaphore, Event, Condition, Barrier or Queue "
          "the lesson makes shows here, with who holds it and who waits on it.")
_NONE = "This run made no Lock, Semaphore, Event, Condition, Barrier or Queue."
_ROLE = Qt.ItemDataRole.UserRole
_SIZE = Qt.ItemDataRole.SizeHintRole
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


class _UniformRows(QObject):
    """Lays a ``QListWidget`` of one-line texts out without measuring every item, when that
    gives the same layout: rows all one line high, and every one narrower than the list (so
    each row spans the list's width, as Qt lays them out).  The list is then told its items are
    of one size (``setUniformItemSizes``: Qt reads the size of the last item alone), and the
    last item carries it: the line's height and a width no text exceeds (each text's width
    bounded from the advances of its characters, kept per font, plus the delegate's margins).
    Otherwise -- a text wider than the list could be, one that is not one plain line, rows whose
    heights differ (a character from a fallback font) -- the list measures every item, as Qt
    does by default.  The list's width is checked again whenever it changes."""

    _SLACK = 10         # pixels added to the widest (another text's bound may be rounded less)

    def __init__(self, view: QListWidget) -> None:
        super().__init__(view)
        self.view = view
        self._advance: dict = {}      # font key -> {character: advance}
        self._hinted: int | None = None     # the row whose item carries the size
        self._size: QSize | None = None     # the size the rows have, when one
        view.setUniformItemSizes(True)
        view.viewport().installEventFilter(self)

    def clear(self) -> None:
        """Before the list's items change: the size goes (it is fitted to them again)."""
        view = self.view
        hinted = self._hinted
        self._hinted = self._size = None
        if hinted is not None and hinted < view.count():
            view.item(hinted).setData(_SIZE, None)

    def fit(self, rows) -> None:
        """The list's items were made ``rows`` (``(text, tid)``, the texts its items show)."""
        view = self.view
        self.clear()
        n = len(rows)
        if n < 2:
            view.setUniformItemSizes(True)    # one item: Qt measures it (and only it) anyway
            return
        texts = [text for text, _tid in rows]
        if not all(map(str.isprintable, texts)):
            view.setUniformItemSizes(False)
            return
        advance = self._advance.get(key := view.font().key())
        if advance is None:
            advance = self._advance[key] = _Advances(view.fontMetrics())
        bounds = [sum(map(advance.__getitem__, text)) for text in texts]
        # measured exactly (the list's delegate): the widest bound, and every text with a
        # character beyond ASCII (a fallback font may make its line taller)
        measure = [i for i in range(n) if not texts[i].isascii()]
        if len(measure) > 20:
            view.setUniformItemSizes(False)
            return
        widest = max(range(n), key=bounds.__getitem__)
        measure.append(widest)
        option = QStyleOptionViewItem()
        view.initViewItemOption(option)
        delegate, model = view.itemDelegate(), view.model()
        sizes = [delegate.sizeHint(option, model.index(i, 0)) for i in measure]
        heights = {size.height() for size in sizes}
        if len(heights) != 1:
            view.setUniformItemSizes(False)
            return
        margin = max(0, max(size.width() - bounds[i] for size, i in zip(sizes, measure)))
        width = max(max(size.width() for size in sizes), bounds[widest] + margin + self._SLACK)
        self._size = QSize(width, heights.pop())
        self._hinted = n - 1
        self._check_width()

    def _check_width(self) -> None:
        """One size for every row when none is wider than the list; else each measured."""
        view, size = self.view, self._size
        if size is None or self._hinted is None or self._hinted >= view.count():
            return
        uniform = size.width() <= view.viewport().width()
        item = view.item(self._hinted)
        if uniform and item.data(_SIZE) != size:
            item.setData(_SIZE, size)
        elif not uniform and item.data(_SIZE) is not None:
            item.setData(_SIZE, None)
        if view.uniformItemSizes() != uniform:
            view.setUniformItemSizes(uniform)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize and self._size is not None:
            self._check_width()
        return False


class _Advances(dict):
    """A font's advance per character, measured when first asked."""

    def __init__(self, fm) -> None:
        super().__init__()
        self._fm = fm

    def __missing__(self, ch):
        width = self[ch] = self._fm.horizontalAdvance(ch)
        return width


class _Content(QWidget):
    """The pane's parts in their scroll area: as tall as the parts' minimums, not their preferred
    heights, so the area scrolls only when the pane is shorter than what can still be read (a
    layout with wrapped labels asks for its preferred height: the pane scrolled even at
    1600x1000).  A wrapped label's minimum is the height of its lines at the width it has (its
    own is one line: the splitter gave the legend's second line to the table's rows)."""

    def __init__(self, wrapped):
        super().__init__(objectName="resourcesContent")
        self._wrapped = wrapped
        self._margins = 8          # the content's own, left and right

    def _fit(self, label, width: int) -> int:
        """How much taller ``label`` must be than it is allowed now, at ``width``."""
        need = label.heightForWidth(width - self._margins) if label.isVisibleTo(self) else 0
        return max(0, need - max(label.minimumHeight(), label.minimumSizeHint().height()))

    def _refit(self, width: int) -> None:
        for label in self._wrapped:
            if label.isVisibleTo(self):
                need = label.heightForWidth(width - self._margins)
                if need > 0 and label.minimumHeight() != need:
                    label.setMinimumHeight(need)

    def resizeEvent(self, event) -> None:  # noqa: N802
        self._refit(event.size().width())
        super().resizeEvent(event)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:     # a label's text changed, or a part shown
            self._refit(self.width())
        return super().event(event)

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self.minimumSizeHint().height() + sum(self._fit(l, width) for l in self._wrapped)


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
        self._detail_sizes = _UniformRows(self.detail)
        self._detail_rows = None     # what the detail list shows (``_fill_detail``)
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
        # Each part keeps enough height to be read (the table its header and two rows, the
        # detail list two); a pane shorter than their sum scrolls instead of crushing them (at
        # 1024x700 the table was a header alone, the lanes cut mid-row).
        # (The table's is set with its rows, when the style has given them their height.)
        self.detail.setMinimumHeight(2 * (self.detail.fontMetrics().height() + 6)
                                     + 2 * self.detail.frameWidth())
        content = _Content((self.summary, self.lanes_legend, self.caption))
        inner = QVBoxLayout(content, spacing=4)
        inner.setContentsMargins(4, 4, 4, 4)
        inner.addWidget(self.summary)
        inner.addWidget(split, 1)
        self.scroll = QScrollArea(objectName="resourcesScroll", widgetResizable=True,
                                  frameShape=QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scroll)
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
        if n:     # room for its header and two rows (one when there is one)
            least = (table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth() + 2
                     + sum(map(table.rowHeight, range(min(n, 2)))))
            if table.minimumHeight() != least:
                table.setMinimumHeight(least)
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
        if st is None:
            self._fill_detail(())
            self.caption.setText("Select an object: its holders and its waiters, in order, show "
                                 "here.")
            return
        self.caption.setText(f"<b>{html.escape(what(st))}</b> — {html.escape(state_text(st))}"
                             + (f", made at line {st.line}" if st.line else "")
                             + ("" if picked else " <i>(select a row for another)</i>"))
        rows = [(f"holds it: '{self._name(h.tid)}', since {self._since(h.since)}", h.tid)
                for h in st.holders[:SHOWN]]
        waiters = st.waiters
        for i, w in enumerate(waiters[:SHOWN], 1):
            at = f", line {w.line}" if w.line else ""
            rows.append((f"{ordinal(i)} in line: '{self._name(w.tid)}' in {w.op}(), "
                         f"since {self._since(w.since)}{at}", w.tid))
        more = len(waiters) - SHOWN
        if more > 0:
            rows.append((f"… and {more:,} more waiting", None))
        if not len(st.holders) and not len(waiters):
            rows.append(("Nobody holds it and nobody waits on it at this moment.", None))
        self._fill_detail(rows)

    def _fill_detail(self, rows) -> None:
        """The detail list made of ``rows`` (``(text, tid or None)``): anew when they changed
        (nothing picked in it, scrolled to the top), as is when not.  A live run changes it ~10
        times a second; Qt measuring its ~400 items each time to lay them out took 5-25 ms of the
        window's paint: its rows are laid out as of one size (``_UniformRows``)."""
        if rows == self._detail_rows:
            return
        self._detail_rows = rows
        detail = self.detail
        self._detail_sizes.clear()
        detail.clear()
        detail.addItems([text for text, _tid in rows])
        item = detail.item
        for i, (_text, tid) in enumerate(rows):
            if tid is not None:
                item(i).setData(_ROLE, tid)
        self._detail_sizes.fit(rows)
