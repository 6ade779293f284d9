"""You are the scheduler, in the window (issue 24): pick the next step in the Loop tab, Step back
(Shift+F10) and on again, advance the clock, save the schedule, and play a challenge -- driven by
real clicks and keys, waiting on conditions."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QToolButton
from test_time_ui import press, step

from asyncio_playground import loopstate
from test_window import CREATE_TASK_LESSON, click_action, click_lesson


# == helpers ==========================================================================================
def start_paused(qtbot, w, slug=None):
    """Open lesson ``slug`` (None: the one shown), Pause (F8), Run: the run waits at its first step."""
    if slug is not None:
        click_lesson(qtbot, w, slug)
    if not w._loop.paused:
        press(qtbot, w, Qt.Key.Key_F8)
    with qtbot.waitSignal(w.runStarted, timeout=3000):
        click_action(qtbot, w, w.act_run)
    qtbot.waitUntil(lambda: len(w._loop._ready) > 0, timeout=3000)
    w.views.setCurrentWidget(w.loop_panel)


def module_waits(run) -> bool:
    """Whether the run's module code is done or waits on the loop (an ``asyncio.run``, a
    ``Runner.run`` or ``run_forever`` whose end has not come): then nothing it does can change
    what the loop holds.  Between two ``Runner.run`` calls it is running: the next main's
    ``Run._start_main()`` is on its way to the ready queue."""
    from asyncio_playground._runner import Run
    thread = run._thread
    if thread is None or not thread.is_alive():
        return True
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code is Run._wait_future.__code__:
            return not frame.f_locals["fut"].done()
        if frame.f_code is Run.run_forever_blocking.__code__:
            return not frame.f_locals["stopped"].is_set()
        frame = frame.f_back
    return False


def settle(qtbot, w):
    """The views show everything the run has logged (the refresher is caught up), once the
    module code waits on the loop (what the walk compares must not depend on how fast that
    thread got to its next ``Runner.run``: a loaded machine caught it before, once, and the
    ready queue differed by that main's start).  Module code busy on its own is not waited for
    beyond a second."""
    try:
        qtbot.waitUntil(lambda: module_waits(w.run), timeout=1000)
    except qtbot.TimeoutError:
        pass
    qtbot.waitUntil(lambda: w.refresher.table is not None
                    and w.refresher._cursor == len(w.run.tracer.events), timeout=3000)
    w.refresher.frame()
    w.console.flush()


def step_back(qtbot, w):
    """Shift+F10, then wait until the replay holds the run at the step before."""
    feature = w.scheduling
    assert w.scheduling.act_step_back.isEnabled(), w.scheduling.why_not()
    before = feature.last_back_ms
    old = w.run
    qtbot.keyClick(w, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: not feature.busy() and w.run is not old, timeout=5000)
    assert feature.last_back_ms is not before
    settle(qtbot, w)


def state(w) -> dict:
    """What a learner sees of the run on screen: the task rows, the console, the loop's clock
    (from the run's start), the Loop tab's queues and schedule."""
    table = w.table
    t0 = table.started or 0.0
    panel = w.loop_panel
    panel.refresh()
    return {
        "rows": [(r.name, r.state, r.waiting[:2] if r.waiting else None, len(r.steps))
                 for r in table.rows],
        # (the window's notes on the learner's picks, and on blocks of the loop: those are wall
        # time, and a gc.collect() in a lesson takes longer on a loaded machine)
        "console": [line for line in w.console.toPlainText().splitlines()
                    if not line.startswith(("You ran ", "You moved ", "Loop blocked for "))],
        "time": round(w._loop.time() - t0, 6),
        # the run's own ready steps (the loop's own work -- its self-pipe, the window's -- is not
        # the run's, and comes and goes with the wall clock)
        "ready": [e.label for e in loopstate.snapshot(w._loop).ready if e.run or e.tid is not None],
        "schedule": panel.entries("schedule"),
    }


def pick(qtbot, w, name):
    """Double-click ``name``'s step in the Loop tab's ready queue: it runs next."""
    panel = w.loop_panel
    panel.refresh()
    section = panel.sections["ready"]
    item = next(section.child(i) for i in range(section.childCount())
                if section.child(i).text(0).endswith(f"step of {name}"))
    tree = panel.tree
    tree.scrollToItem(item)
    pos = tree.visualItemRect(item).center()
    n = w._loop.step_count
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.waitUntil(lambda: w._loop.step_count > n, timeout=3000)
    settle(qtbot, w)


def stop_run(qtbot, w):
    w._loop.resume()
    w.stop()
    qtbot.waitUntil(lambda: not w.live_runs(), timeout=5000)


# == picking, stepping back, stepping on ===============================================================
def test_pick_then_step_back_twice_and_on_again_matches_a_fresh_run(qtbot, window):
    """Done when: a pytest-qt test picks the next task by clicking the ready queue, steps back
    twice and forward again, and compares the table with a fresh run to that step."""
    w = window
    start_paused(qtbot, w, CREATE_TASK_LESSON)
    step(qtbot, w)                                   # main creates fetch-A and fetch-B
    pick(qtbot, w, "fetch-B")                        # the learner's choice: B before A
    assert "Starting source_B" in w.console.toPlainText()
    assert "Starting source_A" not in w.console.toPlainText()
    step(qtbot, w)                                   # A runs to its sleep
    settle(qtbot, w)
    at3 = state(w)
    assert at3["schedule"][1] == "2. step of fetch-B — your choice; asyncio: step of fetch-A"
    assert len(at3["schedule"]) == 3

    step_back(qtbot, w)                              # at step 2: B ran, A not yet
    at2 = state(w)
    assert at2["schedule"] == at3["schedule"][:2]
    assert "Starting source_A" not in "\n".join(at2["console"])
    assert "Starting source_B" in "\n".join(at2["console"])
    step_back(qtbot, w)                              # at step 1: neither has run
    at1 = state(w)
    assert at1["schedule"] == at3["schedule"][:1]
    assert dict((n, s) for n, s, *_ in at1["rows"]) == {
        "Task-1": "waiting", "fetch-A": "running", "fetch-B": "pending"}
    assert "Starting source" not in "\n".join(at1["console"])
    assert "Stepped back: the run is at step 1 again" in w.statusBar().currentMessage()

    pick(qtbot, w, "fetch-B")                        # forward again, the same choice...
    assert state(w) == at2
    step(qtbot, w)
    again = state(w)
    assert again == at3                              # ...the same state as the first time

    # A fresh run of the lesson, stepped to that step by hand, shows the very same table.
    stop_run(qtbot, w)
    start_paused(qtbot, w)
    step(qtbot, w)
    pick(qtbot, w, "fetch-B")
    step(qtbot, w)
    fresh = state(w)
    assert fresh["rows"] == at3["rows"] and fresh["time"] == at3["time"]
    assert fresh["console"] == at3["console"] and fresh["schedule"] == at3["schedule"]
    stop_run(qtbot, w)


# == when Step back cannot =============================================================================
@pytest.mark.parametrize("slug, reason", [
    ("pitfalls_08_busy_waiting", "it reads the wall clock (time.process_time) at line 32"),
    ("threads_01_to_thread", "it blocks the loop in real time (time.sleep) at line 8"),
    ("basics_03_return_values_httpx", "it talks over the network (httpx) at line 3"),
])
def test_step_back_is_off_with_its_reason_for_a_run_with_outside_input(qtbot, window, slug, reason):
    w = window
    act = w.scheduling.act_step_back
    assert not act.isEnabled() and "no run of this lesson yet" in act.toolTip()
    start_paused(qtbot, w, slug)
    step(qtbot, w)
    assert not act.isEnabled()
    assert f"Step back is off: {reason}" in act.toolTip(), act.toolTip()
    qtbot.keyClick(w, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)   # the key says why too
    assert not w.scheduling.busy()
    assert reason in w.statusBar().currentMessage() or not act.isEnabled()
    stop_run(qtbot, w)


def test_step_back_is_off_for_a_run_that_ran_on_its_own(qtbot, window):
    """Only steps taken while paused are in the schedule: a run resumed for a while cannot be
    replayed to a step; a cancel by hand cannot be repeated."""
    w = window
    start_paused(qtbot, w, CREATE_TASK_LESSON)
    assert not w.scheduling.act_step_back.isEnabled()        # no step taken yet
    assert "nothing to take back" in w.scheduling.act_step_back.toolTip()
    step(qtbot, w)
    assert w.scheduling.act_step_back.isEnabled()
    button = next(b for b in w.time_bar.findChildren(QToolButton)
                  if b.defaultAction() is w.scheduling.act_step_back)
    assert button.isVisible() and button.isEnabled()         # beside Step on the time bar
    press(qtbot, w, Qt.Key.Key_F8)                           # Resume: the run goes on by itself
    qtbot.waitUntil(lambda: "Starting source_B" in w.console.toPlainText(), timeout=3000)
    assert "the run is running: pause it (F8) first" in w.scheduling.act_step_back.toolTip()
    press(qtbot, w, Qt.Key.Key_F8)                           # paused again, mid-run
    assert w._loop.paused and not w.scheduling.act_step_back.isEnabled()
    assert "it ran on its own for a while (Resume)" in w.scheduling.act_step_back.toolTip()
    stop_run(qtbot, w)


# == the clock, the schedule file ======================================================================
def test_advance_the_clock_button_wakes_the_sleeper_and_is_in_the_schedule(qtbot, window):
    w = window
    start_paused(qtbot, w, CREATE_TASK_LESSON)
    for _ in range(3):                                       # main, A and B run to their awaits
        step(qtbot, w)
    panel = w.loop_panel
    panel.refresh()
    assert panel.choice_box.isVisible()
    assert panel.choice_label.text().startswith("Nothing is ready to run.  The only choice: "
                                                "advance the clock"), panel.choice_label.text()
    button = panel.advance_button
    assert button.isEnabled() and "(+1.000 s)" in button.text()
    t = w._loop.time()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert w._loop.time() == pytest.approx(t + 1.0)
    qtbot.waitUntil(lambda: panel.entries("schedule")[-1:] == [
        "   before step 4: the clock moved on 1.000 s to the next timer — your choice"],
        timeout=2000)
    assert "You moved the clock on 1.000 s" in w.console.toPlainText()
    panel.refresh()
    assert panel.choice_label.text().startswith("asyncio would run: "), panel.choice_label.text()
    assert w.scheduling.act_step_back.isEnabled()            # an advance is replayed too
    step(qtbot, w)
    before = state(w)
    step(qtbot, w)
    step_back(qtbot, w)
    assert state(w) == before
    stop_run(qtbot, w)


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")   # offscreen: the dialog
def test_save_schedule_writes_json_that_run_schedule_replays(qtbot, window, tmp_path):
    w = window
    start_paused(qtbot, w, CREATE_TASK_LESSON)
    step(qtbot, w)
    pick(qtbot, w, "fetch-B")
    step(qtbot, w)
    settle(qtbot, w)
    out = tmp_path / "mine.json"
    assert w.scheduling.act_save_schedule in w.menus["file"].actions()
    w.scheduling.act_save_schedule.trigger()
    dialog = next(d for d in w.findChildren(QFileDialog) if d.isVisible())
    dialog.selectFile(str(out))
    dialog.accept()
    assert out.is_file()
    saved = json.loads(out.read_text())
    assert [c.get("run") for c in saved] == ["Task-1", "fetch-B", "fetch-A"]
    assert saved[1]["fifo"] == "'fetch-A'"
    stop_run(qtbot, w)
    proc = subprocess.run([sys.executable, "-m", "asyncio_playground", "run", CREATE_TASK_LESSON,
                           "--schedule", str(out)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 0, proc.stderr
    out_lines = proc.stdout.splitlines()
    first = [i for i, line in enumerate(out_lines) if "Starting source_" in line]
    assert "source_B" in out_lines[first[0]] and "source_A" in out_lines[first[1]], proc.stdout


# == a challenge =======================================================================================
def test_a_challenge_shows_its_goal_and_hint_wins_on_its_schedule_and_the_fix_holds(
        qtbot, window, monkeypatch):
    from asyncio_playground.ui.features import scheduling
    monkeypatch.setattr(scheduling, "PACE", 0.01)    # "Show me" paces its choices for people
    w = window
    click_lesson(qtbot, w, "challenge_01_lost_update")
    box = w.lesson_panel.challenge
    assert box.isVisible() and box.title.text() == "Challenge — you are the scheduler"
    assert "make the run end with any other balance" in box.goal.text()
    assert not box.hint.isVisible()
    qtbot.mouseClick(box.hint_button, Qt.MouseButton.LeftButton)
    assert box.hint.isVisible() and "Let bob read it too" in box.hint.text()
    assert not box.hint_button.isEnabled()

    # In asyncio's own order the goal is not reached.
    finished = []
    w.runFinished.connect(finished.append)
    click_action(qtbot, w, w.act_run)
    qtbot.waitUntil(lambda: box.reached is not None, timeout=8000)
    assert box.reached is False and "✗ Goal not reached" in box.verdict.text()
    assert not box.fixed_button.isVisible()

    # "Show me a schedule that wins": a fresh run on the winning schedule reaches it.
    qtbot.mouseClick(box.win_button, Qt.MouseButton.LeftButton)
    assert w.scheduling.busy()
    assert "A schedule that wins: step of main, step of alice, step of bob, step of bob" \
        in w.console.toPlainText()
    qtbot.waitUntil(lambda: not w.scheduling.busy() and box.reached is not None, timeout=8000)
    assert box.reached is True, box.verdict.text()
    assert "✓ Goal reached — you won." in box.verdict.text()
    assert "final balance: 175" not in w.console.toPlainText()
    assert not w._loop.paused                        # the loop is left as it was

    # "Try to break the fix" opens the fixed version; the winning schedule does not win there.
    assert box.fixed_button.isVisible()
    qtbot.mouseClick(box.fixed_button, Qt.MouseButton.LeftButton)
    assert w.current_path().endswith("_challenge_01_lost_update_fixed.py")
    assert box.isVisible() and box.title.text() == "The fix — try to break it"
    assert box.win_button.text() == "Try the winning schedule here"
    qtbot.mouseClick(box.win_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.scheduling.busy() and box.reached is not None, timeout=8000)
    assert box.reached is False and "✗ Goal not reached: the fix held." in box.verdict.text()
    assert not box.fixed_button.isVisible()


# == every lesson without outside input steps back to the very same state ===============================
#: A lesson whose walk has not ended after this many steps fails the test (the longest lesson takes
#: under 30; a walk costs two replays' worth of window work per step).
WALK_LIMIT = 300


def _walkable() -> list[str]:
    """The lessons a replay can repeat exactly (replay_obstacles finds nothing) that this Python
    can run: every one is walked."""
    import asyncio_playground.lessons as lessons
    from asyncio_playground.schedule import replay_obstacles
    out = []
    for lesson in lessons.discover():
        if lessons.why_cannot_run(lesson) or replay_obstacles(lesson.path.read_text()):
            continue
        out.append(lesson.slug)
    return out


def fast_step(qtbot, w) -> bool:
    """F10, and wait until the views show it; False when there is no step to take (the run ended,
    or it hangs with nothing ready and no timer)."""
    from asyncio_playground.loopstate import next_step
    if w.run.done:
        return False
    nxt = next_step(w._loop)
    if nxt is None or nxt.kind == "idle":
        return False
    n = w._loop.step_count
    qtbot.keyClick(w, Qt.Key.Key_F10)
    qtbot.waitUntil(lambda: w._loop.step_count > n or w.run.done, timeout=3000)
    settle(qtbot, w)
    return True


@pytest.mark.slow
def test_every_lesson_without_outside_input_steps_back_to_the_same_state(qtbot, window):
    """Done when: every lesson without outside input steps back to an identical state at every
    step.  Each lesson is stepped (F10) from its first step to its end (the run done, or nothing
    left to step: a hang), the state seen before the first step and after each one kept; then
    Shift+F10 takes it back one step at a time to where it started, and each state must be the
    one first seen there."""
    w = window
    slugs = _walkable()
    assert len(slugs) >= 40, slugs
    walked = {}
    for slug in slugs:
        w.open_path(w.lesson_paths()[slug])
        start_paused(qtbot, w)
        settle(qtbot, w)
        seen = [state(w)]
        while fast_step(qtbot, w):
            seen.append(state(w))
            assert len(seen) <= WALK_LIMIT, f"{slug}: still stepping after {WALK_LIMIT} steps"
        walked[slug] = len(seen) - 1
        for k in range(len(seen) - 2, -1, -1):
            step_back(qtbot, w)
            got = state(w)
            diff = {key: (seen[k][key], got[key]) for key in got if got[key] != seen[k][key]}
            assert not diff, f"{slug}: stepping back to step {k} shows another state: {diff}"
        assert not w.scheduling.act_step_back.isEnabled(), f"{slug}: Step back at step 0"
        stop_run(qtbot, w)
    assert sum(walked.values()) > 10 * len(slugs), walked
    assert min(walked.values()) >= 2, walked


def test_at_1024x700_the_loop_tabs_choice_and_the_next_step_are_not_cut(qtbot, window):
    """The Loop tab's choice (the words above the Advance button) shows every line of it in a
    narrow window, and the time bar's "Next: …" ends in "…" when it does not fit (it was clipped
    mid-word)."""
    w = window
    w.resize(1024, 700)
    start_paused(qtbot, w, "coord_10_lock_fairness")
    panel = w.loop_panel
    while not (panel.choice_box.isVisible() and "Nothing is ready" in panel.choice_label.text()):
        assert fast_step(qtbot, w), "the lesson ended before nothing was ready"
    label = panel.choice_label
    # (the layout follows the label's new height on its next pass)
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()) and
                    panel.advance_button.geometry().top() >= label.geometry().bottom(),
                    timeout=2000)
    assert label.heightForWidth(label.width()) > label.fontMetrics().height()   # (it wraps)
    nxt = w.time_bar.next_label
    assert nxt.fontMetrics().horizontalAdvance(nxt.text()) > nxt.contentsRect().width()
    shown = nxt.fontMetrics().elidedText(nxt.text(), Qt.TextElideMode.ElideRight,
                                         nxt.contentsRect().width())
    assert shown.endswith("…") and nxt.toolTip() == nxt.text()
    stop_run(qtbot, w)
