"""The await view: who awaits whom, right now — the ``QTreeView`` of an ``AwaitTreeModel``
(``ui/await_model.py``), following the run's table frame by frame and the window's selection."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView

from .await_model import AwaitTreeModel


class AwaitView(QTreeView):
    """The await view: the tree of an ``AwaitTreeModel``, which it owns (``await_model``).

    Per frame, ``refresh(changed)`` with the tids ``table.apply`` returned: cheap when nothing
    changed, and while the view is hidden it only remembers the tids until it is shown again.
    New nodes come expanded; what the user collapsed stays collapsed.

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
        -1 clears it."""
        self._highlight = tid
        model = self.await_model
        model.set_chain(tid)
        index = model.index_of(tid) if tid >= 0 else QModelIndex()
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

    def showEvent(self, event):
        super().showEvent(event)
        self._flush()

    def _expand_new(self, parent, first, last):
        """New nodes come expanded (only the ones with children: most are leaves)."""
        parent_node = parent.internalPointer() if parent.isValid() else self.await_model._top
        self._expand(parent_node.children[first:last + 1])

    def _expand_all(self):
        self._expand(self.await_model._top.children)

    def _expand(self, nodes):
        create = self.await_model.createIndex
        stack = [n for n in nodes if n.children]
        while stack:
            node = stack.pop()
            self.expand(create(node.row, 0, node))
            stack.extend(n for n in node.children if n.children)

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
