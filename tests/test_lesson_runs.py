"""Each lesson shows its own last run, or an empty state that says how to start one (issue 13)."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from asyncio_playground.vocab import TaskState  # noqa: E402

A, B = "basics_02_concurrent_tasks", "basics_01_sequential_await"


def test_switching_lessons_shows_each_lessons_own_run(qtbot, make_window):
    w = make_window()
    assert w.open_path(w.lesson_paths()[A])
    assert w.table is None and w.task_model.rowCount() == 0
    assert "Run (F5)" in w.task_view.placeholder and "Run (F5)" in w.state_label.text()
    with qtbot.waitSignal(w.runFinished, timeout=5000):
        w.run_current()
    a_names = {r.name for r in w.table.rows}
    assert {"fetch-A", "fetch-B"} <= a_names
    assert "[fetch-A] Starting source_A" in w.console.toPlainText()

    assert w.open_path(w.lesson_paths()[B])            # B never ran: nothing of A's run shows
    assert w.table is None and w.task_model.rowCount() == 0 and w.timeline.lane_count() == 0
    assert w.await_view.await_model.table() is None
    assert w.console.toPlainText() == ""
    assert "Run (F5)" in w.state_label.text()
    assert w.export_trace_dialog() is None              # nothing of B's to export

    assert w.open_path(w.lesson_paths()[A])            # A's last run comes back, output and all
    assert {r.name for r in w.table.rows} == a_names
    assert w.task_model.rowCount() == len(w.table.rows) and w.timeline.lane_count() == len(w.table.rows)
    assert "[fetch-A] Starting source_A" in w.console.toPlainText()
    assert "Completed" in w.state_label.text()


def test_switching_mid_run_leaves_that_run_with_its_lesson(qtbot, make_window):
    w = make_window()
    assert w.open_path(w.lesson_paths()[A])
    with qtbot.waitSignal(w.runStarted, timeout=3000):
        w.run_current()
    qtbot.waitUntil(lambda: any(r.name == "fetch-A" and r.state == TaskState.WAITING for r in w.table.rows),
                    timeout=3000)
    run, a_table = w.run, w.table
    assert w.open_path(w.lesson_paths()[B])
    assert w.table is None and w.task_model.rowCount() == 0
    assert "still running" in w.statusBar().currentMessage()
    assert w.open_path(w.lesson_paths()[A])            # back while it runs: live again
    assert w.table is a_table and w.task_model.rowCount() == len(a_table.rows)
    assert w.open_path(w.lesson_paths()[B])
    qtbot.waitUntil(lambda: run.done, timeout=5000)     # it ran to its end off screen
    qtbot.wait(50)                                      # frames after the end: nothing of A shows up
    assert w.task_model.rowCount() == 0 and w.timeline.lane_count() == 0 and w.console.toPlainText() == ""
    assert w.state_label.text().startswith("Ready")
    with qtbot.waitSignal(w.runFinished, timeout=5000):  # B runs in its own right
        w.run_current()
    assert "fetch-A" not in {r.name for r in w.table.rows}
    assert w.open_path(w.lesson_paths()[A])            # A's run, finished, with its output
    assert {r.state for r in w.table.rows if r.name.startswith("fetch")} == {TaskState.DONE}
    assert "Completed" in w.state_label.text()
    assert "[fetch-B] Done source_B" in w.console.toPlainText()


def test_a_lessons_findings_come_back_with_its_run(qtbot, make_window):
    w = make_window()
    assert w.open_path(w.lesson_paths()[A])
    with qtbot.waitSignal(w.runFinished, timeout=5000):
        w.run_current()
    panel = w.lesson_panel
    before = [(f.ok, f.text) for f in panel.findings_list]
    assert before and all(ok for ok, _ in before)
    assert w.open_path(w.lesson_paths()[B])
    assert panel.findings_list == [] and not panel.findings_box.isVisible()
    assert w.open_path(w.lesson_paths()[A])            # A's run is shown again: so are its findings
    assert [(f.ok, f.text) for f in panel.findings_list] == before
    assert panel.findings_box.isVisible()


def test_a_lesson_this_python_cannot_run_is_greyed_with_the_reason(qtbot, make_window):
    import sys

    from PySide6.QtCore import Qt
    w = make_window()
    path = w.lesson_paths()["intro_04_call_graph"]          # needs Python 3.14
    item = w.browser._item_for(path)
    tip = item.toolTip(0)
    if sys.version_info >= (3, 14):
        assert "Needs" not in tip
    else:
        assert "Needs Python 3.14 to run" in tip
        assert item.foreground(0).color() != w.browser.tree.palette().color(w.browser.tree.foregroundRole())
    assert item.flags() & Qt.ItemFlag.ItemIsSelectable                       # still readable


def test_the_app_window_loads_its_lessons_after_the_first_paint(qtbot, gui_loop, tmp_path):
    from PySide6.QtCore import QSettings

    from asyncio_playground.ui.edits import EditStore
    from asyncio_playground.ui.main_window import MainWindow
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(gui_loop, edits=EditStore(tmp_path / "d"), settings=settings, deferred=True)
    qtbot.addWidget(w)
    assert not w.lessons_loaded and w.browser.paths() == [] and w.current_path() is None
    with qtbot.waitExposed(w):
        w.show()
    qtbot.waitUntil(lambda: w.lessons_loaded, timeout=3000)
    assert len(w.browser.paths()) >= 55
    assert w.current_path() == w.browser.paths()[0]          # the first lesson, opened
    assert w.editor.toPlainText().strip()
