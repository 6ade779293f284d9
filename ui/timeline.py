"""The timeline: one lane per task, nested under its parent, running slices and waiting spans."""
from __future__ import annotations

from asyncio_playground.vocab import TaskState, WaitKind
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (QBrush, QColor, QFont, QFontMetricsF, QPainter, QPalette, QPen, QPolygonF,
                           QRegion)
from PySide6.QtWidgets import QScrollBar, QToolButton, QToolTip, QWidget

from . import colors
from .colors import NOW_COLOR, blend
from .timeline_layout import (END, LaneOrder, describe_time, flat_pixel_spans, format_tick,
                              pixel_spans, ticks)


def _step_pixels(steps, lo, hi, scale, offset):
    """``(x0, x1, _)`` of a lane's running slices in view (``pixel_spans``; flat when the table's
    ``Spans`` keep an array, as the engine's do)."""
    a = getattr(steps, "_a", None)
    if a is not None:
        return flat_pixel_spans(a, lo, hi, scale, offset)
    return pixel_spans(steps, lo, hi, scale, offset, END)


def _wait_pixels(waits, lo, hi, scale, offset, now):
    """``(x0, x1, kind)`` of a lane's waits in view; one still open ends at ``now``."""
    t, info = getattr(waits, "_t", None), getattr(waits, "_info", None)
    if t is not None and info is not None:
        return [(x0, x1, info[i][0]) for x0, x1, i in flat_pixel_spans(t, lo, hi, scale, offset, now)]
    return [(x0, x1, w[2]) for x0, x1, w in
            pixel_spans(waits, lo, hi, scale, offset, lambda w: now if w[1] is None else w[1])]


class TimelineWidget(QWidget):
    """A zoomable, pannable timeline of one run's tasks, painted directly (no scene, no cache).

    Only the lanes inside the viewport and, within a lane, only the slices inside the visible time
    range are looked at (binary search by time), and slices closer than a pixel are merged, so the
    cost of a frame depends on the window size, not on the number of tasks or steps.

    Mouse: wheel zooms around the cursor (Shift+wheel or wheel over the names scrolls lanes),
    drag pans, double-click (or the Fit button) fits the whole run, click selects a lane, hover
    explains; a hint line at the bottom says so.  Keyboard: +/- zoom, Left/Right pan, F or 0 fits,
    Up/Down select the lane above/below.

    Signals:
        taskSelected(int): a lane was clicked (its tid), or empty space (-1).

    Attributes:
        LANE_H, AXIS_H, HINT_H, LABEL_W: geometry in device-independent pixels (LABEL_W, the
            names column, narrows with the widget; the heights follow the font).
        fit_button: the "Fit" QToolButton in the axis strip's corner.
        placeholder: what the timeline says when it has no run (the window sets it).
    """

    taskSelected = Signal(int)

    LANE_H = 22
    AXIS_H = 26
    HINT_H = 18
    LABEL_W = 190
    HINT = "Wheel: zoom · drag: pan · Shift+wheel: scroll · double-click or Fit: whole run"
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
        self.fit_button = QToolButton(self, text="Fit", autoRaise=True)
        self.fit_button.setToolTip("Show the whole run (F, or double-click the timeline)")
        self.fit_button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.fit_button.clicked.connect(self.fit)
        self.placeholder = ""
        self.show_library = False
        self._lanes = LaneOrder()
        self._update_metrics()
        self.set_table(None)

    def _update_metrics(self) -> None:
        """Fonts and the heights that follow them (again on a font change: presentation mode)."""
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(6.5, self.font().pointSizeF() * 0.85))
        self._glyph = QFont(self.font())
        self._glyph.setBold(True)
        small = QFontMetricsF(self._small)
        self.LANE_H = max(type(self).LANE_H, int(QFontMetricsF(self.font()).height()) + 6)
        self.HINT_H = max(type(self).HINT_H, int(small.height()) + 4)
        self.AXIS_H = max(type(self).AXIS_H, int(small.height()) + 12,
                          self.fit_button.sizeHint().height() + 2)
        self._vbar.setSingleStep(self.LANE_H)
        self._place_children()

    # -- public API --------------------------------------------------------------------------
    def set_table(self, table) -> None:
        """Show a new run's ``TaskTable`` (or nothing for None); fits and follows it."""
        self._table = table
        self._lanes = LaneOrder()
        self._known = 0
        self._origin = None
        self._now = None
        self._live = False
        self._follow = True
        self._view = (0.0, 1.0)          # visible time range, seconds since the origin
        self._highlight = -1
        self._drag = None
        self._inks = None
        self._mark = None                # (t, label) of mark_time
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
            hidden = () if self.show_library else table.library_tids
            for row in rows[self._known:]:
                if row.tid not in hidden:
                    self._lanes.add(row)
            self._known = len(rows)
            self._lanes.settle()
            if self._origin is None:
                self._origin = table.started if table.started is not None else (rows[0].created if rows else None)
        if now is not None:
            self._now = now
        if live is None:
            live = table is not None and table.finished is None
        self._live = live and self._now is not None
        self._update_scrollbar()
        if self._follow:
            self._fit_range()
        self._update_own()

    def _update_own(self) -> None:
        """Repaint what the widget paints itself, not its scroll bar and Fit button: a full
        ``update()`` repaints every child inside it too (the scroll bar alone cost ~0.5 ms a frame
        while a run is live), and they repaint themselves when they change.  Nothing the widget
        paints changes under the Fit button (the axis strip's plain left end)."""
        region = QRegion(self.rect())
        for child in (self._vbar, self.fit_button):
            if not child.isHidden():
                region -= QRegion(child.geometry())
        self.update(region)

    def set_show_library(self, show: bool) -> None:
        """Show (or leave out) the lanes of tasks libraries created for their own ends."""
        if show != self.show_library:
            self.show_library = show
            self._lanes, self._known = LaneOrder(), 0
            self.refresh(None, live=self._live)

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
        # isHidden, not isVisible: the latter is False for any widget not on screen (render()).
        sb = self._vbar.sizeHint().width() if not self._vbar.isHidden() else 0
        return QRectF(self.LABEL_W, self.AXIS_H, max(1, self.width() - self.LABEL_W - sb),
                      max(1, self.height() - self.AXIS_H - self.HINT_H))

    def _extent(self) -> float:
        """Seconds from the origin to the live edge (now) or the last thing that happened."""
        if self._origin is None:
            return 0.0
        end = self._now
        table = self._table
        if not self._live and table is not None:
            end = table.finished or self._now
        return max(0.0, (end or self._origin) - self._origin)

    def _fit_range(self) -> None:
        extent = max(self._extent(), 1e-3)
        # A little headroom on the right so the live edge and end glyphs are not on the border.
        self._view = (0.0, extent * (1.08 if self._live else 1.04))

    def _update_scrollbar(self) -> None:
        total = len(self._lanes.rows) * self.LANE_H
        page = max(1, self.height() - self.AXIS_H - self.HINT_H)
        self._vbar.setRange(0, max(0, total - page))
        self._vbar.setPageStep(page)
        self._vbar.setVisible(total > page)

    def resizeEvent(self, event):
        # The names column gives way in a narrow pane: the lanes are what the widget is for.
        self._place_children()
        super().resizeEvent(event)

    def _place_children(self) -> None:
        self.LABEL_W = int(max(110, min(type(self).LABEL_W, self.width() * 0.2)))
        sb = self._vbar.sizeHint().width()
        self._vbar.setGeometry(self.width() - sb, self.AXIS_H, sb,
                               max(0, self.height() - self.AXIS_H - self.HINT_H))
        hint = self.fit_button.sizeHint()
        self.fit_button.setGeometry(int(self.LABEL_W - hint.width() - 4), (self.AXIS_H - hint.height()) // 2,
                                    hint.width(), hint.height())
        self._update_scrollbar()

    # -- painting ----------------------------------------------------------------------------
    def changeEvent(self, event):
        if event.type() == QEvent.Type.PaletteChange:  # light/dark switch: recompute the inks
            self._inks = None
        elif event.type() == QEvent.Type.FontChange:
            self._update_metrics()
            self.update()
        super().changeEvent(event)

    def _ink(self) -> dict:
        """Colours and brushes derived from the palette, computed once per palette (not per lane)."""
        if self._inks is None:
            pal = self.palette()
            base, text = pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text)

            def alpha(color, a):
                color = QColor(color)
                color.setAlpha(a)
                return color
            waits = {}
            for kind, color in colors.WAIT_COLORS.items():
                # Opaque light fill (hides the lifeline) + hatching: reads as "suspended" and
                # never as the solid running slices.
                waits[kind] = (blend(color, base, 0.28), QBrush(alpha(color, 170), Qt.BrushStyle.BDiagPattern))
            self._inks = {
                "base": base, "text": text, "life": alpha(text, 90), "stripe": alpha(text, 10),
                "grid": alpha(text, 22), "muted": alpha(pal.color(QPalette.ColorRole.WindowText), 150),
                "highlight": alpha(pal.color(QPalette.ColorRole.Highlight), 60),
                "panel": blend(pal.color(QPalette.ColorRole.Window), base),
                "rule": blend(pal.color(QPalette.ColorRole.Mid), base),
                "block": alpha(colors.BLOCK_COLOR, 38), "waits": waits,
                "cleanup": alpha(colors.CANCEL_COLOR, 80),
                # Outcome glyphs are text on the base: the state colour made readable there.
                "glyphs": {state: colors.state_ink(state, base) for state in colors.OUTCOME_GLYPHS},
            }
        return self._inks

    def paintEvent(self, event):
        painter = QPainter(self)
        pal = self.palette()
        ink = self._ink()
        painter.fillRect(self.rect(), ink["base"])
        area = self._lanes_rect()
        scroll = self._vbar.value()
        first = scroll // self.LANE_H
        last = min(len(self._lanes.rows), (scroll + int(area.height())) // self.LANE_H + 1)
        lanes = range(first, last)
        marks = ticks(self._view, area.left(), area.width()) if self._table is not None else (1.0, [])
        painter.save()
        painter.setClipRect(QRectF(0, area.top(), self.width(), area.height()))
        self._paint_lane_backgrounds(painter, lanes, area, ink, marks)
        painter.setClipRect(area)
        self._paint_blocks(painter, area, band=True)
        for lane in lanes:
            self._paint_lane(painter, lane, area, ink)
        self._paint_cancel_arrows(painter, lanes, area)
        self._paint_now(painter, area, full=True)
        self._paint_mark(painter, area)
        painter.restore()
        self._paint_labels(painter, lanes, area, pal)
        self._paint_axis(painter, area, pal, marks)
        self._paint_hint(painter, pal)
        if self._table is None and self.placeholder:
            painter.setPen(self._ink()["muted"])
            painter.drawText(area.adjusted(12, 12, -12, -12), Qt.AlignmentFlag.AlignHCenter
                             | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap, self.placeholder)
        painter.end()

    def _paint_hint(self, painter, pal) -> None:
        strip = self.hint_rect()
        painter.fillRect(strip, pal.color(QPalette.ColorRole.Window))
        painter.setFont(self._small)
        painter.setPen(self._ink()["muted"])
        metrics = QFontMetricsF(self._small)
        painter.drawText(strip.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(self.HINT, Qt.TextElideMode.ElideRight, strip.width() - 16))
        painter.setPen(QPen(self._ink()["rule"], 0))
        painter.drawLine(strip.topLeft(), strip.topRight())

    def hint_rect(self) -> QRectF:
        """The strip at the bottom that says how to zoom and pan."""
        return QRectF(0, self.height() - self.HINT_H, self.width(), self.HINT_H)

    def axis_labels(self) -> list[tuple[QRectF, str]]:
        """Where each tick label of the axis is drawn and what it says.  A label sits right of its
        tick, or left of it at the right edge; one that would overlap its neighbour or leave the
        lanes' span is left out, so none is ever clipped.  No run: no labels."""
        if self._table is None:
            return []
        area = self._lanes_rect()
        step, marks = ticks(self._view, area.left(), area.width())
        metrics = QFontMetricsF(self._small)
        seconds = self._view[1] >= 1.0
        out: list[tuple[QRectF, str]] = []
        right_edge = area.right() - 2
        for t, x in marks:
            text = format_tick(t, step, seconds)
            w = metrics.horizontalAdvance(text) + 2
            left = x + 4
            if left + w > right_edge:
                left = x - 4 - w        # at the right edge: left of its tick
            if left < area.left() + 2 or left + w > right_edge:
                continue
            if out and left < out[-1][0].right() + 6:
                continue
            out.append((QRectF(left, 0, w, self.AXIS_H - 3), text))
        return out

    def _lane_y(self, lane: int, area: QRectF) -> float:
        return area.top() + lane * self.LANE_H - self._vbar.value()

    def _paint_lane_backgrounds(self, painter, lanes, area, ink, ticks):
        stripe, highlight = ink["stripe"], ink["highlight"]
        for lane in lanes:
            y = self._lane_y(lane, area)
            if self._lanes.rows[lane].tid == self._highlight:
                painter.fillRect(QRectF(0, y, area.right(), self.LANE_H), highlight)
            elif lane % 2:
                painter.fillRect(QRectF(0, y, area.right(), self.LANE_H), stripe)
        painter.setPen(QPen(ink["grid"], 0))
        for _t, x in ticks[1]:
            painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))

    def _paint_blocks(self, painter, area, band: bool):
        if self._table is None or self._origin is None:
            return
        for ev in self._table.blocks:
            x0, x1 = self.x_of(ev.t0), self.x_of(ev.t0 + ev.duration)
            if x1 < area.left() or x0 > area.right():
                continue
            if band:
                painter.fillRect(QRectF(x0, area.top(), max(x1 - x0, 2.0), area.height()), self._ink()["block"])
            else:  # the marker in the axis strip
                painter.fillRect(QRectF(x0, self.AXIS_H - 6, max(x1 - x0, 2.0), 5), colors.BLOCK_COLOR)

    def _paint_lane(self, painter, lane, area, ink):
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
        x_created, x_end = (row.created - offset) * scale, (end - offset) * scale
        if x_end >= area.left() and x_created <= area.right():
            painter.fillRect(QRectF(x_created, cy - 0.5, max(x_end - x_created, 1.0), 1.0), ink["life"])
        bar_h = self.LANE_H - 8
        wait_h = bar_h - 4
        waits = ink["waits"]
        for x0, x1, kind in _wait_pixels(row.waits, lo, hi, scale, offset, now):
            fill, hatch = waits.get(kind) or waits[WaitKind.FUTURE]
            rect = QRectF(x0, cy - wait_h / 2, x1 - x0, wait_h)
            painter.fillRect(rect, fill)
            if x1 - x0 > 3:  # hatching a sliver only costs time
                painter.fillRect(rect, hatch)
        story = row.story
        if story is not None and story.landed is not None:
            # The cleanup (except/finally after CancelledError landed) as a violet band behind
            # the steps that ran it.
            c0, c1 = story.cleanup or (story.landed, end if row.ended is None else story.landing_step[1])
            x0, x1 = (c0 - offset) * scale, (c1 - offset) * scale
            if x1 >= area.left() and x0 <= area.right():
                painter.fillRect(QRectF(x0, cy - bar_h / 2 - 2, max(x1 - x0, 2.0), bar_h + 4),
                                 ink["cleanup"])
        running = colors.state_color(TaskState.RUNNING)
        for x0, x1, _i in _step_pixels(row.steps, lo, hi, scale, offset):
            painter.fillRect(QRectF(x0, cy - bar_h / 2, x1 - x0, bar_h), running)
        for req in row.cancel_requests:   # CancelRequested records
            x = (req.t - offset) * scale
            if area.left() - 6 <= x <= area.right() + 6:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colors.CANCEL_COLOR)
                painter.drawPolygon(QPolygonF([QPointF(x - 4, y + 1), QPointF(x + 4, y + 1), QPointF(x, y + 7)]))
        if story is not None and story.landed is not None:
            # Where CancelledError landed: a ring on the lane (the landing line is in the tooltip).
            x = (story.landed - offset) * scale
            if area.left() - 6 <= x <= area.right() + 6:
                painter.setPen(QPen(colors.CANCEL_COLOR, 2))
                painter.setBrush(ink["base"])
                painter.drawEllipse(QPointF(x, cy), 4.5, 4.5)
        glyph = colors.OUTCOME_GLYPHS.get(row.state)
        if glyph and row.ended is not None and area.left() - 16 <= x_end <= area.right():
            painter.fillRect(QRectF(x_end - 1, cy - bar_h / 2, 2, bar_h), colors.state_color(row.state))
            painter.setPen(ink["glyphs"].get(row.state, ink["text"]))
            painter.setFont(self._glyph)
            painter.drawText(QRectF(x_end + 3, y, 18, self.LANE_H),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, glyph)

    def _paint_cancel_arrows(self, painter, lanes, area):
        """An arrow from the canceller's lane to the cancelled lane, at the cancel request."""
        if self._origin is None:
            return
        index, rows = self._lanes.index, self._lanes.rows
        pen = QPen(colors.CANCEL_COLOR, 1.5)
        for lane in lanes:
            row = rows[lane]
            for req in row.cancel_requests:
                source = index.get(req.by, -1) if req.by is not None else -1
                if source < 0:
                    continue
                x = self.x_of(req.t)
                if not area.left() - 6 <= x <= area.right() + 6:
                    continue
                y0 = self._lane_y(source, area) + self.LANE_H / 2
                y1 = self._lane_y(lane, area) + (2 if source < lane else self.LANE_H - 2)
                painter.setPen(pen)
                painter.drawLine(QPointF(x, y0), QPointF(x, y1))
                tip = 5 if source < lane else -5
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colors.CANCEL_COLOR)
                painter.drawPolygon(QPolygonF([QPointF(x - 4, y1 - tip), QPointF(x + 4, y1 - tip),
                                               QPointF(x, y1)]))

    def _paint_now(self, painter, area, full):
        if not self._live or self._now is None or self._origin is None:
            return
        x = self.x_of(self._now)
        if area.left() <= x <= area.right() + 1:
            painter.setPen(QPen(NOW_COLOR, 1.5))
            if full:
                painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
            else:
                painter.setBrush(NOW_COLOR)
                painter.drawPolygon(QPolygonF([QPointF(x - 5, self.AXIS_H - 7), QPointF(x + 5, self.AXIS_H - 7),
                                               QPointF(x, self.AXIS_H)]))

    def mark_time(self, t: float | None, label: str = "") -> None:
        """Mark loop time ``t`` of the shown run with a labelled dashed line (where a prediction
        and the run first differed); None clears it, as does a new table."""
        self._mark = (t, label) if t is not None else None
        self.update()

    def marked_time(self) -> tuple | None:
        """``(t, label)`` of the mark, or None."""
        return self._mark

    def _paint_mark(self, painter, area):
        mark = getattr(self, "_mark", None)
        if mark is None or self._origin is None:
            return
        t, label = mark
        x = self.x_of(t)
        if not area.left() <= x <= area.right() + 1:
            return
        ink = colors.color("warn")
        painter.setPen(QPen(ink, 1.5, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x, area.top()), QPointF(x, area.bottom()))
        if label:
            fm = painter.fontMetrics()
            w = fm.horizontalAdvance(label) + 8
            left = x + 3 if x + 3 + w <= area.right() else x - 3 - w
            # At the foot of the lanes: the top lanes (main, usually) stay readable.
            box = QRectF(left, area.bottom() - fm.height() - 4, w, fm.height() + 2)
            painter.fillRect(box, self._ink()["base"])
            painter.setPen(ink)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)

    def _paint_labels(self, painter, lanes, area, pal):
        painter.save()
        panel = QRectF(0, area.top(), self.LABEL_W, area.height())
        painter.setClipRect(panel)
        ink = self._ink()
        painter.fillRect(panel, ink["panel"])
        highlight = ink["highlight"]
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
                             metrics.elidedText(row.name, Qt.TextElideMode.ElideLeft, width))
        painter.restore()
        painter.setPen(QPen(self._ink()["rule"], 0))
        painter.drawLine(QPointF(self.LABEL_W - 0.5, 0), QPointF(self.LABEL_W - 0.5, self.height()))

    def _paint_axis(self, painter, area, pal, ticks):
        strip = QRectF(0, 0, self.width(), self.AXIS_H)
        painter.fillRect(strip, pal.color(QPalette.ColorRole.Window))
        painter.setFont(self._small)
        muted = self._ink()["muted"]
        painter.setPen(muted)
        count = len(self._lanes.rows)
        room = self.fit_button.x() - 12
        painter.drawText(QRectF(8, 0, room, self.AXIS_H), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         QFontMetricsF(self._small).elidedText(f"{count} task{'s' if count != 1 else ''}",
                                                               Qt.TextElideMode.ElideRight, room))
        painter.save()
        painter.setClipRect(QRectF(area.left(), 0, area.width(), self.AXIS_H))
        _step, marks = ticks
        painter.setPen(muted)
        for _t, x in marks:
            painter.drawLine(QPointF(x, self.AXIS_H - 6), QPointF(x, self.AXIS_H))
        for rect, text in self.axis_labels():
            painter.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        self._paint_blocks(painter, area, band=False)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self._paint_now(painter, area, full=False)
        painter.restore()
        painter.setPen(QPen(self._ink()["rule"], 0))
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

    def keyPressEvent(self, event):
        key, area = event.key(), self._lanes_rect()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus):
            self._zoom(0.7 if key != Qt.Key.Key_Minus else 1 / 0.7, area.center().x())
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self._pan_px(area.width() / 8 * (1 if key == Qt.Key.Key_Left else -1))
        elif key in (Qt.Key.Key_F, Qt.Key.Key_0, Qt.Key.Key_Home):
            self.fit()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self._lanes.rows:
            lane = self._lanes.index.get(self._highlight, -1)
            lane = 0 if lane < 0 else max(0, min(len(self._lanes.rows) - 1, lane + (1 if key == Qt.Key.Key_Down else -1)))
            tid = self._lanes.rows[lane].tid
            self.highlight(tid)
            self.taskSelected.emit(tid)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

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
        parent = self._table.by_tid.get(row.parent)
        created = colors.format_duration(row.created - self._origin)
        lines = [f"{row.name}  \u2014  task {row.tid}, {row.state}",
                 f"{row.coro}()  \u00b7  created at {created} by "
                 + (f"'{parent.name}'" if parent is not None else "the module")]
        if pos.x() >= self.LABEL_W:
            t = self.time_at(pos.x())
            slop = 3 * (self._view[1] - self._view[0]) / self._lanes_rect().width()
            lines += describe_time(row, t, slop, self._now, self._table)
        elif row.summary:
            lines.append(f"result: {row.summary}")
        story = self._table.cancel_story(row.tid)
        if story and pos.x() < self.LABEL_W:
            lines.append(story)
        return "\n".join(lines)
