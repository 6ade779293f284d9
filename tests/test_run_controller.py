"""RunController without a window: start, stop, cancel, restart, shutdown, and what it reports.

A playground loop attached to Qt (``attached_loop``) runs while qtbot waits for signals or
conditions; no widget is shown (the table is folded all the same, and one test gives the
controller a model, as the window does).
"""
from __future__ import annotations

import os
import textwrap

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from asyncio_playground import TaskTable  # noqa: E402
from helpers import TASKGROUP_FAILS  # noqa: E402
from asyncio_playground.ui.run_controller import (PAUSED_AT_START, LoadProblem, RunController,  # noqa: E402
                                                  finished_text, load_failed_text,
                                                  running_text)
from asyncio_playground.ui.task_model import TaskTableModel  # noqa: E402
from asyncio_playground.vocab import LIVE_STATES, RunOutcome, TaskState  # noqa: E402

SHORT = """\
import asyncio

async def fetch(source):
    print("Starting", source)
    await asyncio.sleep(0.05)
    print("Done", source)
    return source

async def main():
    a = asyncio.create_task(fetch("A"), name="fetch-A")
    b = asyncio.create_task(fetch("B"), name="fetch-B")
    await a
    await b

asyncio.run(main())
"""

LONG = """\
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
"""


@pytest.fixture
def controller(qtbot, attached_loop):
    """A RunController on the attached loop; its runs are stopped and awaited at teardown."""
    c = RunController(attached_loop)
    yield c
    runs = c.shutdown()
    qtbot.waitUntil(lambda: all(r.done for r in runs), timeout=5000)
    qtbot.waitUntil(lambda: not c.refresher.is_active(), timeout=2000)   # its last frame ran


@pytest.fixture
def script(tmp_path):
    def write(body, name="lesson.py"):
        path = tmp_path / name
        path.write_text(textwrap.dedent(body))
        return str(path)
    return write


def states(c) -> dict[str, str]:
    return {row.name: row.state for row in c.table.rows} if c.table else {}


def start_long(qtbot, c, path):
    """Start LONG (or a variant at `path`) and wait (on frames) until its three workers wait."""
    with qtbot.waitSignal(c.runStarted, timeout=2000) as started:
        assert c.start(path)
    qtbot.waitUntil(lambda: all(states(c).get(f"worker-{i}") == "waiting" for i in range(3)), timeout=3000)
    return started.args[0]


def test_start_runs_to_the_end_and_reports_the_outcome(qtbot, controller, script):
    statuses = []
    controller.status.connect(statuses.append)
    with qtbot.waitSignal(controller.runFinished, timeout=5000) as finished:
        assert controller.start(script(SHORT))
    assert finished.args == ["completed"]
    run = controller.run
    assert run.done and run.outcome == RunOutcome.COMPLETED and controller.live_runs() == []
    assert len(controller.table.rows) == 3 and set(states(controller).values()) == {"done"}
    assert {"fetch-A", "fetch-B"} <= set(states(controller))
    assert controller.load_error is None
    assert statuses[0] == "Running…"
    assert controller.status_text == statuses[-1] == finished_text(
        "completed", controller.table.started, controller.table.finished)
    assert controller.status_text.startswith("Completed in ") and controller.status_text.endswith(" s")


def test_syntax_error_is_reported_with_its_line_and_nothing_starts(qtbot, controller, script):
    path = script("import asyncio\n\nasync def main(:\n    pass\n")
    with qtbot.assertNotEmitted(controller.runStarted), qtbot.assertNotEmitted(controller.runFinished), \
            qtbot.waitSignal(controller.loadFailed) as failed, \
            qtbot.waitSignal(controller.liveChanged) as live:
        assert not controller.start(path)
    problem = failed.args[0]
    assert isinstance(problem, LoadProblem)
    assert problem.line == 3 and problem.column >= 1 and "SyntaxError" in problem.message
    assert controller.load_error == problem
    assert live.args == [False]
    assert controller.status_text == f"Syntax error at line 3, column {problem.column} — nothing ran"
    assert controller.table.rows == [] and controller.live_runs() == []
    assert not controller.run.done and not controller.run.tracer.events      # never started
    assert not controller.refresher.is_active()


def test_a_load_error_without_a_place(qtbot, controller, script):
    with qtbot.waitSignal(controller.loadFailed) as failed:
        assert not controller.start(script("x = 1\n"))          # nothing to run
    problem = failed.args[0]
    assert problem.line is None and problem.column is None and "nothing to run" in problem.message
    assert controller.status_text == f"Nothing ran: {problem.message}"


def test_stop_mid_run_ends_every_task_cancelled(qtbot, controller, script):
    start_long(qtbot, controller, script(LONG))
    statuses, actions = [], []
    controller.status.connect(statuses.append)
    controller.action.connect(actions.append)
    with qtbot.waitSignal(controller.runFinished, timeout=5000) as finished, \
            qtbot.waitSignal(controller.liveChanged, timeout=5000) as live:
        controller.stop()
        assert statuses == ["Stopping…"]
        assert actions == ["Stop: cancelled 'Task-1', 'worker-0', 'worker-1', 'worker-2'"]
    assert finished.args == ["cancelled"] and live.args == [False]
    assert set(states(controller).values()) == {"cancelled"} and len(states(controller)) == 4
    assert controller.status_text.startswith("Cancelled in ")
    assert controller.live_runs() == []


def test_run_while_running_restarts(qtbot, attached_loop, script):
    model = TaskTableModel()
    c = RunController(attached_loop, model)
    try:
        first = start_long(qtbot, c, script(LONG, "first.py"))
        first_table = c.table
        assert model.rowCount() == 4
        second_path = script(SHORT, "second.py")
        with qtbot.waitSignal(c.runStarted, timeout=2000) as started:
            assert c.start(second_path)
        second = started.args[0]
        assert c.run is second is not first and c.table is not first_table
        assert c.in_run_file(second_path) and not c.in_run_file(first.path)
        assert model.rowCount() == 0                             # the new run's table is on screen
        with qtbot.waitSignal(c.runFinished, timeout=5000) as finished:
            pass
        assert finished.args == ["completed"]
        qtbot.waitUntil(lambda: first.done, timeout=5000)
        old = TaskTable()     # the screen stopped following the first run: fold its whole log
        old.apply(first.tracer.read(0)[0])
        assert first.outcome == "cancelled" and {r.state for r in old.rows} == {"cancelled"}
        assert [model.index(r, model.NAME_COL).data() for r in range(1, model.rowCount())] == \
            ["fetch-A", "fetch-B"]
        assert c.live_runs() == []
    finally:
        runs = c.shutdown()
        qtbot.waitUntil(lambda: all(r.done for r in runs), timeout=5000)
        qtbot.waitUntil(lambda: not c.refresher.is_active(), timeout=2000)


def test_cancel_task_cancels_exactly_one_task(qtbot, controller, script):
    start_long(qtbot, controller, script(LONG))
    tid = next(row.tid for row in controller.table.rows if row.name == "worker-1")
    with qtbot.waitSignal(controller.action, timeout=1000) as logged:
        assert controller.cancel_task(tid, "enough")
    assert logged.args == ["Cancel: cancelled 'worker-1' with message 'enough'"]
    qtbot.waitUntil(lambda: states(controller)["worker-1"] == "cancelled", timeout=3000)
    [req] = controller.table.by_tid[tid].cancel_requests
    assert (req.cause, req.by, req.msg) == ("button", None, "enough")
    assert "ended cancelled (re-raised)" in controller.table.cancel_story(tid)
    others = [row.state for row in controller.table.rows if row.tid != tid]
    assert others == ["waiting"] * 3                         # main and the two other workers
    assert not controller.run.done
    assert not controller.cancel_task(tid)                   # already ended
    assert not controller.cancel_task(999)                   # no such task


def test_running_status_counts_live_tasks(qtbot, controller, script):
    start_long(qtbot, controller, script(LONG))
    with qtbot.waitSignal(controller.status, timeout=2000,
                          check_params_cb=lambda text: text.startswith("Running — 4 live tasks, ")):
        pass
    assert controller.status_text.endswith(" s")


def test_status_texts():
    assert running_text(3, 1.23) == "Running — 3 live tasks, 1.2 s"
    assert running_text(1, 0.0) == "Running — 1 live task, 0.0 s"
    assert finished_text("completed", 10.0, 11.0) == "Completed in 1.00 s"
    assert finished_text(RunOutcome.FAILED, 10.0, 10.25, "Traceback ...\n  ...\nValueError: bad\n") == \
        "Failed in 0.25 s — ValueError: bad"
    assert finished_text("cancelled", None, None) == "Cancelled"
    assert load_failed_text(LoadProblem("boom", 3, 7)) == "Syntax error at line 3, column 7 — nothing ran"
    assert load_failed_text(LoadProblem("x.py: nothing to run", None, None)) == "Nothing ran: x.py: nothing to run"
    # A LoadError without attributes: the place comes from the message's file:line:col.
    assert LoadProblem.from_error(ValueError("x.py:4:2: bad")) == LoadProblem("x.py:4:2: bad", 4, 2)


def test_failure_reports_the_traceback_then_the_outcome(qtbot, controller, script):
    path = script("""\
        import asyncio

        async def main():
            await asyncio.sleep(0)
            raise ValueError('bad')

        asyncio.run(main())
        """)
    seen = []
    controller.runFailed.connect(lambda text: seen.append(("failed", text)))
    controller.runFinished.connect(lambda outcome: seen.append(("finished", outcome)))
    with qtbot.waitSignal(controller.runFinished, timeout=5000):
        controller.start(path)
    assert [kind for kind, _ in seen] == ["failed", "finished"] and seen[1][1] == "failed"
    assert "ValueError: bad" in seen[0][1]
    assert controller.status_text.startswith("Failed in ") and controller.status_text.endswith("ValueError: bad")
    row = controller.table.rows[0]                            # the main task
    assert row.state == TaskState.FAILED and row.exc.type == "ValueError" and row.exc.lineno == 5


def test_shutdown_returns_the_runs_still_unwinding(qtbot, controller, script):
    # A slow finally block: the first run still unwinds when the second starts, until stopped again.
    slow_cleanup = LONG.replace('print(f"cleanup {i}")', 'await asyncio.sleep(30)')
    first = start_long(qtbot, controller, script(slow_cleanup, "first.py"))
    second = start_long(qtbot, controller, script(LONG, "second.py"))
    assert not first.done                     # stopped by the restart, its finally blocks still sleep
    assert controller.live_runs() == [first, second]
    runs = controller.shutdown()
    assert runs == [first, second] and not any(r.done for r in runs)
    qtbot.waitUntil(lambda: all(r.done for r in runs), timeout=5000)
    assert first.outcome == second.outcome == "cancelled"
    assert controller.live_runs() == [] and controller.shutdown() == []


def test_output_block_and_error_signals_carry_the_data_in_order(qtbot, controller, script):
    path = script("""\
        import asyncio
        import gc
        import sys
        import time

        async def chatty():
            print("one")
            print("two", end="")
            print(" three", file=sys.stderr)

        async def blocker():
            time.sleep(0.3)

        async def broken():
            raise ConnectionError("refused")

        async def main():
            await asyncio.create_task(chatty(), name="chatty")
            await asyncio.create_task(blocker(), name="blocker")
            orphan = asyncio.create_task(broken(), name="orphan")
            await asyncio.sleep(0.05)
            del orphan
            gc.collect()
            await asyncio.sleep(0)

        print("module")
        asyncio.run(main())
        """)
    got = []
    controller.output.connect(lambda lines: got.extend(("output",) + line for line in lines))
    controller.blocked.connect(lambda *args: got.append(("blocked",) + args))
    controller.loopError.connect(lambda *args: got.append(("error",) + args))
    with qtbot.waitSignal(controller.runFinished, timeout=8000) as finished:
        controller.start(path)
    assert finished.args == ["completed"]
    outputs = [g[1:] for g in got if g[0] == "output"]
    text = {}
    for task, stream, chunk in outputs:
        text[task, stream] = text.get((task, stream), "") + chunk
    assert text == {(None, "stdout"): "module\n", ("chatty", "stdout"): "one\ntwo",
                    ("chatty", "stderr"): " three\n"}
    assert outputs[0][0] is None                               # module code printed first
    # The blocker's block (a loaded machine can add a short one elsewhere, e.g. in gc.collect()).
    (blocked,) = [g[1:] for g in got if g[0] == "blocked" and g[3] == "blocker"]
    duration, line, task, where = blocked
    assert duration >= 0.25 and line == 12 and task == "blocker" and where is None
    (error,) = [g[1:] for g in got if g[0] == "error"]
    assert error[0] == "orphan" and "never retrieved" in error[1]
    assert "ConnectionError: refused" in error[2]
    kinds = [g[0] for g in got]
    # Each frame sends its outputs, then its blocks, then its errors: here also the order they happened.
    first_block = got.index(("blocked",) + blocked)
    assert first_block < kinds.index("error")
    assert all(kind == "output" for kind in kinds[:first_block] if kind != "blocked")


def test_live_states_come_from_the_vocabulary():
    assert LIVE_STATES == {TaskState.PENDING, TaskState.RUNNING, TaskState.WAITING}


def test_the_controller_imports_no_widgets():
    """QtCore only: the controller (and the frame clock it drives) runs without any widget."""
    import ast
    import pathlib

    import asyncio_playground.ui.refresher as refresher
    import asyncio_playground.ui.run_controller as run_controller
    siblings = {run_controller: {"refresher"}, refresher: set()}   # what each may import from ui/
    for module, allowed in siblings.items():
        tree = ast.parse(pathlib.Path(module.__file__).read_text(encoding="utf-8"))
        imports = [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
        names = {alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
                 for node in imports for alias in node.names}
        assert not {n for n in names if "QtWidgets" in n or "QtGui" in n}, module.__name__
        assert {node.module for node in imports if isinstance(node, ast.ImportFrom) and node.level} == allowed


def test_a_failed_taskgroup_is_named_with_what_it_grouped(qtbot, controller, script):
    with qtbot.waitSignal(controller.runFinished, timeout=5000) as finished:
        controller.start(script(TASKGROUP_FAILS))
    assert finished.args == ["failed"]
    assert "+------------------------------------" in controller.run.error    # the boxes Python drew
    table = controller.table
    assert controller.status_text == (
        f"Failed in {table.finished - table.started:.2f} s — ExceptionGroup: unhandled errors in "
        "a TaskGroup (1 sub-exception): ValueError: bad")


def _raised(raise_it) -> BaseException:
    """What ``raise_it()`` raises."""
    try:
        raise_it()
    except BaseException as exc:   # noqa: BLE001 (any exception: that is the point)
        return exc
    raise AssertionError("nothing was raised")


def test_error_headline_says_the_exception_in_one_line():
    from asyncio_playground._runner import exception_headline

    def chained():
        try:
            raise KeyError("k")
        except KeyError as exc:
            raise ValueError("final") from exc

    def group_after_handling():
        try:
            raise KeyError("k")
        except KeyError:
            raise ExceptionGroup("outer", [ValueError("v\nsecond line"),
                                           ExceptionGroup("inner", [TypeError("t")])])

    def wide():
        raise ExceptionGroup("wide", [ValueError(i) for i in range(20)])

    def after_a_group():
        try:
            raise ExceptionGroup("g", [KeyError(1)])
        except* KeyError:
            raise RuntimeError("after the group")

    def noted():
        exc = ValueError("noted")
        exc.add_note("a note")
        raise exc

    assert exception_headline(_raised(chained)) == "ValueError: final"
    assert exception_headline(_raised(group_after_handling)) == \
        "ExceptionGroup: outer (2 sub-exceptions): ValueError: v; TypeError: t"
    assert exception_headline(_raised(wide)) == \
        "ExceptionGroup: wide (20 sub-exceptions): ValueError: 0; ValueError: 1; ValueError: 2; and 17 more"
    assert exception_headline(_raised(after_a_group)) == "RuntimeError: after the group"
    assert exception_headline(_raised(noted)) == "ValueError: noted"
    assert exception_headline(_raised(lambda: exec("x = (1,\n"))) == "SyntaxError: '(' was never closed"
    assert finished_text("failed", 1.0, 1.5, "SystemExit: exited with 3") == \
        "Failed in 0.50 s — SystemExit: exited with 3"
    assert finished_text("failed", 1.0, 1.5, exception_headline(_raised(wide))).startswith(
        "Failed in 0.50 s — ExceptionGroup: wide (20 sub-exceptions): ValueError: 0;")


def test_the_status_says_paused_while_the_loop_is_paused(qtbot, controller, script):
    loop = controller.loop
    start_long(qtbot, controller, script(LONG))
    loop.pause()
    with qtbot.waitSignal(controller.status, timeout=2000,
                          check_params_cb=lambda text: text.startswith("Paused — 4 live tasks, ")):
        pass
    loop.resume()
    with qtbot.waitSignal(controller.status, timeout=2000,
                          check_params_cb=lambda text: text.startswith("Running — 4 live tasks, ")):
        pass
    assert running_text(4, 1.23, paused=True) == "Paused — 4 live tasks, 1.2 s"


def test_a_run_started_paused_says_it_has_not_taken_its_first_step(qtbot, controller, script):
    loop = controller.loop
    loop.pause()
    try:
        empty = []
        controller.emptyTextChanged.connect(empty.append)
        with qtbot.waitSignal(controller.runStarted, timeout=2000):
            assert controller.start(script(SHORT))
        assert controller.status_text == PAUSED_AT_START
        assert "first step" in controller.empty_text and empty == [controller.empty_text]
        n = controller.refresher.refreshes
        qtbot.waitUntil(lambda: controller.refresher.refreshes > n + 12, timeout=2000)   # 2 status frames
        assert controller.status_text == PAUSED_AT_START and not controller.table.rows
    finally:
        loop.resume()
    qtbot.waitUntil(lambda: controller.empty_text.startswith("Running"), timeout=2000)
    qtbot.waitUntil(lambda: controller.run.done, timeout=5000)
    qtbot.waitUntil(lambda: controller.empty_text == "The run ended (completed).", timeout=2000)


CYCLE = textwrap.dedent("""\
    import asyncio


    async def main():
        tasks = {}

        async def a():
            await asyncio.sleep(0.01)
            await tasks["b"]

        async def b():
            await asyncio.sleep(0.01)
            await tasks["a"]

        tasks["a"] = asyncio.create_task(a(), name="a")
        tasks["b"] = asyncio.create_task(b(), name="b")
        await asyncio.gather(*tasks.values())

    asyncio.run(main())
""")


def test_a_cancel_click_in_an_await_cycle_says_why_it_cannot_land(qtbot, controller, script):
    """a awaits b and b awaits a: a Cancel click on a goes round the circle once (asyncio's own
    cancel() would recurse until RecursionError) and lands nowhere; the log says so and what ends
    them, instead of 'cancelled' with the two left waiting.  Stop still ends them."""
    c = controller
    path = script(CYCLE)
    with qtbot.waitSignal(c.runStarted, timeout=3000):
        assert c.start(path)
    qtbot.waitUntil(lambda: states(c).get("a") == "waiting" and states(c).get("b") == "waiting"
                    and bool(c.table.by_tid[next(r.tid for r in c.table.rows if r.name == "a")].targets),
                    timeout=3000)
    tid = next(row.tid for row in c.table.rows if row.name == "a")
    with qtbot.waitSignal(c.action, timeout=1000) as logged:
        assert c.cancel_task(tid)
    [said] = logged.args
    assert said.startswith("Cancel: cancelled 'a', but it is in an await cycle ('a' → 'b' → 'a')"), said
    assert "RecursionError" in said and "Stop ends them" in said
    assert c.run.tracer.cycle == (tid, tid + 1)
    with qtbot.waitSignal(c.runFinished, timeout=5000):
        c.stop()
    assert set(states(c).values()) == {"cancelled"}
