"""Loop time the learner controls: speed, pause, step, skip idle (issue 11), on the playground loop.

Pausing stops the loop itself, so these tests drive it from outside: the loop is attached to Qt
and the test waits with qtbot (Qt keeps spinning while the loop's clock is frozen).
"""
from __future__ import annotations

import asyncio
import textwrap
import time

import pytest
from helpers import CONCURRENT

import asyncio_playground as playground
from asyncio_playground import loopstate as _loopstate


@pytest.fixture
def attached_loop(attached_loop):
    """The shared fixture's loop, let go at teardown: running again at 1x before it is closed
    (closing runs the leftovers' finally blocks, which a paused loop never would)."""
    yield attached_loop
    attached_loop.resume()
    attached_loop.set_speed(1.0)


def start(loop, tmp_path, source=CONCURRENT):
    path = tmp_path / "lesson.py"
    path.write_text(textwrap.dedent(source))
    run = playground.Run(path, loop=loop)
    run.start()
    return run


def step_and_read(qtbot, loop, run, until=None) -> str:
    """Take one step and wait for it; returns everything the run printed so far."""
    n = loop.step_count
    loop.step(until)
    qtbot.waitUntil(lambda: loop.step_count > n, timeout=5_000)
    return "".join(ev[4] for ev in run.tracer.events if ev[0] == "output")


def table_of(run):
    table = playground.TaskTable()
    table.apply(run.tracer.events)
    return table


def states(run):
    return {row.name: row.state for row in table_of(run).rows}


def finish(qtbot, loop, run, timeout=10_000):
    if loop.paused:
        loop.resume()
    qtbot.waitUntil(lambda: run.done, timeout=timeout)


def test_quarter_speed_scales_sleep_and_keeps_overlap(qtbot, attached_loop, tmp_path):
    loop = attached_loop
    loop.set_speed(0.25)
    wall0 = time.monotonic()
    run = start(loop, tmp_path)
    finish(qtbot, loop, run, timeout=15_000)
    wall = time.monotonic() - wall0
    assert run.outcome == "completed"
    rows = {row.name: row for row in table_of(run).rows}
    a, b = rows["fetch-A"], rows["fetch-B"]
    # Each 1 s sleep took 1 s of loop time and >= 4 s of wall time; the two still overlap.
    for row in (a, b):
        assert 1.0 <= row.ended - row.first_start < 1.1
    assert wall >= 3.9
    overlap = min(a.ended, b.ended) - max(a.first_start, b.first_start)
    assert overlap > 0.9


def test_sleep_at_quarter_speed_never_early(qtbot, attached_loop):
    loop = attached_loop
    loop.set_speed(0.25)
    seen = {}

    async def sleeper():
        t, w = loop.time(), time.monotonic()
        await asyncio.sleep(1)
        seen["loop"], seen["wall"] = loop.time() - t, time.monotonic() - w

    task = loop.create_task(sleeper())
    qtbot.waitUntil(task.done, timeout=10_000)
    assert 1.0 <= seen["loop"] < 1.05
    assert seen["wall"] >= 3.9


def test_skip_idle_jumps_the_clock(qtbot, attached_loop, tmp_path):
    loop = attached_loop
    loop.set_speed(1.0, skip_idle=True)
    wall0 = time.monotonic()
    run = start(loop, tmp_path, """
        import asyncio

        async def main():
            loop = asyncio.get_running_loop()
            t = loop.time()
            await asyncio.sleep(10)
            try:
                async with asyncio.timeout(5):
                    await asyncio.sleep(60)
            except TimeoutError:
                print(f"timed out after {loop.time() - t:.1f}")

        asyncio.run(main())
    """)
    finish(qtbot, loop, run)
    assert time.monotonic() - wall0 < 3.0
    out = "".join(ev[4] for ev in run.tracer.events if ev[0] == "output")
    assert "timed out after 15.0" in out


def test_skip_idle_never_jumps_while_module_code_runs(qtbot, attached_loop, tmp_path):
    """Module code busy outside the loop (a slow import, a computation, the code between two
    asyncio.run calls) can still post work: the clock must not jump past a timer meanwhile.  The
    10 s timer here is someone else's (the window's, a test's own timeout); before, skip idle
    jumped to it 5 ms into the module's first 0.2 s and it fired before main() ever ran.  (Once
    the run has ended the jump is right: the timer then says whether the run was over.)"""
    loop = attached_loop
    loop.set_speed(1.0, skip_idle=True)
    runs = []
    fired = []
    timer = loop.call_later(10, lambda: fired.append(runs[0].done))
    t0 = loop.time()
    runs.append(start(loop, tmp_path, """
        import asyncio, time

        time.sleep(0.2)                    # module code, before the loop runs anything of it

        async def main():
            await asyncio.sleep(1)         # skipped: nothing else can arrive

        asyncio.run(main())
        time.sleep(0.2)                    # between two runs
        asyncio.run(main())
    """))
    run = runs[0]
    try:
        finish(qtbot, loop, run)
        assert run.outcome == "completed"
        assert False not in fired              # it never fired while the run went on
        end = next(ev[1] for ev in run.tracer.events if ev[0] == "run" and ev[2] == "end")
        assert 2.0 <= end - t0 < 9.0           # the two 1 s sleeps skipped; the 10 s timer not
    finally:
        timer.cancel()


def test_skip_idle_waits_for_a_thread_the_run_started(qtbot, attached_loop, tmp_path):
    """A thread of the lesson's works 0.3 s off the loop, then hands main() its result: under
    `python` it arrives long before the 5 s timeout.  Skip idle jumped to the timeout 5 ms after
    the loop went quiet, and the program printed "timed out" instead."""
    loop = attached_loop
    loop.set_speed(1.0, skip_idle=True)
    run = start(loop, tmp_path, """
        import asyncio, threading, time

        def worker(loop, fut):
            time.sleep(0.3)
            loop.call_soon_threadsafe(fut.set_result, "from the thread")

        async def main():
            loop = asyncio.get_running_loop()
            fut = loop.create_future()
            threading.Thread(target=worker, args=(loop, fut)).start()
            try:
                print(await asyncio.wait_for(fut, 5))
            except TimeoutError:
                print("timed out")
            await asyncio.sleep(10)    # the thread has ended: this one is skipped again

        asyncio.run(main())
    """)
    wall0 = time.monotonic()
    finish(qtbot, loop, run)
    assert run.outcome == "completed"
    out = "".join(ev[4] for ev in run.tracer.events if ev[0] == "output")
    assert out == "from the thread\n"
    assert time.monotonic() - wall0 < 5.0


def test_pause_holds_every_state(qtbot, attached_loop, tmp_path):
    loop = attached_loop
    run = start(loop, tmp_path)
    qtbot.waitUntil(lambda: states(run).get("fetch-B") == "waiting", timeout=5_000)
    loop.pause()
    before = (states(run), len(run.tracer.events), loop.time())
    qtbot.wait(2_000)   # wall time passing is the point of this test
    assert (states(run), len(run.tracer.events), loop.time()) == before
    loop.resume()
    finish(qtbot, loop, run)
    assert run.outcome == "completed"
    rows = {row.name: row for row in table_of(run).rows}
    # Loop time did not count the pause: each sleep still took 1 s.
    assert rows["fetch-A"].ended - rows["fetch-A"].first_start < 1.1


def test_stepping_shows_pending_then_running_then_waiting(qtbot, attached_loop, tmp_path):
    loop = attached_loop
    loop.pause()
    run = start(loop, tmp_path)

    def step():
        step_and_read(qtbot, loop, run)
        nxt = _loopstate.next_step(loop)
        running = nxt.tid if nxt is not None and nxt.kind == "task" else None
        names = {row.tid: row.name for row in table_of(run).rows}
        shown = dict(states(run))
        if running is not None:
            shown[names[running]] = "running"   # paused before its step, as a debugger shows it
        return shown, nxt

    qtbot.waitUntil(lambda: len(loop._ready) > 0, timeout=5_000)   # main() handed to the loop
    assert states(run) == {}
    shown, nxt = step()                        # main's first step: creates A and B, awaits A
    assert shown == {"Task-1": "waiting", "fetch-A": "running", "fetch-B": "pending"}
    assert (nxt.kind, nxt.line) == ("task", 4)   # fetch-A starts at its def line
    ready = _loopstate.snapshot(loop).ready
    assert [entry.label for entry in ready[:2]] == ["step of fetch-A", "step of fetch-B"]
    shown, nxt = step()                        # fetch-A runs to its sleep
    assert shown == {"Task-1": "waiting", "fetch-A": "waiting", "fetch-B": "running"}
    shown, nxt = step()                        # fetch-B runs to its sleep; nothing ready now
    assert shown == {"Task-1": "waiting", "fetch-A": "waiting", "fetch-B": "waiting"}
    assert nxt.kind == "timer" and nxt.label == "sleep of fetch-A ends"
    t = loop.time()
    shown, nxt = step()                        # the clock jumps 1 s, fetch-A resumes and ends
    assert 1.0 <= loop.time() - t < 1.01
    assert shown["fetch-A"] == "done"
    finish(qtbot, loop, run)
    assert run.outcome == "completed"


def test_step_until_a_task(qtbot, attached_loop, tmp_path):
    loop = attached_loop
    loop.pause()
    run = start(loop, tmp_path)
    qtbot.waitUntil(lambda: len(loop._ready) > 0, timeout=5_000)
    n = loop.step_count
    loop.step()
    qtbot.waitUntil(lambda: loop.step_count > n, timeout=5_000)
    b = next(t for t in run.tracer.live.values() if t.get_name() == "fetch-B")
    n = loop.step_count
    loop.step(until=b)                          # A's step, then B's
    qtbot.waitUntil(lambda: loop.step_count > n, timeout=5_000)
    assert states(run)["fetch-B"] == "waiting"
    finish(qtbot, loop, run)


def test_cancel_while_paused_lands_on_resume(qtbot, attached_loop, tmp_path):
    loop = attached_loop
    run = start(loop, tmp_path)
    qtbot.waitUntil(lambda: states(run).get("fetch-B") == "waiting", timeout=5_000)
    loop.pause()
    tid = next(row.tid for row in table_of(run).rows if row.name == "fetch-A")
    assert run.cancel_task(tid)
    qtbot.wait(100)
    assert states(run)["fetch-A"] == "waiting"   # requested, not landed: nothing runs paused
    finish(qtbot, loop, run)
    assert states(run)["fetch-A"] == "cancelled"


def test_sleep_inf_is_a_timer_that_never_comes(pg_loop):
    async def main():
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await asyncio.sleep(float("inf"))

    pg_loop.run_until_complete(main())


@pytest.mark.parametrize("speed", [0, -1, float("inf"), float("nan")])
def test_bad_speed_is_refused(pg_loop, speed):
    with pytest.raises(ValueError, match="positive"):
        pg_loop.set_speed(speed)


def test_cli_speed(tmp_path):
    import subprocess
    import sys
    script = tmp_path / "long.py"
    script.write_text(textwrap.dedent("""
        import asyncio

        async def main():
            loop = asyncio.get_running_loop()
            t = loop.time()
            await asyncio.sleep(30)
            print(f"slept {loop.time() - t:.1f} s of loop time")

        asyncio.run(main())
    """))
    cmd = [sys.executable, "-m", "asyncio_playground", "run", str(script), "--quiet"]
    wall0 = time.monotonic()
    done = subprocess.run(cmd + ["--speed", "skip-idle"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert "slept 30.0 s of loop time" in done.stdout
    assert time.monotonic() - wall0 < 20
    bad = subprocess.run(cmd + ["--speed", "fast"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert "expected a positive number or 'skip-idle', not 'fast'" in bad.stderr


def test_unscaled_uses_are_found():
    source = textwrap.dedent("""
        import asyncio, time, threading

        async def main():
            t = time.time()
            await asyncio.sleep(1)
            await asyncio.to_thread(time.sleep, 1)
            await asyncio.get_running_loop().run_in_executor(None, print)
            print(asyncio.get_running_loop().time() - t)
    """)
    uses = _loopstate.unscaled_uses(source)
    assert [line for line, _ in uses] == [5, 7, 8]
    assert "time.time" in uses[0][1] and "to_thread" in uses[1][1]
    assert _loopstate.unscaled_uses("def (") == []


def test_a_lesson_callback_is_a_step_of_its_own(qtbot, attached_loop, tmp_path):
    loop = attached_loop
    loop.pause()
    run = start(loop, tmp_path, """
        import asyncio

        async def main():
            asyncio.get_running_loop().call_soon(print, "tick")
            await asyncio.sleep(0)
            print("main again")

        asyncio.run(main())
    """)
    qtbot.waitUntil(lambda: len(loop._ready) > 0, timeout=5_000)

    def step():
        return step_and_read(qtbot, loop, run)

    assert step() == ""                      # main's first step: schedules the callback, yields
    nxt = _loopstate.next_step(loop)
    assert (nxt.kind, nxt.label) == ("callback", "print()")
    assert step() == "tick\n"                # the callback, alone
    assert step() == "tick\nmain again\n"    # main again
    finish(qtbot, loop, run)


def test_a_step_policy_chooses_what_runs(qtbot, attached_loop, tmp_path):
    """The hook for "be the scheduler": a policy that runs the newest ready handle first."""
    loop = attached_loop
    loop.pause()
    run = start(loop, tmp_path)
    qtbot.waitUntil(lambda: len(loop._ready) > 0, timeout=5_000)
    n = loop.step_count
    loop.step()                                # main: creates A then B (A is first in FIFO)
    qtbot.waitUntil(lambda: loop.step_count > n, timeout=5_000)
    loop.step_policy = lambda ready: len(ready) - 1
    try:
        n = loop.step_count
        loop.step()
        qtbot.waitUntil(lambda: loop.step_count > n, timeout=5_000)
        assert states(run)["fetch-B"] == "waiting" and states(run)["fetch-A"] == "pending"
    finally:
        loop.step_policy = None
    finish(qtbot, loop, run)


def test_a_step_waits_for_module_code_still_on_its_way_to_main(qtbot, attached_loop, tmp_path):
    """Step at once after a paused run starts, while its module code has not yet handed main()
    over (it is computing, importing): the step waits for main's first step and takes it, as it
    waits for an executor job -- neither a step that runs nothing nor a jump of the clock to
    someone else's timer (the 5 s one here) before the lesson even began."""
    loop = attached_loop
    other = loop.call_later(5, lambda: None)      # a timer of someone else's (a test's, the window's)
    loop.pause()
    t0 = loop.time()
    run = start(loop, tmp_path, """
        import asyncio, time

        time.sleep(0.3)          # module code at work before asyncio.run

        async def main():
            print("main's first step")

        asyncio.run(main())
    """)
    try:
        out = step_and_read(qtbot, loop, run)
        assert out == "main's first step\n"
        assert loop.time() - t0 < 2        # the 5 s timer was not jumped to
        assert not other.cancelled()
    finally:
        other.cancel()
    finish(qtbot, loop, run)
    assert run.outcome == "completed"


def test_a_step_waiting_on_a_thread_ends_when_the_thread_ends_silently(qtbot, attached_loop,
                                                                        tmp_path):
    """A step with nothing ready waits for a thread of the run at work (it may post main's next
    step); a thread that ends without posting anything ends that wait too: the step completes,
    having nothing to run, instead of waiting for ever."""
    loop = attached_loop
    loop.pause()
    run = start(loop, tmp_path, """
        import asyncio, threading, time

        async def main():
            threading.Thread(target=time.sleep, args=(0.3,)).start()
            print("main waits")
            await asyncio.Event().wait()     # nobody sets it: nothing ready, no timer

        asyncio.run(main())
    """)
    assert step_and_read(qtbot, loop, run) == "main waits\n"
    thread = next(t for t, _daemon in run._threads)
    n = loop.step_count
    loop.step()                        # waits in real time while the thread sleeps
    qtbot.waitUntil(lambda: loop.step_count > n, timeout=5_000)
    assert not thread.is_alive()
    assert loop.paused and loop._io_step is None
    run.stop()
    finish(qtbot, loop, run)


def test_a_long_pause_is_no_block(qtbot, attached_loop, tmp_path):
    loop = attached_loop
    run = start(loop, tmp_path)
    qtbot.waitUntil(lambda: states(run).get("fetch-B") == "waiting", timeout=5_000)
    loop.pause()
    qtbot.wait(1_500)    # over the watchdog's threshold many times: the loop is not blocked
    finish(qtbot, loop, run)
    assert table_of(run).blocks == []


def test_a_step_waits_for_what_is_in_flight_instead_of_jumping_to_a_timeout(qtbot, attached_loop,
                                                                              tmp_path):
    """Nothing ready, a thread's result on its way, a 5 s timeout scheduled: Step lets the result
    arrive (in real time) rather than jump the clock to the timeout."""
    loop = attached_loop
    loop.pause()
    run = start(loop, tmp_path, """
        import asyncio, time

        async def main():
            loop = asyncio.get_running_loop()
            result = await asyncio.wait_for(loop.run_in_executor(None, time.sleep, 0.3), 5)
            print("got", result)

        asyncio.run(main())
    """)
    qtbot.waitUntil(lambda: len(loop._ready) > 0, timeout=5_000)

    def step():
        return step_and_read(qtbot, loop, run)

    t = loop.time()
    out = step()                             # main starts the job and waits on it
    for _ in range(5):                       # then: the job's result arrives, main resumes
        if out == "got None\n":
            break
        out = step()
    assert out == "got None\n"
    assert loop.paused
    assert 0.25 <= loop.time() - t < 4.0     # the job's real time passed, not the 5 s timeout
    finish(qtbot, loop, run)
    assert run.outcome == "completed"
