"""The timeline: one lane per task, nested under its parent, running slices and waiting spans.

This module holds the widget's state, API, geometry and interaction; what it draws is in
``timeline_paint.py`` and the time/lane arithmetic in ``timeline_layout.py``.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QRegion
from PySide6.QtWidgets import QScrollBar, QToolButton, QToolTip, QWidget

from . import colors
from .timeline_layout import LaneOrder, describe_time
from .timeline_paint import TimelinePainting


class TimelineWidget(TimelinePainting, QWidget):
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
        """Show a new run's ``TaskTable`` (or nothing for None); fits and follows it.

        The table shown already, set again (a replay moved back before some of its tasks
        existed: rows were taken away), only takes its lanes again: the range the user zoomed
        or panned to, the highlight and the mark stay."""
        if table is not None and table is self._table:
            self._lanes = LaneOrder()
            self._known = 0
            self.refresh(None, live=False)
            return
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

    def mark_time(self, t: float | None, label: str = "") -> None:
        """Mark loop time ``t`` of the shown run with a labelled dashed line (where a prediction
        and the run first differed); None clears it, as does a new table."""
        self._mark = (t, label) if t is not None else None
        self.update()

    def marked_time(self) -> tuple | None:
        """``(t, label)`` of the mark, or None."""
        return self._mark

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

    def _lane_y(self, lane: int, area: QRectF) -> float:
        return area.top() + lane * self.LANE_H - self._vbar.value()

    # -- palette and font changes (the painting itself: ``TimelinePainting``) ----------------
    def changeEvent(self, event):
        if event.type() == QEvent.Type.PaletteChange:  # light/dark switch: recompute the inks
            self._inks = None
        elif event.type() == QEvent.Type.FontChange:
            self._update_metrics()
            self.update()
        super().changeEvent(event)

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
