"""Findings (issue 22): each kind is provoked by a small program and not shown by the correct
version of the same program (its near miss); every bundled lesson shows exactly the findings it
teaches; the CLI, the Chrome trace and saved runs carry them; the fold is incremental."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap

import pytest
from helpers import run_script

import asyncio_playground as playground
from asyncio_playground import Findings, findings
from asyncio_playground.vocab import FindingKind


def line_of(source, text, nth=1) -> int:
    """The line of ``text``'s ``nth`` occurrence in ``source`` as ``run_script`` writes it."""
    lines = textwrap.dedent(source).splitlines()
    hits = [i + 1 for i, line in enumerate(lines) if text in line]
    return hits[nth - 1]


def kinds(run) -> list[str]:
    return [str(f.kind) for f in findings(run)]


def run_findings(pg_loop, tmp_path, source, during=None):
    run, _table = run_script(pg_loop, tmp_path, source, during)
    return run, findings(run)


def of(found, kind) -> list:
    return [f for f in found if f.kind == kind]


def stop_after(seconds):
    async def during(run):
        await asyncio.sleep(seconds)
        run.stop("timeout")
    return during


# -- one vocabulary --------------------------------------------------------------------------------

def test_every_kind_has_a_title_a_why_a_fix_and_a_lesson_that_exists():
    from asyncio_playground import lessons
    slugs = {lesson.slug for lesson in lessons.discover()}
    for kind in FindingKind:
        assert kind.title and len(kind.why) > 80 and kind.fix, kind
        assert kind.lesson in slugs, (kind, kind.lesson)
    assert FindingKind.parse("never-awaited") is FindingKind.NEVER_AWAITED
    with pytest.raises(ValueError, match="unknown finding kind"):
        FindingKind.parse("never_awaited")


# -- never awaited ---------------------------------------------------------------------------------

NEVER_AWAITED = """
    import asyncio

    async def save(doc):
        await asyncio.sleep(0.01)
        print("saved", doc)

    async def main():
        save("draft")
        await asyncio.sleep(0.05)

    asyncio.run(main())
"""


def test_never_awaited_names_the_line_and_what_it_should_say(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, NEVER_AWAITED)
    [f] = of(found, "never-awaited")
    line = line_of(NEVER_AWAITED, 'save("draft")')
    assert f.line == line and f.filename == run.path and f.task == "Task-1"
    assert f"save(...) at line {line}" in f.why
    assert f.fix == 'Write `await save("draft")` (or `asyncio.create_task(save("draft"))`, kept in a variable).'
    assert f.lesson == "pitfalls_03_never_awaited" and f.title == "never awaited"


def test_near_miss_awaited_coroutine_is_no_finding(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, NEVER_AWAITED.replace('    save("draft")',
                                                                      '    await save("draft")'))
    assert found == []


# -- exception never retrieved ---------------------------------------------------------------------

NEVER_RETRIEVED = """
    import asyncio

    KEEP = []

    async def boom():
        await asyncio.sleep(0.01)
        raise ValueError("bad")

    async def main():
        task = asyncio.create_task(boom(), name="boom")
        KEEP.append(task)            # alive after the run: asyncio would only log it at exit
        await asyncio.sleep(0.05)

    asyncio.run(main())
"""


def test_exception_never_retrieved_even_when_the_task_outlives_the_run(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, NEVER_RETRIEVED)
    [f] = of(found, "never-retrieved")
    assert f.task == "boom" and f.line == line_of(NEVER_RETRIEVED, "raise") and "ValueError: bad" in f.why
    assert kinds(run) == ["never-retrieved"]


def test_near_miss_retrieved_exception_is_no_finding(pg_loop, tmp_path):
    source = NEVER_RETRIEVED.replace("        await asyncio.sleep(0.05)\n", textwrap.indent(
        "await asyncio.sleep(0.05)\ntry:\n    await task\nexcept ValueError as exc:\n"
        "    print('caught', exc)\n", " " * 8))
    run, found = run_findings(pg_loop, tmp_path, source)
    assert found == [] and run.outcome == "completed"


def test_a_done_callback_that_reads_the_exception_retrieves_it(pg_loop, tmp_path):
    source = NEVER_RETRIEVED.replace("KEEP.append(task)", "task.add_done_callback(lambda t: t.exception())")
    run, found = run_findings(pg_loop, tmp_path, source)
    assert found == []


# -- task without a reference ----------------------------------------------------------------------

NO_REFERENCE = """
    import asyncio

    async def send(order):
        await asyncio.sleep(0.02)
        print("sent", order)

    async def main():
        asyncio.create_task(send(1), name="send-1")
        await asyncio.sleep(0.05)

    asyncio.run(main())
"""


def test_a_dropped_create_task_result_is_a_task_without_a_reference(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, NO_REFERENCE)
    [f] = of(found, "no-reference")
    assert f.line == line_of(NO_REFERENCE, "create_task") and f.task == "send-1"
    assert "`asyncio.create_task(send(1), name=\"send-1\")` at line" in f.why
    assert kinds(run) == ["no-reference"]


@pytest.mark.parametrize("kept", [
    '        task = asyncio.create_task(send(1), name="send-1")\n        await task',
    '        async with asyncio.TaskGroup() as tg:\n            tg.create_task(send(1), name="send-1")',
])
def test_near_miss_kept_task_or_taskgroup_is_no_finding(pg_loop, tmp_path, kept):
    source = NO_REFERENCE.replace('        asyncio.create_task(send(1), name="send-1")', kept)
    run, found = run_findings(pg_loop, tmp_path, source)
    assert found == [] and "sent 1" in "".join(ev[4] for ev in run.tracer.events if ev[0] == "output")


# -- blocked the loop ------------------------------------------------------------------------------

BLOCKED = """
    import asyncio
    import time

    async def work():
        time.sleep(0.2)
        return 1

    async def main():
        await asyncio.create_task(work(), name="work")

    asyncio.run(main())
"""


def test_a_blocking_call_in_a_task_blocked_the_loop(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, BLOCKED)
    [f] = of(found, "blocked-loop")
    assert f.task == "work" and f.line == line_of(BLOCKED, "time.sleep(") and "time.sleep" in f.why
    assert "asyncio.sleep" in f.fix and f.lesson == "pitfalls_01_blocking_the_loop"


def test_near_miss_awaited_sleep_does_not_block(pg_loop, tmp_path):
    source = BLOCKED.replace("time.sleep(0.2)", "await asyncio.sleep(0.2)")
    run, found = run_findings(pg_loop, tmp_path, source)
    assert found == []


# -- busy waiting ----------------------------------------------------------------------------------

BUSY = """
    import asyncio

    ready = False

    async def waiter():
        while not ready:
            await asyncio.sleep(0)
        print("ready")

    async def setter():
        global ready
        await asyncio.sleep(0.1)
        ready = True

    async def main():
        await asyncio.gather(asyncio.create_task(waiter(), name="waiter"),
                             asyncio.create_task(setter(), name="setter"))

    asyncio.run(main())
"""

EVENT_INSTEAD = """
    import asyncio

    async def waiter(ready):
        await ready.wait()
        print("ready")

    async def setter(ready):
        await asyncio.sleep(0.1)
        ready.set()

    async def main():
        ready = asyncio.Event()
        await asyncio.gather(asyncio.create_task(waiter(ready), name="waiter"),
                             asyncio.create_task(setter(ready), name="setter"))

    asyncio.run(main())
"""


def test_a_sleep0_polling_loop_is_busy_waiting(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, BUSY)
    [f] = of(found, "busy-waiting")
    assert f.task == "waiter" and f.line == line_of(BUSY, "while not ready") and "sleep(0)" in f.why
    assert kinds(run) == ["busy-waiting"]


def test_a_short_sleep_polling_loop_is_busy_waiting_too(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, BUSY.replace("sleep(0)", "sleep(0.002)"))
    [f] = of(found, "busy-waiting")
    assert f.task == "waiter" and f.line == line_of(BUSY, "while not ready") and "short sleep" in f.why


def test_near_miss_waiting_on_an_event_is_not_busy(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, EVENT_INSTEAD)
    assert found == []


def test_near_miss_yielding_in_a_for_loop_is_not_polling(pg_loop, tmp_path):
    source = """
        import asyncio

        async def crunch():
            total = 0
            for i in range(300):
                total += i
                await asyncio.sleep(0)      # let the others run: not waiting for anything
            return total

        async def main():
            await asyncio.create_task(crunch(), name="crunch")

        asyncio.run(main())
    """
    run, found = run_findings(pg_loop, tmp_path, source)
    assert found == []


# -- hang / lost wakeup ----------------------------------------------------------------------------

HANG = """
    import asyncio

    async def server(ready, ok):
        await asyncio.sleep(0.05)
        print("server: listening")
        if ok:
            ready.set()

    async def client(ready):
        await ready.wait()
        print("client: connected")

    async def main():
        ready = asyncio.Event()
        srv = asyncio.create_task(server(ready, ok=False), name="server")
        await asyncio.create_task(client(ready), name="client")
        await srv

    asyncio.run(main())
"""


def test_the_hang_doctor_names_every_stuck_task_first_when_stop_ends_the_run(pg_loop, tmp_path):
    async def during(run):
        await asyncio.sleep(0.3)
        run.stop("timeout")
    run, found = run_findings(pg_loop, tmp_path, HANG, during)
    assert run.outcome == "cancelled"
    assert [str(f.kind) for f in found][:2] == ["hang", "hang"]
    client, main = found[0], found[1]
    line = line_of(HANG, "await ready.wait()")
    assert client.task == "client" and client.line == line
    assert client.why == (f"'client' waits on Event 'ready' (line {line}); no task that is still "
                          f"alive ever calls ready.set() ('server' could, at line "
                          f"{line_of(HANG, 'ready.set()')}, but it ended without calling it).")
    assert main.task == "Task-1" and main.line == line_of(HANG, "await asyncio.create_task(client")
    assert main.why.startswith("main() waits on task 'client'") and "'client' is stuck too" in main.why
    assert not of(found, "lost-wakeup")    # what the hang says is not said twice



WAIT_ALL = """\
import asyncio


async def slow():
    await asyncio.sleep(10)


async def stuck(ready):
    await ready.wait()


async def main():
    ready = asyncio.Event()
    a = asyncio.create_task(slow(), name="slow")
    b = asyncio.create_task(stuck(ready), name="stuck")
    await asyncio.wait([a, b]{when})


asyncio.run(main())
"""


@pytest.mark.parametrize("when", ["", ", return_when=asyncio.FIRST_COMPLETED"])
def test_asyncio_wait_for_all_hangs_on_one_stuck_target_and_for_the_first_does_not(
        pg_loop, tmp_path, when):
    """asyncio.wait's default, ALL_COMPLETED, ends when every target has: one stuck target keeps
    it waiting however soon the others end (the hang doctor counted it free once one could).
    FIRST_COMPLETED ends with the first: a target still able to end frees it (the near miss)."""
    async def during(run):
        await asyncio.sleep(0.3)
        run.stop("timeout")
    source = WAIT_ALL.format(when=when)
    run, found = run_findings(pg_loop, tmp_path, source, during)
    hangs = {f.task: f for f in of(found, "hang")}
    assert "stuck" in hangs
    if when:
        assert "Task-1" not in hangs, hangs["Task-1"].why
    else:
        main = hangs["Task-1"]
        assert main.line == line_of(source, "await asyncio.wait(")
        assert main.why.startswith("main() waits on asyncio.wait") and "'stuck' is stuck too" \
            in main.why, main.why

def test_a_wait_nothing_in_the_program_can_complete_is_a_lost_wakeup_at_once(pg_loop, tmp_path):
    source = HANG.replace("        if ok:\n            ready.set()\n", "").replace(
        '        await asyncio.create_task(client(ready), name="client")',
        '        cli = asyncio.create_task(client(ready), name="client")\n'
        '        await asyncio.wait({cli}, timeout=0.2)\n        cli.cancel()')
    run, found = run_findings(pg_loop, tmp_path, source)
    assert run.outcome == "completed"
    [f] = found
    assert f.kind == "lost-wakeup" and f.task == "client"
    assert "nothing in the program ever calls ready.set()" in f.why


def test_a_wait_cancelled_after_its_setters_ended_was_a_lost_wakeup(pg_loop, tmp_path):
    source = HANG.replace(
        '        await asyncio.create_task(client(ready), name="client")',
        '        cli = asyncio.create_task(client(ready), name="client")\n'
        '        await asyncio.wait({cli}, timeout=0.2)\n        cli.cancel()')
    run, found = run_findings(pg_loop, tmp_path, source)
    [f] = found
    assert f.kind == "lost-wakeup" and f.task == "client"
    assert f.why == (f"'client' waits on Event 'ready' (line {line_of(source, 'ready.wait()')}); no "
                     "task that is still alive ever calls ready.set() ('server' could, at line "
                     f"{line_of(source, 'ready.set()')}, but it ended without calling it). It can "
                     "only end by being cancelled.")


def test_near_miss_the_server_sets_the_event(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, HANG.replace("ok=False", "ok=True"))
    assert run.outcome == "completed" and found == []


def test_near_miss_a_run_stopped_while_sleeping_is_no_hang(pg_loop, tmp_path):
    source = """
        import asyncio

        async def main():
            await asyncio.sleep(10)

        asyncio.run(main())
    """

    async def during(run):
        await asyncio.sleep(0.2)
        run.stop("timeout")
    run, found = run_findings(pg_loop, tmp_path, source, during)
    assert run.outcome == "cancelled" and found == []


def test_near_miss_worker_pool_idle_on_its_queue_is_no_lost_wakeup(pg_loop, tmp_path):
    source = """
        import asyncio

        async def worker(queue):
            while True:
                item = await queue.get()
                await asyncio.sleep(0.01)
                queue.task_done()

        async def producer(queue):
            for n in range(4):
                await queue.put(n)

        async def main():
            queue = asyncio.Queue()
            workers = [asyncio.create_task(worker(queue), name=f"w{i}") for i in range(2)]
            await asyncio.create_task(producer(queue), name="producer")
            await queue.join()
            for w in workers:
                w.cancel()
            await asyncio.gather(*workers, return_exceptions=True)

        asyncio.run(main())
    """
    run, found = run_findings(pg_loop, tmp_path, source)
    assert found == []


def test_the_hang_doctor_can_be_asked_while_the_run_is_live(pg_loop, tmp_path):
    seen = {}

    async def during(run):
        await asyncio.sleep(0.2)
        fold = Findings(run.source, run.path)
        fold.apply(run.tracer.events)
        seen["stuck"] = fold.stuck()
        seen["found"] = list(fold.found)
        run.stop()
    run_findings(pg_loop, tmp_path, HANG, during)
    assert [f.task for f in seen["stuck"]] == ["client", "Task-1"]
    assert all(f.kind == "hang" for f in seen["stuck"])
    assert seen["found"] == []   # stuck() adds nothing


# -- await cycle / deadlock ------------------------------------------------------------------------

AWAIT_CYCLE = """
    import asyncio

    tasks = {}

    async def worker(other):
        await asyncio.sleep(0.01)
        # (asyncio.wait: `await tasks[other]` would make their cancel() recurse forever)
        await asyncio.wait([tasks[other]])

    async def main():
        tasks["a"] = asyncio.create_task(worker("b"), name="a")
        tasks["b"] = asyncio.create_task(worker("a"), name="b")
        done, pending = await asyncio.wait(set(tasks.values()), timeout=0.2)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    asyncio.run(main())
"""


def test_tasks_awaiting_each_other_are_an_await_cycle(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, AWAIT_CYCLE)
    [f] = of(found, "deadlock")
    assert f.line == line_of(AWAIT_CYCLE, "await asyncio.wait([") and "await cycle" in f.why
    assert "'a'" in f.why and "'b'" in f.why
    assert kinds(run) == ["deadlock"]


def test_near_miss_awaiting_one_way_is_no_cycle(pg_loop, tmp_path):
    source = AWAIT_CYCLE.replace('worker("a"), name="b"', 'asyncio.sleep(0.05), name="b"')
    run, found = run_findings(pg_loop, tmp_path, source)
    assert found == []


LOCK_ORDER = """
    import asyncio

    async def transfer(name, first, second):
        async with first:
            await asyncio.sleep(0.05)
            async with second:
                print(name, "moved the money")

    async def main():
        a, b = asyncio.Lock(), asyncio.Lock()
        t1 = asyncio.create_task(transfer("t1", a, b), name="t1")
        t2 = asyncio.create_task(transfer("t2", b, a), name="t2")
        done, pending = await asyncio.wait({t1, t2}, timeout=0.3)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    asyncio.run(main())
"""


def test_two_locks_taken_in_opposite_orders_deadlock(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, LOCK_ORDER)
    [f] = of(found, "deadlock")
    assert f.line == line_of(LOCK_ORDER, "async with second") and "opposite orders" in f.why
    assert "'t1'" in f.why and "'t2'" in f.why
    assert kinds(run) == ["deadlock"]


def test_near_miss_two_locks_taken_in_the_same_order(pg_loop, tmp_path):
    source = LOCK_ORDER.replace('transfer("t2", b, a)', 'transfer("t2", a, b)')
    run, found = run_findings(pg_loop, tmp_path, source)
    assert found == [] and run.outcome == "completed"


# -- swallowed cancellation ------------------------------------------------------------------------

SWALLOWED = """
    import asyncio

    async def worker():
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            print("cancelled? never mind")
        return "finished anyway"

    async def main():
        task = asyncio.create_task(worker(), name="worker")
        await asyncio.sleep(0.05)
        task.cancel()
        print(await task)

    asyncio.run(main())
"""


def test_catching_cancelled_error_and_going_on_swallows_it(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, SWALLOWED)
    [f] = of(found, "swallowed-cancel")
    assert f.task == "worker" and f.line == line_of(SWALLOWED, "except asyncio.CancelledError")
    assert f"landed at line {line_of(SWALLOWED, 'sleep(1)')}" in f.why
    assert kinds(run) == ["swallowed-cancel"]


@pytest.mark.parametrize("handler", [
    'print("cancelled, cleaning up")\n            raise',                        # re-raised
    'if asyncio.current_task().uncancel() == 0:\n                print("handled on purpose")',
])
def test_near_miss_reraising_or_uncancelling(pg_loop, tmp_path, handler):
    source = SWALLOWED.replace('print("cancelled? never mind")', handler).replace(
        "        print(await task)", "        print(await asyncio.gather(task, return_exceptions=True))")
    run, found = run_findings(pg_loop, tmp_path, source)
    assert found == []


def test_near_miss_a_handled_timeout_is_no_swallowed_cancel(pg_loop, tmp_path):
    source = """
        import asyncio

        async def main():
            try:
                async with asyncio.timeout(0.05):
                    await asyncio.sleep(1)
            except TimeoutError:
                print("gave up in time")

        asyncio.run(main())
    """
    run, found = run_findings(pg_loop, tmp_path, source)
    assert found == []


def test_a_task_that_swallows_stop_is_force_stopped_and_found(pg_loop, tmp_path):
    source = """
        import asyncio

        async def stubborn():
            while True:
                try:
                    await asyncio.sleep(0.05)
                except asyncio.CancelledError:
                    print("not stopping")

        async def main():
            await asyncio.create_task(stubborn(), name="stubborn")

        asyncio.run(main())
    """

    async def during(run):
        await asyncio.sleep(0.1)
        run.stop()
    run, found = run_findings(pg_loop, tmp_path, source, during)
    assert [f.task for f in of(found, "swallowed-cancel")] == ["stubborn"]
    assert "force-stopped" in of(found, "swallowed-cancel")[0].why


# -- lost sibling failure --------------------------------------------------------------------------

GATHER = """
    import asyncio

    async def job(name, seconds, fail=False):
        await asyncio.sleep(seconds)
        if fail:
            raise ValueError(name)
        return name

    async def main():
        tasks = [asyncio.create_task(job("bad", 0.02, fail=True), name="bad"),
                 asyncio.create_task(job("slow", 0.1), name="slow")]
        try:
            await asyncio.gather(*tasks)
        except ValueError as exc:
            print("gather raised", exc)
        await asyncio.sleep(0.15)

    asyncio.run(main())
"""


def test_gather_without_return_exceptions_leaves_siblings_running(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, GATHER)
    [f] = of(found, "lost-sibling-failure")
    assert f.line == line_of(GATHER, "gather(*tasks)") and f.task == "Task-1"
    assert "'slow' was still running" in f.why
    assert kinds(run) == ["lost-sibling-failure"]


def test_near_miss_return_exceptions_or_taskgroup(pg_loop, tmp_path):
    source = GATHER.replace("gather(*tasks)", "gather(*tasks, return_exceptions=True)")
    run, found = run_findings(pg_loop, tmp_path, source)
    assert found == []
    taskgroup = """
        import asyncio

        async def job(name, seconds, fail=False):
            await asyncio.sleep(seconds)
            if fail:
                raise ValueError(name)
            return name

        async def main():
            try:
                async with asyncio.TaskGroup() as tg:
                    tg.create_task(job("bad", 0.02, fail=True), name="bad")
                    tg.create_task(job("slow", 0.1), name="slow")
            except* ValueError as group:
                print("TaskGroup raised", group.exceptions)

        asyncio.run(main())
    """
    run, found = run_findings(pg_loop, tmp_path, taskgroup)
    assert found == []


# -- lock held across a long await -----------------------------------------------------------------

LOCK_HELD = """
    import asyncio

    async def worker(lock):
        async with lock:
            await asyncio.sleep(0.6)        # the slow part, inside the lock

    async def main():
        lock = asyncio.Lock()
        await asyncio.gather(*(asyncio.create_task(worker(lock), name=f"w{i}") for i in range(2)))

    asyncio.run(main())
"""


def test_a_lock_held_across_a_long_sleep_while_another_queued(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, LOCK_HELD)
    [f] = of(found, "lock-held-long")
    assert f.task == "w0" and f.line == line_of(LOCK_HELD, "sleep(0.6)")
    assert "'w1' queued" in f.why and "Lock 'lock'" in f.why
    assert kinds(run) == ["lock-held-long"]


def test_near_miss_the_slow_part_outside_the_lock(pg_loop, tmp_path):
    source = LOCK_HELD.replace(
        "        async with lock:\n            await asyncio.sleep(0.6)        # the slow part, inside the lock",
        "        await asyncio.sleep(0.6)\n        async with lock:\n            await asyncio.sleep(0.01)")
    run, found = run_findings(pg_loop, tmp_path, source)
    assert found == []


# -- leftover task ---------------------------------------------------------------------------------

LEFTOVER = """
    import asyncio

    async def slow():
        await asyncio.sleep(1)
        print("slow finished")

    async def main():
        task = asyncio.create_task(slow(), name="slow")
        await asyncio.sleep(0.02)

    asyncio.run(main())
"""


def test_a_task_pending_when_main_returns_is_a_leftover(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, LEFTOVER)
    [f] = found
    assert f.kind == "leftover-task" and f.task == "slow" and f.line == line_of(LEFTOVER, "sleep(1)")
    assert "still pending when main() returned" in f.why


def test_near_miss_awaited_before_main_returns(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, LEFTOVER.replace("sleep(1)", "sleep(0.05)").replace(
        "        await asyncio.sleep(0.02)", "        await task"))
    assert found == []


# -- awaited one at a time -------------------------------------------------------------------------

ONE_AT_A_TIME = """
    import asyncio

    async def fetch(page):
        await asyncio.sleep(0.02)
        return page

    async def main():
        for page in "abc":
            await asyncio.create_task(fetch(page))

    asyncio.run(main())
"""


def test_creating_and_awaiting_tasks_one_by_one_in_a_loop(pg_loop, tmp_path):
    run, found = run_findings(pg_loop, tmp_path, ONE_AT_A_TIME)
    [f] = found
    assert f.kind == "one-at-a-time" and f.line == line_of(ONE_AT_A_TIME, "await asyncio.create_task")
    assert "fetch()" in f.why


def test_near_miss_create_them_all_then_await(pg_loop, tmp_path):
    source = ONE_AT_A_TIME.replace(
        "        for page in \"abc\":\n            await asyncio.create_task(fetch(page))",
        "        tasks = [asyncio.create_task(fetch(page)) for page in \"abc\"]\n"
        "        for task in tasks:\n            await task")
    run, found = run_findings(pg_loop, tmp_path, source)
    assert found == []


# -- the fold: incremental, replay, trace, CLI -----------------------------------------------------

def test_the_fold_gives_the_same_findings_a_record_at_a_time(pg_loop, tmp_path):
    run, whole = run_findings(pg_loop, tmp_path, GATHER.replace("        await asyncio.sleep(0.15)\n", ""))
    fold = Findings(run.source, run.path)
    new = []
    for ev in run.tracer.events:
        new += fold.apply([ev])
    assert new == fold.found and fold.report() == whole and whole


def test_findings_of_a_saved_run_and_its_chrome_trace(pg_loop, tmp_path):
    from asyncio_playground.replay import load_run, save_run
    run, found = run_findings(pg_loop, tmp_path, NEVER_AWAITED)
    path = tmp_path / "run.json"
    save_run(run.tracer.events, path, source=run.source, filename=run.path)
    assert findings(load_run(path)) == found
    trace = json.loads(path.read_text())["traceEvents"]
    [instant] = [e for e in trace if e.get("cat") == "finding"]
    assert instant["ph"] == "i" and instant["name"] == "never awaited" and instant["tid"] == 1
    assert instant["args"]["kind"] == "never-awaited" and instant["args"]["line"] == found[0].line
    assert instant["args"]["why"] == found[0].why and instant["ts"] >= 0
    # chrome_trace alone finds them too, the program read from the run's file
    assert [e["args"]["kind"] for e in playground.chrome_trace(run.tracer)["traceEvents"]
            if e.get("cat") == "finding"] == ["never-awaited"]


def test_a_run_with_nothing_to_find_costs_the_fold_little(pg_loop, tmp_path):
    # 2,000 tasks x 20 sleeps: the fold over its ~85,000 records stays well under the table's
    # own fold (the window folds both).
    import time
    run, table = run_script(pg_loop, tmp_path, """
        import asyncio

        async def hop():
            for _ in range(20):
                await asyncio.sleep(0)
            await asyncio.sleep(0.001)

        async def main():
            await asyncio.gather(*(asyncio.create_task(hop()) for _ in range(2000)))

        asyncio.run(main())
    """)
    events = list(run.tracer.events)
    t0 = time.perf_counter()
    for _ in range(3):
        fold = Findings(run.source, run.path)
        fold.apply(events)
    mine = (time.perf_counter() - t0) / 3
    t0 = time.perf_counter()
    for _ in range(3):
        playground.TaskTable().apply(events)
    theirs = (time.perf_counter() - t0) / 3
    assert fold.found == [] and mine < theirs, (mine, theirs)


def test_cli_prints_the_hang_first_and_keeps_its_exit_code(tmp_path):
    path = tmp_path / "hang.py"
    path.write_text(textwrap.dedent(HANG))
    proc = subprocess.run([sys.executable, "-m", "asyncio_playground", "run", str(path),
                           "--timeout", "0.5"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert proc.returncode == 124, proc.stderr
    out = proc.stdout
    assert out.index("findings (2):") < out.index("task ") < out.index("|0")
    line = line_of(HANG, "await ready.wait()")
    assert f"✗ hang: nothing can wake it — line {line}, task 'client'" in out
    assert f"'client' waits on Event 'ready' (line {line}); no task that is still alive ever " \
           "calls ready.set() ('server' could" in out
    assert "(lesson: pitfalls_05_debugging_a_hang)" in out


# -- every lesson shows exactly the findings it teaches --------------------------------------------

#: Lesson slug -> the findings its run shows, until the lesson says so itself with
#: ``[[expect]] check = "finding"`` entries (which then win).  Every other lesson shows none.
TEACHES = {
    "errors_02_never_retrieved": {"never-retrieved"},
    "errors_05_taskgroup_vs_gather": {"lost-sibling-failure"},
    "pitfalls_01_blocking_the_loop": {"blocked-loop"},
    "pitfalls_02_fire_and_forget": {"no-reference", "leftover-task"},
    "pitfalls_03_never_awaited": {"never-awaited"},
    "pitfalls_04_await_in_a_loop": {"one-at-a-time"},
    "pitfalls_05_debugging_a_hang": {"lost-wakeup"},
    "pitfalls_06_debug_mode": {"never-awaited", "no-reference", "blocked-loop", "never-retrieved"},
    "threads_03_run_coroutine_threadsafe": {"blocked-loop"},
}


def _lessons():
    from asyncio_playground import lessons
    return [lesson for lesson in lessons.discover() if lessons.why_cannot_run(lesson) is None]


def _load_block(run, finding) -> bool:
    """A short block the lesson does not teach: a loaded machine can stretch a step past 0.1 s.
    Real ones, the lessons that teach them, take 0.3 s+.  A lesson's own `gc.collect()` is
    forgiven whatever it took: here it walks the whole test session's heap (282 ms once, in CI),
    under `python` the lesson's few objects."""
    if finding.kind != "blocked-loop":
        return False
    if finding.line is not None and "gc.collect()" in run_line(run, finding.line):
        return True
    return all(ev[3] < 0.25 for ev in run.tracer.events if ev[0] == "block" and ev[1] == finding.tid)


def run_line(run, line: int) -> str:
    lines = run.source.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


def test_every_lesson_shows_exactly_the_findings_it_teaches(pg_loop):
    from asyncio_playground import lessons
    wrong = []
    for lesson in _lessons():
        want = _teaches(lesson)
        run = playground.Run(lesson.path, loop=pg_loop)

        async def go(run=run):
            run.start()
            return await run.wait()
        pg_loop.run_until_complete(asyncio.wait_for(go(), 30))
        found = [f for f in findings(run) if str(f.kind) in want or not _load_block(run, f)]
        got = {str(f.kind) for f in found}
        if got != want:
            wrong.append(f"{lesson.slug}: shows {sorted(got)}, teaches {sorted(want)}: " + "; ".join(
                f.why for f in found if str(f.kind) not in want))
    assert not wrong, "\n".join(wrong)
    assert any(lesson.slug.startswith("pitfalls_") for lesson in _lessons())


def _teaches(lesson) -> set[str]:
    declared = {exp["kind"] for exp in lesson.expect
                if isinstance(exp, dict) and exp.get("check") == "finding"}
    return declared or TEACHES.get(lesson.slug, set())


#: Kinds no lesson's run can show by itself (kind -> what its lesson's run shows instead): the
#: hang doctor speaks when Stop, ``--timeout`` or Ctrl+C ends a run, and a lesson ends on its
#: own.  The hang's lesson (pitfalls_05) bounds its wait and shows the lost wakeup behind the
#: hang; without the bound, Stop shows the hang (the test below).
ONLY_WHEN_STOPPED = {"hang": "lost-wakeup"}


def test_every_kind_links_to_a_lesson_whose_run_shows_it():
    """A finding's lesson is one that teaches it: the lesson says so (a ``finding`` check), and
    test_every_lesson_shows_exactly_the_findings_it_teaches holds its run to that."""
    from asyncio_playground import lessons
    by_slug = {lesson.slug: lesson for lesson in lessons.discover()}
    wrong = []
    for kind in FindingKind:
        teaches = _teaches(by_slug[kind.lesson])
        want = ONLY_WHEN_STOPPED.get(str(kind), str(kind))
        if want not in teaches:
            wrong.append(f"{kind}: its lesson {kind.lesson} teaches {sorted(teaches)}")
    assert not wrong, "\n".join(wrong)


def test_the_hang_lesson_unbounded_and_stopped_shows_the_hang(pg_loop, tmp_path):
    from asyncio_playground import lessons
    [lesson] = [x for x in lessons.discover() if x.slug == FindingKind.HANG.lesson]
    source = lesson.path.read_text(encoding="utf-8")
    bounded = "await asyncio.wait({srv, cli}, timeout=1.0)"
    assert bounded in source
    unbounded = source.replace(bounded, "await asyncio.wait({srv, cli})")
    run, found = run_findings(pg_loop, tmp_path, unbounded, stop_after(0.5))
    assert run.outcome == "cancelled"
    # The cause first, then main: its asyncio.wait() waits for all of them (the server ended,
    # the client never will).
    hang, main = of(found, "hang")
    assert hang.task == "client" and found[0] == hang and hang.lesson == lesson.slug
    assert "nothing in the program ever calls ready.set()" in hang.why
    assert main.task == "Task-1" and "'client' is stuck too" in main.why


def test_a_lesson_can_expect_a_finding_and_the_after_run_list_says_so(pg_loop, tmp_path):
    from asyncio_playground import lessons
    run, table = run_script(pg_loop, tmp_path, NEVER_AWAITED)
    line = line_of(NEVER_AWAITED, 'save("draft")')
    expect = [{"check": "finding", "kind": "never-awaited", "line": line},
              {"check": "finding", "kind": "hang"}]
    shown = lessons.explain(expect, table, run.tracer.events, run.outcome)
    assert [f.ok for f in shown] == [True, False]
    assert shown[0].text.startswith(f"the run showed never awaited at line {line}: save(...)")
    assert shown[1].text == "the run did not show hang: nothing can wake it, which the lesson expects"
    assert lessons.check(expect, table, run.tracer.events, run.outcome) == [
        "finding: no 'hang' finding (findings: never-awaited)"]
    side = tmp_path / "lesson.md"
    side.write_text('+++\n[[expect]]\ncheck = "finding"\nkind = "never_awaited"\n+++\n# T\n')
    problems = lessons.validate(lessons.load(tmp_path / "lesson.py"))
    assert any("unknown finding kind 'never_awaited'" in p for p in problems), problems
