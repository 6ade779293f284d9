"""The Resources and Findings panes under load (issue 25): what they do per frame and per paint
stays small at 100,000 tasks, and shows what it showed before.

* the resource lanes: columns made at C speed from levels kept per object equal the
  column-by-column reading; the drawing (a point where a lane changes, not per column) fills and
  strokes the same pixels; lanes set again with nothing new are neither remade nor repainted;
* the detail list of the selected object: laid out as rows of one size when that is the layout
  Qt's measuring of every item gives (at any width, before and after a resize);
* the live findings fold: within its budget however much a record costs, and once a frame.
"""
from __future__ import annotations

import random
import textwrap
from bisect import bisect_right

import pytest
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QListWidget, QListWidgetItem
from test_findings_ui import open_script
from test_window import click_action

from asyncio_playground import ResourceTable
from asyncio_playground.ui import resource_lanes
from asyncio_playground.ui.features import findings as findings_feature
from asyncio_playground.ui.resource_lanes import ResourceLanes, columns, level_of
from asyncio_playground.ui.resources_view import ResourcesView


# -- a big history, made up ----------------------------------------------------------------------

def _created(rid, kind, cls, name, capacity=None):
    return ("resource", rid, 0.0, kind, cls, name, "lesson.py", 3 + rid, None, capacity, None,
            False)


def busy_table(seed: int = 7, n: int = 6000) -> ResourceTable:
    """A Semaphore(40), a Lock and a Barrier(5) used by ``n`` made-up tasks: waits, acquires and
    releases in time order (a fold of the same kinds of records a run logs)."""
    rnd = random.Random(seed)
    events = [_created(1, "semaphore", "Semaphore", "gate", 40),
              _created(2, "lock", "Lock", "lock"),
              _created(3, "barrier", "Barrier", "meet", 5)]
    t, permits, holders, line, locked = 0.0, 40, [], [], None
    at_barrier = []
    for tid in range(1, n + 1):
        t += rnd.expovariate(2000.0)
        if permits and not line:
            permits -= 1
            holders.append(tid)
            events.append(("rop", 1, t, tid, "acquire", permits, None, None))
        else:
            line.append(tid)
            events.append(("rwait", 1, t, tid, "acquire", "lesson.py", 9))
        if rnd.random() < 0.5 and holders:       # a holder lets go: the first in line gets in
            t += rnd.expovariate(4000.0)
            who = holders.pop(rnd.randrange(len(holders)))
            permits += 1
            events.append(("rop", 1, t, who, "release", permits, None, None))
            if line:
                nxt = line.pop(0)
                permits -= 1
                holders.append(nxt)
                events.append(("rop", 1, t, nxt, "acquire", permits, None, None))
        if rnd.random() < 0.2:                   # the lock, now and then
            t += rnd.expovariate(8000.0)
            if locked is None:
                locked = tid
                events.append(("rop", 2, t, tid, "acquire", 1, None, None))
            else:
                events.append(("rop", 2, t, locked, "release", 0, None, None))
                locked = None
        if rnd.random() < 0.1:                   # the barrier: five at a time
            at_barrier.append(tid + n)
            events.append(("rwait", 3, t, tid + n, "wait", "lesson.py", 12))
            if len(at_barrier) == 5:
                t += 1e-5
                events += [("end", k, t) for k in at_barrier]
                at_barrier = []
    table = ResourceTable()
    table.apply(events)
    return table


def reference_columns(res, t0, t1, n, samples=16):
    """The lanes' columns read a column at a time (each column's end, its highest level from at
    most ``samples`` of the changes in it, the tasks waiting): what ``columns`` must equal."""
    def waiting(t):
        return bisect_right(res.wait_t, t) - bisect_right(res.end_t, t)

    kind, cap, op_t, ops = res.kind, res.capacity, res.op_t, res.ops
    initial = res.initial[0]
    out = []
    step = (t1 - t0) / max(n, 1)
    i_prev = bisect_right(op_t, t0)
    for c in range(n):
        tb = t0 + (c + 1) * step
        if kind == "barrier":
            last = waiting(tb)
            high = max(last, waiting(tb - step / 2))
        else:
            i = bisect_right(op_t, tb)
            last = level_of(kind, cap, ops[i - 1][2] if i else initial)
            high = max(last, level_of(kind, cap, ops[i_prev - 1][2] if i_prev else initial))
            if i > i_prev:
                for k in range(i_prev, i, max(1, (i - i_prev) // samples)):
                    high = max(high, level_of(kind, cap, ops[k][2]))
            else:
                high = last
            i_prev = i
        out.append((high, last, waiting(tb)))
    return out


def test_lane_columns_equal_the_column_by_column_reading():
    table = busy_table()
    assert {r.kind for r in table.rows} == {"semaphore", "lock", "barrier"}
    end = max(max(r.op_t[-1] if r.op_t else 0, r.wait_t[-1] if r.wait_t else 0) for r in table.rows)
    for res in table.rows:
        assert len(res.op_t) or len(res.wait_t)
        for t0, t1 in ((0.0, end), (0.0, end * 1.5), (end * 0.3, end * 0.31), (end / 2, end)):
            for n in (1, 3, 97, 1200):
                assert columns(res, t0, t1, n) == reference_columns(res, t0, t1, n), (t0, t1, n)


def test_a_live_lane_keeps_each_object_s_levels_and_extends_them(qtbot):
    """Records folded between two sets of the lanes: the levels kept for an object grow by the new
    operations only, and the columns equal a fresh reading of the whole history."""
    table = busy_table(n=3000)
    gate = table.rows[0]
    lanes = ResourceLanes()
    qtbot.addWidget(lanes)
    lanes.resize(900, 80)
    lanes.show()
    qtbot.waitExposed(lanes)
    t = gate.op_t[-1]
    lanes.set_lanes(table, table.at(None), 0.0, t)
    first = lanes.lane_columns(0)
    kept = lanes._levels[id(gate)][1]
    assert len(kept) == len(gate.ops) + 1
    more = [("rwait", 1, t + 0.01 * k, 90_000 + k, "acquire", "lesson.py", 9) for k in range(50)]
    more += [("rop", 1, t + 1.0, 1, "release", 1, None, None)]
    table.apply(more)
    lanes.set_lanes(table, table.at(None), 0.0, t + 2)
    cols = lanes.lane_columns(0)
    assert lanes._levels[id(gate)][1] is kept and len(kept) == len(gate.ops) + 1
    n = len(cols)
    assert cols == reference_columns(gate, 0.0, t + 2, n) and cols != first


class _Paints(QObject):
    def __init__(self, widget):
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_lanes_set_again_with_nothing_new_are_not_remade_nor_repainted(qtbot):
    table = busy_table(n=2000)
    lanes = ResourceLanes()
    qtbot.addWidget(lanes)
    lanes.resize(800, 80)
    lanes.show()
    qtbot.waitExposed(lanes)
    paints = _Paints(lanes)
    end = table.rows[0].op_t[-1]
    lanes.set_lanes(table, table.at(None), 0.0, end)
    qtbot.waitUntil(lambda: paints.count >= 1)
    made, picture = lanes._cols_made, lanes._picture
    assert made >= 1 and picture is not None
    lanes.set_lanes(table, table.at(None), 0.0, end)        # nothing new
    count = paints.count
    lanes.update()                                           # a paint for another reason
    qtbot.waitUntil(lambda: paints.count > count)
    assert lanes._cols_made == made and lanes._picture is picture   # the kept drawing
    count = paints.count
    # the moment moved: painted again, but the lanes' drawing is kept
    lanes.set_lanes(table, table.at(None), 0.0, end, moment=end / 2)
    qtbot.waitUntil(lambda: paints.count > count)
    assert lanes._cols_made == made and lanes._picture is picture
    # time went on (a live run's "now"): the columns are made again, for the new span
    lanes.set_lanes(table, table.at(None), 0.0, end * 1.1, moment=end / 2)
    qtbot.waitUntil(lambda: lanes._cols_made > made and lanes._picture is not picture)
    assert lanes._cols_for == (lanes.width(), (0.0, end * 1.1))
    assert lanes.lane_columns(0) == reference_columns(table.rows[0], 0.0, end * 1.1,
                                                      len(lanes.lane_columns(0)))


def test_a_live_lanes_remaking_goes_in_slices_and_shows_the_last_meanwhile(qtbot, monkeypatch):
    """A longer span over the same objects (a live run's frame): the paint keeps to the lanes as
    drawn last while the new ones are made a slice at a time between the event loop's other
    work; then they are drawn, equal to the column-by-column reading."""
    table = busy_table(n=6000)
    lanes = ResourceLanes()
    qtbot.addWidget(lanes)
    lanes.resize(1300, 90)
    lanes.show()
    qtbot.waitExposed(lanes)
    end = table.rows[0].op_t[-1]
    lanes.set_lanes(table, table.at(None), 0.0, end)
    first = lanes.grab().toImage()                       # (drawn at once: nothing shown yet)
    made = lanes._cols_made
    monkeypatch.setattr(resource_lanes, "SLICE", 0.0)    # one step a slice
    slices = []
    lanes._slices.timeout.connect(lambda: slices.append(lanes._cols_made))
    lanes.set_lanes(table, table.at(None), 0.0, end * 1.5)     # "now" moved on
    assert lanes._remaking is not None and lanes._cols_made == made
    assert lanes.grab().toImage() == first               # a paint meanwhile: the last drawing
    assert lanes._cols_made == made and lanes._remaking is not None
    qtbot.waitUntil(lambda: lanes._remaking is None, timeout=10000)
    steps = 3 * (1 + -(-lanes._n_columns(1300) // resource_lanes._CHUNK)) + 3
    assert len(slices) >= steps - 1 and slices[0] == made and slices[-1] == made + 1
    assert lanes._cols_for == (1300, (0.0, end * 1.5))
    for i, res in enumerate(table.rows):
        assert lanes._cols[i] == reference_columns(res, 0.0, end * 1.5, lanes._n_columns(1300)), i
    assert lanes.grab().toImage() != first
    # the width changed: made at once, for it
    lanes.resize(900, 90)
    qtbot.waitUntil(lambda: lanes.width() == 900)
    assert len(lanes.lane_columns(0)) == lanes._n_columns(900)


def test_set_lanes_with_nothing_new_schedules_no_paint(qtbot):
    table = busy_table(n=1500)
    lanes = ResourceLanes()
    qtbot.addWidget(lanes)
    lanes.resize(700, 80)
    lanes.show()
    qtbot.waitExposed(lanes)
    end = table.rows[0].op_t[-1]
    lanes.set_lanes(table, table.at(None), 0.0, end)
    paints = _Paints(lanes)
    lanes.update()
    qtbot.waitUntil(lambda: paints.count == 1)
    for _ in range(5):
        lanes.set_lanes(table, table.at(None), 0.0, end)
    # a paint request would be served by the next pass of the event loop: there is none
    with pytest.raises(qtbot.TimeoutError):
        qtbot.waitUntil(lambda: paints.count > 1, timeout=300)


def _reference_paths(cols, lane, top, top_w):
    """The lanes' outline a point per column (what the drawing looked like before)."""
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


def _draw(paths, size):
    image = QImage(size[0], size[1], QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    area, line = paths
    p.fillPath(area, QColor("#4a90d9"))
    p.setPen(QPen(QColor("#d0021b"), 1.5))
    p.drawPath(line)
    p.end()
    return image


@pytest.mark.parametrize("seed", range(6))
def test_the_lanes_outline_fills_and_strokes_the_same_pixels(qapp, seed):
    rnd = random.Random(seed)
    n = rnd.choice((1, 2, 40, 300, 1200))
    top, top_w = rnd.choice((1, 3, 40)), rnd.choice((1, 7, 5000))
    level = waiting = 0
    cols = []
    for _ in range(n):           # runs of equal columns, and jumps
        if rnd.random() < 0.3:
            level = rnd.randint(0, top + 1)
        if rnd.random() < 0.3:
            waiting = rnd.randint(0, top_w + 2)
        high = max(level, rnd.randint(0, top)) if rnd.random() < 0.1 else level
        cols.append((high, level, waiting))
    lane = QRectF(37.5, 4, n, 16)
    size = (int(lane.right()) + 8, 26)
    ours = _draw(ResourceLanes._paths(cols, lane, top, top_w), size)
    assert ours == _draw(_reference_paths(cols, lane, top, top_w), size)


def test_the_lanes_widget_draws_what_it_drew_column_by_column(qtbot):
    """The whole widget (labels, grid, lanes, the moment) against the same drawn a point per
    column, with no kept picture."""
    table = busy_table(n=2500)
    lanes = ResourceLanes()
    qtbot.addWidget(lanes)
    lanes.resize(1000, 90)
    lanes.show()
    qtbot.waitExposed(lanes)
    end = table.rows[0].op_t[-1]
    lanes.set_lanes(table, table.at(None), 0.0, end, moment=end / 3)
    ours = lanes.grab().toImage()

    class Reference(ResourceLanes):
        _paths = staticmethod(_reference_paths)

        def paintEvent(self, _event):  # noqa: N802
            for i in range(len(self._lanes)):
                self.lane_columns(i)
            p = QPainter(self)
            self._paint_lanes(p)
            x = self._x(self._moment)
            p.setPen(QPen(resource_lanes.colors.color("now"), 1.5))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
            p.end()

    ref = Reference()
    qtbot.addWidget(ref)
    ref.resize(1000, 90)
    ref.show()
    qtbot.waitExposed(ref)
    ref.set_lanes(table, table.at(None), 0.0, end, moment=end / 3)
    assert ours == ref.grab().toImage()


# -- the detail list ------------------------------------------------------------------------------

NAMES = ["w", "worker-12", "WWWWWWWW", "iiiiiiiiiiii", "naïve", "数据库", "emoji😀x",
         "Task-99999",
         "ffiffi", "AVAVAV"]


def detail_rows(k, rnd):
    rows = [(f"holds it: '{rnd.choice(NAMES)}{i}', since {i * 0.37:.2f} s", i)
            for i in range(k % 7)]
    rows += [(f"{i}th in line: '{rnd.choice(NAMES[:4] + NAMES[7:])}' in acquire(), since "
              f"{i * 0.01:.2f} s" + (", line 7" if i % 3 else ""), 1000 + i) for i in range(k)]
    if k % 2:
        rows.append((f"… and {k * 1000:,} more waiting", None))
    return rows


def _layout(view: QListWidget):
    return ([view.visualItemRect(view.item(i)) for i in range(view.count())],
            view.horizontalScrollBar().maximum(), view.verticalScrollBar().maximum())


@pytest.mark.parametrize("width", [900, 320, 140])
@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_detail_list_lays_out_as_when_qt_measures_every_item(qtbot, width):
    rnd = random.Random(width)
    view = ResourcesView()
    qtbot.addWidget(view)
    view.resize(width, 700)
    view.show()
    qtbot.waitExposed(view)
    ref = QListWidget()
    qtbot.addWidget(ref)
    ref.show()
    uniform = set()
    for k in [0, 1, 2, 3, 5, 8, 13, 21, 200, 401, 2]:
        rows = detail_rows(k, rnd)
        view._fill_detail(rows)
        ref.clear()
        for text, _tid in rows:
            QListWidgetItem(text, ref)
        ref.resize(view.detail.size())
        qtbot.waitUntil(lambda: ref.viewport().width() == view.detail.viewport().width())
        texts = [view.detail.item(i).text() for i in range(view.detail.count())]
        assert texts == [t for t, _ in rows]
        assert [view.detail.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(view.detail.count())] == [tid for _t, tid in rows]
        assert _layout(view.detail) == _layout(ref), k
        uniform.add(view.detail.uniformItemSizes())
    if width == 900:
        assert True in uniform      # the fast way was taken (and gave the same layout)
    # narrower and wider again: the list checks its width
    for w in (width // 3, width):
        view.resize(w, 700)
        ref.resize(view.detail.size())
        qtbot.waitUntil(lambda: ref.viewport().width() == view.detail.viewport().width()
                        and ref.viewport().height() == view.detail.viewport().height())
        assert _layout(view.detail) == _layout(ref), w


@pytest.mark.qt_log_ignore("propagateSizeHints")
def test_the_detail_list_is_not_made_again_when_nothing_changed(qtbot):
    view = ResourcesView()
    qtbot.addWidget(view)
    view.show()
    rows = detail_rows(30, random.Random(1))
    view._fill_detail(rows)
    item = view.detail.item(3)
    view.detail.setCurrentItem(item)
    view._fill_detail(list(rows))
    assert view.detail.item(3) is item and view.detail.currentItem() is item
    view._fill_detail(rows[1:])             # changed: made anew, nothing picked in it
    assert view.detail.currentRow() == -1 and view.detail.item(0).text() == rows[1][0]


# -- the findings' live fold ----------------------------------------------------------------------

class _Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


class _SlowFinder:
    """A fold whose every record costs ``cost`` seconds of the (fake) clock."""

    def __init__(self, clock, cost):
        self.clock, self.cost, self.folded = clock, cost, 0

    def apply(self, events):
        self.folded += len(events)
        self.clock.t += self.cost * len(events)

    def report(self):
        return []


class _Shown:
    def __init__(self, finder, n):
        class Tracer:
            events = [("step",)] * n
        self.run = type("Run", (), {"tracer": Tracer})()
        self.finder, self.folded = finder, 0


@pytest.mark.parametrize("cost", [1e-6, 4e-5, 2e-4])
def test_the_live_findings_fold_keeps_to_its_budget_however_much_a_record_costs(monkeypatch, cost):
    clock = _Clock()
    monkeypatch.setattr(findings_feature.time, "perf_counter", clock)
    monkeypatch.setattr(findings_feature, "_cost", [0.0])
    shown = _Shown(_SlowFinder(clock, cost), 400_000)
    budget = findings_feature.FOLD_BUDGET
    took = []
    for _ in range(30):
        t0 = clock.t
        findings_feature.FindingsFeature.fold(shown, budget)
        took.append(clock.t - t0)
    # the first call does not know the cost yet (one chunk); then each stays near the budget:
    # at most one small chunk past it
    over = budget + max(findings_feature._MIN_CHUNK * cost, budget / 4)
    assert max(took[1:]) <= over, (cost, max(took[1:]))
    assert shown.folded == shown.finder.folded > 0


LOAD = textwrap.dedent("""\
    import asyncio


    async def worker(i, gate):
        async with gate:
            for _ in range(6):
                await asyncio.sleep(0.001 * (i % 5))


    async def main():
        gate = asyncio.Semaphore(20)
        await asyncio.gather(*(worker(i, gate) for i in range(1500)))

    asyncio.run(main())
""")


def test_a_live_run_s_findings_fold_in_slices_and_the_pane_reads_them(qtbot, window, tmp_path,
                                                                         monkeypatch):
    """While the run is live, the fold runs in budgeted slices -- in the frames and, when it is
    behind, between them until it has caught up -- and the slow frame's list and gutter read what
    was folded (they folded again, each within the budget: three budgets a slow frame); the list
    redraws the gutter only when the findings changed (the frame redraws it anyway)."""
    import sys

    w = window
    callers: dict = {}
    real = findings_feature.FindingsFeature.fold

    def fold(shown, budget=None):
        if budget is not None and not shown.finished:
            name = sys._getframe(1).f_code.co_name
            callers[name] = callers.get(name, 0) + 1
        return real(shown, budget)

    monkeypatch.setattr(findings_feature.FindingsFeature, "fold", staticmethod(fold))
    # a budget so small that each slice folds _MIN_CHUNK records: the frames fall behind
    monkeypatch.setattr(findings_feature, "FOLD_BUDGET", 1e-7)
    slow_frames = []
    w.runs.controller.frameApplied.connect(lambda _n, slow: slow_frames.append(slow))
    gutter = []            # the tab asking for the gutter (O(tasks)) again while live
    update_markers = w.runs.update_markers
    finished = []

    def counted():
        if sys._getframe(1).f_code.co_name == "show" and w.run is not None and not w.run.done:
            gutter.append(len(slow_frames))
        update_markers()

    monkeypatch.setattr(w.runs, "update_markers", counted)
    open_script(w, tmp_path, LOAD)
    w.runFinished.connect(finished.append)
    with qtbot.waitSignal(w.runStarted, timeout=5000):
        click_action(qtbot, w, w.act_run)
    qtbot.waitUntil(lambda: bool(finished), timeout=60000)
    assert sum(slow_frames) >= 2, slow_frames              # the list was shown live
    assert set(callers) == {"_fold_live"}, callers          # only the live fold's slices
    # the findings did not change: the frames' own gutter updates showed them
    assert len(gutter) <= 1, (gutter, sum(slow_frames))
    assert callers["_fold_live"] > len(slow_frames), callers   # and between the frames
    shown = w.runs.shown
    assert shown.folded == len(shown.run.tracer.events)
    whole = [f.title for f in findings_feature.FindingsFeature.fold(shown)]
    shown.finder, shown.folded = None, 0
    assert [f.title for f in findings_feature.FindingsFeature.fold(shown)] == whole
