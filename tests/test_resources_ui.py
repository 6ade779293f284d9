"""The Resources tab and the task table's "Waiting on" (issue 23), driven like a learner: a waiting
task names its object, the object's holder and its place in line, live and at a replayed moment;
the tab lists every object with its holder and its line of waiters; picking a waiter selects it."""
from __future__ import annotations

import bisect
import textwrap

from PySide6.QtCore import QPoint, Qt
from test_findings_ui import open_script
from test_window import click_action

from asyncio_playground.ui.resource_lanes import LANE_H, level_of
from asyncio_playground.ui.task_model import TaskTableModel

LOCKED = textwrap.dedent("""\
    import asyncio


    async def worker(lock, hold):
        async with lock:
            await asyncio.sleep(hold)


    async def main():
        db_lock = asyncio.Lock()
        jobs = asyncio.Queue(maxsize=2)
        await asyncio.gather(*(asyncio.create_task(worker(db_lock, 0.4), name=f"w{i}")
                               for i in range(3)))
        jobs.put_nowait("done")

    asyncio.run(main())
""")
WAIT_LINE = 5
LOCK_LINE = 10


def wait_cell(w, name, role=Qt.ItemDataRole.DisplayRole):
    model = w.task_model
    for i in range(model.rowCount()):
        if model.data(model.index(i, TaskTableModel.NAME_COL)) == name:
            return model.data(model.index(i, TaskTableModel.WAIT_COL), role)
    raise AssertionError(f"no row {name!r}")


def open_resources_tab(qtbot, w):
    bar = w.views.tabBar()
    view = w.views.resources_view
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(w.views.indexOf(view)).center())
    assert w.views.currentWidget() is view
    return view


def click_row(qtbot, table, row):
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_a_waiting_task_names_its_lock_the_holder_and_its_place_live_and_in_replay(qtbot, window, tmp_path):
    w = window
    open_script(w, tmp_path, LOCKED)
    finished = []
    w.runFinished.connect(finished.append)
    with qtbot.waitSignal(w.runStarted, timeout=3000):
        click_action(qtbot, w, w.act_run)
    view = open_resources_tab(qtbot, w)
    # Live: w0 holds the lock, w1 and w2 queue behind it in that order.
    qtbot.waitUntil(lambda: "2nd in line" in (wait_cell(w, "w2") or ""), timeout=3000)
    assert wait_cell(w, "w2") == f"Lock 'db_lock' · 2nd in line · held by 'w0' · L{WAIT_LINE}"
    assert "1st in line" in wait_cell(w, "w1")
    tip = wait_cell(w, "w2", Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("waiting on Lock 'db_lock', held by 'w0' since 0.") and "2nd in line" in tip
    # The tab (filled ~10 times a second while the run is live): one row per object, with its
    # holder and its waiters in order.
    qtbot.waitUntil(lambda: view.table.rowCount() == 2, timeout=3000)
    names = [view.table.item(r, 0).text() for r in range(view.table.rowCount())]
    assert names == ["Lock 'db_lock'", "Queue(maxsize=2) 'jobs'"]
    assert view.table.item(0, 1).text() == "locked"
    assert view.table.item(0, 2).text().startswith("'w0' since ")
    assert view.table.item(0, 3).text() == "2: 'w1', 'w2'"
    assert f"made at line {LOCK_LINE}" in view.table.item(0, 0).toolTip()
    assert w.views.tabText(w.views.indexOf(view)) == "Resources (2)"
    click_row(qtbot, view.table, 0)                      # the lock: its line, its whole line
    assert w.editor.textCursor().blockNumber() + 1 == LOCK_LINE
    lines = [view.detail.item(i).text() for i in range(view.detail.count())]
    assert lines[0].startswith("holds it: 'w0', since ")
    assert lines[1].startswith("1st in line: 'w1' in acquire(), since ") and lines[1].endswith(f"line {WAIT_LINE}")
    assert lines[2].startswith("2nd in line: 'w2'")
    item = view.detail.item(2)                            # a waiter: its task is selected
    qtbot.mouseClick(view.detail.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.detail.visualItemRect(item).center())
    assert w.table.by_tid[w.task_view.selected_tid()].name == "w2"

    # Who awaits whom: the waiting task's leaf says the same (the object, its place, its holder).
    bar = w.views.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton,
                     pos=bar.tabRect(w.views.indexOf(w.await_view)).center())
    model = w.await_view.await_model
    w2 = next(r.tid for r in w.table.rows if r.name == "w2")
    leaf = model.index_of(w2)
    if not finished:     # (the run may have ended meanwhile on a slow machine)
        assert model.data(leaf.siblingAtColumn(2)) == "Lock 'db_lock' · 2nd in line · held by 'w0'"
        assert "waits on Lock 'db_lock', held by 'w0' since" in model.data(leaf, Qt.ItemDataRole.ToolTipRole)
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)
    qtbot.waitUntil(lambda: w.table.finished is not None, timeout=3000)
    assert wait_cell(w, "w2") == ""                       # it ended: waits on nothing
    assert view.table.item(0, 1).text() == "unlocked" and view.table.item(0, 3).text() == ""
    # Back in time: the scrubber's moment shows the lock as it was then.
    replay = w.replaying.replay
    lock = w.runs.shown.resources.rows[0]
    (_, start0, end0), (_, start1, end1) = lock.holds[0], lock.holds[1]
    w.time_bar.show_moment((start0 + end0) / 2)
    assert wait_cell(w, "w2") == f"Lock 'db_lock' · 2nd in line · held by 'w0' · L{WAIT_LINE}"
    assert view.table.item(0, 3).text() == "2: 'w1', 'w2'"
    assert "at " in view.summary.text()
    w.time_bar.show_moment((start1 + end1) / 2)          # w1 holds now; w2 alone in line
    assert wait_cell(w, "w2") == f"Lock 'db_lock' · held by 'w1' · L{WAIT_LINE}"
    assert wait_cell(w, "w1") == "sleep(0.4) · L6"       # it holds the lock, asleep inside it
    assert view.table.item(0, 2).text().startswith("'w1' since ")
    assert replay.start <= start0 < end0 <= start1
    # The lanes under the table: one per object over the whole run; a click there is that moment.
    open_resources_tab(qtbot, w)
    lanes = view.lanes
    assert lanes.isVisible() and [lane[0] for lane in lanes._lanes] == ["db_lock", "jobs"]
    cols = lanes.lane_columns(0)                    # per pixel: (highest, last level, waiting)
    assert cols[0][1] == 0 and max(c[0] for c in cols) == 1 and cols[-1][1] == 0  # free, held, free
    assert max(c[2] for c in cols) == 2                                    # two waited at once
    # each column ends where the object's whole history (resources.series) says it is then
    table = w.runs.shown.resources
    for i, state in enumerate(table.at(None)):
        points = table.series(state.rid)
        t0, t1 = lanes._span
        n = len(lanes.lane_columns(i))
        for c, (_high, last, waiting) in enumerate(lanes.lane_columns(i)):
            k = bisect.bisect_right([p[0] for p in points], t0 + (c + 1) * (t1 - t0) / n) - 1
            value, waiters = (points[k][1], points[k][2]) if k >= 0 else (0, 0)
            assert (last, waiting) == (level_of(state.kind, state.capacity, value), waiters), c
    x = round(lanes._x((start1 + end1) / 2))
    with qtbot.waitSignal(w.time_bar.momentChanged, timeout=2000) as moved:
        qtbot.mouseClick(lanes, Qt.MouseButton.LeftButton, pos=QPoint(x, 2 + LANE_H // 2))
    assert start1 < moved.args[0] < end1
    assert wait_cell(w, "w2") == f"Lock 'db_lock' · held by 'w1' · L{WAIT_LINE}"
    assert "db_lock at " in lanes.tooltip_at(QPoint(x, 2 + LANE_H // 2))


def test_the_tab_keeps_every_part_readable_in_a_small_window_and_scrolls(qtbot, window, tmp_path):
    """At 1024x700 the tab's ~200 px showed the objects table as a header alone and the lanes cut
    mid-row: each part now keeps its least readable height (the table its header and both rows,
    the legend all its lines), none overlaps another, and the pane scrolls to the detail list; in
    a big window nothing scrolls."""
    w = window
    open_script(w, tmp_path, LOCKED)
    finished = []
    w.runFinished.connect(finished.append)
    w.resize(1024, 700)
    view = open_resources_tab(qtbot, w)
    with qtbot.waitSignal(w.runStarted, timeout=3000):
        click_action(qtbot, w, w.act_run)
    qtbot.waitUntil(lambda: bool(finished), timeout=10000)
    qtbot.waitUntil(lambda: view.table.rowCount() == 2 and view.lanes.isVisible(), timeout=3000)

    def parts():
        content = view.scroll.widget()
        return [(part, part.geometry().translated(part.parentWidget().mapTo(content, QPoint(0, 0))))
                for part in (view.summary, view.table, view.lanes, view.lanes_legend, view.caption,
                             view.detail)]

    def readable():
        table = view.table
        rows = sum(map(table.rowHeight, range(2)))
        return (table.viewport().height() >= rows
                and view.lanes_legend.height() >= view.lanes_legend.heightForWidth(view.lanes_legend.width())
                and view.summary.height() >= view.summary.heightForWidth(view.summary.width())
                and view.lanes.height() >= view.lanes.minimumSizeHint().height())

    assert view.height() < 300, view.height()       # the small window's pane is cramped
    qtbot.waitUntil(readable, timeout=3000)
    placed = parts()
    for i, (a, ra) in enumerate(placed):
        for b, rb in placed[i + 1:]:
            assert not ra.intersects(rb), (a.objectName(), ra, b.objectName(), rb)
    bar = view.scroll.verticalScrollBar()
    assert bar.isVisible() and bar.maximum() > 0
    bar.setValue(bar.maximum())                      # the detail list is there, below
    detail = view.detail.geometry().translated(view.detail.parentWidget().mapTo(view.scroll.viewport(), QPoint(0, 0)))
    assert view.scroll.viewport().rect().contains(detail), detail

    w.resize(1600, 1000)
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=3000)
    assert readable()
