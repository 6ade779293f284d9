"""TaskTableModel and TaskTableView fed with synthetic tracer events (docs/engine-api.md)."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt

from asyncio_playground.ui.task_model import TaskTableModel
from asyncio_playground.ui.task_view import TaskTableView

from asyncio_playground import TaskTable
from asyncio_playground.events import named
from asyncio_playground.ui import colors
from asyncio_playground.vocab import TaskState, WaitKind

T0 = 1000.0  # a monotonic-looking origin


def seed_events(t0: float = T0) -> list[tuple]:
    """The seed chapter's create_task example plus a gather of 5, a cancelled and a failed task
    (the tracer's named records, as ``playground.events`` defines them)."""
    f = "/lessons/create_task.py"
    ev = [("run", t0, "start", f), ("task", 1, t0, None, "main", "main")]
    ev += [("step", 1, t0 + 0.0002, t0 + 0.0010)]
    ev += [("task", 2, t0 + 0.0005, 1, "fetch-A", "fetch"), ("task", 3, t0 + 0.0006, 1, "fetch-B", "fetch")]
    ev += [("wait", 1, t0 + 0.0010, "task", "task 'fetch-A'", f, 12)]
    for tid, s in ((2, 0.0012), (3, 0.0016)):
        ev += [("step", tid, t0 + s, t0 + s + 0.0003), ("output", tid, t0 + s, "stdout", "Starting\n"),
               ("wait", tid, t0 + s + 0.0003, "sleep", "sleep(1.0)", f, 7)]
    ev += [("step", 2, t0 + 1.0013, t0 + 1.0015), ("end", 2, t0 + 1.0015, "done", "'A'", None)]
    ev += [("step", 1, t0 + 1.0016, t0 + 1.0017), ("wait", 1, t0 + 1.0017, "task", "task 'fetch-B'", f, 13)]
    ev += [("step", 3, t0 + 1.0019, t0 + 1.0020), ("end", 3, t0 + 1.0020, "done", "'B'", None)]
    ev += [("step", 1, t0 + 1.0021, t0 + 1.0030)]
    # a gather of five workers with staggered sleeps
    for i in range(5):
        tid = 4 + i
        ev += [("task", tid, t0 + 1.0025 + i * 1e-4, 1, f"worker-{i}", "worker")]
    ev += [("wait", 1, t0 + 1.0030, "gather", "gather(5 tasks)", f, 20)]
    for i in range(5):
        tid, s = 4 + i, t0 + 1.004 + i * 2e-4
        ev += [("step", tid, s, s + 0.0004), ("wait", tid, s + 0.0004, "sleep", f"sleep({0.2 * (i + 1):.1f})", f, 16)]
        ev += [("step", tid, s + 0.2 * (i + 1), s + 0.2 * (i + 1) + 0.002),
               ("end", tid, s + 0.2 * (i + 1) + 0.002, "done", str(i * i), None)]
    # a slow task cancelled by main, and one that fails
    ev += [("task", 9, t0 + 1.005, 1, "slow", "slow"), ("task", 10, t0 + 1.006, 1, "broken", "broken")]
    ev += [("step", 9, t0 + 1.05, t0 + 1.051), ("wait", 9, t0 + 1.051, "sleep", "sleep(10)", f, 25)]
    ev += [("step", 10, t0 + 1.06, t0 + 1.062), ("wait", 10, t0 + 1.062, "io", "socket recv", f, 30)]
    ev += [("step", 10, t0 + 1.4, t0 + 1.41),
           ("end", 10, t0 + 1.41, "failed", "ValueError: bad",
            ("ValueError", "bad", "Traceback ...\nValueError: bad\n", f, 31))]
    ev += [("block", 1, t0 + 1.5, 0.15, f, 40)]
    ev += [("step", 1, t0 + 2.0, t0 + 2.001), ("cancel", 9, t0 + 2.001, 1, None, "task")]
    ev += [("step", 9, t0 + 2.002, t0 + 2.003), ("end", 9, t0 + 2.003, "cancelled", None, None)]
    return [named(e) for e in ev]


def live_events(n: int, t0: float = T0) -> list[tuple]:
    """*n* tasks created by task 1, all waiting (still live)."""
    ev = [("task", 1, t0, None, "main", "main"), ("step", 1, t0, t0 + 0.001),
          ("wait", 1, t0 + 0.001, "gather", f"gather({n} tasks)", "x.py", 3)]
    for tid in range(2, n + 2):
        t = t0 + tid * 1e-4
        ev += [("task", tid, t, 1, f"job-{tid}", "job"), ("step", tid, t, t + 5e-5),
               ("wait", tid, t + 5e-5, "sleep", "sleep(1)", "x.py", 9)]
    return [named(e) for e in ev]


@pytest.fixture
def model(qtmodeltester):
    model = TaskTableModel()
    yield model
    qtmodeltester.check(model)


def fed(model, events):
    table = TaskTable()
    model.set_table(table)
    model.apply(table.apply(events))
    return table


def test_rows_in_creation_order_with_depth(model, qtmodeltester):
    fed(model, seed_events())
    qtmodeltester.check(model)
    assert model.rowCount() == 10
    names = [model.index(r, model.NAME_COL).data() for r in range(model.rowCount())]
    assert names[:4] == ["main", "fetch-A", "fetch-B", "worker-0"]
    tids = [model.index(r, 0).data(model.TidRole) for r in range(model.rowCount())]
    assert tids == list(range(1, 11))
    assert model.index(0, 0).data(model.DepthRole) == 0
    assert model.index(1, 3).data(model.DepthRole) == 1


def test_states_are_words_with_colour_and_tooltips(model):
    fed(model, seed_events())
    state = {model.index(r, model.NAME_COL).data(): model.index(r, model.STATE_COL).data()
             for r in range(model.rowCount())}
    assert state["fetch-A"] == "done" and state["slow"] == "cancelled" and state["broken"] == "failed"
    idx = model.index(model.row_of(10), model.STATE_COL)
    assert idx.data(Qt.ItemDataRole.DecorationRole).name() == "#e0443a"
    assert idx.data(Qt.ItemDataRole.ToolTipRole) == f"failed: {TaskState.FAILED.doc}"   # the vocabulary's
    result = model.index(model.row_of(10), model.RESULT_COL)
    assert result.data() == "ValueError: bad"
    assert "Traceback" in result.data(Qt.ItemDataRole.ToolTipRole)
    assert model.index(model.row_of(9), model.RESULT_COL).data() == "CancelledError"


def test_waiting_on_shows_what_and_line(model):
    table = TaskTable()
    model.set_table(table)
    ev = seed_events()
    cut = next(i for i, e in enumerate(ev) if e[0] == "step" and e[2] > T0 + 0.5)  # both asleep
    model.apply(table.apply(ev[:cut]))
    assert model.index(1, model.STATE_COL).data() == "waiting"
    assert model.index(1, model.WAIT_COL).data() == "sleep(1.0) \u00b7 L7"
    assert model.index(0, model.WAIT_COL).data() == "task 'fetch-A' \u00b7 L12"
    assert "line" not in (model.index(0, model.ELAPSED_COL).data() or "")
    model.tick(T0 + 0.5)
    assert model.index(1, model.ELAPSED_COL).data() == "500 ms"


def test_apply_batches_contiguous_rows_into_one_data_changed(model, qtbot):
    table = TaskTable()
    model.set_table(table)
    model.apply(table.apply(live_events(20)))
    assert model.rowCount() == 21
    events = [named(("step", tid, T0 + 1, T0 + 1.001)) for tid in (3, 4, 5, 6, 7)]
    changed = table.apply(events)
    with qtbot.waitSignal(model.dataChanged) as blocker:
        seen = []
        model.dataChanged.connect(lambda a, b, roles=(): seen.append((a.row(), b.row())))
        model.apply(changed)
    assert seen == [(2, 6)]
    assert blocker.args[1].column() == model.COLUMNS.index("")
    # two separate runs of rows -> two signals, still not one per event
    seen.clear()
    model.apply(table.apply([named(("step", t, T0 + 2, T0 + 2.1)) for t in (2, 3, 10, 11, 12)]))
    assert seen == [(1, 2), (9, 11)]


def test_new_tasks_are_inserted_at_the_end(model, qtbot):
    table = TaskTable()
    model.set_table(table)
    model.apply(table.apply(live_events(3)))
    with qtbot.waitSignal(model.rowsInserted) as blocker, qtbot.assertNotEmitted(model.modelReset):
        model.apply(table.apply([named(("task", 5, T0 + 1, 2, "child", "child")),
                                 named(("task", 6, T0 + 1, 5, "grandchild", "child"))]))
    assert blocker.args[1:] == [4, 5]
    assert [model.index(r, 0).data(model.DepthRole) for r in (4, 5)] == [2, 3]


def test_unchanged_frame_emits_nothing(model, qtbot):
    table = fed(model, seed_events())
    with qtbot.assertNotEmitted(model.dataChanged), qtbot.assertNotEmitted(model.rowsInserted):
        model.apply(table.apply([]))
        model.apply(set())


def test_reset_and_new_run(model, qtbot):
    fed(model, seed_events())
    with qtbot.waitSignal(model.modelReset):
        model.reset()
    assert model.rowCount() == 0
    fed(model, live_events(4))
    assert model.rowCount() == 5


def test_cancel_button_click_emits_tid(qtbot, model):
    view = TaskTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(560, 400)  # a narrow pane: the columns share it, Cancel stays on screen
    view.show()
    fed(model, live_events(5))
    qtbot.waitExposed(view)
    row = model.row_of(4)
    rect = view.visualRect(model.index(row, model.ACTION_COL))
    assert rect.isValid() and rect.right() <= view.viewport().width()
    with qtbot.waitSignal(view.cancelRequested) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert blocker.args == [4]


def test_no_cancel_button_on_ended_rows(qtbot, model):
    view = TaskTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(900, 400)
    view.show()
    fed(model, seed_events())
    qtbot.waitExposed(view)
    cell = model.index(model.row_of(2), model.ACTION_COL)     # fetch-A: done, so no button
    rect = view.visualRect(cell)
    assert rect.isValid() and view.viewport().rect().contains(rect.center())
    assert view.indexAt(rect.center()) == cell                 # the click lands on that very cell
    with qtbot.assertNotEmitted(view.cancelRequested):
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    # It arrived, as a plain click: it selected the row (a Cancel button would have eaten it).
    assert view.selected_tid() == 2


def test_selection_emits_task_selected(qtbot, model):
    view = TaskTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    fed(model, seed_events())
    with qtbot.waitSignal(view.taskSelected) as blocker:
        view.selectRow(2)
    assert blocker.args == [3]
    with qtbot.waitSignal(view.taskSelected) as blocker:
        view.selectionModel().clearSelection()
    assert blocker.args == [-1]
    with qtbot.waitSignal(view.taskSelected) as blocker:
        view.select_tid(5)
    assert blocker.args == [5]
    assert view.selectionModel().isRowSelected(model.row_of(5), view.rootIndex())


def test_colours_are_keyed_by_the_vocabulary():
    """Every state and wait kind has a colour, and no colour is kept for a word that does not exist."""
    assert set(colors.STATE_COLORS) == set(TaskState)
    assert set(colors.WAIT_COLORS) == set(WaitKind)
    assert set(colors.OUTCOME_GLYPHS) <= set(TaskState)
    assert colors.state_color("failed") is colors.STATE_COLORS[TaskState.FAILED]   # plain words too


def test_failed_row_tooltip_reads_the_exception_by_name(model):
    table = fed(model, seed_events())
    exc = table.by_tid[10].exc
    assert (exc.type, exc.message, exc.lineno) == ("ValueError", "bad", 31)
    result = model.index(model.row_of(10), model.RESULT_COL)
    assert result.data(Qt.ItemDataRole.ToolTipRole) == exc.traceback
    table.by_tid[10].exc = exc._replace(traceback="")    # no traceback text: type, message, place
    assert result.data(Qt.ItemDataRole.ToolTipRole) == "ValueError: bad (/lessons/create_task.py:31)"


def long_events(t0: float = T0) -> list[tuple]:
    """Three siblings whose long names differ only at the end, with long results."""
    f = "/lessons/mirrors.py"
    ev = [("task", 1, t0, None, "main", "main"), ("step", 1, t0, t0 + 0.001),
          ("wait", 1, t0 + 0.001, "wait", "wait(3 tasks, FIRST_COMPLETED)", f, 12)]
    for i in range(3):
        tid, t = 2 + i, t0 + 0.002 + i * 1e-4
        ev += [("task", tid, t, 1, f"download-from-the-far-away-mirror-{i}", "download_from_mirror"),
               ("step", tid, t, t + 5e-5), ("wait", tid, t + 5e-5, "sleep", "sleep(30)", f, 5)]
    ev += [("step", 2, t0 + 0.3, t0 + 0.301),
           ("end", 2, t0 + 0.301, "done", "'payload of 4096 bytes from download-from-the-far-away-mirror-0'", None)]
    return [named(e) for e in ev]


def _view(qtbot, model, width):
    view = TaskTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(width, 300)
    view.show()
    qtbot.waitExposed(view)
    return view


def _fits(view, col) -> bool:
    header = view.horizontalHeader()
    title = view.model().headerData(col, Qt.Orientation.Horizontal) or ""
    return header.fontMetrics().horizontalAdvance(title) + 8 <= header.sectionSize(col)


@pytest.mark.parametrize("width", [420, 560, 900, 1400])
def test_columns_fit_the_pane_cancel_first_headers_whole(qtbot, model, width):
    view = _view(qtbot, model, width)
    fed(model, long_events())
    header = view.horizontalHeader()
    qtbot.waitUntil(lambda: header.sectionSize(model.NAME_COL) > 60, timeout=2000)
    assert header.logicalIndex(0) == model.ACTION_COL           # Cancel at the left edge
    shown = [c for c in range(model.columnCount()) if not view.isColumnHidden(c)]
    assert {model.ACTION_COL, model.STATE_COL, model.NAME_COL, model.WAIT_COL, model.RESULT_COL} <= set(shown)
    right = max(header.sectionViewportPosition(c) + header.sectionSize(c) for c in shown)
    assert right <= view.viewport().width()                      # nothing off the right edge
    assert all(_fits(view, c) for c in shown)                    # no header cut
    for row in range(model.rowCount()):
        if model.index(row, model.ACTION_COL).data() == "Cancel":
            rect = view.visualRect(model.index(row, model.ACTION_COL))
            assert view.viewport().rect().contains(rect)
    if width >= 1400:   # room for everything: columns sized to their content, nothing elided
        fm = view.fontMetrics()
        assert not view.folded
        for row in range(model.rowCount()):
            for col in (model.CORO_COL, model.WAIT_COL):
                text = model.index(row, col).data()
                assert fm.horizontalAdvance(text) < header.sectionSize(col), text


def test_full_text_in_tooltips(model):
    fed(model, long_events())
    tip = model.index(model.row_of(3), model.NAME_COL).data(Qt.ItemDataRole.ToolTipRole)
    assert "download-from-the-far-away-mirror-1" in tip and "download_from_mirror()" in tip
    tip = model.index(model.row_of(2), model.RESULT_COL).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == "'payload of 4096 bytes from download-from-the-far-away-mirror-0'"
    assert model.index(0, model.CORO_COL).data(Qt.ItemDataRole.ToolTipRole) == "main()"
    assert "Delete" in model.headerData(model.ACTION_COL, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)


def test_names_elide_on_the_left_keeping_their_end(qtbot, model):
    view = _view(qtbot, model, 420)
    fed(model, long_events())
    view.setColumnWidth(model.NAME_COL, 120)
    image = view.viewport().grab().toImage()
    assert not image.isNull()
    fm = view.fontMetrics()
    shown = fm.elidedText("download-from-the-far-away-mirror-2", Qt.TextElideMode.ElideLeft, 120 - 10 - 14 - 6)
    assert shown.startswith("\u2026") and shown.endswith("mirror-2")


def test_user_widths_are_kept_and_round_trip(qtbot, model):
    view = _view(qtbot, model, 900)
    fed(model, long_events())
    with qtbot.waitSignal(view.columnsResized):
        view.horizontalHeader().resizeSection(model.NAME_COL, 333)
    view.resize(880, 300)                                       # a re-fit keeps the user's width
    qtbot.waitUntil(lambda: view.viewport().width() < 880, timeout=1000)
    assert view.columnWidth(model.NAME_COL) == 333
    saved = view.user_widths_json()
    other = _view(qtbot, model, 900)
    other.set_user_widths(saved)
    assert other.columnWidth(model.NAME_COL) == 333
    other.set_user_widths("not json")                           # a broken setting is ignored
    assert other.user_widths == {}
    view.fit_to_content()
    assert model.NAME_COL not in view.user_widths and view.columnWidth(model.NAME_COL) != 333


class _Paints:
    """Counts the paint events of a widget and keeps their rectangles."""

    def __init__(self, widget):
        from PySide6.QtCore import QEvent, QObject

        paint = QEvent.Type.Paint
        rects = self.rects = []

        class Filter(QObject):
            def eventFilter(self, obj, ev):  # noqa: N802
                if ev.type() == paint:
                    rects.append(ev.rect())
                return False

        self._filter = Filter()
        widget.installEventFilter(self._filter)


def _settle(qtbot, view):
    """Let the view finish what it has queued (column fits, repaints)."""
    from PySide6.QtWidgets import QApplication
    qtbot.waitUntil(lambda: not view._fit_timer.isActive(), timeout=2000)
    for _ in range(3):
        QApplication.processEvents()


def test_table_repaints_only_the_rows_on_screen_that_look_different(qtbot, model):
    """Issue 14: any change used to repaint the whole table, even of rows scrolled far off, and
    of rows that stepped and wait again on the same line (they look the same)."""
    view = _view(qtbot, model, 900)
    table = fed(model, live_events(300))
    _settle(qtbot, view)
    paints = _Paints(view.viewport())
    first, last = view.rowAt(0), view.rowAt(view.viewport().height() - 1)
    assert first == 0 and 0 < last < 200

    def step_again(tid, t):   # a step, then a wait on the same line: nothing new to see
        return table.apply([named(("step", tid, t, t + 1e-4)),
                            named(("wait", tid, t + 1e-4, "sleep", "sleep(1)", "x.py", 9))])

    model.apply(step_again(250, T0 + 0.5))          # far below the rows on screen
    model.apply(step_again(3, T0 + 0.5))            # on screen, looks the same
    _settle(qtbot, view)
    assert paints.rects == []

    row = model.row_of(4)
    model.apply(table.apply([named(("step", 4, T0 + 0.6, T0 + 0.61)),
                             named(("end", 4, T0 + 0.61, "done", "7", None))]))
    qtbot.waitUntil(lambda: bool(paints.rects), timeout=2000)
    painted = paints.rects[0]
    assert painted.top() <= view.rowViewportPosition(row) < painted.bottom()
    assert painted.height() < view.viewport().height()                 # that row, not all of them
    assert model.data(model.index(row, model.STATE_COL)) == "done"
    # The row shows the same again: no repaint; the Elapsed clock repaints its own column only.
    _settle(qtbot, view)
    paints.rects.clear()
    model.apply({4})
    _settle(qtbot, view)
    assert paints.rects == []
    model.tick(T0 + 5.0)
    qtbot.waitUntil(lambda: bool(paints.rects), timeout=2000)
    x = view.columnViewportPosition(model.ELAPSED_COL)
    assert paints.rects[0].left() >= x - 1
    assert paints.rects[0].right() <= x + view.columnWidth(model.ELAPSED_COL)


def test_table_scrolled_shows_rows_that_changed_while_off_screen(qtbot, model):
    view = _view(qtbot, model, 900)
    table = fed(model, live_events(300))
    _settle(qtbot, view)
    model.apply(table.apply([named(("step", 2, T0 + 0.5, T0 + 0.51))]))   # on screen: pending
    _settle(qtbot, view)
    view.scrollToBottom()
    _settle(qtbot, view)
    model.apply(table.apply([named(("wait", 2, T0 + 0.51, "sleep", "sleep(1)", "x.py", 9))]))
    _settle(qtbot, view)
    view.scrollToTop()
    _settle(qtbot, view)
    paints = _Paints(view.viewport())
    model.apply(table.apply([named(("step", 2, T0 + 0.6, T0 + 0.61))]))   # pending again
    qtbot.waitUntil(lambda: bool(paints.rects), timeout=2000)


def test_column_fit_measures_a_burst_of_rows_in_slices(qtbot, model):
    """The fit timer measures for ~2 ms a shot (a burst of 10,000 new rows was one ~10 ms stall);
    the columns end as wide as measuring them all at once makes them."""
    view = _view(qtbot, model, 1400)
    fed(model, long_events() + live_events(400, T0 + 1)[3:])
    view._wanted, view._measured, view._unmeasured = {}, 0, []
    shots = 0
    while not view._measure(budget=0.0):
        shots += 1
    assert shots > 1
    sliced = dict(view._wanted)
    view._wanted, view._measured, view._unmeasured = {}, 0, []
    assert view._measure() is True
    assert view._wanted == sliced
