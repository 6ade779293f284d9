"""The timeline: one lane per task, nested under its parent, running slices and waiting spans."""
from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from operator import itemgetter

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QScrollBar, QToolTip, QWidget

from ui import colors

_INF = math.inf
_start = itemgetter(0)
_end = itemgetter(1)


def _wait_end(wait):
    return _INF if wait[1] is None else wait[1]


def _nice_step(raw: float) -> float:
    """The smallest 1/2/5 x 10^k at or above *raw* (tick spacing in seconds)."""
    exp = math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10):
        step = mult * 10 ** exp
        if step >= raw:
            return step
    return 10 ** (exp + 1)


def format_tick(t: float, step: float, seconds: bool) -> str:
    """An axis label with as many decimals as the tick *step* needs: ``0``, ``250 ms``, ``1.5 s``.

    *seconds* picks the unit for the whole axis (a view reaching past 1 s reads in seconds), so
    labels never switch units halfway along the axis.
    """
    if abs(t) < step / 2:
        return "0"
    if step < 1e-3 and not seconds:
        return f"{t * 1e6:.0f} \u00b5s" if step >= 1e-6 else f"{t * 1e6:.1f} \u00b5s"
    if not seconds:
        decimals = max(0, -math.floor(math.log10(step * 1e3) + 1e-9))
        return f"{t * 1e3:.{decimals}f} ms"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return f"{t:.{decimals}f} s"


class _Lanes:
    """Lane order: every task right after its parent's earlier children (a pre-order walk).

    Kept incrementally because 10,000 tasks arrive a few hundred per frame: a new task whose
    parent owns the last lane (the common case: one task spawning many) is appended in O(depth);
    anything else marks the order dirty and it is rebuilt once, at the end of the frame.
    """

    def __init__(self):
        self.rows: list = []               # lane -> TaskRow
        self.index: dict[int, int] = {}    # tid -> lane
        self._children: dict[object, list] = {}
        self._by_tid: dict[int, object] = {}
        self._dirty = False

    def add(self, row) -> None:
        self._by_tid[row.tid] = row
        self._children.setdefault(row.parent, []).append(row)
        if not self._dirty and self._owns_last_lane(row.parent):
            self.index[row.tid] = len(self.rows)
            self.rows.append(row)
        else:
            self._dirty = True

    def _owns_last_lane(self, parent) -> bool:
        if parent is None or not self.rows:
            return True
        node = self.rows[-1]
        while node is not None:
            if node.tid == parent:
                return True
            node = self._by_tid.get(node.parent)
        return False

    def settle(self) -> None:
        if not self._dirty:
            return
        order, stack = [], list(reversed(self._children.get(None, [])))
        # Tasks whose parent is unknown to the run (should not happen) still get a lane.
        orphans = [r for p, kids in self._children.items() if p is not None and p not in self._by_tid
                   for r in kids]
        stack[:0] = reversed(orphans)
        while stack:
            row = stack.pop()
            order.append(row)
            stack.extend(reversed(self._children.get(row.tid, ())))
        self.rows = order
        self.index = {row.tid: i for i, row in enumerate(order)}
        self._dirty = False


class TimelineWidget(QWidget):
    """A zoomable, pannable timeline of one run's tasks, painted directly (no scene, no cache).

    Only the lanes inside the viewport and, within a lane, only the slices inside the visible time
    range are looked at (binary search by time), and slices closer than a pixel are merged, so the
    cost of a frame depends on the window size, not on the number of tasks or steps.

    Mouse: wheel zooms around the cursor (Shift+wheel or wheel over the names scrolls lanes),
    drag pans, double-click fits the whole run, click selects a lane, hover explains.

    Signals:
        taskSelected(int): a lane was clicked (its tid), or empty space (-1).

    Attributes:
        LANE_H, AXIS_H, LABEL_W: geometry in device-independent pixels.
    """

    taskSelected = Signal(int)

    LANE_H = 22
    AXIS_H = 26
    LABEL_W = 190
    _INDENT = 12
    _MIN_SPAN = 20e-6

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMinimumSize(320, 120)
        self._vbar = QScrollBar(Qt.Orientation.Vertical, self)
        self._vbar.valueChanged.connect(self.update)
        self._vbar.setSingleStep(self.LANE_H)
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(6.5, self.font().pointSizeF() * 0.85))
        self._glyph = QFont(self.font())
        self._glyph.setBold(True)
        self.set_table(None)

    # -- public API --------------------------------------------------------------------------
    def set_table(self, table) -> None:
        """Show a new run's ``TaskTable`` (or nothing for None); fits and follows it."""
        self._table = table
        self._lanes = _Lanes()
        self._known = 0
        self._origin = None
        self._now = None
        self._live = False
        self._follow = True
        self._view = (0.0, 1.0)          # visible time range, seconds since the origin
        self._highlight = -1
        self._drag = None
        self._vbar.setValue(0)
        self.refresh(None, live=False)

    def refresh(self, now: float | None, live: bool | None = None) -> None:
        """Pick up new tasks and repaint; *now* is the loop clock (``run.loop.time()``).

        The run counts as live (a moving "now" line, the view following it) until the table has
        seen the run's end event; *live* overrides that.
        """
        table = self._table
        if table is not None:
            rows = table.rows
            for row in rows[self._known:]:
                self._lanes.add(row)
            self._known = len(rows)
            self._lanes.settle()
            if self._origin is None:
                started = getattr(table, "started", None)
                self._origin = started if started is not None else (rows[0].created if rows else None)
        if now is not None:
            self._now = now
        if live is None:
            live = table is not None and getattr(table, "finished", None) is None
        self._live = live and self._now is not None
        self._update_scrollbar()
        if self._follow:
            self._fit_range()
        self.update()

    def highlight(self, tid: int) -> None:
        """Mark the lane of *tid* (or none for -1) and scroll it into view; emits nothing."""
        self._highlight = tid
        lane = self._lanes.index.get(tid, -1)
        if lane >= 0:
            top = lane * self.LANE_H
            view_h = self._lanes_rect().height()
            if top < self._vbar.value():
                self._vbar.setValue(top)
            elif top + self.LANE_H > self._vbar.value() + view_h:
                self._vbar.setValue(int(top + self.LANE_H - view_h))
        self.update()

    def fit(self) -> None:
        """Show the whole run (and keep following it while it is live)."""
        self._follow = True
        self._fit_range()
        self.update()

    def set_visible_range(self, t0: float, t1: float) -> None:
        """Show seconds *t0*..*t1* after the run started (stops following the live edge)."""
        self._follow = False
        span = max(t1 - t0, self._MIN_SPAN)
        self._view = (t0, t0 + span)
        self.update()

    def visible_range(self) -> tuple[float, float]:
        """The visible time range, seconds since the run started."""
        return self._view

    def lane_count(self) -> int:
        return len(self._lanes.rows)

    def lane_tids(self) -> list[int]:
        """Tids in lane order (each task after its parent)."""
        return [row.tid for row in self._lanes.rows]

    def lane_at(self, y: float) -> int:
        """The lane index under widget y (or -1)."""
        if y < self.AXIS_H:
            return -1
        lane = int((y - self.AXIS_H + self._vbar.value()) // self.LANE_H)
        return lane if 0 <= lane < len(self._lanes.rows) else -1

    def tid_at(self, pos) -> int:
        """The tid whose lane is under *pos* (widget coordinates), or -1."""
        lane = self.lane_at(pos.y())
        return self._lanes.rows[lane].tid if lane >= 0 else -1

    def lane_rect(self, tid: int) -> QRectF:
        """Where the lane of *tid* is drawn (may be outside the viewport)."""
        lane = self._lanes.index.get(tid, -1)
        if lane < 0:
            return QRectF()
        area = self._lanes_rect()
        return QRectF(0, area.top() + lane * self.LANE_H - self._vbar.value(),
                      area.right(), self.LANE_H)

    def x_of(self, t_abs: float) -> float:
        """Widget x of loop time *t_abs*."""
        area = self._lanes_rect()
        t0, t1 = self._view
        return area.left() + (t_abs - (self._origin or 0.0) - t0) * area.width() / (t1 - t0)

    def time_at(self, x: float) -> float:
        """Loop time at widget x."""
        area = self._lanes_rect()
        t0, t1 = self._view
        return (self._origin or 0.0) + t0 + (x - area.left()) * (t1 - t0) / max(1.0, area.width())

    # -- geometry ----------------------------------------------------------------------------
    def _lanes_rect(self) -> QRectF:
        sb = self._vbar.sizeHint().width() if self._vbar.isVisible() else 0
        return QRectF(self.LABEL_W, self.AXIS_H, max(1, self.width() - self.LABEL_W - sb),
                      max(1, self.height() - self.AXIS_H))

    def _extent(self) -> float:
        """Seconds from the origin to the live edge (now) or the last thing that happened."""
        if self._origin is None:
            return 0.0
        end = self._now
        table = self._table
        if not self._live and table is not None:
            finished = getattr(table, "finished", None)
            last = max((r.ended for r in table.rows[-1:] if r.ended is not None), default=None)
            end = finished or self._now or last
        return max(0.0, (end or self._origin) - self._origin)

    def _fit_range(self) -> None:
        extent = max(self._extent(), 1e-3)
        # A little headroom on the right so the live edge and end glyphs are not on the border.
        self._view = (0.0, extent * (1.08 if self._live else 1.04))

    def _update_scrollbar(self) -> None:
        total = len(self._lanes.rows) * self.LANE_H
        page = max(1, self.height() - self.AXIS_H)
        self._vbar.setRange(0, max(0, total - page))
        self._vbar.setPageStep(page)
        self._vbar.setVisible(total > page)

    def resizeEvent(self, event):
        sb = self._vbar.sizeHint().width()
        self._vbar.setGeometry(self.width() - sb, self.AXIS_H, sb, max(0, self.height() - self.AXIS_H))
        self._update_scrollbar()
        super().resizeEvent(event)

    # -- painting ----------------------------------------------------------------------------
    def paintEvent(self, event):
        painter = QPainter(self)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        painter.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        area = self._lanes_rect()
        scroll = self._vbar.value()
        first = scroll // self.LANE_H
        last = min(len(self._lanes.rows), (scroll + int(area.height())) // self.LANE_H + 1)
        lanes = range(first, last)
        ticks = self._ticks(area)
        painter.save()
        painter.setClipRect(QRectF(0, area.top(), self.width(), area.height()))
        self._paint_lane_backgrounds(painter, lanes, area, text, ticks)
        painter.setClipRect(area)
        self._paint_blocks(painter, area, band=True)
        for lane in lanes:
            self._paint_lane(painter, lane, area)
        self._paint_now(painter, area, full=True)
        painter.restore()
        self._paint_labels(painter, lanes, area, pal)
        self._paint_axis(painter, area, pal, ticks)
        painter.end()

    def _lane_y(self, lane: int, area: QRectF) -> float:
        return area.top() + lane * self.LANE_H - self._vbar.value()

    def _ticks(self, area: QRectF):
        t0, t1 = self._view
        # Labels at least ~90 px apart, on a 1-2-5 grid so they read as round numbers.
        step = _nice_step((t1 - t0) * 90.0 / area.width())
        first = math.ceil(t0 / step)
        return step, [(k * step, area.left() + (k * step - t0) * area.width() / (t1 - t0))
                      for k in range(first, int(t1 / step) + 1)]

    def _paint_lane_backgrounds(self, painter, lanes, area, text, ticks):
        stripe = QColor(text)
        stripe.setAlpha(10)
        highlight = QColor(self.palette().color(QPalette.ColorRole.Highlight))
        highlight.setAlpha(60)
        for lane in lanes:
            y = self._lane_y(lane, area)
            if self._lanes.rows[lane].tid == self._highlight:
                painter.fillRect(QRectF(0, y, area.right(), self.LANE_H), highlight)
            elif lane % 2:
                painter.fillRect(QRectF(0, y, area.right(), self.LANE_H), stripe)
        grid = QColor(text)
        grid.setAlpha(22)
        painter.setPen(QPen(grid, 0))
        for _t, x in ticks[1]:
            painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))

    def _paint_blocks(self, painter, area, band: bool):
        if self._table is None or self._origin is None:
            return
        for ev in getattr(self._table, "blocks", ()):
            x0, x1 = self.x_of(ev[2]), self.x_of(ev[2] + ev[3])
            if x1 < area.left() or x0 > area.right():
                continue
            fill = QColor(colors.BLOCK_COLOR)
            if band:
                fill.setAlpha(38)
                painter.fillRect(QRectF(x0, area.top(), max(x1 - x0, 2.0), area.height()), fill)
            else:  # the marker in the axis strip
                painter.fillRect(QRectF(x0, self.AXIS_H - 6, max(x1 - x0, 2.0), 5), fill)

    def _paint_lane(self, painter, lane, area):
        row = self._lanes.rows[lane]
        y = self._lane_y(lane, area)
        cy = y + self.LANE_H / 2
        t0, t1 = self._view
        origin = self._origin
        scale = area.width() / (t1 - t0)
        offset = origin + t0 - area.left() / scale   # x = (t - offset) * scale
        lo, hi = origin + t0, origin + t1
        now = self._now if self._now is not None else (row.ended or row.created)
        end = row.ended if row.ended is not None else now
        # Lifeline: the whole life of the task, so pending time (created, not yet run) shows too.
        life = QColor(self.palette().color(QPalette.ColorRole.Text))
        life.setAlpha(90)
        x_created, x_end = (row.created - offset) * scale, (end - offset) * scale
        if x_end >= area.left() and x_created <= area.right():
            painter.fillRect(QRectF(x_created, cy - 0.5, max(x_end - x_created, 1.0), 1.0), life)
        bar_h = self.LANE_H - 8
        wait_h = bar_h - 4
        base = self.palette().color(QPalette.ColorRole.Base)
        for x0, x1, wait in _pixel_spans(row.waits, lo, hi, scale, offset, lambda w: now if w[1] is None else w[1]):
            color = colors.wait_color(wait[2])
            # Opaque light fill (hides the lifeline) + hatching: "suspended", never confused
            # with the solid running slices.
            hatch = QColor(color)
            hatch.setAlpha(170)
            rect = QRectF(x0, cy - wait_h / 2, x1 - x0, wait_h)
            painter.fillRect(rect, _blend(color, base, 0.28))
            painter.fillRect(rect, QBrush(hatch, Qt.BrushStyle.BDiagPattern))
        running = colors.state_color("running")
        for x0, x1, _step in _pixel_spans(row.steps, lo, hi, scale, offset, _end):
            painter.fillRect(QRectF(x0, cy - bar_h / 2, x1 - x0, bar_h), running)
        for req in row.cancel_requests:
            x = (req[0] - offset) * scale
            if area.left() - 6 <= x <= area.right() + 6:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colors.CANCEL_COLOR)
                painter.drawPolygon(QPolygonF([QPointF(x - 4, y + 1), QPointF(x + 4, y + 1), QPointF(x, y + 7)]))
        glyph = colors.OUTCOME_GLYPHS.get(row.state)
        if glyph and row.ended is not None and area.left() - 16 <= x_end <= area.right():
            color = colors.state_color(row.state)
            painter.fillRect(QRectF(x_end - 1, cy - bar_h / 2, 2, bar_h), color)
            painter.setPen(color)
            painter.setFont(self._glyph)
            painter.drawText(QRectF(x_end + 3, y, 18, self.LANE_H),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, glyph)

    def _paint_now(self, painter, area, full):
        if not self._live or self._now is None or self._origin is None:
            return
        x = self.x_of(self._now)
        if area.left() <= x <= area.right() + 1:
            painter.setPen(QPen(_NOW_COLOR, 1.5))
            if full:
                painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
            else:
                painter.setBrush(_NOW_COLOR)
                painter.drawPolygon(QPolygonF([QPointF(x - 5, self.AXIS_H - 7), QPointF(x + 5, self.AXIS_H - 7),
                                               QPointF(x, self.AXIS_H)]))

    def _paint_labels(self, painter, lanes, area, pal):
        painter.save()
        panel = QRectF(0, area.top(), self.LABEL_W, area.height())
        painter.setClipRect(panel)
        painter.fillRect(panel, _blend(pal.color(QPalette.ColorRole.Window), pal.color(QPalette.ColorRole.Base)))
        highlight = QColor(pal.color(QPalette.ColorRole.Highlight))
        highlight.setAlpha(60)
        metrics = painter.fontMetrics()
        for lane in lanes:
            row = self._lanes.rows[lane]
            y = self._lane_y(lane, area)
            if row.tid == self._highlight:
                painter.fillRect(QRectF(0, y, self.LABEL_W, self.LANE_H), highlight)
            x = 8 + self._INDENT * min(row.depth, 8)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colors.state_color(row.state))
            painter.drawEllipse(QRectF(x, y + self.LANE_H / 2 - 3.5, 7, 7))
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            painter.setPen(pal.color(QPalette.ColorRole.Text))
            width = int(self.LABEL_W - x - 18)
            painter.drawText(QRectF(x + 12, y, width, self.LANE_H),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(row.name, Qt.TextElideMode.ElideRight, width))
        painter.restore()
        painter.setPen(QPen(_blend(pal.color(QPalette.ColorRole.Mid), pal.color(QPalette.ColorRole.Base)), 0))
        painter.drawLine(QPointF(self.LABEL_W - 0.5, 0), QPointF(self.LABEL_W - 0.5, self.height()))

    def _paint_axis(self, painter, area, pal, ticks):
        strip = QRectF(0, 0, self.width(), self.AXIS_H)
        painter.fillRect(strip, pal.color(QPalette.ColorRole.Window))
        painter.setFont(self._small)
        muted = QColor(pal.color(QPalette.ColorRole.WindowText))
        muted.setAlpha(150)
        painter.setPen(muted)
        count = len(self._lanes.rows)
        painter.drawText(QRectF(8, 0, self.LABEL_W - 12, self.AXIS_H),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         f"{count} task{'s' if count != 1 else ''}")
        painter.save()
        painter.setClipRect(QRectF(area.left(), 0, area.width(), self.AXIS_H))
        step, marks = ticks
        for t, x in marks:
            painter.setPen(muted)
            painter.drawLine(QPointF(x, self.AXIS_H - 6), QPointF(x, self.AXIS_H))
            painter.drawText(QRectF(x + 4, 0, 120, self.AXIS_H - 3),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, format_tick(t, step, self._view[1] >= 1.0))
        self._paint_blocks(painter, area, band=False)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._paint_now(painter, area, full=False)
        painter.restore()
        painter.setPen(QPen(_blend(pal.color(QPalette.ColorRole.Mid), pal.color(QPalette.ColorRole.Base)), 0))
        painter.drawLine(QPointF(0, self.AXIS_H - 0.5), QPointF(self.width(), self.AXIS_H - 0.5))

    # -- interaction -------------------------------------------------------------------------
    def _zoom(self, factor: float, x: float) -> None:
        t0, t1 = self._view
        area = self._lanes_rect()
        anchor = t0 + (x - area.left()) * (t1 - t0) / area.width()
        span = max((t1 - t0) * factor, self._MIN_SPAN)
        span = min(span, max(self._extent() * 4, 10.0))
        frac = (anchor - t0) / (t1 - t0)
        self.set_visible_range(anchor - frac * span, anchor + (1 - frac) * span)

    def _pan_px(self, dx: float) -> None:
        t0, t1 = self._view
        dt = dx * (t1 - t0) / self._lanes_rect().width()
        self.set_visible_range(t0 - dt, t1 - dt)

    def wheelEvent(self, event):
        delta = event.angleDelta()
        pos = event.position()
        mods = event.modifiers()
        if delta.x() and not delta.y():
            self._pan_px(delta.x() / 2)
        elif mods & Qt.KeyboardModifier.ShiftModifier or pos.x() < self.LABEL_W:
            self._vbar.setValue(self._vbar.value() - int(delta.y() / 120 * 3 * self.LANE_H))
        elif delta.y():
            self._zoom(0.85 ** (delta.y() / 120), max(pos.x(), self.LABEL_W))
        event.accept()

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = (event.position(), self._view, self._vbar.value(), False)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        if self._drag is not None and event.buttons() & Qt.MouseButton.LeftButton:
            start, view, scroll, moved = self._drag
            delta = event.position() - start
            if moved or abs(delta.x()) + abs(delta.y()) > 3:
                self._drag = (start, view, scroll, True)
                self.setCursor(Qt.CursorShape.ClosedHandCursor)
                dt = delta.x() * (view[1] - view[0]) / self._lanes_rect().width()
                self.set_visible_range(view[0] - dt, view[1] - dt)
                self._vbar.setValue(int(scroll - delta.y()))
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton and self._drag is not None:
            moved = self._drag[3]
            self._drag = None
            self.unsetCursor()
            if not moved:
                tid = self.tid_at(event.position())
                self.highlight(tid)
                self.taskSelected.emit(tid)
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event):
        self.fit()
        event.accept()

    def event(self, event):
        if event.type() == QEvent.Type.ToolTip:
            text = self.tooltip_at(event.position() if hasattr(event, "position") else QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def tooltip_at(self, pos) -> str:
        """What the hover tooltip at *pos* (widget coordinates) says; empty over nothing."""
        lane = self.lane_at(pos.y())
        if lane < 0 or self._origin is None:
            return ""
        row = self._lanes.rows[lane]
        rel = lambda t: colors.format_duration(t - self._origin)  # noqa: E731
        parent = self._lanes.rows[self._lanes.index[row.parent]].name if row.parent in self._lanes.index else None
        lines = [f"{row.name}  \u2014  task {row.tid}, {row.state}",
                 f"{row.coro}()  \u00b7  created at {rel(row.created)} by "
                 + (f"'{parent}'" if parent else "the module")]
        if pos.x() >= self.LABEL_W:
            t = self.time_at(pos.x())
            slop = 3 * (self._view[1] - self._view[0]) / self._lanes_rect().width()
            lines += self._describe_time(row, t, slop)
        elif row.summary:
            lines.append(f"result: {row.summary}")
        return "\n".join(lines)

    def _describe_time(self, row, t, slop):
        out = []
        steps = row.steps
        i = bisect_left(steps, t - slop, key=_end)
        if i < len(steps) and steps[i][0] <= t + slop:
            s0, s1 = steps[i]
            out.append(f"running {colors.format_duration(s1 - s0)} (step {i + 1} of {len(steps)})")
        now = self._now if self._now is not None else t
        for w0, w1, kind, detail in row.waits[bisect_left(row.waits, t - slop, key=_wait_end):]:
            if w0 > t + slop:
                break
            span = (w1 if w1 is not None else now) - w0
            out.append(f"waiting {colors.format_duration(span)} on {detail} ({kind})")
            break
        for req in row.cancel_requests:
            if abs(req[0] - t) <= 2 * slop:
                by = f"task {req[1]}" if req[1] is not None else "outside (the UI)"
                out.append(f"cancel requested by {by}" + (f": {req[2]}" if req[2] else ""))
        if row.ended is not None and abs(row.ended - t) <= 4 * slop:
            out.append(f"{colors.OUTCOME_GLYPHS.get(row.state, '')} {row.state}: {row.summary or ''}".rstrip(": "))
        for ev in getattr(self._table, "blocks", ()):
            if ev[2] - slop <= t <= ev[2] + ev[3] + slop:
                who = f"task {ev[1]}" if ev[1] is not None else "module code"
                out.append(f"\u26a0 loop blocked {colors.format_duration(ev[3])} by {who} at line {ev[5]}")
        return out


_NOW_COLOR = QColor("#d6336c")


def _blend(a: QColor, b: QColor, k: float = 0.5) -> QColor:
    return QColor.fromRgbF(a.redF() * k + b.redF() * (1 - k), a.greenF() * k + b.greenF() * (1 - k),
                           a.blueF() * k + b.blueF() * (1 - k))


def _pixel_spans(seq, lo, hi, scale, offset, end_key):
    """Yield ``(x0, x1, item)`` for the items of *seq* (sorted, non-overlapping ``(t0, t1, ...)``)
    that overlap times *lo*..*hi*, merging items less than a pixel apart.

    Each yielded span costs O(log n) (bisect), so a task with 100,000 tiny steps zoomed out costs
    about one span per pixel column, not 100,000 rectangles.
    """
    n = len(seq)
    i = bisect_left(seq, lo, key=end_key)
    while i < n:
        item = seq[i]
        if item[0] > hi:
            break
        x0 = (max(item[0], lo) - offset) * scale
        x1 = (min(end_key(item), hi) - offset) * scale
        j = i + 1
        while j < n:
            k = bisect_right(seq, (x1 + 1.0) / scale + offset, lo=j, key=_start)
            if k == j:
                break
            x1 = max(x1, (min(end_key(seq[k - 1]), hi) - offset) * scale)
            j = k
        yield x0, max(x1, x0 + 1.0), item
        i = j
