"""Predict, then run (issue 12): what a run showed (each expectation ✓ or ✗ in plain words, from
the run's trace), predictions held against the trace, and the quiz's second try — in the engine
(``lessons.explain``, ``lessons.compare``) and in the window (real runs, real clicks and keys)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from asyncio_playground import lessons
from asyncio_playground.events import named

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CREATE_TASK = EXAMPLES / "basics_02_concurrent_tasks.py"
AS_COMPLETED = EXAMPLES / "many_03_as_completed.py"
PREDICTING = [x for x in lessons.discover(EXAMPLES) if x.predict is not None]


def _table(events):
    import asyncio_playground as playground
    table = playground.TaskTable()
    table.apply(events)
    return table


def _trace(*ends):
    """A made-up run: main (tid 1) creates tasks named a, b, c... that end at ``ends`` (None: never),
    each printing its name when it ends."""
    events = [("run", 0.0, "start", "x.py"), ("task", 1, 0.0, None, "Task-1", "main"),
              ("step", 1, 0.0, 0.001)]
    for i, end in enumerate(ends):
        tid, name = i + 2, "abcdefg"[i]
        events += [("task", tid, 0.001, 1, name, "work"), ("step", tid, 0.002, 0.003)]
        if end is not None:
            events += [("output", tid, end, "stdout", f"{name} printed\n"),
                       ("end", tid, end, "done", "None", None)]
    last = max((e for e in ends if e is not None), default=0.0)
    events += [("end", 1, last + 0.01, "done", "None", None),
               ("run", last + 0.02, "end", "completed", None)]
    events = [named(e) for e in events]
    return _table(events), events


# -- the engine: explain() and compare() ---------------------------------------------------------------

def test_explain_says_what_each_check_measured():
    table, events = _trace(1.0, 1.5)
    expect = [{"check": "overlap", "tasks": ["a", "b"]},
              {"check": "order", "tasks": ["b", "a"]},
              {"check": "state", "task": "a", "state": "done"},
              {"check": "duration", "task": "main", "relative_to": "a", "max": 1.2},
              {"check": "outcome", "value": "completed", "python": "<3.0"}]   # not on this Python
    found = lessons.explain(expect, table, events, "completed")
    assert [f.ok for f in found] == [True, False, True, False]
    # The measured overlap: a lived 0.002 -> 1.0, b 0.002 -> 1.5.
    assert found[0].text == "'a' and 'b' ran at the same time for 1.00 s"
    assert found[1].text == ("'a' and 'b' finished in that order (at 1.00 s, 1.50 s); the lesson "
                             "expects 'b' and 'a'")
    assert found[2].text == "'a' ended done"
    assert found[3].text.startswith("main() took 1.51 s, 1.5× the 1.00 s 'a' took; the lesson "
                                    "expects at most 1.2×")
    # The verdicts are the checks' own: check() is the failures of explain(), nothing else.
    assert lessons.check(expect, table, events, "completed") == [
        m for f in found for m in f.failures]


def test_compare_finish_order_names_the_first_divergence():
    table, events = _trace(0.45, 0.15, 0.30)          # b, c, a
    predict = {"kind": "finish_order", "tasks": ["a", "b", "c"]}
    c = lessons.compare(predict, ["b", "a", "c"], table, events)
    assert not c.ok and [i.ok for i in c.items] == [True, False, False]
    assert c.divergence == ("You put 'a' second, but 'c' finished second (at 0.30 s); 'a' "
                            "finished third (at 0.45 s).")
    assert c.tid == table.by_tid[4].tid and c.t == pytest.approx(0.30)
    right = lessons.compare(predict, ["b", "c", "a"], table, events)
    assert right.ok and right.divergence is None and right.tid is None
    # Ends within 2 ms of each other may come in either order.
    tied, tied_events = _trace(1.0, 1.001)
    assert lessons.compare(predict | {"tasks": ["a", "b"]}, ["b", "a"], tied, tied_events).ok
    with pytest.raises(ValueError, match="no task matches 'zed'"):
        lessons.compare(predict, ["zed", "a"], table, events)


def test_compare_end_states_duration_and_output_order():
    table, events = _trace(0.2, None)
    states = lessons.compare({"kind": "end_states", "tasks": ["a", "b"]},
                             {"a": "done", "b": "cancelled"}, table, events)
    assert [i.ok for i in states.items] == [True, False]
    assert states.divergence == ("You said 'b' would end cancelled; it was still pending when "
                                 "the run ended.")
    table, events = _trace(1.0, 2.0)
    near = lessons.compare({"kind": "duration"}, 2.2, table, events)   # span 2.01 s, ±0.5 s
    far = lessons.compare({"kind": "duration"}, 1.0, table, events)
    assert near.ok and not far.ok
    assert far.divergence.startswith("You said about 1 s; the run's tasks took 2.01 s")
    out = lessons.compare({"kind": "output_order", "lines": ["a printed", "b printed"]},
                          ["b printed", "a printed"], table, events)
    assert not out.ok
    assert out.divergence == "You put 'b printed' first, but 'a printed' came first (by 'a' at 1.00 s)."


def test_prediction_tables_are_validated(tmp_path):
    (tmp_path / "basics_01_x.py").write_text("import asyncio\n")
    (tmp_path / "basics_01_x.md").write_text(
        '+++\n[[expect]]\ncheck = "outcome"\nvalue = "completed"\n\n[predict]\n'
        'kind = "finish_order"\ntasks = ["only-one"]\ncolour = 2\n+++\n# X\n\ntext\n')
    problems = lessons.validate(lessons.load(tmp_path / "basics_01_x.py"))
    assert [p.split(": ", 1)[1] for p in problems] == [
        "predict finish_order: needs at least two to put in order",
        "predict finish_order: unknown key 'colour' (known: tasks, ask, explain)"]
    assert problems[1].split(": ")[0].endswith("basics_01_x.md:9")
    (tmp_path / "basics_01_x.md").write_text(
        '+++\n[predict]\nkind = "guess"\n+++\n# X\n\ntext\n')
    [problem] = lessons.validate(lessons.load(tmp_path / "basics_01_x.py"))
    assert problem.endswith("basics_01_x.md:3: predict: kind 'guess' is not one of: "
                            "finish_order, end_states, duration, output_order")


def test_at_least_twelve_lessons_ask_for_a_prediction_across_the_groups():
    assert len(PREDICTING) >= 12
    assert {"Basics", "Many at once", "Time", "Cancellation", "Errors"} <= {
        x.group for x in PREDICTING}
    for lesson in PREDICTING:
        order = lessons.predictions.choices(lesson.predict, lesson.slug)
        listed = lesson.predict.get("tasks", lesson.predict.get("lines"))
        if lesson.predict["kind"].endswith("_order"):
            assert sorted(order) == sorted(listed) and order != listed   # shuffled, never as listed


# -- the window --------------------------------------------------------------------------------------

def _run(qtbot, w, timeout=8000):
    with qtbot.waitSignal(w.runFinished, timeout=timeout) as finished:
        qtbot.keyClick(w, Qt.Key.Key_F5)                  # the Run shortcut
    return finished.args[0]


def _marks(panel):
    return [f.ok for f in panel.findings_list]


def test_create_task_run_shows_its_expectations_ticked(qtbot, make_window):
    w = make_window()
    assert w.open_path(str(CREATE_TASK))
    panel = w.lesson_panel
    assert panel.findings_box.isHidden()                 # nothing to say before a run
    assert _run(qtbot, w) == "completed"
    lesson = lessons.load(CREATE_TASK)
    assert len(panel.findings_list) == len(lesson.expect) and all(_marks(panel))
    shown = panel.findings.text()
    assert shown.count("✓") == len(lesson.expect) and "✗" not in shown
    assert "All 6 of the lesson's expectations held" in shown
    m = re.search(r"'fetch-A' and 'fetch-B' ran at the same time for (\d\.\d\d) s", shown)
    a, b = (next(r for r in w.table.rows if r.name == n) for n in ("fetch-A", "fetch-B"))
    measured = min(a.ended, b.ended) - max(a.first_start, b.first_start)
    assert m and float(m.group(1)) == pytest.approx(measured, abs=0.006)
    assert panel.findings_box.isVisible()


def test_awaiting_each_task_before_the_next_turns_the_overlap_into_a_cross(qtbot, make_window):
    w = make_window()
    assert w.open_path(str(CREATE_TASK))
    # The learner's edit: await fetch-A before fetch-B is even created.
    line = '    task_a = asyncio.create_task(fetch("source_A"), name="fetch-A")'
    doc = w.editor.document()
    block = doc.find(line).block()
    cursor = QTextCursor(block)
    cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
    w.editor.setTextCursor(cursor)
    w.editor.setFocus()
    qtbot.keyClick(w.editor, Qt.Key.Key_Return)
    qtbot.keyClicks(w.editor, "await task_a")
    assert "    await task_a\n" in w.editor.toPlainText()
    assert _run(qtbot, w) == "completed"
    panel = w.lesson_panel
    by_check = {f.check: f for f in panel.findings_list}
    assert not by_check["overlap"].ok and not by_check["duration"].ok
    assert by_check["outcome"].ok and by_check["all_states"].ok   # a result, not an error
    a, b = (next(r for r in w.table.rows if r.name == n) for n in ("fetch-A", "fetch-B"))
    gap = b.first_start - a.ended
    text = by_check["overlap"].text
    m = re.fullmatch(r"'fetch-A' and 'fetch-B' ran one after another: 'fetch-B' started "
                     r"([\d.]+) (ms|s) after 'fetch-A' ended \(at [\d.]+ s\)", text)
    assert m, text
    shown_gap = float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
    assert shown_gap == pytest.approx(gap, abs=0.0006)
    shown = panel.findings.text()
    assert "✗" in shown and "Your edited code did something else" in shown
    assert re.search(r"main\(\) took 2\.\d\d s, 2\.0× the 1\.\d\d s 'fetch-B' took", shown)


def _order(box):
    return [box.order.item(i).text() for i in range(box.order.count())]


def _arrange(qtbot, box, wanted):
    """Put the order list in ``wanted`` order the way a learner without a mouse would: select an
    item, Alt+Up / the ↑ button until it is in place."""
    for place, name in enumerate(wanted):
        row = _order(box).index(name)
        box.order.setCurrentRow(row)
        for step in range(row - place):
            if step % 2:
                qtbot.mouseClick(box.up_button, Qt.MouseButton.LeftButton)
            else:
                box.order.setFocus()
                qtbot.keyClick(box.order, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert _order(box) == wanted


def test_finish_order_prediction_is_checked_against_the_trace(qtbot, make_window):
    w = make_window()
    assert w.open_path(str(AS_COMPLETED))
    box = w.lesson_panel.prediction
    assert box.isVisible() and box.order is not None
    assert not box.result.isVisible()
    # A wrong prediction: creation order.
    _arrange(qtbot, box, ["probe-asia", "probe-eu", "probe-us"])
    with qtbot.waitSignal(box.committed):
        qtbot.mouseClick(box.commit_button, Qt.MouseButton.LeftButton)
    assert not box.inputs.isEnabled() and box.change_button.isVisible()
    with qtbot.waitSignal(box.compared, timeout=8000) as compared:
        qtbot.keyClick(w, Qt.Key.Key_F5)
    c = compared.args[0]
    finished = sorted((r for r in w.table.rows if r.name.startswith("probe-")),
                      key=lambda r: r.ended)
    first = finished[0]
    assert not c.ok and c.tid == first.tid
    assert c.divergence.startswith(f"You put 'probe-asia' first, but '{first.name}' finished "
                                   "first (at ")
    shown = box.result.text()
    assert "First difference" in shown and "You predicted" in shown and "The run showed" in shown
    # The first divergence is highlighted: its task is selected in the table and on the timeline.
    assert w.task_view.selected_tid() == first.tid
    assert box.point_button.isVisible()
    # ...and its moment is marked on the timeline.
    assert c.t is not None and w.timeline.marked_time() == (c.t, "your prediction and the run differ")
    # Now the order the trace showed: every line agrees.
    qtbot.mouseClick(box.change_button, Qt.MouseButton.LeftButton)
    assert box.inputs.isEnabled() and not box.result.isVisible()
    _arrange(qtbot, box, [r.name for r in finished])
    qtbot.mouseClick(box.commit_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(box.compared, timeout=8000) as compared:
        qtbot.keyClick(w, Qt.Key.Key_F5)
    again = sorted((r for r in w.table.rows if r.name.startswith("probe-")), key=lambda r: r.ended)
    assert [r.name for r in again] == [r.name for r in finished]
    assert compared.args[0].ok and "matched the run" in box.result.text()


def test_a_run_without_a_committed_prediction_is_not_compared(qtbot, make_window):
    w = make_window()
    assert w.open_path(str(AS_COMPLETED))
    box = w.lesson_panel.prediction
    assert not box.commit_button.isEnabled() or box.value() is not None
    # "Watch for" says what happens, so it waits until the learner has run the lesson.
    text = w.lesson_panel.text.toPlainText()
    assert "Watch for" not in text and "probe-eu first" not in text and "predict first" in text
    assert _run(qtbot, w) == "completed"
    text = w.lesson_panel.text.toPlainText()
    assert "Watch for: the probe-* lanes ending one by one" in text and "predict first" not in text
    assert box.comparison is None and not box.result.isVisible()
    assert "commit a prediction first" in box.status.text()
    assert all(_marks(w.lesson_panel))                   # the expectations are still shown


def test_end_states_prediction_with_drop_downs(qtbot, make_window):
    w = make_window()
    assert w.open_path(str(EXAMPLES / "cancel_06_taskgroup_siblings.py"))
    box = w.lesson_panel.prediction
    assert set(box.combos) == {"check-size", "upload-a", "upload-b"}
    assert not box.commit_button.isEnabled()             # every task needs a pick
    for spec, state in (("check-size", "failed"), ("upload-a", "done"), ("upload-b", "cancelled")):
        combo = box.combos[spec]
        combo.setFocus()
        while combo.currentText() != state:
            qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert box.commit_button.isEnabled()
    qtbot.mouseClick(box.commit_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(box.compared, timeout=8000) as compared:
        qtbot.keyClick(w, Qt.Key.Key_F5)
    c = compared.args[0]
    upload_a = next(r for r in w.table.rows if r.name == "upload-a")
    assert [i.ok for i in c.items] == [True, upload_a.state == "done", True]
    assert c.divergence.startswith("You said 'upload-a' would end done; it ended cancelled at ")
    assert "TaskGroup" in c.divergence                   # its cancellation story, in words


def test_a_wrong_quiz_answer_gets_a_second_try_by_clicking(qtbot, make_window):
    w = make_window()
    assert w.open_path(str(CREATE_TASK))
    panel = w.lesson_panel
    q = lessons.load(CREATE_TASK).question
    buttons = panel.group.buttons()
    wrong = [i for i, c in enumerate(q["choices"]) if c != q["answer"]]
    right = q["choices"].index(q["answer"])
    qtbot.waitUntil(lambda: all(b.isVisible() for b in buttons))    # shown on the next turn
    panel.scroll.ensureWidgetVisible(buttons[wrong[0]])
    qtbot.mouseClick(buttons[wrong[0]], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.answered) as answered:
        qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    assert answered.args == [False]
    assert "try again" in panel.result.text() and q["answer"][:20] not in panel.result.text()
    assert "Watch for" in lessons.load(EXAMPLES / "basics_05_naming_tasks.py").text
    w.open_path(str(EXAMPLES / "basics_05_naming_tasks.py"))     # no prediction: nothing held back
    assert "Watch for" in panel.text.toPlainText()
    w.open_path(str(CREATE_TASK))
    buttons = panel.group.buttons()
    qtbot.waitUntil(lambda: all(b.isVisible() for b in buttons))
    qtbot.mouseClick(buttons[wrong[0]], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    assert not panel.check_button.isEnabled()
    qtbot.mouseClick(buttons[right], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(panel.answered) as answered:
        qtbot.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    assert answered.args == [True] and "Correct" in panel.result.text()


def test_explain_reads_the_log_only_for_checks_that_need_it():
    """Issue 14: a run's end asked for every record by name (>1 s for a 10,000-task run) even when
    the lesson checks nothing, or only the table."""
    table, events = _trace(1.0, 1.5)

    class Untouchable(list):
        def __iter__(self):
            raise AssertionError("the log was read")

    log = Untouchable(events)
    assert lessons.explain([], table, log, "completed") == []
    assert lessons.explain([{"check": "outcome", "value": "completed", "python": "<3.0"}],
                           table, log, "completed") == []      # none applies on this Python
    found = lessons.explain([{"check": "state", "task": "a", "state": "done"}], table, log, "completed")
    assert [f.ok for f in found] == [True]
    # A check that reads the log still sees all of it.
    found = lessons.explain([{"check": "overlap", "tasks": ["a", "b"]}], table, events, "completed")
    assert found[0].text == "'a' and 'b' ran at the same time for 1.00 s"


# -- texts that must not mislead ----------------------------------------------------------------------

def test_a_missed_duration_is_said_from_the_longer_side():
    table, events = _trace(1.0, 2.0)                     # the run's tasks take 2.01 s
    short = lessons.compare({"kind": "duration"}, 1.0, table, events)
    assert "(the run took 2.0× longer than your guess; within 0.50 s counts as right)" in \
        short.divergence
    long = lessons.compare({"kind": "duration"}, 4.0, table, events)
    assert "(your guess was 2.0× longer than the run took; within" in long.divergence
    assert "shorter" not in short.divergence + long.divergence
    task = lessons.compare({"kind": "duration", "task": "b"}, 0.5, table, events)   # b: 2.0 s
    assert task.divergence.startswith("You said about 0.5 s; 'b' took 2.00 s ('b' took 4.0× "
                                      "longer than your guess;")
    # A miss that a ratio would round to 1.0× is said in seconds.
    table, events = _trace(1.0, 10.0)                    # 10.01 s
    tight = lessons.compare({"kind": "duration", "tolerance": 0.01}, 10.3, table, events)
    assert "(your guess was 0.29 s longer than the run took;" in tight.divergence


def test_a_first_wrong_answer_says_where_to_look_without_the_answer(qtbot):
    from asyncio_playground.ui.lesson_panel import LessonPanel
    panel = LessonPanel()
    qtbot.addWidget(panel)
    lesson = lessons.load(CREATE_TASK)
    panel.set_lesson(lesson)
    q = lesson.question
    panel.choose(next(c for c in q["choices"] if c != q["answer"]))
    assert panel.check() is False
    said = panel.result.text()
    assert "Hint" in said and "lesson text above" in said and "What the run showed" in said
    assert "try again" in said and q["answer"][:20] not in said and "answer is" not in said
    # A lesson this Python cannot run is not sent to its run for the hint.
    call_graph = lessons.load(EXAMPLES / "intro_04_call_graph.py")
    if lessons.why_cannot_run(call_graph):
        panel.set_lesson(call_graph)
        panel.choose(next(c for c in call_graph.question["choices"]
                          if c != call_graph.question["answer"]))
        assert panel.check() is False
        assert "lesson text above" in panel.result.text() and "F5" not in panel.result.text()


def _lesson(expect, **keys):
    return lessons.Lesson(path=Path("basics_09_x.py"), slug="basics_09_x", group="Basics",
                          title="X", order=9, text="", expect=tuple(expect), **keys)


def test_a_busy_machine_is_named_only_for_timings_a_little_late():
    table, events = _trace(1.0, 1.5)                     # main lives 1.51 s, 1.5× 'a'
    late = {"check": "duration", "task": "main", "relative_to": "a", "max": 1.2}
    cause = lessons.likely_cause(_lesson([late]), table, events, "completed")
    assert cause.kind == "load" and "busy machine" in cause.text
    way_late = dict(late, max=0.7)                       # 1.5× where 0.7× was the most
    assert lessons.likely_cause(_lesson([way_late]), table, events, "completed") is None
    too_quick = {"check": "duration", "task": "main", "relative_to": "a", "min": 2.0}
    assert lessons.likely_cause(_lesson([too_quick]), table, events, "completed") is None
    near_tie = {"check": "order", "tasks": ["b", "a"]}   # 0.5 s apart: not a near tie
    assert lessons.likely_cause(_lesson([near_tie]), table, events, "completed") is None
    not_timing = {"check": "state", "task": "b", "state": "cancelled"}
    assert lessons.likely_cause(_lesson([late, not_timing]), table, events, "completed") is None
    assert lessons.likely_cause(_lesson([dict(late, max=2.0)]), table, events, "completed") is None
    # The panel's heading: the busy machine for the lesson as shipped, the edit for edited code.
    from asyncio_playground.ui.lesson_panel import LessonPanel
    found = lessons.explain([late], table, events, "completed")
    assert "a busy machine can cause" in LessonPanel._findings_html(found, False, cause)
    edited = LessonPanel._findings_html(found, True, cause)
    assert "Your edited code did something else" in edited and "busy" not in edited


def _headless(loop, path, network="offline", stop_after=None, skip_idle=True, later=None):
    """A real run of ``path`` to its end (``stop_after`` seconds: Stop; ``later``: (seconds,
    function of the run) called then); returns (run, table)."""
    import asyncio

    import asyncio_playground as playground
    loop.set_speed(1.0, skip_idle=skip_idle)     # a lesson's seconds of sleep take a blink
    run = playground.Run(path, loop=loop, network=network)

    async def go():
        run.start()
        if stop_after is not None:
            loop.call_later(stop_after, run.stop)
        if later is not None:
            loop.call_later(later[0], later[1], run)
        await asyncio.wait_for(run.wait(), 30)

    loop.run_until_complete(go())
    return run, _table(run.tracer.events)


def _explained(qtbot, loop, lesson, **how):
    """A LessonPanel showing ``lesson`` after a real run of it: the run, and the panel."""
    from asyncio_playground.ui.lesson_panel import LessonPanel
    panel = LessonPanel()
    qtbot.addWidget(panel)
    panel.set_lesson(lesson)
    run, table = _headless(loop, lesson.path, **how)
    panel.run_finished(run, table, run.outcome)
    return run, table, panel


def test_a_stopped_run_says_it_was_stopped(qtbot, pg_loop):
    lesson = lessons.load(CREATE_TASK)
    run, table, panel = _explained(qtbot, pg_loop, lesson, stop_after=0.3)
    assert run.outcome == "cancelled"
    shown = panel.findings.text()
    assert "expectations did not hold: the run was stopped before its end." in shown
    assert "busy" not in shown
    cause = lessons.likely_cause(lesson, table, run.tracer.events, run.outcome)
    assert cause.kind == "stopped"


def test_a_task_cancelled_from_the_window_is_named(qtbot, pg_loop):
    def cancel_fetch_a(run):          # what a click on the row's Cancel does
        tid = next(t for t, task in run.tracer.live.items() if task.get_name() == "fetch-A")
        assert run.cancel_task(tid)

    lesson = lessons.load(CREATE_TASK)
    run, table, panel = _explained(qtbot, pg_loop, lesson, later=(0.3, cancel_fetch_a))
    shown = panel.findings.text()
    assert "expectations did not hold: you cancelled 'fetch-A' from the window." in shown
    assert "busy" not in shown
    assert lessons.likely_cause(lesson, table, run.tracer.events, run.outcome).kind == "cancelled"


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="this Python runs the call-graph lesson")
def test_a_lesson_this_python_cannot_run_says_so_not_busy(qtbot, pg_loop):
    lesson = lessons.load(EXAMPLES / "intro_04_call_graph.py")
    run, table, panel = _explained(qtbot, pg_loop, lesson)
    assert run.outcome == "completed"      # the script says what it needs and exits (issue 26)
    shown = panel.findings.text()
    this = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert (f"expectations did not hold: this Python ({this}) cannot run the lesson: it needs "
            "Python 3.14+.") in shown
    assert "busy" not in shown and "stopped" not in shown
    assert panel.note.text().startswith("This Python cannot run this lesson: it needs Python "
                                        "3.14+. To run it, install Python 3.14 or newer")


NETWORK_LESSON = '''\
import asyncio

import httpx


async def fetch():
    async with httpx.AsyncClient() as client:
        return (await client.get("http://127.0.0.1:{port}/")).status_code


async def main():
    print(await asyncio.create_task(fetch(), name="fetch"))


asyncio.run(main())
'''


def test_a_network_failure_is_named_with_what_to_try(qtbot, pg_loop, tmp_path):
    import socket
    with socket.socket() as s:                           # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "basics_09_fetch.py").write_text(NETWORK_LESSON.format(port=port))
    (tmp_path / "basics_09_fetch.md").write_text(
        '+++\nneeds = { modules = ["httpx"] }\n\n[[expect]]\ncheck = "outcome"\nvalue = '
        '"completed"\n\n[[expect]]\ncheck = "state"\ntask = "fetch"\nstate = "done"\n+++\n'
        "# Fetch\n\nOne request.\n")
    lesson = lessons.load(tmp_path / "basics_09_fetch.py")
    assert lessons.validate(lesson) == []
    run, table, panel = _explained(qtbot, pg_loop, lesson, network="live", skip_idle=False)
    assert run.outcome == "failed"
    shown = panel.findings.text()
    assert "2 of 2 expectations did not hold: the run failed on the network (ConnectError" in shown
    assert "Live" in shown and "is this machine online?" in shown and "busy" not in shown
    cause = lessons.likely_cause(lesson, table, run.tracer.events, run.outcome, error=run.error,
                                 network="live")
    assert cause.kind == "network" and cause.text.startswith("the run failed on the network "
                                                             "(ConnectError")


def test_a_plain_failure_blames_nothing_outside_the_code(qtbot, pg_loop, tmp_path):
    (tmp_path / "basics_09_boom.py").write_text(
        "import asyncio\n\nasync def boom():\n    raise ValueError('no')\n\nasync def main():\n"
        "    t = asyncio.create_task(boom(), name='boom')\n    await asyncio.sleep(0.1)\n"
        "    print(t.exception())\n\nasyncio.run(main())\n")
    (tmp_path / "basics_09_boom.md").write_text(
        '+++\n[[expect]]\ncheck = "outcome"\nvalue = "completed"\n\n[[expect]]\ncheck = "state"\n'
        'task = "boom"\nstate = "done"\n+++\n# Boom\n\nA task fails.\n')
    lesson = lessons.load(tmp_path / "basics_09_boom.py")
    run, table, panel = _explained(qtbot, pg_loop, lesson)
    assert run.outcome == "completed"
    shown = panel.findings.text()
    assert "1 of 2 expectations did not hold in this run; ✗ says what happened instead." in shown
    assert "busy" not in shown and "stopped" not in shown
    assert lessons.likely_cause(lesson, table, run.tracer.events, run.outcome) is None
