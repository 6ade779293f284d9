"""A lane per synchronisation object over the whole run, under the Resources table: how much of it
was in use (a Lock held, a Semaphore's permits taken, a Queue's items, an Event set, the tasks at a
Barrier) as a filled step graph in the object's colour, and how many tasks waited on it as a line
above -- with the moment on screen marked, and a click asking for that moment.

A lane is drawn a pixel column at a time, read from the object's history in the engine's arrays
(``Resource.op_t`` and its values, ``wait_t`` and ``end_t``) by bisection: per column the value at
its end and the highest within it (from at most ``_SAMPLES`` of the changes in it), and the tasks
waiting.  So a lane of 100,000 tasks through one Semaphore costs as much as one of three: about
the width in pixels times a few bisections (at C speed: ``map`` over the column ends, with each
object's levels kept in a list that only grows, ``levels``), when the lanes are set or resized.

A live run sets them ~10 times a second (its "now" moves on, and the histories grow): the same
objects are then drawn again in slices of ``SLICE`` between the event loop's other work (a 0 ms
timer: ``_remake``), the lanes as last drawn shown meanwhile -- at 100,000 tasks two lanes 1,200
pixels wide are 5-15 ms of work, which a paint did at once (10-40 ms paints with the drawing).
The drawing is kept in a pixmap until its columns, size or colours change: any other paint (the
moment's line moved, a window above) blits it, and lanes set again with nothing new (a paused
run, an ended one) are neither remade nor repainted.  A new width, or other objects, are drawn at
once, as ``lane_columns`` makes them.

Signals:
    momentPicked(float): the learner clicked a lane at this loop time.
"""
from __future__ import annotations

import time
from bisect import bisect_right
from functools import partial
from itertools import repeat
from operator import itemgetter, sub

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from . import colors

LANE_H = 20
LABEL_W = 150
LEGEND = ("Filled: in use (held, permits taken, queued, set, at the barrier) · "
          "line: tasks waiting · click: that moment")


def level_of(kind: str, capacity, value: float) -> float:
    """How much of the object is in use, from its counter value (see the module docstring)."""
    if kind == "semaphore" and capacity is not None:
        return capacity - value          # permits taken
    return value


#: Changes of the object read per pixel column for its highest value (more: evenly spread).
_SAMPLES = 16
#: GUI-thread seconds one slice of remaking the lanes may take (then the event loop goes on).
SLICE = 0.002
#: Columns made between two looks at the clock.
_CHUNK = 200


def _waiting(res, t: float) -> int:
    """Tasks waiting on ``res`` just after loop time ``t``."""
    return bisect_right(res.wait_t, t) - bisect_right(res.end_t, t)


def _waiting_at(res, ends) -> list[int]:
    """``_waiting`` at each loop time of ``ends`` (at C speed: ``map`` over the bisections)."""
    return list(map(sub, map(partial(bisect_right, res.wait_t), ends),
                    map(partial(bisect_right, res.end_t), ends)))


_value = itemgetter(2)


def levels(res, have: list | None = None) -> list:
    """The level before ``res``'s first operation, then ``level_of`` after each of them
    (``res.ops``), in order: ``have`` (what an earlier call returned for the same object)
    extended with the operations since, or a new list.  The operations only grow, so a live lane
    pays for each one once."""
    kind, cap = res.kind, res.capacity
    if have is None:
        have = []
    if not have:
        have.append(level_of(kind, cap, res.initial[0]))
    ops = res.ops
    done = len(have) - 1
    if done < len(ops):
        values = map(_value, ops[done:])
        if kind == "semaphore" and cap is not None:
            have.extend(map(sub, repeat(cap), values))      # permits taken
        else:
            have.extend(values)
    return have


def columns(res, t0: float, t1: float, n: int, levels_of: list | None = None,
            first: int = 0, stop: int | None = None) -> list[tuple[float, float, int]]:
    """``n`` pixel columns of ``res`` (a ``Resource``) from loop time ``t0`` to ``t1``: per column
    ``(highest level in it, level at its end, tasks waiting at its end)``, the levels as
    ``level_of`` says (a Barrier's: the tasks at it).  ``levels_of``: ``levels(res)`` if the
    caller keeps it (else it is made here).  ``first``, ``stop``: only those columns of the
    ``n`` (the same as the whole's, sliced).

    Per column: the operations by its end (a bisection of ``op_t``), the level after the last of
    them, and when some fell in it, the highest of them and of the level it came in with (for
    many, ``_SAMPLES`` of them evenly spread); every step but the last at C speed."""
    kind = res.kind
    step = (t1 - t0) / max(n, 1)
    ends = [t0 + (c + 1) * step for c in range(first, n if stop is None else min(stop, n))]
    if not ends:
        return []
    waiting = _waiting_at(res, ends)
    if kind == "barrier":
        half = step / 2
        mid = _waiting_at(res, [tb - half for tb in ends])
        return [(max(last, m), last, last) for last, m in zip(waiting, mid)]
    lv = levels(res, levels_of)     # lv[k]: the level after k operations
    upto = list(map(partial(bisect_right, res.op_t), ends))
    last = list(map(lv.__getitem__, upto))
    came = [bisect_right(res.op_t, t0 + first * step if first else t0)]
    came += upto[:-1]
    samples = _SAMPLES
    high = [max(lv[a], end, *lv[a + 1:b + 1:max(1, (b - a) // samples)]) if b > a else end
            for a, b, end in zip(came, upto, last)]
    return list(zip(high, last, waiting))


def _content_key(table, lanes, span) -> tuple:
    """What a lane's columns and drawing are made of: the table, the span, and per lane its
    label, kind, object, scale and how much history it has (the histories only grow)."""
    return (id(table), span,
            tuple((label, kind, id(res), top, top_w, len(res.op_t), len(res.wait_t),
                   len(res.end_t)) for label, kind, res, top, top_w in lanes))


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
        self._cols_made = 0         # how many times they were made (the drawing follows)
        self._levels: dict = {}     # id(Resource) -> (it, its ``levels`` so far)
        self._set_key = None        # what the lanes were last set from (``_content_key``)
        self._picture: QPixmap | None = None   # the lanes drawn (all but the moment's line)
        self._picture_key = None    # what it was drawn from
        self._outlines: dict = {}   # lane -> (what they were made for, its ``_paths``)
        self._remaking = None       # ((width, span), the ``_remake`` under way) or None
        self._slices = QTimer(self, singleShot=True, interval=0)
        self._slices.timeout.connect(self._work)
        self._span = (0.0, 1.0)     # loop times drawn, left to right
        self._moment: float | None = None
        self._origin = 0.0
        self.setToolTip(LEGEND)

    def set_lanes(self, table, states, start: float | None, end: float | None,
                  moment: float | None = None) -> None:
        """The objects of ``states`` (those the table shows), their histories from ``table`` (a
        ``ResourceTable``), drawn from ``start`` to ``end`` (loop times; ``end`` None: now);
        ``moment``: the replayed moment, marked.  Set again with nothing new (the same objects
        with the same histories over the same span), the columns are kept and nothing is
        repainted unless the moment moved; the same objects with more history or a longer span
        (a live run) are drawn again in slices (``_remake``), the lanes as they were shown
        meanwhile."""
        lanes = []
        span = self._span
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
            span = (start, max(end if end is not None else last, last, start + 1e-3))
            self._origin = start
        key = _content_key(table, lanes, span)
        if key == self._set_key:
            if moment != self._moment:
                self._moment = moment
                self.update()
            return
        counted = len(lanes) != len(self._lanes)
        # the same objects as the lanes drawn (at this width): remade in slices, shown meanwhile
        again = (self._cols_for is not None and self._cols_for[0] == self.width()
                 and self.isVisible() and [lane[:3] for lane in lanes] ==
                 [(label, kind, res) for label, kind, res, _t, _w in self._lanes]
                 and self._table is table)
        moved = moment != self._moment
        self._set_key = key
        self._span = span
        self._table = table
        self._lanes = lanes
        self._moment = moment
        kept = {id(lane[2]) for lane in lanes}
        for gone in [k for k in self._levels if k not in kept]:
            del self._levels[gone]
        if again:
            self._start_remake()
            if moved:
                self.update()
            return
        self._stop_remake()
        self._cols_for = None
        if counted:
            self.updateGeometry()
        self.setVisible(bool(lanes))
        self.update()

    def _key(self) -> tuple:
        return self.width(), self._span

    def lane_columns(self, i: int) -> list[tuple[float, float, int]]:
        """Lane ``i``'s pixel columns at the present width and span (``columns``): made now if
        they are not (a remaking under way for them is dropped)."""
        key = self._key()
        if self._cols_for != key:
            self._stop_remake()
            width, (t0, t1) = key
            n = self._n_columns(width)
            self._cols = [columns(lane[2], t0, t1, n, self._levels_of(lane[2]))
                          for lane in self._lanes]
            self._cols_for = key
            self._cols_made += 1
        return self._cols[i]

    def _n_columns(self, width: int) -> int:
        return max(1, int(width - 4 - min(LABEL_W, width * 0.3)))

    def _levels_of(self, res) -> list | None:
        if res.kind == "barrier":
            return None
        kept = self._levels.get(id(res))
        if kept is None or kept[0] is not res:
            kept = self._levels[id(res)] = (res, [])
        return levels(res, kept[1])

    # == remade in slices =============================================================================
    def _start_remake(self) -> None:
        """Remake the columns and the drawing for the present width and span in slices of
        ``SLICE`` between the event loop's other work (a 0 ms timer); one under way goes on, and
        the next starts when it is done if the span moved on meanwhile."""
        if self._remaking is None:
            key = self._key()
            self._remaking = (key, self._remake(key, list(self._lanes)))
        self._slices.start()

    def _stop_remake(self) -> None:
        self._remaking = None
        self._slices.stop()

    def _remake(self, key, lanes):
        """The columns for ``key`` (width, span), ``_CHUNK`` at a time, then their outlines, a
        lane at a time, then the drawing: a step between each."""
        width, (t0, t1) = key
        n = self._n_columns(width)
        made = []
        for lane in lanes:
            res = lane[2]
            lv = self._levels_of(res)
            yield
            cols = []
            for first in range(0, n, _CHUNK):
                cols += columns(res, t0, t1, n, lv, first, first + _CHUNK)
                yield
            made.append(cols)
        self._cols, self._cols_for = made, key
        self._cols_made += 1
        for i in range(len(lanes)):
            self._outline(i)
            yield
        self._drawn()
        self.update()

    def _work(self) -> None:
        """One slice of the remaking under way."""
        if self._remaking is None:
            return
        key, job = self._remaking
        clock = time.perf_counter
        deadline = clock() + SLICE
        try:
            next(job)                       # (at least one step a slice)
            while clock() < deadline:
                next(job)
        except StopIteration:
            self._remaking = None
            if self._key() != key and self._cols_for == key:
                self._start_remake()         # the span moved on meanwhile
            return
        self._slices.start()

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
        picture = self._drawn()
        p = QPainter(self)
        p.drawPixmap(0, 0, picture)
        if self._moment is not None:
            x = self._x(self._moment)
            p.setPen(QPen(colors.color("now"), 1.5))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        p.end()

    def _drawn(self) -> QPixmap:
        """The lanes drawn at the present size and colours (kept until one of them changes);
        while a remaking is under way for the same width, as they were drawn last."""
        key = self._key()
        if self._cols_for != key and not (
                self._remaking is not None and self._cols_for is not None
                and self._cols_for[0] == key[0] and self._picture is not None
                and len(self._cols) == len(self._lanes)):
            for i in range(len(self._lanes)):
                self.lane_columns(i)             # (made again when the width or span changed)
        pal = self.palette()
        dpr = self.devicePixelRatioF()
        key = (self.width(), self.height(), dpr, self._cols_made,
               pal.base().color().rgba(), pal.text().color().rgba(), pal.mid().color().rgba(),
               QColor(colors.color("block")).rgba(), self.font().key(),
               tuple(QColor(colors.wait_color(lane[1])).rgba() for lane in self._lanes))
        if self._picture is None or key != self._picture_key:
            picture = QPixmap(max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)))
            picture.setDevicePixelRatio(dpr)
            p = QPainter(picture)
            self._paint_lanes(p)
            p.end()
            self._picture, self._picture_key = picture, key
        return self._picture

    def _lane_rect(self, i: int) -> QRectF:
        left, right = self._label_w(), self.width() - 4
        return QRectF(left, 2 + i * LANE_H + 2, right - left, LANE_H - 4)

    def _outline(self, i: int):
        """Lane ``i``'s outlines (``_paths``) for the columns made, kept with them."""
        _label, _kind, _res, top, top_w = self._lanes[i]
        key = (self._cols_made, self.width(), top, top_w)
        kept = self._outlines.get(i)
        if kept is None or kept[0] != key:
            outline = self._paths(self._cols[i], self._lane_rect(i), top, top_w)
            kept = self._outlines[i] = (key, outline)
        return kept[1]

    def _paint_lanes(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setFont(self.font())
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        left = self._label_w()
        right = self.width() - 4
        text_pen = QPen(pal.text().color())
        grid = QColor(pal.mid().color())
        waiting = QColor(colors.color("block"))
        fm = p.fontMetrics()
        for k in [k for k in self._outlines if k >= len(self._lanes)]:
            del self._outlines[k]
        for i, (label, kind, _res, _top, _top_w) in enumerate(self._lanes):
            y = 2 + i * LANE_H
            p.setPen(text_pen)
            p.drawText(QRectF(4, y, left - 8, LANE_H), Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(label, Qt.TextElideMode.ElideRight, int(left - 8)))
            p.setPen(grid)
            p.drawLine(QPointF(left, y + LANE_H - 1), QPointF(right, y + LANE_H - 1))
            area, line = self._outline(i)
            p.fillPath(area, QColor(colors.wait_color(kind)))
            p.setPen(QPen(waiting, 1.5))
            p.drawPath(line)

    def changeEvent(self, event) -> None:  # noqa: N802
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange,
                            QEvent.Type.FontChange):
            self._picture = None
        super().changeEvent(event)

    @staticmethod
    def _paths(cols, lane: QRectF, top: float, top_w: int):
        """The filled area of the levels (each column up to its highest value) and the line of
        the waiters, a point per column -- where it changes: a run of equal columns is one
        segment (the same outline as a point per column, with far fewer points to draw)."""
        bottom, height, x0 = lane.bottom(), lane.height(), lane.left()
        n = len(cols)
        edge = [QPointF(x0, bottom)]
        trail = []
        add_edge, add_trail = edge.append, trail.append
        prev = prev_w = None
        for c, (high, _last, waiters) in enumerate(cols):
            y = bottom - min(high, top) / top * height
            if y != prev:
                if prev is not None:
                    add_edge(QPointF(x0 + c, prev))
                add_edge(QPointF(x0 + c, y))
                prev = y
            yw = bottom - min(waiters, top_w) / top_w * height
            if yw != prev_w:
                if prev_w is not None:
                    add_trail(QPointF(x0 + c, prev_w))
                add_trail(QPointF(x0 + c, yw))
                prev_w = yw
        area, line = QPainterPath(), QPainterPath()
        if n:
            add_edge(QPointF(x0 + n, prev))
            add_trail(QPointF(x0 + n, prev_w))
        add_edge(QPointF(x0 + n, bottom))
        area.addPolygon(QPolygonF(edge))
        area.closeSubpath()
        if trail:
            line.addPolygon(QPolygonF(trail))
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
