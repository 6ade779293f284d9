"""Every cancel request is recorded with its cause, its canceller and the lesson line that asked.

One small script per cause, run on the playground loop; the assertions read the run's
``CancelRequested`` records (``asyncio_playground.events``).
"""
from __future__ import annotations

import asyncio
import sys
import textwrap

import pytest

import asyncio_playground as playground
from helpers import run_script, until


def line_of(run, text):
    lines = (run.source or open(run.path).read()).splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def requests(table, name):
    return table.by_tid[next(r.tid for r in table.rows if r.name == name)].cancel_requests


def name_of(table, tid):
    return table.by_tid[tid].name if tid is not None else None


def tid_named(run, name):
    return next(tid for tid, task in run.tracer.live.items() if task.get_name() == name)


SLEEPER = """
    import asyncio

    async def worker():
        await asyncio.sleep(10)

    async def main():
        await asyncio.create_task(worker(), name="worker")

    asyncio.run(main())
"""


def test_button_and_awaiter(pg_loop, tmp_path):
    async def click(run):
        await until(lambda: any(t.get_name() == "worker" for t in run.tracer.live.values()))
        await asyncio.sleep(0.02)
        assert run.cancel_task(tid_named(run, "Task-1"), "clicked")    # main, awaiting worker

    run, table = run_script(pg_loop, tmp_path, SLEEPER, click)
    [main_req] = requests(table, "Task-1")
    assert (main_req.cause, main_req.by, main_req.msg, main_req.lineno) == ("button", None, "clicked", None)
    [worker_req] = requests(table, "worker")
    assert worker_req.cause == "awaiter" and name_of(table, worker_req.by) == "Task-1"


def test_stop(pg_loop, tmp_path):
    async def stop(run):
        await until(lambda: any(t.get_name() == "worker" for t in run.tracer.live.values()))
        run.stop()

    run, table = run_script(pg_loop, tmp_path, SLEEPER, stop)
    assert {r.cause for r in requests(table, "Task-1")} == {"stop"}
    assert {r.cause for r in requests(table, "worker")} <= {"stop", "awaiter"}
    assert "stop" in {r.cause for r in requests(table, "worker")}


def test_task_callback_and_library(pg_loop, tmp_path):
    run, table = run_script(pg_loop, tmp_path, """
        import asyncio

        ns = {}
        exec(compile("def cancel_it(t):\\n    t.cancel()\\n", "/elsewhere/lib.py", "exec"), ns)

        async def victim():
            await asyncio.sleep(10)

        async def main():
            a = asyncio.create_task(victim(), name="by-task")
            b = asyncio.create_task(victim(), name="by-callback")
            c = asyncio.create_task(victim(), name="by-library")
            await asyncio.sleep(0.01)
            a.cancel("from main")                       # cancel-from-task
            asyncio.get_running_loop().call_later(0.01, b.cancel)
            ns["cancel_it"](c)                          # cancel-from-library
            await asyncio.gather(a, b, c, return_exceptions=True)

        asyncio.run(main())
    """)
    [a] = requests(table, "by-task")
    assert (a.cause, name_of(table, a.by), a.msg) == ("task", "Task-1", "from main")
    assert a.lineno == line_of(run, "# cancel-from-task") and a.filename == run.path
    [b] = requests(table, "by-callback")
    assert (b.cause, b.by, b.lineno) == ("callback", None, None)
    [c] = requests(table, "by-library")
    assert c.cause == "library" and name_of(table, c.by) == "Task-1"
    assert c.lineno == line_of(run, "# cancel-from-library")    # the lesson line that led there


def test_taskgroup_names_the_failing_child_and_its_exception(pg_loop, tmp_path):
    run, table = run_script(pg_loop, tmp_path, """
        import asyncio

        async def upload():
            await asyncio.sleep(10)

        async def check():
            await asyncio.sleep(0.01)
            raise ValueError("file too large")          # raise-line

        async def main():
            try:
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(upload(), name="upload")
                    tg.create_task(check(), name="check-size")
            except* ValueError:
                pass

        asyncio.run(main())
    """)
    [up] = requests(table, "upload")
    assert up.cause == "taskgroup" and name_of(table, up.by) == "check-size"
    assert "'check-size' raised ValueError: file too large" in up.detail
    assert f"line {line_of(run, '# raise-line')}" in up.detail
    [body] = requests(table, "Task-1")             # the body of the async with, cancelled too
    assert body.cause == "taskgroup"
    undone = [ev.source for ev in run.tracer.events if ev[0] == "uncancel"]
    if sys.version_info >= (3, 12):
        assert undone == ["taskgroup"]      # the group takes its own cancel of the body back
    else:
        # 3.11 only uncancels when the cancel came before the body reached its end; here the
        # child failed while the body already waited in __aexit__, so the count stays at 1.
        assert undone == []


def test_timeout_block(pg_loop, tmp_path):
    run, table = run_script(pg_loop, tmp_path, """
        import asyncio

        async def main():
            try:
                async with asyncio.timeout(0.02):
                    await asyncio.sleep(10)          # waits-here
            except TimeoutError:
                print("timed out")

        asyncio.run(main())
    """)
    [req] = requests(table, "Task-1")
    assert (req.cause, req.by) == ("timeout", None)
    assert req.detail == f"asyncio.timeout() reached its deadline while the task waited at line {line_of(run, '# waits-here')}"
    assert [ev.source for ev in run.tracer.events if ev[0] == "uncancel"] == ["timeout"]


def test_wait_for_follows_the_running_python(pg_loop, tmp_path):
    run, table = run_script(pg_loop, tmp_path, """
        import asyncio

        async def slow():
            await asyncio.sleep(10)

        async def main():
            try:
                await asyncio.wait_for(asyncio.create_task(slow(), name="slow"), 0.02)
            except TimeoutError:
                print("timed out")

        asyncio.run(main())
    """)
    [inner] = requests(table, "slow")
    if sys.version_info >= (3, 12):
        # wait_for is asyncio.timeout around the await: the waiting task is cancelled at the
        # deadline, and passes the cancel on to what it awaits.
        [outer] = requests(table, "Task-1")
        assert outer.cause == "timeout" and outer.detail.startswith("wait_for() reached its deadline")
        assert inner.cause == "awaiter" and name_of(table, inner.by) == "Task-1"
    else:
        # 3.11: wait_for itself cancels the inner task, from the waiting task.
        assert requests(table, "Task-1") == ()
        assert inner.cause == "timeout" and name_of(table, inner.by) == "Task-1"


def test_gather_cancelled_directly_and_through_its_awaiter(pg_loop, tmp_path):
    run, table = run_script(pg_loop, tmp_path, """
        import asyncio

        async def child():
            await asyncio.sleep(10)

        async def waiter(g):
            await g

        async def main():
            g1 = asyncio.gather(asyncio.create_task(child(), name="g1-a"))
            await asyncio.sleep(0.01)
            g1.cancel()                                   # cancel-gather
            g2 = asyncio.gather(asyncio.create_task(child(), name="g2-a"))
            w = asyncio.create_task(waiter(g2), name="waiter")
            await asyncio.sleep(0.01)
            w.cancel()
            await asyncio.gather(g1, w, return_exceptions=True)

        asyncio.run(main())
    """)
    [a] = requests(table, "g1-a")
    assert a.cause == "gather" and name_of(table, a.by) == "Task-1"
    assert a.lineno == line_of(run, "# cancel-gather")
    [b] = requests(table, "g2-a")
    assert b.cause == "gather" and name_of(table, b.by) == "waiter"


def test_shutdown_and_shield(pg_loop, tmp_path):
    run, table = run_script(pg_loop, tmp_path, """
        import asyncio

        async def forever():
            await asyncio.sleep(10)

        async def protected():
            await asyncio.sleep(0.05)
            return "kept"

        async def main():
            asyncio.create_task(forever(), name="left-behind")
            inner = asyncio.create_task(protected(), name="inner")
            outer = asyncio.create_task(shielded(inner), name="outer")
            await asyncio.sleep(0.01)
            outer.cancel()
            await asyncio.sleep(0.1)

        async def shielded(inner):
            await asyncio.shield(inner)

        asyncio.run(main())
    """)
    [left] = requests(table, "left-behind")
    assert (left.cause, left.by) == ("shutdown", None)
    assert [r.cause for r in requests(table, "outer")] == ["task"]
    assert requests(table, "inner") == ()                      # the shield kept it out
    assert table.by_tid[next(r.tid for r in table.rows if r.name == "inner")].state == "done"


@pytest.mark.parametrize("cause", ["button", "task"])
def test_every_cause_is_a_word_of_the_vocabulary(cause):
    from asyncio_playground.vocab import CancelCause
    assert CancelCause.parse(cause) == cause


def story(table, name):
    return table.by_tid[next(r.tid for r in table.rows if r.name == name)].story


def test_where_it_landed_and_what_the_code_did_next(pg_loop, tmp_path):
    run, table = run_script(pg_loop, tmp_path, """
        import asyncio

        async def reraiser():
            try:
                await asyncio.sleep(10)                  # lands-reraise
            finally:
                await asyncio.sleep(0.02)                # cleanup that awaits

        async def swallower():
            try:
                await asyncio.sleep(10)                  # lands-swallow
            except asyncio.CancelledError:
                pass
            return "kept going"

        async def uncanceller():
            try:
                await asyncio.sleep(10)                  # lands-uncancel
            except asyncio.CancelledError:
                asyncio.current_task().uncancel()
            await asyncio.sleep(0.01)
            return "uncancelled"

        async def raiser():
            try:
                await asyncio.sleep(10)                  # lands-raise
            except asyncio.CancelledError:
                raise RuntimeError("cleanup failed")

        async def main():
            names = ("reraiser", "swallower", "uncanceller", "raiser")
            tasks = [asyncio.create_task(f(), name=n) for f, n in
                     zip((reraiser, swallower, uncanceller, raiser), names)]
            never = asyncio.create_task(reraiser(), name="never-started")
            never.cancel()
            await asyncio.sleep(0.01)
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, never, return_exceptions=True)

        asyncio.run(main())
    """)
    expected = {"reraiser": ("reraise", "reraised"), "swallower": ("swallow", "swallowed"),
                "uncanceller": ("uncancel", "uncancelled"), "raiser": ("raise", "raised")}
    for name, (mark, after) in expected.items():
        s = story(table, name)
        assert s.landed_at == (run.path, line_of(run, f"# lands-{mark}")), name
        assert s.after == after, name
    reraiser = story(table, "reraiser")
    # Its finally awaited 20 ms: the cleanup runs from the landing to the end.
    assert reraiser.cleanup[1] - reraiser.cleanup[0] >= 0.015
    swallower = story(table, "swallower")
    assert swallower.cleanup == swallower.landing_step
    never = story(table, "never-started")
    assert never.landed_at is None and never.after == "reraised"   # before its first line
    assert story(table, "Task-1") is None                          # nobody cancelled main



def test_a_timeouts_or_taskgroups_own_cancel_is_taken_back_not_swallowed(pg_loop, tmp_path):
    """asyncio.timeout and TaskGroup cancel the task that runs their block, then take that cancel
    back (uncancel()) and raise their own error in its place: the task swallowed nothing, whether
    it catches that error (ends done) or not (ends failed)."""
    run, table = run_script(pg_loop, tmp_path, """
        import asyncio

        async def catches():
            try:
                async with asyncio.timeout(0.01):
                    await asyncio.sleep(10)                  # lands-catches
            except TimeoutError:
                pass

        async def lets_go():
            async with asyncio.timeout(0.01):
                await asyncio.sleep(10)                      # lands-lets-go

        async def fails():
            await asyncio.sleep(0.01)
            raise ValueError("boom")

        async def grouper():
            try:
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(fails())
                    await asyncio.sleep(10)                  # lands-grouper
            except* ValueError:
                pass

        async def swallower():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                pass

        async def main():
            tasks = [asyncio.create_task(f(), name=f.__name__)
                     for f in (catches, lets_go, grouper, swallower)]
            await asyncio.sleep(0.05)
            tasks[-1].cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run(main())
    """)
    for name, state, words in (("catches", "done", "the timeout took the cancel back and raised "
                                "TimeoutError in its place, ended done"),
                               ("lets_go", "failed", "the timeout took the cancel back and raised "
                                "TimeoutError in its place, ended failed"),
                               ("grouper", "done", "its TaskGroup took the cancel back and raised "
                                "the group's errors in its place, ended done")):
        s = story(table, name)
        row = next(r for r in table.rows if r.name == name)
        assert (row.state, s.after) == (state, "taken-back"), name
        assert s.landed_at == (run.path, line_of(run, f"# lands-{name.replace('_', '-')}")), name
        said = table.cancel_story(row.tid, filename=run.path)
        assert said.endswith(words) or f"{words} →" in said, said
        assert "swallowed" not in said
    assert story(table, "swallower").after == "swallowed"     # the near miss: nobody takes it back
    lets_go = story(table, "lets_go")
    row = next(r for r in table.rows if r.name == "lets_go")
    assert lets_go.cleanup == (lets_go.landed, row.ended)      # it ended with the error

def test_the_story_in_words(pg_loop, tmp_path):
    run, table = run_script(pg_loop, tmp_path, """
        import asyncio

        async def upload():
            try:
                await asyncio.sleep(10)                  # upload-waits
            finally:
                print("cleanup")

        async def check():
            await asyncio.sleep(0.01)
            raise ValueError("file too large")

        async def main():
            async with asyncio.TaskGroup() as tg:
                tg.create_task(upload(), name="upload")
                tg.create_task(check(), name="check-size")

        asyncio.run(main())
    """)
    tid = next(r.tid for r in table.rows if r.name == "upload")
    text = table.cancel_story(tid, filename=run.path)
    assert text.startswith("cancelled by its TaskGroup ('check-size'): 'check-size' raised "
                           f"ValueError: file too large at line {line_of(run, 'raise ValueError')}")
    assert f"CancelledError landed at line {line_of(run, '# upload-waits')}" in text
    assert text.endswith("ended cancelled (re-raised)")
    assert table.cancel_story(next(r.tid for r in table.rows if r.name == "check-size")) is None


def test_a_cancel_point_cancels_a_task_on_arrival_inside_its_finally(pg_loop, tmp_path):
    source = textwrap.dedent("""
        import asyncio

        async def worker():
            try:
                await asyncio.sleep(0.01)
            finally:
                await asyncio.sleep(0.01)          # the cancel point
                print("finally finished")

        async def main():
            try:
                await asyncio.create_task(worker(), name="worker")
            except asyncio.CancelledError:
                print("worker was cancelled")

        asyncio.run(main())
    """)
    path = tmp_path / "lesson.py"
    path.write_text(source)
    point = next(i for i, line in enumerate(source.splitlines(), 1) if "the cancel point" in line)
    run = playground.Run(path, loop=pg_loop)
    run.set_cancel_points([point])

    async def go():
        run.start()
        return await run.wait()

    assert pg_loop.run_until_complete(go()) == "completed"
    table = playground.TaskTable()
    table.apply(run.tracer.events)
    [req] = requests(table, "worker")
    assert (req.cause, req.by, req.lineno, req.detail) == ("button", None, point,
                                                          f"cancel point at line {point}")
    out = "".join(ev.text for ev in table.outputs)
    assert "finally finished" not in out and "worker was cancelled" in out
    assert story(table, "worker").landed_at == (run.path, point)
    assert requests(table, "Task-1") == ()    # main was not at the point: only its awaited task


# == the story in words: a cancel point, a cleanup not finished, a cleanup the clock did not time ==
STEPPED = """
    import asyncio

    async def worker():
        try:
            await asyncio.sleep(0.05)          # the cancel point
        finally:
            CLEANUP
            print("finally finished")

    async def main():
        try:
            await asyncio.create_task(worker(), name="worker")
        except asyncio.CancelledError:
            print("worker was cancelled")

    asyncio.run(main())
"""


def _run_with_point(loop, tmp_path, cleanup):
    source = textwrap.dedent(STEPPED).replace("CLEANUP", cleanup)
    path = tmp_path / "lesson.py"
    path.write_text(source)
    run = playground.Run(path, loop=loop)
    run.set_cancel_points([line_of(run, "the cancel point")])
    return run


def _story_of(run, name="worker"):
    table = playground.TaskTable()
    table.apply(run.tracer.events)
    tid = next((r.tid for r in table.rows if r.name == name), None)
    return table.cancel_story(tid, filename=run.path) if tid is not None else None


def test_a_cancel_point_story_names_the_point_not_a_click(pg_loop, tmp_path):
    run = _run_with_point(pg_loop, tmp_path, "pass")

    async def go():
        run.start()
        return await run.wait()

    assert pg_loop.run_until_complete(go()) == "completed"
    point = line_of(run, "the cancel point")
    text = _story_of(run)
    assert text.startswith(f"cancelled by the cancel point at line {point} → "), text
    assert "Cancel click" not in text and "asked at" not in text
    assert text.endswith("ended cancelled (re-raised)")


def test_a_cleanup_still_awaiting_says_since_when_and_not_finished(pg_loop, tmp_path):
    run = _run_with_point(pg_loop, tmp_path, "await asyncio.sleep(0.3)   # cleanup awaits")
    seen = []

    async def go():
        run.start()
        await until(lambda: (_story_of(run) or "").count("not finished yet") == 1)
        seen.append(_story_of(run))
        return await run.wait()

    assert pg_loop.run_until_complete(go()) == "completed"
    point, awaits = line_of(run, "the cancel point"), line_of(run, "cleanup awaits")
    [during] = seen
    assert during.startswith(f"cancelled by the cancel point at line {point} → CancelledError landed "
                             f"at line {point} → its cleanup (finally, lines {awaits}–{awaits + 1}) "
                             "running since t = 0.0"), during
    assert during.endswith(f", waiting at line {awaits}: not finished yet")
    assert " ran " not in during and "still running" not in during
    after = _story_of(run)
    assert f"its cleanup (finally, lines {awaits}–{awaits + 1}) ran 30" in after      # ~300 ms
    assert after.endswith("ended cancelled (re-raised)")


def test_a_cleanup_run_while_paused_is_not_said_to_take_0_us(qtbot, attached_loop, tmp_path):
    loop = attached_loop
    run = _run_with_point(loop, tmp_path, 'print("cleaning up")')
    loop.pause()
    try:
        run.start()
        for _ in range(20):                      # step until the worker has ended
            if "ended" in (_story_of(run) or ""):
                break
            n = loop.step_count
            loop.step()
            qtbot.waitUntil(lambda: loop.step_count > n or run.done, timeout=3000)
        text = _story_of(run)
    finally:
        loop.resume()
    qtbot.waitUntil(lambda: run.done, timeout=5000)
    assert "0 µs" not in text, text
    assert "its cleanup (finally, lines 8–9) finished while the loop's clock stood still " \
           "(no loop time passed) → ended cancelled (re-raised)" in text
