"""The main window driven like a user would: real clicks and key presses, waiting on conditions."""
import json
import os
import textwrap

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402

import asyncio_playground as playground  # noqa: E402
from asyncio_playground.ui.app import finish_runs  # noqa: E402
from asyncio_playground.ui.task_model import TaskTableModel  # noqa: E402
from asyncio_playground.ui.task_delegate import TaskDelegate  # noqa: E402

CREATE_TASK_LESSON = "basics_02_concurrent_tasks"

LONG_SCRIPT = textwrap.dedent("""\
    import asyncio


    async def worker(i):
        try:
            await asyncio.sleep(30)
        finally:
            print(f"cleanup {i}")


    async def main():
        tasks = [asyncio.create_task(worker(i), name=f"worker-{i}") for i in range(3)]
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run(main())
""")


@pytest.fixture
def long_script(tmp_path):
    path = tmp_path / "long_workers.py"
    path.write_text(LONG_SCRIPT)
    return str(path)


def click_action(qtbot, window, action):
    qtbot.mouseClick(window.toolbar.widgetForAction(action), Qt.MouseButton.LeftButton)


def run_to_end(qtbot, window, timeout=8000) -> list:
    """Click Run and wait for the run's end; returns the list of outcomes runFinished gave."""
    finished = []
    window.runFinished.connect(finished.append)
    click_action(qtbot, window, window.act_run)
    qtbot.waitUntil(lambda: bool(finished), timeout=timeout)
    return finished


def rows(window):
    return {row.name: row.state for row in window.table.rows} if window.table else {}


def click_lesson(qtbot, window, slug):
    path = window.lesson_paths()[slug]
    tree = window.browser.tree
    item = tree.findItems(window.browser.tree.findItems("", Qt.MatchFlag.MatchContains)[0].text(0),
                          Qt.MatchFlag.MatchExactly)[0]
    for i in range(tree.topLevelItemCount()):
        group = tree.topLevelItem(i)
        for j in range(group.childCount()):
            if group.child(j).data(0, Qt.ItemDataRole.UserRole) == path:
                item = group.child(j)
    tree.scrollToItem(item)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=tree.visualItemRect(item).center())
    assert window.current_path() == path


def click_cancel(qtbot, window, name):
    model, view = window.task_model, window.task_view
    tid = next(row.tid for row in window.table.rows if row.name == name)
    index = model.index(model.row_of(tid), TaskTableModel.ACTION_COL)
    view.scrollTo(index)
    rect = TaskDelegate.button_rect(view.visualRect(index))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_create_task_lesson_runs_two_tasks_waiting_then_done(qtbot, make_window):
    w = make_window()
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    seen = {"fetch-A": set(), "fetch-B": set()}

    def both_done():
        for name, state in rows(w).items():
            if name in seen:
                seen[name].add(state)
        return all("done" in s for s in seen.values())

    finished = []
    w.runFinished.connect(finished.append)
    with qtbot.waitSignal(w.runStarted, timeout=2000):
        click_action(qtbot, w, w.act_run)
    qtbot.waitUntil(both_done, timeout=5000)
    assert all("waiting" in s for s in seen.values()), seen
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)
    assert finished == ["completed"]
    assert "Completed" in w.state_label.text()
    text = w.console.toPlainText()
    assert "[fetch-A] Starting source_A" in text and "[fetch-B] Done source_B" in text
    assert w.editor.markers() == {}                      # nothing is suspended any more
    assert w.task_model.rowCount() == len(w.table.rows)  # the last run stays on screen


def test_gutter_marks_suspended_lines_and_selection_highlights_line(qtbot, make_window, long_script):
    w = make_window()
    assert w.open_path(long_script)
    w.run_current()
    qtbot.waitUntil(lambda: w.editor.markers().get(6, ("", ""))[1].startswith("3 tasks"), timeout=3000)
    assert w.editor.markers()[6][0] == "wait"
    tid = next(r.tid for r in w.table.rows if r.name == "worker-1")
    w.task_view.select_tid(tid)
    assert w.editor.textCursor().blockNumber() + 1 == 6


def test_cancel_one_row_then_stop_cancels_the_rest(qtbot, make_window, long_script):
    w = make_window()
    assert w.open_path(long_script)
    qtbot.keyClick(w, Qt.Key.Key_F5)                     # the Run shortcut
    workers = {f"worker-{i}" for i in range(3)}
    qtbot.waitUntil(lambda: all(rows(w).get(n) == "waiting" for n in workers), timeout=3000)
    click_cancel(qtbot, w, "worker-1")
    qtbot.waitUntil(lambda: rows(w)["worker-1"] == "cancelled", timeout=3000)
    assert rows(w)["worker-0"] == rows(w)["worker-2"] == "waiting"
    assert not w.run.done
    with qtbot.waitSignal(w.runFinished, timeout=5000):
        click_action(qtbot, w, w.act_stop)
    assert all(state == "cancelled" for state in rows(w).values()), rows(w)
    assert "[worker-0] cleanup 0" in w.console.toPlainText()   # finally blocks ran


def test_stop_shortcut_and_run_while_live_restarts(qtbot, make_window, long_script):
    w = make_window()
    assert w.open_path(long_script)
    click_action(qtbot, w, w.act_run)
    qtbot.waitUntil(lambda: rows(w).get("worker-2") == "waiting", timeout=3000)
    first = w.run
    with qtbot.waitSignal(w.runStarted, timeout=2000):
        qtbot.keyClick(w, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert w.run is not first
    qtbot.waitUntil(lambda: first.done, timeout=5000)
    old = playground.TaskTable()
    old.apply(first.tracer.read(0)[0])
    assert {r.state for r in old.rows} == {"cancelled"}
    qtbot.waitUntil(lambda: rows(w).get("worker-2") == "waiting", timeout=3000)
    qtbot.keyClick(w, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)   # Stop
    qtbot.waitUntil(lambda: w.run.done, timeout=5000)


def test_syntax_error_is_marked_and_nothing_runs(qtbot, make_window, long_script, tmp_path):
    w = make_window()
    assert w.open_path(long_script)
    w.editor.setPlainText("import asyncio\n\nasync def main(:\n    pass\n")
    click_action(qtbot, w, w.act_run)
    assert w.run is not None and not w.run.done and w.table.rows == []
    kind, text = w.editor.markers()[3]
    assert kind == "error"
    assert "3" in w.console.toPlainText() and "Syntax error at line 3" in w.state_label.text()
    assert w.editor.textCursor().blockNumber() == 2      # the cursor went to the error
    assert not w.act_stop.isEnabled()
    assert not w.export_trace(str(tmp_path / "empty.json"))   # nothing ran: nothing to export
    assert not (tmp_path / "empty.json").exists()
    qtbot.keyClicks(w.editor, "x")                        # editing clears the stale marker
    assert 3 not in w.editor.markers()


def test_failure_marks_raising_line(qtbot, make_window, tmp_path):
    script = tmp_path / "boom.py"
    script.write_text("import asyncio\n\nasync def main():\n    await asyncio.sleep(0)\n"
                      "    raise ValueError('bad')\n\nasyncio.run(main())\n")
    w = make_window()
    assert w.open_path(str(script))
    with qtbot.waitSignal(w.runFinished, timeout=5000) as finished:
        w.run_current()
    assert finished.args == ["failed"]
    assert w.editor.markers()[5][0] == "error"
    assert "ValueError" in w.console.toPlainText()


def test_block_event_shows_banner(qtbot, make_window, long_script):
    w = make_window()
    assert w.open_path(long_script)
    w.run_current()
    qtbot.waitUntil(lambda: rows(w).get("worker-0") == "waiting", timeout=3000)
    assert w.banner.isHidden()
    tid = next(r.tid for r in w.table.rows if r.name == "worker-0")
    # What the engine's watchdog records when a task blocks the loop (docs/engine-api.md).
    w.run.tracer.record(("block", tid, w.run.loop.time(), 1.2, w.run.tracer.filename, 6))
    qtbot.waitUntil(w.banner.isVisible, timeout=2000)
    assert w.banner.message == "Loop blocked for 1.2 s at line 6 by task 'worker-0'"
    # Issue 13: an icon that renders (the style's, not a glyph that may be missing) and why the
    # window froze too, in one sentence.
    assert not w.banner.icon.pixmap().isNull()
    assert "held the one thread that runs the event loop and also paints this window" in w.banner.text()
    assert w.banner.label.text().count(". ") <= 2
    qtbot.waitUntil(lambda: w.editor.markers().get(6, ("",))[0] == "block", timeout=2000)
    w.stop()
    qtbot.waitUntil(lambda: w.run.done, timeout=5000)


def test_edits_autosave_and_restore_in_a_new_window(qtbot, make_window, tmp_path, long_script):
    w = make_window()
    assert w.open_path(long_script)
    w.editor.moveCursor(w.editor.textCursor().MoveOperation.End)
    with qtbot.waitSignal(w.edits.saved, timeout=3000):
        qtbot.keyClicks(w.editor, "# my note")
    assert w.act_revert.isEnabled()
    # Issue 13: the browser marks the edited lesson; Revert says what it would discard.
    assert w.browser.is_edited(long_script)
    last = LONG_SCRIPT.count("\n") + 1                # typed on the line after the last newline
    assert w.act_revert.text() == "Revert (1 changed line)"
    assert f"your edits to 1 line ({last})" in w.act_revert.toolTip()
    w2 = make_window()                                    # "restart": same data dir and settings
    assert w2.current_path() == long_script               # last lesson remembered
    assert w2.editor.toPlainText().endswith("# my note")
    assert w2.browser.is_edited(long_script)
    click_action(qtbot, w2, w2.act_revert)
    assert w2.editor.toPlainText() == LONG_SCRIPT
    assert not w2.edits.has_edit(w2.desk.current.slug)
    assert not w2.browser.is_edited(long_script) and w2.act_revert.text() == "Revert"
    assert f"discarded your edits to 1 line ({last})" in w2.statusBar().currentMessage()


def test_block_limit_defaults_to_three_seconds(qtbot, make_window):
    w = make_window()
    assert w.block_limit.value() == 3.0                   # issue 13: <= 3 s, still changeable
    w.block_limit.setValue(7.5)
    w.save_settings()
    assert make_window().block_limit.value() == 7.5


def test_corrupt_saved_edit_falls_back_to_original(qtbot, make_window, tmp_path):
    w = make_window()
    slug = CREATE_TASK_LESSON
    w.edits.directory.mkdir(parents=True, exist_ok=True)
    w.edits.path_for(slug).write_bytes(b"\xff\xfe\x00broken")
    assert w.open_path(w.lesson_paths()[slug])
    with open(w.lesson_paths()[slug], encoding="utf-8") as f:
        assert w.editor.toPlainText() == f.read()
    assert "could not be read" in w.console.toPlainText()


def test_export_trace_and_network_toggle(qtbot, make_window, tmp_path):
    w = make_window()
    assert not w.export_trace(str(tmp_path / "none.json"))      # nothing ran yet
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    with qtbot.waitSignal(w.runFinished, timeout=5000):
        w.run_current()
    out = tmp_path / "trace.json"
    assert w.export_trace(str(out))
    events = json.loads(out.read_text())
    events = events["traceEvents"] if isinstance(events, dict) else events
    assert {e["name"] for e in events if e.get("cat") == "task"} >= {"fetch-A", "fetch-B"}
    assert "offline" in w.network_label.text()
    click_action(qtbot, w, w.act_network)
    assert w.act_network.isChecked() and "live" in w.network_label.text()
    click_action(qtbot, w, w.act_network)


def test_filter_and_lesson_panel_question(qtbot, make_window):
    w = make_window()
    qtbot.keyClicks(w.browser.filter_edit, "create_task")
    titles = w.browser.visible_titles()
    assert titles and all("create_task" in t.lower() or "task" in t.lower() for t in titles)
    w.browser.filter_edit.clear()
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    panel = w.lesson_panel
    q = panel._question
    assert q is not None and panel.question_box.isVisible()
    panel.choose(q["answer"])
    with qtbot.waitSignal(panel.answered) as answered:
        qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    assert answered.args == [True] and "Correct" in panel.result.text()



def test_the_lesson_list_shows_titles_without_markdown_marks(qtbot, make_window):
    """A title's emphasis renders in the lesson's own heading; the list shows its words (it showed
    "wait until *your* predicate holds"), and the filter finds them."""
    w = make_window()
    qtbot.keyClicks(w.browser.filter_edit, "your predicate")
    assert w.browser.visible_titles() == ["Condition.wait_for: wait until your predicate holds"]
    w.browser.filter_edit.clear()
    from asyncio_playground.ui.lesson_browser import plain_title
    titles = w.browser.visible_titles()
    assert "ExceptionGroup and except*" in titles        # a lone mark is the title's own
    assert [t for t in titles if plain_title(t) != t] == []

def test_close_mid_run_lets_finally_blocks_run(qtbot, make_window, gui_loop, long_script):
    w = make_window()
    assert w.open_path(long_script)
    w.run_current()
    qtbot.waitUntil(lambda: rows(w).get("worker-2") == "waiting", timeout=3000)
    run = w.run
    w.close()                                  # what the user does; ui.app.main() then does:
    runs = w.live_runs()
    gui_loop.detach()
    try:
        finish_runs(gui_loop, runs)
    finally:
        gui_loop.attach()
    assert run.done and run.outcome == "cancelled"
    outputs = [ev[4] for ev in run.tracer.read(0)[0] if ev[0] == "output"]
    assert sum("cleanup" in text for text in outputs) == 3


def test_app_main_close_mid_run_exits_cleanly(tmp_path):
    """`ui.app.main()` end to end: open, run a lesson, close mid-run -> finally blocks ran, exit 0."""
    import subprocess
    import sys
    marker = tmp_path / "finally.txt"
    script = tmp_path / "lesson.py"
    script.write_text(textwrap.dedent(f"""\
        import asyncio

        async def main():
            try:
                await asyncio.sleep(30)
            finally:
                with open({str(marker)!r}, "a") as f:
                    f.write("ran\\n")

        asyncio.run(main())
    """))
    driver = textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {os.getcwd()!r})
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        app = QApplication(["asyncio-playground"])
        from asyncio_playground.ui import app as ui_app
        from asyncio_playground.ui.main_window import MainWindow

        import time
        closed = []

        def close(w):
            closed.append(time.monotonic())
            w.close()

        def drive():
            w = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
            w.open_path({str(script)!r})
            w.run_current()
            QTimer.singleShot(700, lambda: close(w))

        QTimer.singleShot(300, drive)
        code = ui_app.main()
        print(f"shutdown took {{time.monotonic() - closed[0]:.3f}} s")
        sys.exit(code)
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ASYNCIO_PLAYGROUND_DATA=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", driver], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert marker.read_text() == "ran\n"
    assert "destroyed but it is pending" not in proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    shutdown = float(proc.stdout.rsplit("shutdown took", 1)[1].split()[0])
    assert shutdown < 1.0, proc.stdout                     # issue 5: closed mid-run, out within 1 s
    assert not [line for line in proc.stderr.splitlines() if line.startswith(("qt.", "Q", "Warning"))], \
        proc.stderr                                        # no Qt warnings


def test_console_batches_tags_and_caps(qtbot):
    from asyncio_playground.ui import console as console_mod
    c = console_mod.ConsoleWidget()
    qtbot.addWidget(c)
    c.write("fetch-A", "stdout", "Start")
    c.write("fetch-A", "stdout", "ing\nsecond line\n")     # partial writes join into one line
    c.write(None, "stderr", "Traceback ...\n")
    assert c.toPlainText() == ""                          # nothing until the frame's flush
    qtbot.waitUntil(lambda: c.toPlainText() != "", timeout=1000)
    assert c.toPlainText().splitlines() == ["[fetch-A] Starting", "[fetch-A] second line", "Traceback ..."]
    for i in range(console_mod.MAX_LINES + 100):
        c.write("spam", "stdout", f"{i}\n")
    c.write("spam", "stdout", "x" * 10_000 + "\n")
    c.flush()
    assert c.document().blockCount() <= console_mod.MAX_LINES
    assert len(c.toPlainText().splitlines()[-1]) < 300     # one huge line is cut, not kept whole


# The offscreen platform warns about any top-level dialog's size hints; real platforms don't.
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_export_and_open_go_through_non_modal_dialogs(qtbot, make_window, tmp_path, long_script):
    from PySide6.QtWidgets import QFileDialog
    w = make_window()
    assert w.open_path(w.lesson_paths()[CREATE_TASK_LESSON])
    with qtbot.waitSignal(w.runFinished, timeout=5000):
        w.run_current()
    click_action(qtbot, w, w.act_export)          # returns at once: open(), never exec()
    dialog = next(d for d in w.findChildren(QFileDialog) if d.isVisible())
    out = tmp_path / "via-dialog.json"
    dialog.selectFile(str(out))
    dialog.accept()
    assert json.loads(out.read_text())
    qtbot.keyClick(w, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)   # Open file…
    dialog = next(d for d in w.findChildren(QFileDialog) if d.isVisible())
    dialog.selectFile(long_script)
    dialog.accept()
    assert w.current_path() == long_script and w.editor.toPlainText() == LONG_SCRIPT
    assert long_script in w.browser.paths()       # listed under "Opened files"


NOISY_SCRIPT = textwrap.dedent("""\
    import asyncio
    import gc


    async def boom():
        raise ValueError("nobody awaits me")


    async def forever():
        await asyncio.Event().wait()


    async def main():
        orphan = asyncio.create_task(boom(), name="orphan")
        await asyncio.sleep(0.05)
        del orphan                      # its exception is never retrieved
        gc.collect()
        asyncio.create_task(forever(), name="dangling")   # no reference kept: destroyed pending
        await asyncio.sleep(30)

    asyncio.run(main())
""")


def test_app_main_close_mid_run_prints_nothing_on_the_terminal(tmp_path):
    """Issue 13: closing mid-run of a lesson whose tasks asyncio would complain about ("Task
    exception was never retrieved", "Task was destroyed but it is pending!") prints nothing: the
    window's console already said it."""
    import subprocess
    import sys
    script = tmp_path / "noisy.py"
    script.write_text(NOISY_SCRIPT)
    driver = textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {os.getcwd()!r})
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        app = QApplication(["asyncio-playground"])
        from asyncio_playground.ui import app as ui_app
        from asyncio_playground.ui.main_window import MainWindow
        seen = []

        def drive():
            w = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
            w.open_path({str(script)!r})
            w.run_current()
            QTimer.singleShot(800, lambda: (seen.append(w.console.toPlainText()), w.close()))

        QTimer.singleShot(300, drive)
        code = ui_app.main()
        print("CONSOLE:", seen[0].replace("\\n", " | "))
        sys.exit(code)
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ASYNCIO_PLAYGROUND_DATA=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", driver], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "never retrieved" in proc.stdout and "nobody awaits me" in proc.stdout   # the window said it
