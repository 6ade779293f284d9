"""The timeline's painting: what ``TimelineWidget`` draws each frame, and the two geometry
queries that go with it (``axis_labels``, ``hint_rect``: where the axis text and the hint strip are
drawn, so tests can check nothing is clipped).

Split from ``timeline.py`` so that the widget module holds state, hit-testing and interaction, and
this one holds drawing; ``timeline_layout.py`` holds the arithmetic both use (lane order, ticks,
pixel spans).  ``TimelinePainting`` is a mixin rather than a separate painter object because every
helper reads the widget's view state (visible range, lanes, scroll position, fonts) at paint time:
as methods of the widget they read it directly, and there is no second copy to keep in sync.
"""
from __future__ import annotations

from asyncio_playground.vocab import TaskState, WaitKind
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPalette, QPen, QPolygonF

from . import colors
from .colors import NOW_COLOR, blend
from .timeline_layout import END, flat_pixel_spans, format_tick, pixel_spans, ticks


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


class TimelinePainting:
    """``TimelineWidget``'s ``paintEvent`` and its helpers (a mixin: the widget is the only user).

    Reads from the widget: ``_table``, ``_lanes`` (a ``LaneOrder``), ``_view``, ``_origin``,
    ``_now``, ``_live``, ``_highlight``, ``_mark``, the fonts ``_small`` and ``_glyph``,
    ``placeholder``, ``fit_button``, the geometry constants (``LANE_H``, ``AXIS_H``, ``HINT_H``,
    ``LABEL_W``, ``HINT``, ``_INDENT``) and ``_vbar``, ``_lanes_rect()``, ``_lane_y()``, ``x_of()``.
    ``_inks`` is the cache ``_ink`` fills; the widget empties it on a new table or palette.
    """

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
