"""You are the scheduler (issue 24): every step taken while paused is recorded in the run's
schedule, and a file run again on a schedule (``Scheduler``, ``run --schedule``) takes the same
steps in the same order on the same loop times: the same trace."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

import asyncio_playground as playground
from asyncio_playground import loopstate
from asyncio_playground.replay import load_run, save_run
from asyncio_playground.schedule import (ScheduleError, Scheduler, load_schedule, parse_schedule,
                                         run_on_schedule, schedule_of, start_on_schedule)

SHOP = """
    import asyncio

    async def shopper(name, items):
        for item in items:
            await asyncio.sleep(0.1)
            print(f"{name} took {item}")

    async def main():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(shopper("ann", ["bread", "milk"]), name="ann")
            tg.create_task(shopper("bob", ["tea"]), name="bob")
            tg.create_task(shopper("cy", ["jam", "eggs"]), name="cy")
        print("closed")

    asyncio.run(main())
"""


def write(tmp_path, source=SHOP, name="lesson.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def run_on(loop, path, schedule=(), **options):
    """Run ``path`` on ``schedule`` to its end; (run, scheduler)."""
    run = playground.Run(path, loop=loop)
    scheduler = loop.run_until_complete(run_on_schedule(run, schedule, **options))
    return run, scheduler


def output(run) -> str:
    return "".join(ev[4] for ev in run.tracer.events if ev[0] == "output")


def normalised(run) -> list:
    """The run's trace with its loop times made relative to its start (rounded): two runs that
    took the same steps in the same order at the same loop times give the same list."""
    start = next(ev[1] for ev in run.tracer.events if ev[0] == "run")

    def norm(value):
        if isinstance(value, float):
            return round(value - start, 6)
        if isinstance(value, (tuple, list)):
            return tuple(norm(v) for v in value)
        return value

    return [norm(tuple(ev)) for ev in run.tracer.events]


def loop_is_let_go(loop) -> bool:
    return not loop.paused and loop.step_policy is None and not any(
        getattr(f, "__self__", None).__class__ is Scheduler for f in loop.clock_listeners)


# -- the format --------------------------------------------------------------------------------

def test_a_schedule_is_read_and_checked():
    assert parse_schedule(["main", {"run": "w", "nth": 2}, {"advance": True}, {"advance": 0.5},
                           {"step": 7, "call": "print()", "fifo": "'w'"}]) == [
        {"run": "main"}, {"run": "w", "nth": 2}, {"advance": True}, {"advance": 0.5},
        {"step": 7, "call": "print()"}]
    assert parse_schedule({"schedule": ["a"]}) == [{"run": "a"}]
    assert parse_schedule([{"step": 3, "advance": True}, {"step": 3, "run": "a"}]) == [
        {"step": 3, "advance": True}, {"step": 3, "run": "a"}]
    bad = {
        "a string": ("main", "a list of choices"),
        "a number": ([3], "choice 1: a task's name or a table"),
        "no kind": ([{"step": 1}], "give one of run, call or advance (got none)"),
        "two kinds": ([{"run": "a", "call": "b"}], "(got run, call)"),
        "unknown key": ([{"run": "a", "when": 1}], "unknown key 'when'"),
        "empty name": ([{"run": " "}], "run must be a task's name"),
        "nth 0": ([{"run": "a", "nth": 0}], "nth must be a whole number >= 1"),
        "advance false": ([{"advance": False}], "advance is true (to the next timer) or a number"),
        "advance inf": ([{"advance": float("inf")}], "advance is true"),
        "step 0": ([{"step": 0, "run": "a"}], "step must be a whole number >= 1"),
        "backwards": ([{"step": 3, "run": "a"}, {"step": 3, "run": "b"}],
                      "choice 2: step 3 comes after step 3"),
    }
    for what, (data, message) in bad.items():
        with pytest.raises(ScheduleError, match=None) as caught:
            parse_schedule(data)
        assert message in str(caught.value), what


def test_load_schedule_reads_lists_objects_and_saved_runs(tmp_path):
    (tmp_path / "list.json").write_text('["main", {"advance": true}]')
    (tmp_path / "object.json").write_text('{"schedule": ["main"]}')
    (tmp_path / "broken.json").write_text('["main"')
    (tmp_path / "wrong.json").write_text('[{"run": "main", "nth": -1}]')
    assert load_schedule(tmp_path / "list.json") == [{"run": "main"}, {"advance": True}]
    assert load_schedule(tmp_path / "object.json") == [{"run": "main"}]
    with pytest.raises(ScheduleError, match="broken.json is not JSON"):
        load_schedule(tmp_path / "broken.json")
    with pytest.raises(ScheduleError, match="wrong.json: choice 1: nth must be"):
        load_schedule(tmp_path / "wrong.json")
    with pytest.raises(ScheduleError, match="cannot read"):
        load_schedule(tmp_path / "missing.json")


# -- replaying ----------------------------------------------------------------------------------

def test_asyncio_order_stepped_on_loop_time(pg_loop, tmp_path):
    """An empty schedule: asyncio's order, each step taken and recorded, the clock moving only by
    jumps to the next timer -- 0.2 s of sleeps take no wall time, and end at exactly 0.2 s."""
    path = write(tmp_path)
    wall = time.monotonic()
    run, scheduler = run_on(pg_loop, path)
    assert time.monotonic() - wall < 5
    assert scheduler.error is None and scheduler.applied == 0 and scheduler.finished
    assert run.outcome == "completed"
    assert output(run) == ("ann took bread\nbob took tea\ncy took jam\nann took milk\n"
                           "cy took eggs\nclosed\n")
    taken = schedule_of(run)
    assert [c["step"] for c in taken] == list(range(1, len(taken) + 1))
    assert [c["run"] for c in taken[:4]] == ["Task-1", "ann", "bob", "cy"]
    assert not any("fifo" in c for c in taken)          # asyncio's own choice every time
    table = playground.TaskTable()
    table.apply(run.tracer.events)
    rows = {row.name: row for row in table.rows}
    assert round(rows["ann"].ended - rows["ann"].created, 9) == 0.2
    assert loop_is_let_go(pg_loop)


def test_a_schedule_chooses_the_steps_and_replaying_its_record_gives_the_same_trace(pg_loop, tmp_path):
    path = write(tmp_path)
    # cy first; then, while ann's and bob's first sleeps are over, the clock on to the next timer
    choices = ["main", "cy", "bob", "ann", {"advance": True}, "cy", "bob"]
    run, scheduler = run_on(pg_loop, path, choices)
    assert scheduler.error is None and scheduler.applied == len(choices)
    assert output(run).splitlines()[:2] == ["cy took jam", "bob took tea"]
    taken = schedule_of(run)
    assert taken[1] == {"step": 2, "run": "cy", "fifo": "'ann'"}
    assert taken[4]["advance"] is True and taken[4]["step"] == 5 and taken[4]["by"] > 0
    json.dumps(taken)                                   # JSON as it is
    again, scheduler = run_on(pg_loop, path, taken)      # the record, replayed
    assert scheduler.error is None and scheduler.applied == len(taken)
    assert schedule_of(again) == taken
    assert normalised(again) == normalised(run)
    third, _ = run_on(pg_loop, path, choices)            # the short form, again
    assert normalised(third) == normalised(run)
    assert loop_is_let_go(pg_loop)


def test_a_step_number_waits_for_its_point(pg_loop, tmp_path):
    path = write(tmp_path)
    run, scheduler = run_on(pg_loop, path, [{"step": 5, "run": "cy"}])
    taken = schedule_of(run)
    assert [c["run"] for c in taken[:5]] == ["Task-1", "ann", "bob", "cy", "cy"]   # FIFO until 5
    assert taken[4] == {"step": 5, "run": "cy", "fifo": "'ann'"}       # the sleeps ended: all ready
    assert scheduler.applied == 1 and scheduler.error is None


def test_a_choice_that_does_not_fit_says_which_step_and_what_was_ready(pg_loop, tmp_path):
    path = write(tmp_path)
    run, scheduler = run_on(pg_loop, path, ["main", "ann", "ann"])
    assert str(scheduler.error) == ("schedule step 3: 'ann' has no step ready then (ready: 'bob', "
                                    "'cy')")
    assert run.outcome == "cancelled"                    # the run was stopped there
    assert "took" not in output(run)                     # nothing ran past the refused step
    assert loop_is_let_go(pg_loop)
    run, scheduler = run_on(pg_loop, path, ["main", "dora"])
    assert "'dora' has no step ready then (ready: 'ann', 'bob', 'cy')" in str(scheduler.error)
    quiet = write(tmp_path, """
        import asyncio

        async def main():
            print("no timers here")

        asyncio.run(main())
    """, "quiet.py")
    run, scheduler = run_on(pg_loop, quiet, ["main", {"advance": True}])
    assert str(scheduler.error) == "schedule step 2: advance the clock, but no timer is scheduled"


def test_tasks_of_one_name_are_told_apart_by_creation_order(pg_loop, tmp_path):
    path = write(tmp_path, """
        import asyncio

        async def work(n):
            await asyncio.sleep(0)
            print(f"worker {n}")

        async def main():
            await asyncio.gather(*(asyncio.create_task(work(n), name="worker") for n in (1, 2, 3)))

        asyncio.run(main())
    """)
    run, scheduler = run_on(pg_loop, path, ["main", {"run": "worker", "nth": 3}, "worker",
                                            {"run": "worker", "nth": 2}, {"run": "worker", "nth": 3}])
    assert scheduler.error is None
    assert output(run) == "worker 3\nworker 1\nworker 2\n"
    taken = schedule_of(run)
    assert taken[1] == {"step": 2, "run": "worker", "nth": 3, "fifo": "'worker' (#1)"}
    again, _ = run_on(pg_loop, path, taken)
    assert normalised(again) == normalised(run)


def test_a_lesson_callback_is_a_choice_too(pg_loop, tmp_path):
    path = write(tmp_path, """
        import asyncio

        async def other():
            print("task")

        async def main():
            loop = asyncio.get_running_loop()
            t = asyncio.create_task(other(), name="other")
            loop.call_soon(print, "callback")
            await t

        asyncio.run(main())
    """)
    fifo, _ = run_on(pg_loop, path)
    assert output(fifo) == "task\ncallback\n"
    run, scheduler = run_on(pg_loop, path, ["main", {"call": "print()"}])
    assert scheduler.error is None and output(run) == "callback\ntask\n"
    assert schedule_of(run)[1] == {"step": 2, "call": "print()", "fifo": "'other'"}


def test_clock_and_timeouts_follow_the_schedule_not_the_wall_clock(pg_loop, tmp_path):
    path = write(tmp_path, """
        import asyncio

        async def slow():
            await asyncio.sleep(30)
            return "late"

        async def main():
            loop = asyncio.get_running_loop()
            t = loop.time()
            try:
                print(await asyncio.wait_for(slow(), 60))
            except TimeoutError:
                print("timed out")
            print(f"{loop.time() - t:.3f} s of loop time")

        asyncio.run(main())
    """)
    wall = time.monotonic()
    run, _ = run_on(pg_loop, path)
    assert output(run) == "late\n30.000 s of loop time\n"
    assert time.monotonic() - wall < 5
    # Once slow() sleeps (after main's first step; on 3.11 wait_for runs it as a task of its own:
    # after its first step too), the clock on to the sleep's end (30 s), then to wait_for's
    # deadline (60 s), and main first: the timeout wins.
    at = 2 if sys.version_info >= (3, 12) else 3
    run, scheduler = run_on(pg_loop, path, [{"step": at, "advance": True},
                                            {"step": at, "advance": True}, {"step": at, "run": "main"}])
    assert scheduler.error is None, scheduler.error
    assert output(run) == "timed out\n60.000 s of loop time\n"


def test_advance_clock_needs_a_pause_and_a_timer(pg_loop):
    with pytest.raises(RuntimeError, match="needs a paused loop"):
        pg_loop.advance_clock()
    pg_loop.pause()
    try:
        assert pg_loop.advance_clock() is None                 # no timer to move to
        t = pg_loop.time()
        fired = []
        handle = pg_loop.call_later(2.5, fired.append, "fired")
        assert pg_loop.advance_clock() == handle.when() == pg_loop.time()
        assert fired == ["fired"]            # no run's step: it fires at once, as asyncio's own do
        assert pg_loop.advance_clock(0.5) == pytest.approx(t + 3.0)
        with pytest.raises(ValueError, match="seconds must be a number >= 0"):
            pg_loop.advance_clock(-1)
    finally:
        pg_loop.resume()


def test_the_scheduler_leaves_the_loop_as_it_found_it(qtbot, attached_loop, tmp_path):
    loop = attached_loop
    path = write(tmp_path)
    policy = loop.step_policy
    run = playground.Run(path, loop=loop)
    scheduler = start_on_schedule(run, ["main", "bob"])
    assert loop.paused and loop.step_policy == scheduler._policy
    qtbot.waitUntil(lambda: run.done, timeout=10_000)
    assert scheduler.finished and loop_is_let_go(loop) and loop.step_policy is policy
    assert output(run).startswith("bob took tea\n")
    # a paused loop stays paused
    loop.pause()
    run = playground.Run(path, loop=loop)
    start_on_schedule(run, [])
    qtbot.waitUntil(lambda: run.done, timeout=10_000)
    assert loop.paused
    loop.resume()


def test_a_run_that_cannot_load_lets_the_loop_go(pg_loop, tmp_path):
    path = write(tmp_path, "async def main(:\n", "broken.py")
    run = playground.Run(path, loop=pg_loop)
    with pytest.raises(playground.LoadError):
        Scheduler(run, []).start()
    assert loop_is_let_go(pg_loop)


# -- recording what the learner does while paused ----------------------------------------------

def test_the_learners_steps_while_paused_are_the_runs_schedule(qtbot, attached_loop, tmp_path):
    """Step, the learner's pick (loopstate.run_next) and a move of the clock, as the window makes
    them: the run's schedule says what was chosen; run again on it, the file takes the same steps at
    the same loop times."""
    loop = attached_loop
    path = write(tmp_path)
    loop.pause()
    run = playground.Run(path, loop=loop)
    run.start()
    qtbot.waitUntil(lambda: len(loop._ready) > 0, timeout=5_000)

    def step(pick=None):
        n = loop.step_count
        if pick is None:
            loop.step()
        else:
            tid = next(t for t, task in run.tracer.live.items() if task.get_name() == pick)
            assert loopstate.run_next(loop, tid) is not None
        qtbot.waitUntil(lambda: loop.step_count > n, timeout=5_000)

    step()                                   # main
    step("bob")                              # the learner's pick: bob before ann
    step()                                   # ann
    step()                                   # cy
    assert loop.advance_clock() is not None  # the three sleeps end at once
    step("cy")
    while not run.done:                      # the rest in asyncio's order, still stepping
        if loop._ready or any(not h._cancelled for h in loop._scheduled):
            step()
        else:
            qtbot.wait(5)
    loop.resume()
    taken = schedule_of(run)
    assert taken[1] == {"step": 2, "run": "bob", "fifo": "'ann'"}
    assert taken[4] == {"step": 5, "advance": True, "by": pytest.approx(0.1)}
    assert taken[5] == {"step": 5, "run": "cy", "fifo": "'bob'"}
    assert output(run).splitlines()[0] == "cy took jam"
    again = playground.Run(path, loop=loop)
    scheduler = start_on_schedule(again, taken)
    qtbot.waitUntil(lambda: again.done, timeout=10_000)
    assert scheduler.error is None
    assert normalised(again) == normalised(run)
    assert schedule_of(again) == taken


# -- saved runs and the command line ------------------------------------------------------------

def test_a_saved_run_carries_its_schedule(pg_loop, tmp_path):
    path = write(tmp_path)
    run, _ = run_on(pg_loop, path, ["main", "cy"])
    saved = tmp_path / "run.json"
    save_run(run.tracer.events, saved, source=run.source, filename=run.path,
             schedule=schedule_of(run))
    back = load_run(saved)
    assert back.schedule == schedule_of(run) and schedule_of(back) == schedule_of(run)
    assert load_schedule(saved) == parse_schedule(schedule_of(run))
    data = json.loads(saved.read_text())
    assert list(data)[:2] == ["asyncioPlayground", "traceEvents"]
    assert data["asyncioPlayground"]["version"] == 2
    # a run never stepped: no key at all, and it reads as an empty schedule
    plain = tmp_path / "plain.json"
    save_run(run.tracer.events, plain, source=run.source, filename=run.path)
    assert "schedule" not in json.loads(plain.read_text())["asyncioPlayground"]
    assert list(load_run(plain).schedule) == [] and schedule_of(load_run(plain)) == []
    with pytest.raises(ScheduleError, match="a saved run without a schedule"):
        load_schedule(plain)


def cli(*args, timeout=60):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "asyncio_playground", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


def test_run_with_a_schedule_from_the_command_line(tmp_path):
    path = write(tmp_path)
    choices = tmp_path / "choices.json"
    choices.write_text(json.dumps(["main", "cy", "bob", "ann", {"advance": True}, "cy"]))
    trace = tmp_path / "out.json"
    proc = cli("run", str(path), "--schedule", str(choices), "--trace", str(trace))
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.split("\n\n")[0]
    assert first.splitlines()[:3] == ["cy took jam", "bob took tea", "ann took bread"]
    saved = json.loads(trace.read_text())["asyncioPlayground"]["schedule"]
    assert saved[1] == {"step": 2, "run": "cy", "fifo": "'ann'"}
    again = cli("run", str(path), "--schedule", str(trace), "--quiet")   # a saved run's schedule
    assert again.returncode == 0, again.stderr
    assert again.stdout == first + "\n"
    wrong = tmp_path / "wrong.json"
    wrong.write_text('["main", "ann", "ann"]')
    bad = cli("run", str(path), "--schedule", str(wrong), "--quiet")
    assert bad.returncode == 2
    assert ("asyncio-playground: schedule step 3: 'ann' has no step ready then (ready: 'bob', "
            "'cy')") in bad.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    bad = cli("run", str(path), "--schedule", str(broken))
    assert bad.returncode == 2 and "broken.json is not JSON" in bad.stderr and not bad.stdout


def test_a_challenge_run_on_a_schedule_says_whether_the_goal_was_reached(tmp_path):
    win = tmp_path / "win.json"
    win.write_text('["main", "alice", "bob", "bob"]')
    proc = cli("run", "challenge_01_lost_update", "--schedule", str(win))
    assert proc.returncode == 0, proc.stderr
    assert "final balance: 125" in proc.stdout
    assert "the challenge's goal, reached: you won:" in proc.stdout
    lose = tmp_path / "lose.json"
    lose.write_text("[]")
    proc = cli("run", "challenge_01_lost_update", "--schedule", str(lose))
    assert "final balance: 175" in proc.stdout
    assert "the challenge's goal, not reached:" in proc.stdout
    assert "✗ the output shows 'final balance: 175'" in proc.stdout


def test_replay_obstacles_name_what_a_replay_cannot_repeat_line_by_line():
    from asyncio_playground.schedule import replay_obstacles

    source = textwrap.dedent("""\
        import asyncio, random, time
        from datetime import datetime
        import httpx

        async def main():
            loop = asyncio.get_running_loop()
            t = loop.time()                       # loop time: a schedule governs it
            now = time.time()
            stamp = datetime.now()
            await asyncio.to_thread(print, "hi")
            pick = random.choice([1, 2])
            asyncio.print_call_graph()
            key = id(loop)

        asyncio.run(main())
        """)
    assert replay_obstacles(source) == [
        (3, "talks over the network (httpx)"),
        (8, "reads the wall clock (time.time)"),
        (9, "reads the wall clock (datetime.now)"),
        (10, "runs work in a thread (asyncio.to_thread)"),
        (11, "draws unseeded random numbers (random.choice)"),
        (12, "prints tasks' memory addresses (asyncio.print_call_graph)"),
        (13, "uses memory addresses (id)"),
    ]
    seeded = "import random\nrandom.seed(1)\nx = random.random()\n"
    assert replay_obstacles(seeded) == []          # seeded: the same numbers every run
    assert replay_obstacles("def broken(:\n") == []   # does not parse: nothing to say
