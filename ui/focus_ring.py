"""A keyboard focus ring that every pane shows the same way, whatever the style draws."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QApplication, QWidget

from . import colors

_WIDTH = 2
_WATCHED = (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Hide)


class FocusRing(QWidget):
    """Draws a 2 px ring (the theme's ``focus`` colour) around the widget of its window that has
    the keyboard focus, once the focus moved by keyboard (Tab, a shortcut) — clicks move it too,
    but a ring around what was just clicked is noise, so it hides then.

    A transparent child of the window, on top of everything and transparent for the mouse; it
    follows the focused widget (and its ancestors: a scrolled page) through their move, resize,
    show and hide events.

    Attributes:
        target: the widget the ring is around (None: hidden).
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("focusRing")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.target: QWidget | None = None
        self._watched: list[QObject] = []
        self.hide()
        QApplication.instance().focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old, new) -> None:
        reason_keyboard = QApplication.mouseButtons() == Qt.MouseButton.NoButton
        window = self.parentWidget()
        if new is None or window is None or not window.isAncestorOf(new) or not reason_keyboard:
            self._track(None)
            return
        self._track(new)

    def _track(self, widget: QWidget | None) -> None:
        for obj in self._watched:
            try:
                obj.removeEventFilter(self)
            except RuntimeError:   # already deleted
                pass
        self._watched = []
        self.target = widget
        if widget is not None:
            w = widget
            while w is not None and w is not self.parentWidget():
                w.installEventFilter(self)
                self._watched.append(w)
                w = w.parentWidget()
        self.place()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if event.type() in _WATCHED:
            self.place()
        elif event.type() == QEvent.Type.Destroy or event.type() == QEvent.Type.DeferredDelete:
            self._track(None)
        return False

    def ring_rect(self) -> QRect:
        """The ring's rectangle in window coordinates (empty when there is none)."""
        w, window = self.target, self.parentWidget()
        if w is None or window is None or not w.isVisible():
            return QRect()
        visible = w.visibleRegion().boundingRect()   # a widget partly scrolled away: its visible part
        if visible.isEmpty():
            return QRect()
        top_left = w.mapTo(window, visible.topLeft())
        return QRect(top_left, visible.size()).adjusted(-_WIDTH, -_WIDTH, _WIDTH, _WIDTH) & window.rect()

    def place(self) -> None:
        rect = self.ring_rect()
        if rect.isEmpty():
            self.hide()
            return
        self.setGeometry(rect)
        self.show()
        self.raise_()
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        pen = QPen(colors.color("focus"), _WIDTH)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        painter.drawRect(self.rect().adjusted(_WIDTH // 2, _WIDTH // 2, -(_WIDTH // 2) - 1, -(_WIDTH // 2) - 1))
        painter.end()
