"""The task table's view: state dots, indented names and a Cancel button on every live row."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QHeaderView, QInputDialog, QMenu,
                               QStyle, QStyledItemDelegate, QStyleOptionButton,
                               QStyleOptionViewItem, QTableView)

from asyncio_playground.vocab import LIVE_STATES
from . import colors
from .task_model import TaskTableModel

_INDENT = 14      # px per nesting level in the Name column
_DOT = 9          # state dot diameter
_ROW_HEIGHT = 24
# Looked up once: enum attribute access and flag maths are not free in a per-cell paint.
_HAS_FOCUS = QStyle.StateFlag.State_HasFocus
_SELECTED = QStyle.StateFlag.State_Selected
_WINDOW_ACTIVE = QStyle.StateFlag.State_Active
_ACTIVE, _INACTIVE = QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive
_TEXT, _HIGHLIGHTED_TEXT = QPalette.ColorRole.Text, QPalette.ColorRole.HighlightedText
_GUIDE = QPalette.ColorRole.PlaceholderText
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class TaskDelegate(QStyledItemDelegate):
    """Paints the State, Name and Action columns of a ``TaskTableModel``; other cells as usual.

    The Cancel "button" is painted with the style's own push-button primitive (so it looks native
    in light and dark themes) and handled in ``editorEvent``: no widget per row, which keeps 10,000
    rows as cheap as 10.

    Signals:
        cancelClicked(int): the Cancel button of the live task with that tid was clicked.
    """

    cancelClicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._pressed = QPersistentModelIndex()

    # -- geometry ----------------------------------------------------------------------------
    @staticmethod
    def button_rect(cell: QRect) -> QRect:
        """Where the Cancel button sits inside an Action cell."""
        return cell.adjusted(4, 2, -4, -2)

    @staticmethod
    def _is_live(index) -> bool:
        return index.data(TaskTableModel.StateRole) in LIVE_STATES

    def sizeHint(self, option, index):
        size = super().sizeHint(option, index)
        if index.column() == TaskTableModel.NAME_COL:
            size.setWidth(size.width() + _INDENT * (index.data(TaskTableModel.DepthRole) or 0))
        return QSize(size.width(), max(size.height(), _ROW_HEIGHT))

    # -- painting ----------------------------------------------------------------------------
    def paint(self, painter: QPainter, option, index):
        col = index.column()
        if col not in (TaskTableModel.STATE_COL, TaskTableModel.NAME_COL, TaskTableModel.ACTION_COL):
            super().paint(painter, option, index)
            return
        # No initStyleOption(): it would ask the model for every role of the cell, and these
        # cells need one or two.  The style draws the selection panel; the content is ours.
        opt = QStyleOptionViewItem(option)
        opt.state &= ~_HAS_FOCUS   # rows are selected whole: a focus frame on one cell is noise
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        state = index.data(TaskTableModel.StateRole)
        if col == TaskTableModel.ACTION_COL:
            if state in LIVE_STATES:
                self._paint_button(painter, opt, index, style)
            return
        selected = bool(opt.state & _SELECTED)
        group = _ACTIVE if opt.state & _WINDOW_ACTIVE else _INACTIVE
        text_color = opt.palette.color(group, _HIGHLIGHTED_TEXT if selected else _TEXT)
        rect = opt.rect.adjusted(6, 0, -4, 0)
        painter.save()
        if col == TaskTableModel.STATE_COL:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colors.state_color(state))
            painter.drawEllipse(QRect(rect.left(), rect.center().y() - _DOT // 2, _DOT, _DOT))
            painter.setPen(text_color)
            painter.drawText(rect.adjusted(_DOT + 7, 0, 0, 0), _LEFT, state)
        else:
            depth = index.data(TaskTableModel.DepthRole) or 0
            if depth:
                # A faint elbow: "created by a task above".
                painter.setPen(opt.palette.color(group, _HIGHLIGHTED_TEXT if selected else _GUIDE))
                x = rect.left() + _INDENT * (depth - 1) + 4
                y = rect.center().y()
                painter.drawLine(x, rect.top() + 3, x, y)
                painter.drawLine(x, y, x + _INDENT - 6, y)
                rect.setLeft(rect.left() + _INDENT * depth)
            painter.setPen(text_color)
            text = index.data() or ""
            painter.drawText(rect, _LEFT, opt.fontMetrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width()))
        painter.restore()

    def _paint_button(self, painter, opt, index, style):
        button = QStyleOptionButton()
        button.rect = self.button_rect(opt.rect)
        button.text = "Cancel"
        button.palette = opt.palette
        button.fontMetrics = opt.fontMetrics
        button.state = QStyle.StateFlag.State_Enabled
        if opt.state & QStyle.StateFlag.State_MouseOver:
            button.state |= QStyle.StateFlag.State_MouseOver
        if self._pressed.isValid() and QPersistentModelIndex(index) == self._pressed:
            button.state |= QStyle.StateFlag.State_Sunken
        else:
            button.state |= QStyle.StateFlag.State_Raised
        style.drawControl(QStyle.ControlElement.CE_PushButton, button, painter, opt.widget)

    # -- clicks ------------------------------------------------------------------------------
    def editorEvent(self, event, model, option, index):
        if index.column() != TaskTableModel.ACTION_COL or not self._is_live(index):
            return super().editorEvent(event, model, option, index)
        etype = event.type()
        if etype not in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                         QEvent.Type.MouseButtonDblClick):
            return super().editorEvent(event, model, option, index)
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        inside = self.button_rect(option.rect).contains(event.position().toPoint())
        if etype in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
            if inside:
                self._pressed = QPersistentModelIndex(index)
            return inside  # consumed: pressing Cancel does not also select the row
        was_pressed = self._pressed.isValid() and QPersistentModelIndex(index) == self._pressed
        self._pressed = QPersistentModelIndex()
        if inside and was_pressed:
            self.cancelClicked.emit(index.data(TaskTableModel.TidRole))
            return True
        return False


class TaskTableView(QTableView):
    """The task table: one row per task, a Cancel button on live rows.

    Owns no task data (only Qt's selection and whether the user resized a column): everything
    shown comes from the ``TaskTableModel``.

    Signals:
        cancelRequested(int): the user asked to cancel the task with this tid (Cancel button,
            or Delete on a selected live row).
        cancelWithMessage(int, str): the same with a message for ``cancel(msg)`` (the row's
            context menu).
        taskSelected(int): the selected task's tid, or -1 when the selection is cleared.
    """

    cancelRequested = Signal(int)
    cancelWithMessage = Signal(int, str)
    taskSelected = Signal(int)

    # Columns that keep their width, and how the rest of the viewport is shared (weight, minimum):
    # the pane is often narrow, and the Cancel buttons at the right edge must stay on screen.
    _FIXED = {TaskTableModel.STATE_COL: 88, TaskTableModel.ELAPSED_COL: 62, TaskTableModel.ACTION_COL: 68}
    _SHARED = {TaskTableModel.NAME_COL: (0.21, 70), TaskTableModel.CORO_COL: (0.15, 56),
               TaskTableModel.WAIT_COL: (0.38, 90), TaskTableModel.RESULT_COL: (0.26, 70)}

    def __init__(self, parent=None):
        super().__init__(parent)
        self._delegate = TaskDelegate(self)
        self._delegate.cancelClicked.connect(self.cancelRequested)
        # Only the three custom columns go through Python; the others keep Qt's C++ delegate,
        # which matters when a run with thousands of tasks repaints the table every frame.
        for col in (TaskTableModel.STATE_COL, TaskTableModel.NAME_COL, TaskTableModel.ACTION_COL):
            self.setItemDelegateForColumn(col, self._delegate)
        # Middle elision keeps both ends: "task 'fet…' · line 34", "ValueError: …too long".
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setMouseTracking(True)  # hover state for the Cancel buttons
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vheader = self.verticalHeader()
        vheader.hide()
        # Fixed row heights: the view never measures 10,000 rows to lay them out.
        vheader.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vheader.setDefaultSectionSize(_ROW_HEIGHT)
        hheader = self.horizontalHeader()
        hheader.setHighlightSections(False)
        hheader.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hheader.setMinimumSectionSize(40)
        hheader.setStretchLastSection(False)
        self._fitting = False
        self._user_sized = False
        hheader.sectionResized.connect(self._on_section_resized)

    def setModel(self, model):
        old = self.selectionModel()
        if old is not None:
            old.selectionChanged.disconnect(self._on_selection)
        super().setModel(model)
        if model is None:
            return
        self.selectionModel().selectionChanged.connect(self._on_selection)
        self.horizontalHeader().setSectionResizeMode(TaskTableModel.ACTION_COL, QHeaderView.ResizeMode.Fixed)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Share the viewport's width between the columns, until the user resizes one by hand."""
        model = self.model()
        if model is None or self._user_sized or model.columnCount() != len(TaskTableModel.COLUMNS):
            return
        spare = self.viewport().width() - sum(self._FIXED.values())
        self._fitting = True
        try:
            for col, width in self._FIXED.items():
                self.setColumnWidth(col, width)
            widths = {col: max(minimum, int(spare * weight))
                      for col, (weight, minimum) in self._SHARED.items()}
            # Minimums can overshoot the pane: take the excess from the widest column.
            widest = max(widths, key=widths.get)
            widths[widest] = max(self._SHARED[widest][1], widths[widest] - (sum(widths.values()) - spare))
            for col, width in widths.items():
                self.setColumnWidth(col, width)
        finally:
            self._fitting = False

    def _on_section_resized(self, *_):
        if not self._fitting:
            self._user_sized = True

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_columns()

    def select_tid(self, tid: int) -> None:
        """Select the row of *tid* (or clear the selection for -1) and scroll it into view."""
        model = self.model()
        row = model.row_of(tid) if model is not None and tid >= 0 else -1
        if row < 0:
            self.clearSelection()
            return
        self.selectRow(row)
        self.scrollTo(model.index(row, 0))

    def _on_selection(self, *_):
        rows = self.selectionModel().selectedRows()
        self.taskSelected.emit(rows[0].data(TaskTableModel.TidRole) if rows else -1)

    def contextMenuEvent(self, event):
        """Cancel, or cancel with a message, from the row under the cursor (never a nested
        event loop: the menu pops up, the message dialog opens non-modally)."""
        index = self.indexAt(event.pos())
        if not index.isValid() or index.data(TaskTableModel.StateRole) not in LIVE_STATES:
            return
        tid = index.data(TaskTableModel.TidRole)
        name = self.model().index(index.row(), TaskTableModel.NAME_COL).data()
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction("Cancel", lambda: self.cancelRequested.emit(tid))
        menu.addAction("Cancel with message…", lambda: self.ask_cancel_message(tid, name))
        menu.popup(event.globalPos())
        self._menu = menu

    def ask_cancel_message(self, tid: int, name: str | None = None) -> QInputDialog:
        """Open (non-modally) the dialog asking for the message of ``cancel(msg)``."""
        dialog = QInputDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowTitle("Cancel with a message")
        dialog.setLabelText(f"Message for {name or f'task {tid}'}.cancel(msg); it becomes the "
                            "CancelledError's argument:")
        dialog.textValueSelected.connect(lambda text: self.cancelWithMessage.emit(tid, text))
        dialog.open()
        return dialog

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Delete:
            rows = self.selectionModel().selectedRows() if self.selectionModel() else []
            if rows and rows[0].data(TaskTableModel.StateRole) in LIVE_STATES:
                self.cancelRequested.emit(rows[0].data(TaskTableModel.TidRole))
                return
        super().keyPressEvent(event)
