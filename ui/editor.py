"""The code editor: a QPlainTextEdit with a line-number gutter that also shows run markers."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import (QColor, QFontDatabase, QKeyEvent, QPainter, QPalette, QPen, QPolygonF,
                           QTextCursor, QTextFormat)
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QTextEdit, QToolTip, QWidget

from . import colors
from .highlighter import PygmentsHighlighter, is_dark

INDENT = "    "

#: What the Tab-mode hint says, by mode (``tab_moves_focus``).
TAB_HINTS = {
    True: "Tab moves focus \u00b7 type or click to edit",
    False: "Tab indents \u00b7 Esc: Tab moves focus",
}
# The focus arrived by keyboard: Tab keeps moving it on (the editor is a stop, not a trap).
_KEYBOARD_FOCUS = (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason,
                   Qt.FocusReason.ShortcutFocusReason)

# Marker kinds the window sets, with their gutter colours (light, dark).
class _Gutter(QWidget):
    """Paints line numbers and markers for its CodeEditor (the editor owns all state)."""

    def __init__(self, editor: "CodeEditor") -> None:
        super().__init__(editor)
        self._editor = editor
        self.setMouseTracking(True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(self._editor.gutter_width(), 0)

    def paintEvent(self, event) -> None:  # noqa: N802
        self._editor.paint_gutter(self, event)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        line = self._editor.line_at_y(event.position().y())
        if event.button() == Qt.MouseButton.LeftButton and line is not None:
            self._editor.gutterClicked.emit(line)
            event.accept()
            return
        super().mousePressEvent(event)

    def event(self, ev) -> bool:  # tooltips explain a marker
        if ev.type() == ev.Type.ToolTip:
            line = self._editor.line_at_y(ev.pos().y())
            marker = self._editor.markers().get(line)
            if line in self._editor.cancel_points():
                tip = ("Cancel point: a task of the run that suspends on this line is cancelled "
                       "on arrival (click to remove)") + (f"\n{marker[1]}" if marker else "")
                QToolTip.showText(ev.globalPos(), tip, self)
            elif marker:
                QToolTip.showText(ev.globalPos(), marker[1] + "\n(click: a cancel point here)", self)
            elif line is not None:
                QToolTip.showText(ev.globalPos(), "Click to set a cancel point: a task of the run "
                                  "that suspends on this line is cancelled on arrival", self)
            else:
                QToolTip.hideText()
                ev.ignore()
            return True
        return super().event(ev)


class CodeEditor(QPlainTextEdit):
    """Python source editor: monospace, Pygments colours, line numbers, 4-space tabs.

    The window sets markers by line number (1-based): `set_markers({14: ("wait", "2 tasks ...")})`;
    `wait` markers show their count in the gutter, `error` ones a red bar plus a wavy line.
    `highlight_line(n)` tints one line (the line a selected task waits on).

    A click in the gutter emits ``gutterClicked(line)``; the window uses it to toggle cancel
    points, which ``set_cancel_points`` shows as a violet stop sign left of the line number.

    Tab has two modes, as in VS Code ("Tab moves focus") or CodeMirror: when the focus arrives by
    keyboard (Tab, Shift+Tab, Alt+3), Tab and Shift+Tab move the focus on, so tabbing through
    the panes never edits the lesson; typing (anything that changes the text) or a click in the
    text switches to editing, where Tab indents; Esc switches back.  Ctrl+Tab and Ctrl+Shift+Tab
    always leave.  ``tab_hint`` says the mode while the editor has the focus.

    Signals:
        gutterClicked(int): the line (1-based) whose number was clicked.
        tabModeChanged(bool): ``tab_moves_focus`` changed.

    Attributes:
        highlighter: the PygmentsHighlighter colouring the document.
        tab_hint: the QLabel in the bottom-right corner saying what Tab does now.
    """

    gutterClicked = Signal(int)
    tabModeChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._markers: dict[int, tuple[str, str]] = {}
        self._points: frozenset[int] = frozenset()
        self._highlight: int | None = None
        # False until the focus arrives by keyboard: an editor used alone (or focused by the
        # program) indents with Tab, as it always did.
        self._tab_moves_focus = False
        self._gutter = _Gutter(self)
        self.tab_hint = QLabel(self, objectName="tabHint")
        self.tab_hint.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)   # clicks reach the text
        self.tab_hint.setAutoFillBackground(True)
        self.tab_hint.setBackgroundRole(QPalette.ColorRole.ToolTipBase)
        self.tab_hint.setForegroundRole(QPalette.ColorRole.ToolTipText)
        self.tab_hint.setMargin(3)
        self.tab_hint.hide()
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(font.pointSizeF(), 10.0))
        self.setFont(font)
        self.set_wrap(True)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 4)
        self.highlighter = PygmentsHighlighter(self.document(), dark=is_dark(self.palette()))
        self.blockCountChanged.connect(self._update_gutter_width)
        self.updateRequest.connect(self._update_gutter)
        self.cursorPositionChanged.connect(self._update_selections)
        self._update_gutter_width()
        self._update_selections()
        self._show_tab_mode()

    # -- Tab mode ----------------------------------------------------------------------------------
    @property
    def tab_moves_focus(self) -> bool:
        """True: Tab and Shift+Tab move the focus on; False: they indent and dedent."""
        return self._tab_moves_focus or self.isReadOnly()

    def set_tab_moves_focus(self, on: bool) -> None:
        if on != self._tab_moves_focus:
            self._tab_moves_focus = on
            self._show_tab_mode()
            self.tabModeChanged.emit(on)

    def _show_tab_mode(self) -> None:
        """Say the mode in the hint, the status tip and to assistive tech (never a silent mode)."""
        text = TAB_HINTS[self.tab_moves_focus]
        self.tab_hint.setText(text)
        self.setStatusTip(text)
        self.setAccessibleDescription(f"Python editor. {text}")
        self._place_tab_hint()

    def _place_tab_hint(self) -> None:
        hint = self.tab_hint
        hint.adjustSize()
        area = self.viewport().geometry()     # above the scroll bars, right of the gutter
        hint.move(area.right() - hint.width() - 3, area.bottom() - hint.height() - 3)
        hint.setVisible(self.hasFocus())
        hint.raise_()

    def focusInEvent(self, event) -> None:  # noqa: N802
        # By keyboard: a stop on the way through the panes.  By mouse: the user came to edit.
        # Others (the window activated again, a menu closed) keep the mode the user left.
        if event.reason() in _KEYBOARD_FOCUS:
            self.set_tab_moves_focus(True)
        elif event.reason() == Qt.FocusReason.MouseFocusReason:
            self.set_tab_moves_focus(False)
        super().focusInEvent(event)
        self._place_tab_hint()

    def mousePressEvent(self, event) -> None:  # noqa: N802
        self.set_tab_moves_focus(False)      # a click in the text, the editor focused or not
        super().mousePressEvent(event)

    def inputMethodEvent(self, event) -> None:  # noqa: N802
        if event.commitString():
            self.set_tab_moves_focus(False)
        super().inputMethodEvent(event)

    # -- markers ---------------------------------------------------------------------------------
    def set_markers(self, markers: dict[int, tuple[str, str]]) -> None:
        """Replace the gutter markers; {line (1-based): (kind, tooltip text)}."""
        if markers != self._markers:
            self._markers = dict(markers)
            self._gutter.update()
            self._update_selections()

    def markers(self) -> dict[int, tuple[str, str]]:
        return self._markers

    def set_cancel_points(self, lines) -> None:
        """Show cancel points on ``lines`` (1-based)."""
        lines = frozenset(lines)
        if lines != self._points:
            self._points = lines
            self._gutter.update()

    def cancel_points(self) -> frozenset[int]:
        return self._points

    def highlight_line(self, line: int | None, *, scroll: bool = True) -> None:
        """Tint `line` (1-based) or clear with None; scrolls it into view."""
        self._highlight = line
        self._update_selections()
        if line is not None and scroll:
            block = self.document().findBlockByNumber(line - 1)
            if block.isValid():
                cursor = QTextCursor(block)
                self.setTextCursor(cursor)
                self.centerCursor()

    def set_wrap(self, wrap: bool) -> None:
        """Wrap long lines at the pane's edge (True) or scroll sideways to read them (False).  On
        by default: at 1024 px the editor is ~45 characters wide, and a learner should see the
        whole of every line; the gutter numbers a wrapped line once."""
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth if wrap
                             else QPlainTextEdit.LineWrapMode.NoWrap)

    @property
    def wraps(self) -> bool:
        return self.lineWrapMode() == QPlainTextEdit.LineWrapMode.WidgetWidth

    def go_to(self, line: int, column: int = 1) -> None:
        """Put the cursor at line:column (1-based) and show it."""
        block = self.document().findBlockByNumber(max(line, 1) - 1)
        if block.isValid():
            cursor = QTextCursor(block)
            cursor.movePosition(QTextCursor.MoveOperation.Right, n=max(0, min(column - 1, block.length() - 1)))
            self.setTextCursor(cursor)
            self.centerCursor()

    # -- gutter ----------------------------------------------------------------------------------
    def gutter_width(self) -> int:
        digits = max(3, len(str(self.blockCount())))
        fm = self.fontMetrics()
        return 14 + fm.horizontalAdvance("9") * digits + fm.height()  # numbers + a marker badge

    def line_at_y(self, y: int) -> int | None:
        block = self.firstVisibleBlock()
        top = self.blockBoundingGeometry(block).translated(self.contentOffset()).top()
        while block.isValid() and top <= y:
            bottom = top + self.blockBoundingRect(block).height()
            if y < bottom:
                return block.blockNumber() + 1
            block = block.next()
            top = bottom
        return None

    def _update_gutter_width(self, *_args) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _update_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self._gutter.scroll(0, dy)
        else:
            self._gutter.update(0, rect.y(), self._gutter.width(), rect.height())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        cr = self.contentsRect()
        self._gutter.setGeometry(QRect(cr.left(), cr.top(), self.gutter_width(), cr.height()))
        self._place_tab_hint()

    def focusOutEvent(self, event) -> None:  # noqa: N802
        self.tab_hint.hide()
        super().focusOutEvent(event)

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:   # presentation mode: tabs and gutter follow
            self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 4)
            self._update_gutter_width()
            self._place_tab_hint()
        if event.type() == event.Type.PaletteChange:  # follow the system light/dark switch
            self.highlighter.set_palette(self.palette())
            self._update_selections()

    def _color(self, kind: str) -> QColor:
        return colors.marker_color(kind)

    def paint_gutter(self, gutter: QWidget, event) -> None:
        pal = self.palette()
        painter = QPainter(gutter)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(event.rect(), pal.color(QPalette.ColorRole.AlternateBase))
        fm = self.fontMetrics()
        badge = fm.height()
        number_right = gutter.width() - badge - 6
        current = self.textCursor().blockNumber()
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        while block.isValid() and top <= event.rect().bottom():
            height = round(self.blockBoundingRect(block).height())
            if block.isVisible() and top + height >= event.rect().top():
                n = block.blockNumber() + 1
                marker = self._markers.get(n)
                text_color = pal.color(QPalette.ColorRole.Text if n - 1 == current
                                       else QPalette.ColorRole.PlaceholderText)
                if marker:
                    color = self._color(marker[0])
                    r = QRect(number_right + 4, top + (height - badge) // 2 + 1, badge, badge - 2)
                    painter.setPen(Qt.PenStyle.NoPen)
                    painter.setBrush(color)
                    if marker[0] in ("wait", "cancel"):
                        # The count of tasks suspended (or cancelled) here, on a rounded badge.
                        painter.drawRoundedRect(r, 4, 4)
                        painter.setPen(colors.on_fill(color))
                        count = marker[1].split(" ", 1)[0]
                        font = painter.font()
                        font.setBold(True)
                        painter.setFont(font)
                        painter.drawText(r, Qt.AlignmentFlag.AlignCenter, count if count.isdigit() else "•")
                        painter.setFont(self.font())
                    else:
                        painter.drawEllipse(r.adjusted(2, 1, -2, -1))
                        painter.setPen(colors.on_fill(color))
                        painter.drawText(r, Qt.AlignmentFlag.AlignCenter, "!")
                    # the line number in the marker's colour, made readable on the gutter
                    text_color = colors.readable_on(pal.color(QPalette.ColorRole.AlternateBase), color)
                if n in self._points:
                    # A stop sign: tasks suspending on this line are cancelled on arrival.
                    size = min(11, badge - 3)
                    cx, cy = 2 + size / 2, top + height / 2
                    k = size / 2 * 0.414
                    r = size / 2
                    painter.setPen(QPen(colors.on_fill(self._color("cancel")), 1))
                    painter.setBrush(self._color("cancel"))
                    painter.drawPolygon(QPolygonF([QPointF(cx + dx, cy + dy) for dx, dy in (
                        (-k, -r), (k, -r), (r, -k), (r, k), (k, r), (-k, r), (-r, k), (-r, -k))]))
                painter.setPen(text_color)
                painter.drawText(0, top, number_right, height,
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, str(n))
            block = block.next()
            top += height
        painter.end()

    # -- line highlights ---------------------------------------------------------------------------
    def _update_selections(self) -> None:
        dark = colors.is_dark()
        selections = []

        def full_line(line_no: int, color: QColor) -> None:
            block = self.document().findBlockByNumber(line_no - 1)
            if not block.isValid():
                return
            sel = QTextEdit.ExtraSelection()
            sel.format.setBackground(color)
            sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            sel.cursor = QTextCursor(block)
            selections.append(sel)

        if not self.isReadOnly():
            full_line(self.textCursor().blockNumber() + 1,
                      colors.color("current-line"))
        for line, (kind, _text) in self._markers.items():
            if kind in ("error", "block"):
                c = self._color(kind)
                c.setAlpha(45 if dark else 35)
                full_line(line, c)
        if self._highlight is not None:
            full_line(self._highlight, colors.color("selected-line"))
        self.setExtraSelections(selections)
        self._gutter.update()

    # -- editing -----------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and (
                self.tab_moves_focus or event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            # Tab-moves-focus mode, or Ctrl+Tab at any time: on to the next (previous) pane.
            forward = key == Qt.Key.Key_Tab and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            QWidget.focusNextPrevChild(self, forward)
            return
        if key == Qt.Key.Key_Escape:
            self.set_tab_moves_focus(True)
            event.accept()
            return
        revision = self.document().revision()
        self._edit_key(event)
        if self.document().revision() != revision:
            # The user typed (or pasted, deleted, undid): editing now, Tab indents.  Keys that
            # only move the cursor or select (arrows, Page Down, Ctrl+C) leave the mode alone,
            # so a keyboard user can read the code and still Tab on.
            self.set_tab_moves_focus(False)

    def _edit_key(self, event: QKeyEvent) -> None:
        key = event.key()
        cursor = self.textCursor()
        if key == Qt.Key.Key_Tab and not cursor.hasSelection():
            # Tab inserts spaces up to the next multiple of 4, as Python wants.
            col = cursor.positionInBlock()
            cursor.insertText(" " * (4 - col % 4))
            return
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            self._shift_lines(dedent=key == Qt.Key.Key_Backtab)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            # Keep the current indentation, one level deeper after a colon.
            line = cursor.block().text()[: cursor.positionInBlock()]
            indent = line[: len(line) - len(line.lstrip(" "))]
            if line.rstrip().endswith(":"):
                indent += INDENT
            cursor.insertText("\n" + indent)
            self.ensureCursorVisible()
            return
        if key == Qt.Key.Key_Backspace and not cursor.hasSelection():
            col = cursor.positionInBlock()
            before = cursor.block().text()[:col]
            if col and not before.strip(" "):
                # Backspace in leading whitespace removes one indentation level.
                n = (col - 1) % 4 + 1
                cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor, n)
                cursor.removeSelectedText()
                return
        super().keyPressEvent(event)

    def _shift_lines(self, *, dedent: bool) -> None:
        cursor = self.textCursor()
        doc = self.document()
        first = doc.findBlock(cursor.selectionStart()).blockNumber()
        last = doc.findBlock(max(cursor.selectionStart(), cursor.selectionEnd() - (1 if cursor.hasSelection() else 0))).blockNumber()
        edit = QTextCursor(doc)
        edit.beginEditBlock()
        for n in range(first, last + 1):
            block = doc.findBlockByNumber(n)
            edit.setPosition(block.position())
            if dedent:
                text = block.text()
                k = len(text) - len(text.lstrip(" "))
                k = min(k, 4)
                edit.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.KeepAnchor, k)
                edit.removeSelectedText()
            else:
                edit.insertText(INDENT)
        edit.endEditBlock()
