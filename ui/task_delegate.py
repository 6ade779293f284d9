"""The task table's delegate: paints the State (dot + word), Name (indented, elided on the left)
and Cancel-button cells, and turns clicks on the button into ``cancelClicked``.

Split from ``task_view.py``: a delegate paints and hit-tests one cell at a time, while the view
lays out columns, selection and menus.  The cell geometry constants live here, with the painting
that uses them; the view imports ``_DOT``, ``_INDENT`` and ``_ROW_HEIGHT`` to size columns and rows
to what is painted.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import (QApplication, QStyle, QStyledItemDelegate, QStyleOptionButton,
                               QStyleOptionViewItem)

from asyncio_playground.vocab import LIVE_STATES
from . import colors
from .task_model import TaskTableModel

_INDENT = 14      # px per nesting level in the Name column
_DOT = 9          # state dot diameter
_ROW_HEIGHT = 24  # at least; a larger font (presentation mode) makes rows taller
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
        self.row_height = _ROW_HEIGHT   # the view sets it from its font

    # -- geometry ----------------------------------------------------------------------------
    @staticmethod
    def button_rect(cell: QRect) -> QRect:
        """Where the Cancel button sits inside an Action cell."""
        return cell.adjusted(4, 2, -4, -2)

    @staticmethod
    def _is_live(index) -> bool:
        """A live task with a Cancel button (not in a replayed moment: that run has ended)."""
        return (index.data(TaskTableModel.StateRole) in LIVE_STATES
                and getattr(index.model(), "cancellable", True))

    def sizeHint(self, option, index):
        size = super().sizeHint(option, index)
        if index.column() == TaskTableModel.NAME_COL:
            size.setWidth(size.width() + _INDENT * (index.data(TaskTableModel.DepthRole) or 0))
        return QSize(size.width(), max(size.height(), self.row_height))

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
            if self._is_live(index):
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
            # Names elide on the left: sibling tasks differ at the end ("…mirror-2").
            painter.drawText(rect, _LEFT, opt.fontMetrics.elidedText(text, Qt.TextElideMode.ElideLeft, rect.width()))
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
