"""A lane per synchronisation object over the whole run, under the Resources table: how much of it
was in use (a Lock held, a Semaphore's permits taken, a Queue's items, an Event set, the tasks at a
Barrier) as a filled step graph in the object's colour, and how many tasks waited on it as a line
above — with the moment on screen marked, and a click asking for that moment.

The history is the engine's (``ResourceTable.series``: ``(t, value, waiters)`` after each change);
a lane looks only at the points inside the drawn range and merges those closer than a pixel, so a
run of 10,000 tasks on one Semaphore paints as fast as a run of three.

Signals:
    momentPicked(float): the learner clicked a lane at this loop time.
"""
from __future__ import annotations

from bisect import bisect_right

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from . import colors

LANE_H = 20
LABEL_W = 150
LEGEND = ("Filled: in use (held, permits taken, items in the queue, set, tasks at the barrier) · "
          "line: tasks waiting · click: that moment")


def level_of(kind: str, capacity, value: float) -> float:
    """How much of the object is in use, from its counter value (see the module docstring)."""
    if kind == "semaphore" and capacity is not None:
        return capacity - value          # permits taken
    return value


class ResourceLanes(QWidget):
    """See the module docstring."""

    momentPicked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="resourceLanes")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self._lanes: list = []      # (label, kind, [(t, level, waiters)], top level, top waiters)
        self._span = (0.0, 1.0)     # loop times drawn, left to right
        self._moment: float | None = None
        self._origin = 0.0
        self.setToolTip(LEGEND)

    def set_lanes(self, table, states, start: float | None, end: float | None,
                  moment: float | None = None) -> None:
        """The objects of ``states`` (those the table shows), their histories from ``table`` (a
        ``ResourceTable``), drawn from ``start`` to ``end`` (loop times; ``end`` None: now);
        ``moment``: the replayed moment, marked."""
        lanes = []
        if table is not None and start is not None:
            for st in states or ():
                points = table.series(st.rid)
                levels = [(t, level_of(st.kind, st.capacity, v), w) for t, v, w in points]
                top = max([lv for _t, lv, _w in levels] + [1])
                if st.capacity and st.kind in ("semaphore", "barrier", "queue"):
                    top = max(top, st.capacity)     # permits, parties, maxsize: the lane's height
                top_w = max([w for _t, _l, w in levels] + [1])
                lanes.append((st.name, st.kind, levels, top, top_w))
            last = max((lane[2][-1][0] for lane in lanes if lane[2]), default=start)
            self._span = (start, max(end if end is not None else last, last, start + 1e-3))
            self._origin = start
        self._lanes = lanes
        self._moment = moment
        self.updateGeometry()
        self.setVisible(bool(lanes))
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(400, max(1, len(self._lanes)) * LANE_H + 4)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(200, min(len(self._lanes), 3) * LANE_H + 4)

    # == geometry =====================================================================================
    def _label_w(self) -> float:
        return min(LABEL_W, self.width() * 0.3)

    def _x(self, t: float) -> float:
        left = self._label_w()
        t0, t1 = self._span
        return left + (t - t0) / (t1 - t0) * (self.width() - left - 4)

    def _t(self, x: float) -> float:
        left = self._label_w()
        t0, t1 = self._span
        return t0 + (x - left) / max(1.0, self.width() - left - 4) * (t1 - t0)

    def lane_at(self, y: float) -> int:
        i = int((y - 2) // LANE_H)
        return i if 0 <= i < len(self._lanes) else -1

    # == painting =====================================================================================
    def paintEvent(self, _event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        left = self._label_w()
        right = self.width() - 4
        text_pen = QPen(pal.text().color())
        grid = QColor(pal.mid().color())
        waiting = QColor(colors.color("block"))
        fm = p.fontMetrics()
        for i, (label, kind, levels, top, top_w) in enumerate(self._lanes):
            y = 2 + i * LANE_H
            lane = QRectF(left, y + 2, right - left, LANE_H - 4)
            p.setPen(text_pen)
            p.drawText(QRectF(4, y, left - 8, LANE_H), Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(label, Qt.TextElideMode.ElideRight, int(left - 8)))
            p.setPen(grid)
            p.drawLine(QPointF(left, y + LANE_H - 1), QPointF(right, y + LANE_H - 1))
            fill = QColor(colors.wait_color(kind))
            area, line = self._paths(levels, lane, top, top_w)
            p.fillPath(area, fill)
            p.setPen(QPen(waiting, 1.5))
            p.drawPath(line)
        if self._moment is not None:
            x = self._x(self._moment)
            p.setPen(QPen(colors.color("now"), 1.5))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.end()

    def _paths(self, levels, lane: QRectF, top: float, top_w: int):
        """The filled step area of the levels and the step line of the waiters.  Points that fall
        in one pixel are drawn as one vertical stroke there (up to their highest value, then to
        the last), so a path has a few points per pixel, not one per change."""
        bottom, height = lane.bottom(), lane.height()
        t0, t1 = self._span
        times = [pt[0] for pt in levels]
        i = max(0, bisect_right(times, t0) - 1)
        end = bisect_right(times, t1)
        x_end = min(lane.right(), self._x(t1))

        def path(k: int, scale: float, fill: bool) -> QPainterPath:
            out = QPainterPath()
            y = lambda v: bottom - v / scale * height   # noqa: E731
            first = levels[i][k] if levels else 0
            x0 = max(lane.left(), min(lane.right(), self._x(levels[i][0]))) if levels else lane.left()
            if fill:
                out.moveTo(x0, bottom)
                out.lineTo(x0, y(first))
            else:
                out.moveTo(x0, y(first))
            value, px, high = first, None, first
            for pt in levels[i + 1:end]:
                x = max(lane.left(), min(lane.right(), self._x(pt[0])))
                v = pt[k]
                if int(x) != px:
                    if px is not None:
                        out.lineTo(px, y(high))           # the pixel's peak, then its last value
                        out.lineTo(px, y(value))
                    out.lineTo(x, y(value))               # level until here
                    px, high = int(x), v
                    out.lineTo(x, y(v))
                    value = v
                else:
                    high, value = max(high, v), v
            if px is not None:
                out.lineTo(px, y(high))
                out.lineTo(px, y(value))
            out.lineTo(x_end, y(value))
            if fill:
                out.lineTo(x_end, bottom)
                out.closeSubpath()
            return out

        return path(1, top, True), path(2, top_w, False)

    # == the mouse ====================================================================================
    def mousePressEvent(self, event) -> None:  # noqa: N802
        x = event.position().x()
        if self._lanes and x >= self._label_w() and self.lane_at(event.position().y()) >= 0:
            self.momentPicked.emit(self._t(x))
            event.accept()
            return
        super().mousePressEvent(event)

    def tooltip_at(self, pos) -> str:
        i = self.lane_at(pos.y())
        if i < 0 or pos.x() < self._label_w():
            return LEGEND
        label, kind, levels, _top, _tw = self._lanes[i]
        t = self._t(pos.x())
        k = bisect_right([pt[0] for pt in levels], t) - 1
        if k < 0:
            return f"{label}: not made yet at {t - self._origin:.3f} s"
        _t, level, waiters = levels[k]
        what = {"lock": "held" if level else "free", "condition": "held" if level else "free",
                "event": "set" if level else "clear"}.get(kind, f"{level:g} in use")
        if kind == "queue":
            what = f"{level:g} item{'s' * (level != 1)}"
        return f"{label} at {t - self._origin:.3f} s: {what}, {waiters} waiting"

    def event(self, event) -> bool:
        if event.type() == event.Type.ToolTip:
            from PySide6.QtWidgets import QToolTip
            QToolTip.showText(event.globalPos(), self.tooltip_at(event.pos()), self)
            return True
        return super().event(event)
