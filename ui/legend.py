"""The legend: what the colours and marks of the table and the timeline mean, in words."""
from __future__ import annotations

from asyncio_playground.vocab import TaskState
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from . import colors

_GAP = 10        # between items
_PAD = 4         # inside a state pill
_SWATCH = 14     # width of a wait swatch / mark box


def _items():
    """(kind, key, label, tooltip) in reading order: states, wait kinds, then the marks."""
    items = [("title", None, "States", "")]
    items += [("state", state, state.value, f"{state}: {state.doc}") for state in TaskState]
    items.append(("title", None, "Waiting on", ""))
    for group in colors.WAIT_GROUPS:
        label = "/".join(kind.value for kind in group)
        tip = "\n".join(f"{kind}: {kind.doc}" for kind in group)
        items.append(("wait", group[0], label, tip))
    items.append(("title", None, "Marks", ""))
    items += [
        ("mark", "request", "cancel asked", "A cancel request: an arrow comes from the task that asked"),
        ("mark", "landed", "landed", "Where CancelledError landed in the task"),
        ("mark", "cleanup", "cleanup", "What the task ran after CancelledError landed (except/finally)"),
        ("mark", "block", "loop blocked", "Synchronous code held the event loop (nothing else ran)"),
        ("mark", "outcome", "\u2713 \u2717 \u2298 ended", "How each task ended, at the end of its lane: "
         "\u2713 done, \u2717 failed, \u2298 cancelled"),
    ]
    return items


class LegendWidget(QWidget):
    """A compact legend that wraps to its width: each state as its word on its colour, each wait
    kind (grouped by shared colour) as a hatched swatch with its words, and the timeline's marks.

    Every entry carries a word, so the legend (like the table and timeline) reads without colour;
    hovering an entry says what the word means (``asyncio_playground.vocab``).

    When the whole legend would take more than ``MAX_SHARE`` of its parent's height (a short pane,
    large presentation text), it shows the states only and one "waits and marks" entry whose
    tooltip lists the rest (``compact``).
    """

    MAX_SHARE = 0.4

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("legend")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self._all = _items()
        self._items = self._all
        self.compact = False
        self._watched_parent = None
        self._layout_w = -1
        self._rects: list[tuple[QRectF, tuple]] = []
        self._height = 0
        self._update_fonts()

    # -- layout ------------------------------------------------------------------------------
    def _update_fonts(self) -> None:
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(6.5, self.font().pointSizeF() * 0.85))
        self._bold = QFont(self._small)
        self._bold.setBold(True)
        self._widths: dict = {}     # (kind, label) -> width in these fonts (layouts ask often)
        self._layout_w = -1
        self.updateGeometry()

    def _item_width(self, item) -> float:
        kind, _key, label, _tip = item
        width = self._widths.get((kind, label))
        if width is None:
            text = QFontMetricsF(self._bold if kind == "title" else self._small).horizontalAdvance(label)
            if kind == "title":
                width = text + 2
            elif kind == "state":
                width = text + 2 * _PAD + 2
            else:
                width = _SWATCH + 4 + text
            self._widths[(kind, label)] = width
        return width

    def _compact_items(self):
        states = [item for item in self._all if item[0] == "state" or item[2] == "States"]
        rest = [item for item in self._all if item not in states and item[0] != "title"]
        tip = "\n".join(f"{label}: {tip.splitlines()[0] if tip else ''}" for _k, _key, label, tip in rest)
        return states + [("title", None, "Waits and marks: hover here (View → Legend)", "Waiting on and marks:\n" + tip)]

    def _choose(self, width: int) -> None:
        """Full legend, or compact when the full one would take too much of the parent's height."""
        parent = self.parentWidget()
        self._items = self._all
        self.compact = False
        if parent is not None and parent.height() > 0:
            full = self._lay_out(width)
            if full > max(2 * (QFontMetricsF(self._small).height() + 6) + 6, parent.height() * self.MAX_SHARE):
                self._items = self._compact_items()
                self.compact = True

    def _lay_out(self, width: int) -> int:
        """Place the items in rows for *width*; returns the height needed."""
        line_h = QFontMetricsF(self._small).height() + 6
        x, y = 4.0, 3.0
        self._rects = []
        items = self._items
        for i, item in enumerate(items):
            w = self._item_width(item)
            if item[0] == "title" and i + 1 < len(items):   # a title stays with its first entry
                w_keep = w + 6 + self._item_width(items[i + 1])
            else:
                w_keep = w
            if x > 4 and x + w_keep > width - 4:
                x, y = 4.0, y + line_h
            self._rects.append((QRectF(x, y, w, line_h - 2), item))
            x += w + (_GAP if item[0] != "title" else 6)
        self._layout_w = width
        self._height = int(y + line_h + 3)
        return self._height

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        saved = (self._rects, self._layout_w, self._height, self._items, self.compact)
        self._choose(width)
        h = self._lay_out(width)
        self._rects, self._layout_w, self._height, self._items, self.compact = saved
        return h

    def sizeHint(self) -> QSize:  # noqa: N802
        w = max(self.width(), 200)
        return QSize(w, self.heightForWidth(w))

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(120, self.heightForWidth(max(self.width(), 120)))

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._relayout()

    def _relayout(self) -> None:
        self._choose(self.width())
        h = self._lay_out(self.width())
        if h != self.height():
            self.setFixedHeight(h)
        self.update()

    def showEvent(self, event) -> None:  # noqa: N802
        parent = self.parentWidget()
        if parent is not None and parent is not self._watched_parent:
            parent.installEventFilter(self)      # its height decides full or compact
            self._watched_parent = parent
        super().showEvent(event)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if obj is self._watched_parent and event.type() == QEvent.Type.Resize:
            self._relayout()
        return False

    def item_rects(self) -> list[tuple[QRectF, str]]:
        """Where each entry is drawn and its words (tests check none is cut)."""
        if self._layout_w != self.width():
            self._lay_out(self.width())
        return [(rect, item[2]) for rect, item in self._rects]

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() == QEvent.Type.FontChange:
            self._update_fonts()
            self._relayout()
        super().changeEvent(event)

    # -- painting ----------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802
        if self._layout_w != self.width():
            self._lay_out(self.width())
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        text = pal.color(QPalette.ColorRole.WindowText)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        for rect, (kind, key, label, _tip) in self._rects:
            painter.setFont(self._bold if kind == "title" else self._small)
            if kind == "title":
                painter.setPen(muted)
                painter.drawText(rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label)
            elif kind == "state":
                fill = colors.state_color(key)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(fill)
                painter.drawRoundedRect(rect.adjusted(0, 1, 0, -1), 4, 4)
                painter.setPen(colors.on_state(key))        # text on the state colour, >= 4.5:1
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label)
            else:
                box = QRectF(rect.left(), rect.center().y() - 5, _SWATCH, 10)
                self._paint_swatch(painter, kind, key, box, base)
                painter.setPen(text)
                painter.drawText(rect.adjusted(_SWATCH + 4, 0, 0, 0),
                                 Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label)
        painter.end()

    @staticmethod
    def _paint_swatch(painter, kind, key, box: QRectF, base: QColor) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        if kind == "wait":     # as the timeline draws a waiting span: light fill and hatching
            color = colors.wait_color(key)
            painter.fillRect(box, colors.blend(color, base, 0.28))
            hatch = QColor(color)
            hatch.setAlpha(170)
            painter.fillRect(box, QBrush(hatch, Qt.BrushStyle.BDiagPattern))
            return
        cancel = colors.CANCEL_COLOR
        cx, cy = box.center().x(), box.center().y()
        if key == "request":
            painter.setBrush(cancel)
            painter.drawPolygon(QPolygonF([QPointF(cx - 4, box.top()), QPointF(cx + 4, box.top()),
                                           QPointF(cx, box.top() + 6)]))
        elif key == "landed":
            painter.setPen(QPen(cancel, 2))
            painter.setBrush(base)
            painter.drawEllipse(QPointF(cx, cy), 4, 4)
        elif key == "cleanup":
            band = QColor(cancel)
            band.setAlpha(80)
            painter.fillRect(box, band)
        elif key == "block":
            band = QColor(colors.BLOCK_COLOR)
            band.setAlpha(60)
            painter.fillRect(box, band)
            painter.fillRect(QRectF(box.left(), box.top(), box.width(), 3), colors.BLOCK_COLOR)
        elif key == "outcome":
            painter.fillRect(QRectF(cx - 1, box.top(), 2, box.height()), colors.state_color(TaskState.DONE))

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            pos = event.position() if hasattr(event, "position") else QPointF(event.pos())
            tip = next((item[3] for rect, item in self._rects if rect.contains(pos) and item[3]), "")
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

