"""Cancellation in the window, driven like a user: click Cancel, then see the arrow from the
canceller's lane, where CancelledError landed (timeline and gutter), and the story in words."""
import os
import textwrap

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtWidgets import QInputDialog, QLineEdit  # noqa: E402

from asyncio_playground.ui import colors  # noqa: E402
from asyncio_playground.ui.task_model import TaskTableModel  # noqa: E402
from asyncio_playground.ui.task_delegate import TaskDelegate  # noqa: E402

GATHERED = textwrap.dedent("""\
    import asyncio


    async def worker(i):
        try:
            await asyncio.sleep(30)              # workers wait here
        finally:
            print(f"cleanup {i}")


    async def main():
        await asyncio.gather(*(asyncio.create_task(worker(i), name=f"worker-{i}") for i in range(2)))

    asyncio.run(main())
""")
WAIT_LINE = 6


@pytest.fixture
def window(qtbot, make_window, tmp_path):
    w = make_window()
    script = tmp_path / "gathered.py"
    script.write_text(GATHERED)
    assert w.open_path(str(script))
    with qtbot.waitSignal(w.runStarted, timeout=2000):
        w.act_run.trigger()
    qtbot.waitUntil(lambda: {r.name: r.state for r in w.table.rows}.get("worker-1") == "waiting",
                    timeout=3000)
    return w


def row_of(w, name):
    return next(r for r in w.table.rows if r.name == name)


def click_row_cell(qtbot, w, name, col, button=Qt.MouseButton.LeftButton, button_rect=False):
    model, view = w.task_model, w.task_view
    index = model.index(model.row_of(row_of(w, name).tid), col)
    view.scrollTo(index)
    rect = view.visualRect(index)
    pos = TaskDelegate.button_rect(rect).center() if button_rect else rect.center()
    qtbot.mouseClick(view.viewport(), button, pos=pos)
    return pos


def test_cancel_click_shows_arrow_landing_mark_and_story(qtbot, window):
    w = window
    with qtbot.waitSignal(w.runFinished, timeout=5000):
        click_row_cell(qtbot, w, "Task-1", TaskTableModel.ACTION_COL, button_rect=True)
    # The click is logged with what it touched.
    assert "Cancel: cancelled 'Task-1'" in w.console.toPlainText()
    main, worker = row_of(w, "Task-1"), row_of(w, "worker-1")
    [req] = worker.cancel_requests
    assert (req.cause, req.by) == ("gather", main.tid)
    assert worker.story.landed_at == (w.run.path, WAIT_LINE)

    # The timeline draws an arrow from main's lane down to the workers at the request: its line
    # crosses the bottom edge of main's lane, where nothing else is painted.
    timeline = w.timeline
    timeline.fit()
    image = timeline.grab().toImage()
    x = round(timeline.x_of(req.t))
    y = int(timeline.lane_rect(main.tid).bottom()) - 1
    violet = colors.CANCEL_COLOR.rgb()
    assert any(image.pixel(x + dx, y) == violet for dx in (-1, 0, 1))
    assert all(image.pixel(x - 40 + dx, y) != violet for dx in (-1, 0, 1))
    # The landing ring sits on the worker's lane at the landing time.
    lx = round(timeline.x_of(worker.story.landed))
    cy = round(timeline.lane_rect(worker.tid).center().y())
    ring = [image.pixel(lx + dx, cy + dy) for dx in range(-6, 7) for dy in range(-6, 7)]
    assert violet in ring
    assert "CancelledError landed here (line 6)" in timeline.tooltip_at(
        QPoint(lx, cy).toPointF())

    # The gutter marks the landing line with a count.
    kind, text = w.editor.markers()[WAIT_LINE]
    assert kind == "cancel" and text.startswith("2 CancelledErrors landed here")

    # Selecting the worker tells its story in words.
    click_row_cell(qtbot, w, "worker-1", TaskTableModel.NAME_COL)
    story = w.story.story
    assert story.startswith("cancelled by its gather ('Task-1'): the gather that 'Task-1' awaited "
                            "was cancelled")
    assert f"CancelledError landed at line {WAIT_LINE}" in story
    assert story.endswith("ended cancelled (re-raised)")
    assert "worker-1" in w.story.text()


@pytest.mark.qt_log_ignore("This plugin does not support")   # offscreen: raise, grab, size hints
def test_cancel_with_a_message_from_the_context_menu(qtbot, window):
    w = window
    view = w.task_view
    pos = click_row_cell(qtbot, w, "worker-0", TaskTableModel.NAME_COL)
    view.contextMenuEvent(_ContextMenu(pos, view.viewport().mapToGlobal(pos)))
    menu = view._menu
    qtbot.waitUntil(menu.isVisible, timeout=2000)
    [_cancel, with_message] = menu.actions()
    with_message.trigger()
    dialog = w.findChild(QInputDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    editor = dialog.findChild(QLineEdit)
    qtbot.keyClicks(editor, "enough waiting")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: row_of(w, "worker-0").state == "cancelled", timeout=3000)
    [req] = row_of(w, "worker-0").cancel_requests
    assert (req.cause, req.msg) == ("button", "enough waiting")
    assert row_of(w, "worker-0").summary == "CancelledError: enough waiting"
    qtbot.waitUntil(lambda: "with message 'enough waiting'" in (w.story.story or ""), timeout=2000)


class _ContextMenu:
    """What QTableView.contextMenuEvent reads from a right click: where it happened."""

    def __init__(self, pos, global_pos):
        self._pos, self._global = pos, global_pos

    def pos(self):
        return self._pos

    def globalPos(self):  # noqa: N802
        return self._global


def test_await_view_tab_shows_the_gather_under_main_and_selects_like_the_table(qtbot, window):
    w = window
    tabs = w.views
    bar = tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(tabs.indexOf(w.await_view)).center())
    assert tabs.currentWidget() is w.await_view
    model = w.await_view.await_model
    worker = row_of(w, "worker-1")
    qtbot.waitUntil(lambda: model.index_of(worker.tid).isValid(), timeout=2000)
    index = model.index_of(worker.tid)
    group = index.parent()
    assert group.data() == "gather of 2"
    assert group.parent().data().endswith("Task-1") and not group.parent().parent().isValid()
    view = w.await_view
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    selected = w.task_view.selectionModel().selectedRows()
    assert selected and selected[0].data(TaskTableModel.TidRole) == worker.tid
    assert w.story.text().count("worker-1") == 1       # "never asked to cancel" for now


FINALLY = textwrap.dedent("""\
    import asyncio


    async def worker():
        try:
            await asyncio.sleep(0.05)
        finally:
            await asyncio.sleep(0.05)          # a cancel point goes here
            print("finally finished")


    async def main():
        try:
            await asyncio.create_task(worker(), name="worker")
        except asyncio.CancelledError:
            print("worker was cancelled")

    asyncio.run(main())
""")


def test_a_cancel_point_set_in_the_gutter_cancels_a_task_inside_its_finally(
        qtbot, make_window, tmp_path):
    from PySide6.QtGui import QTextCursor
    w = make_window()
    script = tmp_path / "finally.py"
    script.write_text(FINALLY)
    assert w.open_path(str(script))
    editor = w.editor
    point = next(i for i, line in enumerate(FINALLY.splitlines(), 1) if "cancel point goes" in line)
    block = editor.document().findBlockByNumber(point - 1)
    y = editor.cursorRect(QTextCursor(block)).center().y()
    gutter = editor._gutter
    qtbot.mouseClick(gutter, Qt.MouseButton.LeftButton, pos=QPoint(gutter.width() // 2, y))
    assert editor.cancel_points() == {point}
    assert f"Cancel point set on line {point}" in w.console.toPlainText()
    with qtbot.waitSignal(w.runFinished, timeout=5000):
        w.act_run.trigger()
    worker = row_of(w, "worker")
    [req] = worker.cancel_requests
    assert (req.cause, req.lineno) == ("button", point)
    assert worker.state == "cancelled" and worker.story.landed_at == (w.run.path, point)
    text = w.console.toPlainText()
    assert "worker was cancelled" in text and "finally finished" not in text
    # A second click removes it: the next run runs the finally to its end.
    qtbot.mouseClick(gutter, Qt.MouseButton.LeftButton, pos=QPoint(gutter.width() // 2, y))
    assert editor.cancel_points() == frozenset()
    with qtbot.waitSignal(w.runFinished, timeout=5000):
        w.act_run.trigger()
    assert row_of(w, "worker").state == "done"
    assert "finally finished" in w.console.toPlainText()


def test_library_tasks_are_folded_away_until_asked_for(qtbot, make_window):
    # httpx over anyio races connections in tasks of its own: they are not the lesson's.
    w = make_window()
    assert w.open_path(w.lesson_paths()["basics_03_return_values_httpx"])
    with qtbot.waitSignal(w.runFinished, timeout=15000):
        w.act_run.trigger()
    table = w.table
    library = {r.name for r in table.rows if r.tid in table.library_tids}
    assert library and all(name.startswith("anyio.") for name in library)
    lesson_rows = [r for r in table.rows if r.tid not in table.library_tids]
    model = w.task_model
    shown = {model.index(i, model.NAME_COL).data() for i in range(model.rowCount())}
    assert model.rowCount() == len(lesson_rows) and not shown & library
    assert w.timeline.lane_count() == len(lesson_rows)
    n = len(table.library_tids)
    assert w.act_library.text() == f"Library tasks ({n} hidden)"
    bar = w.toolbar.widgetForAction(w.act_library)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton)
    assert model.rowCount() == len(table.rows) == w.timeline.lane_count()
    assert w.act_library.text() == f"Library tasks ({n} shown)"
    # Each sits under the lesson task that caused it.
    assert all(table.by_tid[t].parent not in table.library_tids for t in table.library_tids)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton)
    assert model.rowCount() == len(lesson_rows)


def test_stepping_through_a_cancel_point_tells_the_story_as_it_goes(qtbot, make_window, tmp_path,
                                                                     gui_loop):
    """The cancel point says it cancelled (not "a Cancel click"), and while the loop is stepped the
    cleanup that awaits says it is under way, never "ran 0 µs"."""
    from PySide6.QtGui import QTextCursor
    w = make_window()
    script = tmp_path / "finally.py"
    script.write_text(FINALLY)
    assert w.open_path(str(script))
    point = 6                                           # the try body's sleep
    editor, gutter = w.editor, w.editor._gutter
    y = editor.cursorRect(QTextCursor(editor.document().findBlockByNumber(point - 1))).center().y()
    qtbot.mouseClick(gutter, Qt.MouseButton.LeftButton, pos=QPoint(gutter.width() // 2, y))
    assert editor.cancel_points() == {point}
    try:
        qtbot.keyClick(w, Qt.Key.Key_F8)                # Pause, then Run: step through it
        with qtbot.waitSignal(w.runStarted, timeout=2000):
            w.act_run.trigger()

        def step():
            n = gui_loop.step_count
            qtbot.keyClick(w, Qt.Key.Key_F10)
            qtbot.waitUntil(lambda: gui_loop.step_count > n, timeout=3000)
            refresher = w.controller.refresher          # then the frame that folds its events
            qtbot.waitUntil(lambda: refresher._cursor == len(w.run.tracer.events), timeout=3000)

        for _ in range(10):
            if any(r.name == "worker" for r in w.table.rows):
                break
            step()
        click_row_cell(qtbot, w, "worker", TaskTableModel.NAME_COL)
        for _ in range(10):
            if "not finished yet" in (w.story.story or ""):
                break
            step()
        story = w.story.story
        assert story.startswith(f"cancelled by the cancel point at line {point} → CancelledError "
                                f"landed at line {point} → its cleanup (finally, lines 8–9) running "
                                "since t = "), story
        assert story.endswith("waiting at line 8: not finished yet")
        assert "Cancel click" not in w.story.text() and " µs" not in w.story.text()
        for _ in range(10):
            if row_of(w, "worker").state == "cancelled":
                break
            step()
        qtbot.waitUntil(lambda: "ended cancelled" in (w.story.story or ""), timeout=2000)
        assert "its cleanup (finally, lines 8–9) ran 50.0 ms" in w.story.story   # the clock jumped
    finally:
        gui_loop.resume()
    qtbot.waitUntil(lambda: w.run.done, timeout=5000)
