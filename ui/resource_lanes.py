"""A lane per synchronisation object over the whole run, under the Resources table: how much of it
was in use (a Lock held, a Semaphore's permits taken, a Queue's items, an Event set, the tasks at a
Barrier) as a filled step graph in the object's colour, and how many tasks waited on it as a line
above -- with the moment on screen marked, and a click asking for that moment.

A lane is drawn a pixel column at a time, read from the object's history in the engine's arrays
(``Resource.op_t`` and its values, ``wait_t`` and ``end_t``) by bisection: per column the value at
its end and the highest within it (from at most ``_SAMPLES`` of the changes in it), and the tasks
waiting.  So a lane of 100,000 tasks through one Semaphore costs as much as one of three: about
the width in pixels times a few bisections, when the lanes are set or resized, and nothing per
paint beyond drawing the columns.

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


#: Changes of the object read per pixel column for its highest value (more: evenly spread).
_SAMPLES = 16


def _waiting(res, t: float) -> int:
    """Tasks waiting on ``res`` just after loop time ``t``."""
    return bisect_right(res.wait_t, t) - bisect_right(res.end_t, t)


def columns(res, t0: float, t1: float, n: int) -> list[tuple[float, float, int]]:
    """``n`` pixel columns of ``res`` (a ``Resource``) from loop time ``t0`` to ``t1``: per column
    ``(highest level in it, level at its end, tasks waiting at its end)``, the levels as
    ``level_of`` says (a Barrier's: the tasks at it)."""
    kind, cap = res.kind, res.capacity
    op_t, ops = res.op_t, res.ops
    initial = res.initial[0]
    barrier = kind == "barrier"
    out = []
    step = (t1 - t0) / max(n, 1)
    i_prev = bisect_right(op_t, t0)
    for c in range(n):
        tb = t0 + (c + 1) * step
        if barrier:
            last = _waiting(res, tb)
            high = max(last, _waiting(res, tb - step / 2))
        else:
            i = bisect_right(op_t, tb)
            last = level_of(kind, cap, ops[i - 1][2] if i else initial)
            high = last
            if i > i_prev:       # changes in this column: the highest of them and of the value
                # it came in with (for many changes, _SAMPLES of them evenly spread)
                high = max(last, level_of(kind, cap, ops[i_prev - 1][2] if i_prev else initial))
                stride = max(1, (i - i_prev) // _SAMPLES)
                for k in range(i_prev, i, stride):
                    v = level_of(kind, cap, ops[k][2])
                    if v > high:
                        high = v
            i_prev = i
        out.append((high, last, _waiting(res, tb)))
    return out


class ResourceLanes(QWidget):
    """See the module docstring."""

    momentPicked = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="resourceLanes")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self._table = None
        self._lanes: list = []      # (label, kind, Resource, top level, top waiters)
        self._cols: list = []       # per lane, its pixel columns (``columns``), for this width
        self._cols_for = None       # (width, span) they were made for
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
            last = start
            for st in states or ():
                res = table.by_rid[st.rid]
                if res.op_t:
                    last = max(last, res.op_t[-1])
                if res.wait_t:
                    last = max(last, res.wait_t[-1])
                top = 1                               # held or not, set or not
                if res.kind in ("semaphore", "barrier"):
                    top = max(1, res.capacity or 0)   # permits, parties
                elif res.kind == "queue":
                    top = max(1, res.capacity or 0, res.peak)   # maxsize, or the most it held
                lanes.append((st.name, st.kind, res, top, max(res.max_waiters, 1)))
            self._span = (start, max(end if end is not None else last, last, start + 1e-3))
            self._origin = start
        self._table = table
        self._lanes = lanes
        self._cols_for = None
        self._moment = moment
        self.updateGeometry()
        self.setVisible(bool(lanes))
        self.update()

    def lane_columns(self, i: int) -> list[tuple[float, float, int]]:
        """Lane ``i``'s pixel columns at the present width (``columns``)."""
        key = (self.width(), self._span)
        if self._cols_for != key:
            left, right = self._label_w(), self.width() - 4
            n = max(1, int(right - left))
            t0, t1 = self._span
            self._cols = [columns(lane[2], t0, t1, n) for lane in self._lanes]
            self._cols_for = key
        return self._cols[i]

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
        for i, (label, kind, _res, top, top_w) in enumerate(self._lanes):
            y = 2 + i * LANE_H
            lane = QRectF(left, y + 2, right - left, LANE_H - 4)
            p.setPen(text_pen)
            p.drawText(QRectF(4, y, left - 8, LANE_H), Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(label, Qt.TextElideMode.ElideRight, int(left - 8)))
            p.setPen(grid)
            p.drawLine(QPointF(left, y + LANE_H - 1), QPointF(right, y + LANE_H - 1))
            area, line = self._paths(self.lane_columns(i), lane, top, top_w)
            p.fillPath(area, QColor(colors.wait_color(kind)))
            p.setPen(QPen(waiting, 1.5))
            p.drawPath(line)
        if self._moment is not None:
            x = self._x(self._moment)
            p.setPen(QPen(colors.color("now"), 1.5))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.end()

    @staticmethod
    def _paths(cols, lane: QRectF, top: float, top_w: int):
        """The filled area of the levels (each column up to its highest value) and the line of
        the waiters, a point per column."""
        bottom, height, x0 = lane.bottom(), lane.height(), lane.left()
        area, line = QPainterPath(), QPainterPath()
        area.moveTo(x0, bottom)
        prev = None
        for c, (high, _last, waiters) in enumerate(cols):
            y = bottom - min(high, top) / top * height
            if y != prev:
                area.lineTo(x0 + c, y)
                prev = y
            area.lineTo(x0 + c + 1, y)
            yw = bottom - min(waiters, top_w) / top_w * height
            if c:
                line.lineTo(x0 + c, yw)
            else:
                line.moveTo(x0, yw)
            line.lineTo(x0 + c + 1, yw)
        area.lineTo(x0 + len(cols), bottom)
        area.closeSubpath()
        return area, line

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
        if i < 0 or pos.x() < self._label_w() or self._table is None:
            return LEGEND
        label, kind, res, _top, _tw = self._lanes[i]
        t = self._t(pos.x())
        state = self._table.state(res.rid, t)
        if state is None:
            return f"{label}: not made yet at {t - self._origin:.3f} s"
        level = len(state.waiters) if kind == "barrier" else level_of(kind, res.capacity, state.value)
        what = {"lock": "held" if level else "free", "condition": "held" if level else "free",
                "event": "set" if level else "clear"}.get(kind, f"{level:g} in use")
        if kind == "queue":
            what = f"{level:g} item{'s' * (level != 1)}"
        return f"{label} at {t - self._origin:.3f} s: {what}, {len(state.waiters)} waiting"

    def event(self, event) -> bool:
        if event.type() == event.Type.ToolTip:
            from PySide6.QtWidgets import QToolTip
            QToolTip.showText(event.globalPos(), self.tooltip_at(event.pos()), self)
            return True
        return super().event(event)
