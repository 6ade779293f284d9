"""The lesson panel's per-lesson state (``LessonPanel.state()`` / ``set_lesson(lesson, state)``):
switching lessons and back loses nothing — the committed prediction, its verdict, what the run
showed, the released "Watch for" paragraph, the quiz — and nothing is checked or compared again.
Widget level: a LessonPanel without a window, real lessons, real (headless) runs."""
from __future__ import annotations

import asyncio
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402

import asyncio_playground as playground  # noqa: E402
from asyncio_playground import lessons  # noqa: E402

BY_SLUG = {lesson.slug: lesson for lesson in lessons.discover()}
SEQUENTIAL = BY_SLUG["basics_01_sequential_await"]     # predict: duration (about 2 s)
CONCURRENT = BY_SLUG["basics_02_concurrent_tasks"]
AS_COMPLETED = BY_SLUG["many_03_as_completed"]         # predict: finish_order
SIBLINGS = BY_SLUG["cancel_06_taskgroup_siblings"]     # predict: end_states

# The panel is shown as a top-level window: offscreen cannot propagate its size hints.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def panel(qtbot):
    from asyncio_playground.ui.lesson_panel import LessonPanel
    panel = LessonPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 900)
    panel.show()
    return panel


def run_lesson(loop, panel, lesson):
    """Start a real run of ``lesson`` (the panel told, as the window tells it); returns the run
    and a function that runs it to its end and returns (table, outcome).  The loop skips idle
    time: a lesson's 2 s of sleeps take a blink, its loop-time durations stay as they are."""
    loop.set_speed(1.0, skip_idle=True)
    run = playground.Run(lesson.path, loop=loop)
    panel.run_started(run)

    def finish(stop_after=None):
        async def go():
            run.start()
            if stop_after is not None:
                loop.call_later(stop_after, run.stop)
            await asyncio.wait_for(run.wait(), 30)
        loop.run_until_complete(go())
        table = playground.TaskTable()
        table.apply(run.tracer.events)
        return table, run.outcome

    return run, finish


def shown(panel):
    """What the panel shows, as text: to compare before and after a switch."""
    box = panel.prediction
    return {"seconds": box.seconds.text() if box.seconds is not None else None,
            "order": box.value() if box.order is not None else None,
            "inputs_enabled": box.inputs.isEnabled(), "committed": box.committed_value(),
            "change": box.change_button.isVisibleTo(panel),
            "commit": box.commit_button.isVisibleTo(panel),
            "status": box.status.text(), "result": box.result.text(),
            "result_shown": box.result.isVisibleTo(panel),
            "point": box.point_button.isVisibleTo(panel),
            "findings": panel.findings.text(), "findings_shown": panel.findings_box.isVisibleTo(panel),
            "text": panel.text.toPlainText(), "quiz": panel.result.text(),
            "quiz_shown": panel.result.isVisibleTo(panel), "check": panel.check_button.isEnabled(),
            "chosen": panel.group.checkedId()}


def test_commit_compare_switch_and_back_shows_the_same_prediction_and_verdict(qtbot, panel,
                                                                               pg_loop):
    panel.set_lesson(SEQUENTIAL)
    box = panel.prediction
    assert box.seconds.text() == "? s"
    box.seconds.setValue(1.0)                          # "about 1 s" (it takes about 2)
    with qtbot.waitSignal(box.committed):
        qtbot.mouseClick(box.commit_button, Qt.MouseButton.LeftButton)
    run, finish = run_lesson(pg_loop, panel, SEQUENTIAL)
    table, outcome = finish()
    with qtbot.waitSignal(box.compared) as compared:
        found = panel.run_finished(run, table, outcome)
    verdict = compared.args[0]
    assert outcome == "completed" and found and all(f.ok for f in found)
    assert not verdict.ok and "✗" in box.result.text()
    assert "the run took 2.0× longer than your guess" in box.result.text()
    assert "Watch for" in panel.text.toPlainText()      # released by the run
    before = shown(panel)

    state = panel.state()
    assert state.slug == SEQUENTIAL.slug and state.prediction.committed == 1.0
    assert state.prediction.comparison is verdict and state.run is run and not state.running
    assert list(state.findings) == found and state.watch_released

    panel.set_lesson(CONCURRENT)                       # another lesson: its own, fresh panel
    assert box.seconds.text() == "? s" and not box.result.isVisibleTo(panel)
    assert panel.findings_list == [] and not panel.findings_box.isVisibleTo(panel)

    with qtbot.assertNotEmitted(box.compared), qtbot.assertNotEmitted(panel.runExplained), \
            qtbot.assertNotEmitted(panel.momentPointed), qtbot.assertNotEmitted(panel.taskPointed):
        panel.set_lesson(SEQUENTIAL, state)
    assert shown(panel) == before
    assert box.seconds.text() == "1.0 s" and box.is_committed() and not box.inputs.isEnabled()
    assert "commit a prediction first" not in box.status.text()
    assert box.comparison is verdict and panel.findings_list == found
    # The window says again what the lesson's last run showed: answered from the state, nothing
    # is checked or compared a second time.
    with qtbot.assertNotEmitted(box.compared):
        assert panel.run_finished(run, table, outcome) == found
    assert shown(panel) == before
    assert panel.state() == state


def test_without_a_state_the_lesson_starts_fresh(qtbot, panel, pg_loop):
    panel.set_lesson(SEQUENTIAL)
    panel.prediction.seconds.setValue(1.0)
    panel.prediction.commit()
    panel.set_lesson(CONCURRENT)
    panel.set_lesson(SEQUENTIAL)                       # None: as on first sight
    assert panel.prediction.seconds.text() == "? s" and not panel.prediction.is_committed()
    assert "Watch for" not in panel.text.toPlainText()


def test_drafts_and_the_quiz_come_back_as_they_were(qtbot, panel):
    panel.set_lesson(AS_COMPLETED)
    box = panel.prediction
    order = box.value()
    box.order.setCurrentRow(2)
    box.move_selected(-2)                              # an uncommitted rearrangement
    draft = box.value()
    assert draft != order and not box.is_committed()
    q = AS_COMPLETED.question
    wrong = [c for c in q["choices"] if c != q["answer"]]
    panel.choose(wrong[0])
    assert panel.check() is False                      # first wrong try: a hint, no answer
    assert not panel.check_button.isEnabled()
    before = shown(panel)
    state = panel.state()
    assert state.quiz.graded == wrong[0] and state.quiz.wrong == 1 and state.quiz.correct is False
    assert state.prediction.draft == tuple(draft) and state.prediction.committed is None

    panel.set_lesson(SIBLINGS)
    picks = {"check-size": "failed", "upload-a": "done"}   # upload-b not picked yet
    for spec, pick in picks.items():
        panel.prediction.combos[spec].setCurrentText(pick)
    assert panel.prediction.value() is None            # incomplete: cannot be committed
    siblings = panel.state()
    assert siblings.prediction.draft == {**picks, "upload-b": None}

    panel.set_lesson(AS_COMPLETED, state)
    assert shown(panel) == before
    assert box.value() == draft and box.inputs.isEnabled() and box.commit_button.isEnabled()
    # The second try goes on where it was: the next wrong answer reveals the answer.
    panel.choose(wrong[1])
    assert panel.check_button.isEnabled()
    assert panel.check() is False and "The answer is" in panel.result.text()

    panel.set_lesson(SIBLINGS, siblings)
    assert {s: c.currentText() for s, c in panel.prediction.combos.items()} == {
        **picks, "upload-b": "— pick —"}
    assert not panel.prediction.commit_button.isEnabled()


def test_a_state_taken_mid_run_shows_the_run_going_on_then_its_findings(qtbot, panel, pg_loop):
    panel.set_lesson(CONCURRENT)
    run, finish = run_lesson(pg_loop, panel, CONCURRENT)
    state = panel.state()
    assert state.running and state.run is run and state.findings == ()
    panel.set_lesson(SEQUENTIAL)
    table, outcome = finish()                          # it ends while another lesson is shown
    panel.set_lesson(CONCURRENT, state)
    assert "Running…" in panel.findings.text() and panel.findings_box.isVisibleTo(panel)
    found = panel.run_finished(run, table, outcome)    # the window passes its end on
    assert found and all(f.ok for f in found)
    assert "All 6 of the lesson's expectations held" in panel.findings.text()
    assert not panel.state().running


def test_a_state_is_shown_only_for_its_own_lesson(panel):
    panel.set_lesson(SEQUENTIAL)
    state = panel.state()
    with pytest.raises(ValueError, match="basics_01_sequential_await"):
        panel.set_lesson(CONCURRENT, state)


def test_a_restored_order_verdict_still_points_at_its_task(qtbot, panel, pg_loop):
    panel.set_lesson(AS_COMPLETED)
    box = panel.prediction
    # The order shown happens to be right: the last one moved to the top makes it wrong.
    box.order.setCurrentRow(2)
    box.move_selected(-2)
    box.commit()
    run, finish = run_lesson(pg_loop, panel, AS_COMPLETED)
    table, outcome = finish()
    panel.run_finished(run, table, outcome)
    verdict = box.comparison
    assert verdict is not None and not verdict.ok
    assert box.point_button.isVisibleTo(panel)
    before = shown(panel)
    state = panel.state()
    panel.set_lesson(SIBLINGS)
    assert box.order is None and not box.point_button.isVisibleTo(panel)
    panel.set_lesson(AS_COMPLETED, state)
    assert shown(panel) == before and box.comparison is verdict
    assert box.committed_value() == state.prediction.committed and not box.inputs.isEnabled()
    with qtbot.waitSignal(panel.taskPointed) as pointed:    # "Show on timeline" still works
        qtbot.mouseClick(box.point_button, Qt.MouseButton.LeftButton)
    assert pointed.args == [verdict.tid]
    # "Change it" drops the verdict: the restored box is a live one.
    qtbot.mouseClick(box.change_button, Qt.MouseButton.LeftButton)
    assert box.inputs.isEnabled() and box.comparison is None and not box.result.isVisibleTo(panel)
    assert panel.state().prediction.draft == tuple(state.prediction.committed)
