"""One lesson, one workspace (issue 20): what belongs to a lesson stays with it — driven like a
learner, with real clicks and keys on the real window, and the features tested without one."""
from __future__ import annotations

import json
import textwrap

import pytest
from PySide6.QtCore import Qt
from test_window import CREATE_TASK_LESSON, click_action, click_lesson, rows, run_to_end

from asyncio_playground.ui.task_model import TaskTableModel

TASKGROUP = textwrap.dedent("""\
    import asyncio


    async def work(seconds):
        await asyncio.sleep(seconds)


    async def main():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(work(20), name="slow")
            tg.create_task(work(30), name="slower")

    asyncio.run(main())
""")

FAILS_AFTER_A_BLOCK = textwrap.dedent("""\
    import asyncio
    import time


    async def main():
        time.sleep(0.3)
        await asyncio.sleep(0)
        raise ValueError("bad input")

    asyncio.run(main())
""")




def script(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def click_row(qtbot, w, name, col=TaskTableModel.NAME_COL):
    model, view = w.task_model, w.task_view
    tid = next(r.tid for r in w.table.rows if r.name == name)
    index = model.index(model.row_of(tid), col)
    view.scrollTo(index)
    pos = view.visualRect(index).center()
    assert view.indexAt(pos) == index          # the click lands on that row's cell
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    return tid


# == 1. the story follows the selected task ===========================================================
def test_story_follows_a_delete_of_the_selected_task(qtbot, window, tmp_path):
    w = window
    assert w.open_path(script(tmp_path, "tg.py", TASKGROUP))
    with qtbot.waitSignal(w.runStarted, timeout=3000):
        click_action(qtbot, w, w.act_run)
    qtbot.waitUntil(lambda: rows(w).get("slower") == "waiting", timeout=3000)
    click_row(qtbot, w, "slow")
    assert "slow</b>: never asked to cancel" in w.story.text()
    w.task_view.setFocus()
    qtbot.keyClick(w.task_view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: rows(w).get("slow") == "cancelled", timeout=3000)
    # Without another click, the story says what the row says.
    qtbot.waitUntil(lambda: "never asked" not in w.story.text(), timeout=2000)
    assert "Cancel" in (w.story.story or ""), w.story.text()
    w.stop()


# == 2. a prediction stays with its lesson ============================================================
def test_prediction_and_verdict_survive_a_lesson_switch(qtbot, window):
    w = window
    click_lesson(qtbot, w, "basics_01_sequential_await")
    box = w.lesson_panel.prediction
    box.seconds.setValue(1.0)
    qtbot.mouseClick(box.commit_button, Qt.MouseButton.LeftButton)
    assert box.is_committed()
    run_to_end(qtbot, w)
    verdict = box.result.text()
    assert verdict and "not compared" not in verdict
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    assert not w.lesson_panel.prediction.is_committed()        # another lesson, its own (none)
    click_lesson(qtbot, w, "basics_01_sequential_await")
    box = w.lesson_panel.prediction
    assert box.is_committed() and box.committed_value() == pytest.approx(1.0)
    assert box.seconds.value() == pytest.approx(1.0)
    assert box.result.text() == verdict
    assert w.lesson_panel.findings_box.isVisibleTo(w.lesson_panel)


# == 3. a pin belongs to its lesson; Compare never opens by itself =====================================
def test_pin_belongs_to_its_lesson_and_compare_waits_to_be_opened(qtbot, window):
    w = window
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    run_to_end(qtbot, w)
    qtbot.keyClick(w, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert w.act_pin.isChecked()
    click_lesson(qtbot, w, "basics_01_sequential_await")
    assert not w.act_pin.isChecked()                            # no pin in this lesson
    run_to_end(qtbot, w)
    assert w.views.currentWidget() is not w.compare_view
    assert w.compare_view.runs[1] is None and w.compare_view.runs[3] is None   # nothing compared
    click_lesson(qtbot, w, CREATE_TASK_LESSON)                  # back: its pin is there
    assert w.act_pin.isChecked()
    assert w.compare_view.runs[1] is w.desk.current.pinned.table
    run_to_end(qtbot, w)                                        # a run of the pinned lesson
    assert w.views.currentWidget() is not w.compare_view        # not brought to the front...
    i = w.views.indexOf(w.compare_view)
    assert w.views.tabText(i) != "Compare"                      # ...but its tab says it is new
    assert w.compare_view.runs[3] is w.table
    w.views.tabBar().setCurrentIndex(i)
    assert w.views.tabText(i) == "Compare"


# == 5. a lesson this Python cannot run is refused =====================================================
def test_lesson_needing_a_newer_python_refuses_to_run(qtbot, window):
    import sys
    if sys.version_info >= (3, 14):
        pytest.skip("this Python runs every lesson")
    w = window
    click_lesson(qtbot, w, "intro_04_call_graph")
    qtbot.keyClick(w, Qt.Key.Key_F5)
    assert w.table is None and w.run is None                   # nothing ran
    text = w.console.toPlainText()
    assert "needs Python 3.14+" in text and "install Python 3.14" in text, text
    assert w.state_label.text().startswith("Not run: this lesson needs Python 3.14+")


# == 9/10. a saved run reopens with its traceback and its block ========================================
def test_reopened_saved_run_shows_its_traceback_and_block(qtbot, window, tmp_path):
    w = window
    w.block_limit.setValue(0.5)
    assert w.open_path(script(tmp_path, "fails.py", FAILS_AFTER_A_BLOCK))
    assert run_to_end(qtbot, w) == ["failed"]
    assert w.banner.isVisible() and "ValueError: bad input" in w.console.toPlainText()
    out = tmp_path / "failed-run.json"
    assert w.export_trace(str(out))
    json.loads(out.read_text())
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    assert not w.banner.isVisible()
    assert w.open_run(str(out))
    assert w.banner.isVisible(), "the blocked-loop banner of the saved run"
    assert "ValueError: bad input" in w.console.toPlainText()


# == the selection and the console come back with their lesson ==========================================
def test_selection_and_output_come_back_with_their_lesson(qtbot, window):
    w = window
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    run_to_end(qtbot, w)
    tid = click_row(qtbot, w, "fetch-B")
    story = w.story.story
    console = w.console.toPlainText()
    click_lesson(qtbot, w, "basics_01_sequential_await")
    assert w.table is None and w.story.story is None
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    assert w.desk.current.selected == tid
    assert w.task_view.selected_tid() == tid and w.story.story == story
    assert all(line in w.console.toPlainText() for line in console.splitlines() if line.startswith("["))


# == features without a window ===========================================================================
def test_editing_feature_keeps_edits_and_cancel_points_per_workspace(qtbot, tmp_path):
    from PySide6.QtWidgets import QWidget

    from asyncio_playground.ui.edits import EditStore
    from asyncio_playground.ui.editor import CodeEditor
    from asyncio_playground.ui.features.editing import EditingFeature
    from asyncio_playground.ui.lesson_browser import LessonBrowser
    from asyncio_playground.ui.workspace import Desk, Workspace

    host = QWidget()
    qtbot.addWidget(host)
    desk, editor, browser = Desk(host), CodeEditor(), LessonBrowser()
    qtbot.addWidget(editor)
    qtbot.addWidget(browser)
    edits = EditStore(tmp_path / "edits")
    feature = EditingFeature(host, desk, editor=editor, edits=edits, browser=browser)
    points = []
    feature.cancelPointsChanged.connect(points.append)
    a = desk.add(Workspace(str(tmp_path / "a.py"), "a", "print('a')\n", None))
    b = desk.add(Workspace(str(tmp_path / "b.py"), "b", "print('b')\n", None))
    desk.switched.connect(lambda new, _old: feature.show_workspace(new))
    desk.switch(a)
    editor.show()
    qtbot.waitExposed(editor)
    editor.setFocus()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor, "x = 1")
    feature.toggle_cancel_point(1)
    assert points == [{1}] and a.cancel_points == {1}
    assert feature.act_revert.isEnabled() and "1 changed line" in feature.act_revert.text()
    desk.switch(b)
    assert editor.toPlainText() == "print('b')\n" and editor.cancel_points() == frozenset()
    assert not feature.act_revert.isEnabled()
    desk.switch(a)
    assert editor.toPlainText() == "print('a')\nx = 1" and editor.cancel_points() == {1}
    edits.flush()


# == 6. 1024x700: titles wrap, no column folds away silently, Compare offers "Open larger" ==============
def test_small_window_wraps_titles_and_counts_folded_columns(qtbot, window):
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFontMetrics
    w = window
    w.resize(1024, 700)
    w.default_layout()
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    tree = w.browser.tree
    qtbot.waitUntil(lambda: tree.viewport().width() < 220, timeout=2000)
    longest = max((tree.topLevelItem(i).child(j) for i in range(tree.topLevelItemCount())
                   for j in range(tree.topLevelItem(i).childCount())), key=lambda it: len(it.text(0)))
    tree.scrollToItem(longest)
    rect = tree.visualItemRect(longest)
    metrics = QFontMetrics(tree.font())
    one_line = metrics.height()
    wrapped = metrics.boundingRect(QRect(0, 0, rect.width(), 10_000), int(Qt.TextFlag.TextWordWrap),
                                   longest.text(0))
    assert rect.height() >= 2 * one_line and rect.height() >= wrapped.height()   # every line shown
    run_to_end(qtbot, w)
    view = w.task_view
    w.splitters["main"].setSizes([200, 520, 304])                    # a narrow table pane
    qtbot.waitUntil(lambda: bool(view.folded), timeout=2000)
    button = view.fold_button
    assert button.isVisible() and button.text() == f"+{len(view.folded)}"
    names = [w.task_model.headerData(c, Qt.Orientation.Horizontal) for c in view.folded]
    assert all(name in button.toolTip() for name in names)
    header = view.horizontalHeader()
    last = max(c for c in range(w.task_model.columnCount()) if not view.isColumnHidden(c))
    assert header.sectionViewportPosition(last) + header.sectionSize(last) <= button.x()   # not over a title
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not view.folded and all(not view.isColumnHidden(c) for c in range(w.task_model.columnCount()))
    assert button.text() == "Fold"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert view.folded and button.text().startswith("+")


def test_opening_a_saved_run_of_the_shown_lesson_keeps_the_prediction(qtbot, window, tmp_path):
    w = window
    click_lesson(qtbot, w, "basics_01_sequential_await")
    box = w.lesson_panel.prediction
    box.seconds.setValue(2.0)
    qtbot.mouseClick(box.commit_button, Qt.MouseButton.LeftButton)
    run_to_end(qtbot, w)
    out = tmp_path / "basics-01.json"
    assert w.export_trace(str(out))
    assert w.open_run(str(out))                  # the same lesson, its saved run on screen
    assert w.current_path() == w.lesson_paths()["basics_01_sequential_await"]
    box = w.lesson_panel.prediction
    assert box.is_committed() and box.committed_value() == pytest.approx(2.0)
    assert "Saved run:" in w.state_label.text()
