"""Readouts a new user read wrong: the status after a failed group, the clock of a lesson never run,
the empty table of a run paused at its start, "Running" while paused, the Loop tab after the run,
and the Elapsed column against the clock in slow motion — each read off the real window, driven by
keys and clicks."""
from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from helpers import TASKGROUP_FAILS
from test_window import CREATE_TASK_LESSON, LONG_SCRIPT, click_action, click_lesson, rows, run_to_end

from asyncio_playground.ui.run_controller import PAUSED_AT_START, PAUSED_EMPTY_TEXT
from asyncio_playground.ui.task_model import TaskTableModel
from asyncio_playground.ui.time_bar import NO_TIME


def open_script(w, tmp_path, source, name="lesson.py"):
    path = tmp_path / name
    path.write_text(source)
    assert w.open_path(str(path))
    return path


def seconds(text: str) -> float:
    """A duration as the window writes it ("850 µs", "12.5 ms", "340 ms", "1.25 s") in seconds."""
    value, unit = text.split()
    return float(value) * {"µs": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


# == 1. the status after a failure raised as an ExceptionGroup ===================================
def test_a_failed_taskgroup_says_what_failed_in_the_status_bar(qtbot, window, tmp_path):
    w = window
    open_script(w, tmp_path, TASKGROUP_FAILS)
    assert run_to_end(qtbot, w) == ["failed"]
    text = w.state_label.text()
    assert re.fullmatch(r"Failed in \d+\.\d\d s — ExceptionGroup: unhandled errors in a TaskGroup "
                        r"\(1 sub-exception\): ValueError: bad", text), text
    assert "---" not in text and "+" not in text


# == 2a. the clock of a lesson that has no run ==================================================
def test_the_clock_reads_no_time_for_a_lesson_never_run(qtbot, window):
    w = window
    bar = w.time_bar
    assert bar.clock.text() == NO_TIME
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    run_to_end(qtbot, w)
    assert re.fullmatch(r"t = 1\.\d{3} s", bar.clock.text())      # the ended run: its length
    qtbot.keyClick(w, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)   # next lesson
    qtbot.waitUntil(lambda: w.table is None, timeout=2000)
    assert bar.clock.text() == NO_TIME                # not the time since the other run started
    qtbot.keyClick(w, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)   # back: its run
    qtbot.waitUntil(lambda: w.table is not None, timeout=2000)
    assert re.fullmatch(r"t = 1\.\d{3} s", bar.clock.text())


def test_paused_before_run_the_clock_starts_at_zero(qtbot, window):
    w = window
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    qtbot.keyClick(w, Qt.Key.Key_F8)
    assert w.time_bar.clock.text() == f"{NO_TIME} (paused)"
    with qtbot.waitSignal(w.runStarted, timeout=2000):
        click_action(qtbot, w, w.act_run)
    assert w.time_bar.clock.text() == "t = 0.000 s (paused)"      # lesson time, from its start


def test_the_clock_of_a_lesson_never_run_while_another_runs(qtbot, window, tmp_path):
    w = window
    open_script(w, tmp_path, LONG_SCRIPT, "long.py")
    with qtbot.waitSignal(w.runStarted, timeout=2000):
        click_action(qtbot, w, w.act_run)
    qtbot.waitUntil(lambda: rows(w).get("worker-2") == "waiting", timeout=3000)
    click_lesson(qtbot, w, CREATE_TASK_LESSON)     # the long run goes on, off screen
    qtbot.waitUntil(lambda: w.table is None, timeout=2000)
    assert w.time_bar.clock.text() == NO_TIME


# == 2b, 2c. paused at t = 0: the empty table and the status ======================================
def test_a_run_paused_at_its_start_says_so(qtbot, window):
    w = window
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    qtbot.keyClick(w, Qt.Key.Key_F8)                      # Pause, then Run: nothing has run
    empty = []
    w.controller.emptyTextChanged.connect(empty.append)
    with qtbot.waitSignal(w.runStarted, timeout=2000):
        click_action(qtbot, w, w.act_run)
    assert w.controller.empty_text == PAUSED_EMPTY_TEXT and empty[-1] == PAUSED_EMPTY_TEXT
    assert "first step" in PAUSED_EMPTY_TEXT
    assert w.state_label.text() == PAUSED_AT_START
    qtbot.wait(300)                                       # ~10 Hz status frames: it stays so
    assert w.state_label.text() == PAUSED_AT_START and rows(w) == {}
    qtbot.keyClick(w, Qt.Key.Key_F8)                      # Resume: it runs, "Running" again
    qtbot.waitUntil(lambda: w.state_label.text().startswith("Running — "), timeout=3000)


def test_the_empty_table_of_a_run_paused_at_its_start_says_so(qtbot, window):
    w = window
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    qtbot.keyClick(w, Qt.Key.Key_F8)
    with qtbot.waitSignal(w.runStarted, timeout=2000):
        click_action(qtbot, w, w.act_run)
    assert w.task_model.rowCount() == 0
    assert w.task_view.placeholder == PAUSED_EMPTY_TEXT


def test_the_status_says_paused_while_the_loop_is(qtbot, window, tmp_path):
    w = window
    open_script(w, tmp_path, LONG_SCRIPT, "long.py")
    with qtbot.waitSignal(w.runStarted, timeout=2000):
        click_action(qtbot, w, w.act_run)
    qtbot.waitUntil(lambda: w.state_label.text().startswith("Running — 4 live tasks, "), timeout=3000)
    qtbot.keyClick(w, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: w.state_label.text().startswith("Paused — 4 live tasks, "), timeout=2000)
    held = w.state_label.text()
    qtbot.wait(300)                                       # the clock stands still: so does the text
    assert w.state_label.text() == held
    qtbot.keyClick(w, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: w.state_label.text().startswith("Running — 4 live tasks, "), timeout=2000)


# == 2d. the Loop tab after the run ===============================================================
def test_the_loop_tab_says_no_run_is_live_after_the_run(qtbot, window):
    w = window
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    w.views.setCurrentWidget(w.loop_panel)
    with qtbot.waitSignal(w.runStarted, timeout=2000):
        click_action(qtbot, w, w.act_run)
    header = w.loop_panel.header
    qtbot.waitUntil(lambda: "running, a run is live" in header.text(), timeout=2000)
    finished = []
    w.runFinished.connect(finished.append)
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)
    qtbot.waitUntil(lambda: "no run is live" in header.text(), timeout=2000)
    assert "running" not in header.text()


# == 2e. the Elapsed column keeps up with the clock in slow motion ================================
def test_elapsed_keeps_up_with_the_clock_at_a_twentieth_speed(qtbot, window, tmp_path):
    w = window
    open_script(w, tmp_path, LONG_SCRIPT, "long.py")
    w.time_bar.select_speed("1/20×")
    model = w.task_model
    shown = {}      # what the table was last told to show in worker-0's Elapsed cell

    def announced(top, bottom, roles=()):
        row = model.row_of(tid_of("worker-0"))
        if row >= 0 and top.row() <= row <= bottom.row() \
                and top.column() <= TaskTableModel.ELAPSED_COL <= bottom.column():
            shown["text"] = model.data(model.index(row, TaskTableModel.ELAPSED_COL))

    def tid_of(name):
        return next((r.tid for r in w.table.rows if r.name == name), -1) if w.table else -1

    model.dataChanged.connect(announced)
    with qtbot.waitSignal(w.runStarted, timeout=2000):
        click_action(qtbot, w, w.act_run)
    qtbot.waitUntil(lambda: "text" in shown, timeout=5000)
    table = w.table
    worker = table.by_tid[tid_of("worker-0")]
    created = worker.created - table.started     # the clock counts from the run's start
    gaps = []

    def sample():
        clock = float(re.match(r"t = (\d+\.\d+) s", w.time_bar.clock.text()).group(1))
        gaps.append(clock - created - seconds(shown["text"]))
        return clock >= 0.11                      # 2.2 s of wall time at 1/20x

    qtbot.waitUntil(sample, timeout=6000)
    assert len(gaps) > 20
    # One refresh apart at most (~100 ms of wall time: 5 ms of loop time), never the 0.1 s of
    # loop time (2 s on the wall) the column used to lag.
    assert max(abs(g) for g in gaps) < 0.02, max(gaps, key=abs)
