"""The await view: who awaits whom, right now — the ``QTreeView`` of an ``AwaitTreeModel``
(``ui/await_model.py``), following the run's table frame by frame and the window's selection."""
from __future__ import annotations

from collections import deque

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView

from .await_model import AwaitTreeModel

# New nodes come expanded while the tree has at most this many nodes; beyond, they come collapsed
# (the user opens them), and a new tree (a reset) opens breadth first until this many rows show.
# Qt lays out every expanded row again whenever a row comes or goes (~5 us a row).
AUTO_EXPAND_NODES = 1000


class AwaitView(QTreeView):
    """The await view: the tree of an ``AwaitTreeModel``, which it owns (``await_model``).

    Per frame, ``refresh(changed)`` with the tids ``table.apply`` returned: cheap when nothing
    changed, and while the view is hidden it only remembers the tids until it is shown again.
    New nodes come expanded (while the tree is small: ``AUTO_EXPAND_NODES``), and so does a node
    when its first children come (a task shown while it ran, then awaiting a gather); what the
    user collapsed stays collapsed.

    A parent shows its first page of children (``AwaitTreeModel.page``); when the last row shown
    of a parent with more comes into sight (scrolling, or rows above it leaving), the next page is
    fetched.  Qt's own fetching during its item layout is turned off (``doItemsLayout``): it would
    fetch a page of every such parent at each layout, and a layout walks every expanded row.

    Signals:
        taskSelected(int): the user clicked a node (or moved to it with the keyboard): the task's
            tid, or the awaiting task's on a group node.

    Attributes:
        await_model: the ``AwaitTreeModel`` shown.
    """

    taskSelected = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.await_model = AwaitTreeModel(self)
        self.setModel(self.await_model)
        self.setUniformRowHeights(True)   # the view never measures every row of a big run
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAllColumnsShowFocus(True)
        self.setAnimated(False)
        # No ResizeToContents: it would ask every row for its size hint on each change.
        header = self.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 220)
        header.resizeSection(1, 80)
        self._pending: set[int] = set()
        self._stale = False
        self._highlight = -1
        self._highlight_later = False   # highlighted while hidden: select its node when shown
        self._fetch_timer = QTimer(self, singleShot=True, interval=0)
        self._fetch_timer.timeout.connect(self._fetch_in_sight)
        self._collapsed: set = set()   # the nodes the user collapsed (not opened again for them)
        self.collapsed.connect(lambda index: self._collapsed.add(index.internalPointer()))
        self.expanded.connect(lambda index: self._collapsed.discard(index.internalPointer()))
        self.await_model.modelReset.connect(self._collapsed.clear)
        self.await_model.rowsInserted.connect(self._expand_new)
        self.await_model.modelReset.connect(self._expand_all)
        self.clicked.connect(self._on_clicked)
        self._update_brush()

    # -- public API --------------------------------------------------------------------------
    def set_table(self, table) -> None:
        """Show a new run's ``TaskTable`` (or nothing for None); clears the highlight."""
        self._pending.clear()
        self._stale = False
        self._highlight = -1
        self.await_model.set_table(table)

    def refresh(self, changed) -> None:
        """Pick up the tids *changed* by this frame's ``table.apply`` (None: recheck everything)."""
        if not self.isVisible():   # kept until showEvent
            if changed is None:
                self._stale = True
            elif changed:
                self._pending |= changed
            return
        if self._stale or self._pending:
            self._flush()
        self.await_model.refresh(changed)

    def set_show_library(self, show: bool) -> None:
        """Show (or leave out) the tasks libraries created for their own ends."""
        self.await_model.set_show_library(show)

    def highlight(self, tid: int) -> None:
        """Mark *tid*'s await chain (bold, tinted), select its node and scroll to it; emits nothing.
        -1 clears it.  A task further down its parent than the rows shown is fetched into view
        (``AwaitTreeModel.reveal``) when the view is shown (else when it is shown next)."""
        self._highlight = tid
        model = self.await_model
        model.set_chain(tid)
        self._highlight_later = tid >= 0 and not self.isVisible()
        if tid < 0:
            index = QModelIndex()
        elif self.isVisible():
            index = model.reveal(tid)
        else:
            index = model.index_of(tid)
        selection = self.selectionModel()
        if index.isValid():
            flags = QItemSelectionModel.SelectionFlag
            selection.setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)
            self.scrollTo(index)
        else:
            selection.clearSelection()

    def highlighted(self) -> int:
        return self._highlight

    # -- internals ---------------------------------------------------------------------------
    def _flush(self) -> None:
        if self._stale:
            self._stale = False
            self._pending.clear()
            self.await_model.refresh(None)
        elif self._pending:
            changed, self._pending = self._pending, set()
            self.await_model.refresh(changed)

    def paintEvent(self, event):
        super().paintEvent(event)
        if self.await_model.rowCount() == 0:
            # An empty view says why: this is "right now", and nothing waits now.
            table = self.await_model.table()
            text = ("Nothing is waiting right now: the run is over, and every task has ended."
                    if table is not None and table.finished is not None else
                    "Run a lesson: each task that waits shows here, under whatever waits on it "
                    "(a gather's or TaskGroup's tasks under their awaiter).")
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect().adjusted(12, 12, -12, -12),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                             | Qt.TextFlag.TextWordWrap, text)
            painter.end()
        elif not self._fetch_timer.isActive() and self._end_in_sight() is not None:
            self._fetch_timer.start()   # not while painting: fetching changes the rows

    def showEvent(self, event):
        super().showEvent(event)
        self._flush()
        if self._highlight_later:   # its node may not have been shown yet then
            self.highlight(self._highlight)

    def doItemsLayout(self):  # noqa: N802 (Qt's virtual)
        # Qt's layout fetches a page of every parent that has more (canFetchMore) each time it
        # runs, and it runs on every row inserted or removed: left alone, the rows shown would
        # grow by a page per parent per frame.  The view fetches what comes into sight instead.
        model = self.await_model
        blocked, model.fetch_blocked = model.fetch_blocked, True
        try:
            super().doItemsLayout()
        finally:
            model.fetch_blocked = blocked

    def _expand_new(self, parent, first, last):
        """New nodes come expanded (only the ones with children: most are leaves), and a node
        whose first children these are, unless the user collapsed it."""
        if not parent.isValid():
            self._expand(self.await_model._top.children[first:last + 1])
            return
        node = parent.internalPointer()
        if first == 0 and len(node.children) == last + 1 and node not in self._collapsed:
            self._expand([node])
        else:
            self._expand(node.children[first:last + 1])

    def _expand_all(self):
        self._expand(self.await_model._top.children, budget=AUTO_EXPAND_NODES)

    def _expand(self, nodes, budget=None):
        """Expand *nodes* and everything with children under them (breadth first); with a
        *budget*, only as long as the rows they show add up to no more than it, else not at all
        while the tree is big (``AUTO_EXPAND_NODES``)."""
        model = self.await_model
        if budget is None and model.node_count() > AUTO_EXPAND_NODES:
            return
        create = model.createIndex
        queue = deque(n for n in nodes if n.children)
        blocked, model.fetch_blocked = model.fetch_blocked, True   # expanding is not asking for more
        try:
            while queue:
                node = queue.popleft()
                if budget is not None:
                    if len(node.children) > budget:
                        continue
                    budget -= len(node.children)
                self.expand(create(node.row, 0, node))
                queue.extend(n for n in node.children if n.children)
        finally:
            model.fetch_blocked = blocked

    def _end_in_sight(self):
        """The first parent on screen whose last row shown is on screen while it has more to
        show, or None.  Looks at the rows on screen only."""
        index = self.indexAt(QPoint(1, 1))
        if not index.isValid():
            return None
        rows = self.viewport().height() // max(1, self.rowHeight(index)) + 1
        below = self.indexBelow
        for _ in range(rows):
            node = index.internalPointer()
            up = node.parent
            if up is not None and node.row == len(up.children) - 1 and up.total > len(up.children):
                return up
            index = below(index)
            if not index.isValid():
                return None
        return None

    def _fetch_in_sight(self):
        up = self._end_in_sight()
        if up is not None:
            model = self.await_model
            model.fetchMore(model.node_index(up))

    def _on_clicked(self, index):
        tid = index.data(AwaitTreeModel.TidRole)
        if tid is not None:
            self.taskSelected.emit(tid)

    def keyPressEvent(self, event):
        before = self.currentIndex()
        super().keyPressEvent(event)
        now = self.currentIndex()
        if now.isValid() and now != before:
            self._on_clicked(now)

    def changeEvent(self, event):
        if event.type() == QEvent.Type.PaletteChange:
            self._update_brush()
        super().changeEvent(event)

    def _update_brush(self) -> None:
        color = QColor(self.palette().color(QPalette.ColorRole.Highlight))
        color.setAlpha(60)
        self.await_model.chain_brush = QBrush(color)
        self.viewport().update()
