"""Resources (issue 23): every Lock, Semaphore, Event, Condition, Barrier and Queue a run makes,
named from the program, tracked over the run (holders, waiters in order, counts) and read at any
moment; the Barrier's wait is a barrier wait; the CLI's summary, the Chrome trace's counters and
saved runs carry them; asyncio is untouched between runs."""
from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import time

import pytest
from helpers import run_script
from test_export import check_trace_format

import asyncio_playground as playground
from asyncio_playground import ResourceTable, resources
from asyncio_playground import _resource_hooks


def line_of(source, text, nth=1) -> int:
    lines = textwrap.dedent(source).splitlines()
    return [i + 1 for i, line in enumerate(lines) if text in line][nth - 1]


def fold(run) -> tuple[ResourceTable, dict]:
    """The run's resources folded, and its tasks' tids by name."""
    table = ResourceTable()
    table.apply(run.tracer.events)
    tasks = playground.TaskTable()
    tasks.apply(run.tracer.events)
    return table, {row.name: row.tid for row in tasks.rows}


def by_name(table, name):
    [row] = [r for r in table.rows if r.name == name]
    return row


def middle(interval) -> float:
    t0, t1 = interval
    return (t0 + t1) / 2


# -- Lock ------------------------------------------------------------------------------------------

LOCK = """
    import asyncio

    async def worker(lock, hold):
        async with lock:
            await asyncio.sleep(hold)

    async def main():
        db_lock = asyncio.Lock()
        await asyncio.gather(*(asyncio.create_task(worker(db_lock, 0.04), name=f"w{i}")
                               for i in range(3)))

    asyncio.run(main())
"""


def test_a_lock_has_one_holder_and_its_waiters_in_order_at_every_moment(pg_loop, tmp_path):
    run, tasks = run_script(pg_loop, tmp_path, LOCK)
    assert run.outcome == "completed"
    table, tid = fold(run)
    lock = by_name(table, "db_lock")
    assert (lock.kind, lock.cls, lock.line, lock.library) == ("lock", "Lock",
                                                              line_of(LOCK, "db_lock ="), False)
    assert lock.filename == run.path and lock.creator == tid["Task-1"]
    w0, w1, w2 = tid["w0"], tid["w1"], tid["w2"]
    assert [h[0] for h in lock.holds] == [w0, w1, w2]
    line = line_of(LOCK, "async with lock")

    at = middle(lock.holds[0][1:])           # w0 holds, w1 and w2 queue in the order they came
    s = table.state(lock.rid, at)
    assert (s.value, s.state) == (1, "locked")
    assert [h.tid for h in s.holders] == [w0] and s.holders[0].since == lock.holds[0][1]
    assert [(w.tid, w.op, w.line) for w in s.waiters] == [(w1, "acquire", line),
                                                          (w2, "acquire", line)]
    assert s.waiters[0].since <= s.waiters[1].since
    # the same moment as the task table's replay shows it
    from asyncio_playground.replay import Replay
    moment = Replay(run.tracer.events).table_at(at)
    assert [r.tid for r in moment.rows if r.waiting and r.waiting[0] == "lock"] == [w1, w2]

    s = table.state(lock.rid, middle(lock.holds[1][1:]))
    assert [h.tid for h in s.holders] == [w1] and [w.tid for w in s.waiters] == [w2]

    end = table.state(lock.rid)                 # the end of the run
    assert (end.value, end.state, end.holders, end.waiters) == (0, "unlocked", (), ())
    assert lock.counts == {"acquire": 3, "release": 3}
    assert lock.max_waiters == 2 and lock.longest_wait[1] == w2
    # the public front: the same, by name
    [s] = resources(run, at=at)
    assert s.name == "db_lock" and [h.tid for h in s.holders] == [w0]
    assert resources(run)[0].state == "unlocked"
    assert resources(run, at=lock.created - 1) == []     # not made yet


def test_a_waiter_that_gives_up_leaves_the_queue_without_holding(pg_loop, tmp_path):
    source = """
        import asyncio

        async def main():
            lock = asyncio.Lock()
            await lock.acquire()
            waiter = asyncio.create_task(lock.acquire(), name="waiter")
            await asyncio.sleep(0.02)
            waiter.cancel()
            await asyncio.sleep(0.02)
            lock.release()

        asyncio.run(main())
    """
    run, _ = run_script(pg_loop, tmp_path, source)
    table, tid = fold(run)
    lock = by_name(table, "lock")
    assert lock.counts == {"acquire": 1, "cancelled": 1, "release": 1}
    [wait] = lock.waits
    assert wait[0] == tid["waiter"] and wait[2] is not None
    s = table.state(lock.rid, wait[2] + 0.005)
    assert [h.tid for h in s.holders] == [tid["Task-1"]] and s.waiters == ()


# -- Semaphore -------------------------------------------------------------------------------------

SEMAPHORE = """
    import asyncio

    async def fetch(limit):
        async with limit:
            await asyncio.sleep(0.03)

    async def main():
        limit = asyncio.{cls}(2)
        async with asyncio.TaskGroup() as tg:
            for i in range(5):
                tg.create_task(fetch(limit), name=f"f{{i}}")

    asyncio.run(main())
"""


@pytest.mark.parametrize("cls", ["Semaphore", "BoundedSemaphore"])
def test_a_semaphore_lists_the_tasks_holding_permits_and_counts_what_is_left(pg_loop, tmp_path,
                                                                                 cls):
    source = SEMAPHORE.replace("{cls}", cls).replace("{{i}}", "{i}")
    run, _ = run_script(pg_loop, tmp_path, source)
    assert run.outcome == "completed"
    table, tid = fold(run)
    sem = by_name(table, "limit")
    assert (sem.kind, sem.cls, sem.capacity) == ("semaphore", cls, 2)
    f = [tid[f"f{i}"] for i in range(5)]
    first = sem.holds[0]
    s = table.state(sem.rid, middle((first[1], min(h[2] for h in sem.holds[:2]))))
    assert sorted(h.tid for h in s.holders) == f[:2]
    assert [w.tid for w in s.waiters] == f[2:]          # FIFO
    assert (s.value, s.state) == (0, "no permit left")
    assert all(w.op == "acquire" for w in s.waiters)
    end = table.state(sem.rid)
    assert (end.value, end.holders, end.waiters) == (2, (), ())
    assert sem.counts == {"acquire": 5, "release": 5} and len(sem.waits) == 3


# -- Event -----------------------------------------------------------------------------------------

EVENT = """
    import asyncio

    async def client(ready):
        await ready.wait()

    async def main():
        ready = asyncio.Event()
        clients = [asyncio.create_task(client(ready), name=f"c{i}") for i in range(2)]
        await asyncio.sleep(0.03)
        ready.set()
        await asyncio.gather(*clients)
        await asyncio.sleep(0.03)
        ready.clear()
        await asyncio.sleep(0.01)

    asyncio.run(main())
"""


def test_an_event_is_set_and_cleared_and_its_waiters_leave_when_it_is_set(pg_loop, tmp_path):
    run, _ = run_script(pg_loop, tmp_path, EVENT)
    table, tid = fold(run)
    ev = by_name(table, "ready")
    assert ev.kind == "event" and ev.counts == {"set": 1, "clear": 1}
    t_set, t_clear = ev.op_t
    before = table.state(ev.rid, t_set - 0.005)
    assert before.state == "clear"
    assert [(w.tid, w.op, w.line) for w in before.waiters] == [
        (tid["c0"], "wait", line_of(EVENT, "await ready.wait()")),
        (tid["c1"], "wait", line_of(EVENT, "await ready.wait()"))]
    after = table.state(ev.rid, (t_set + t_clear) / 2)
    assert (after.state, after.value, after.waiters) == ("set", 1, ())
    assert table.state(ev.rid).state == "clear"


# -- Condition -------------------------------------------------------------------------------------

CONDITION = """
    import asyncio

    async def consumer(cond, box):
        async with cond:
            await cond.wait_for(lambda: box)

    async def main():
        {make}
        box = []
        task = asyncio.create_task(consumer(cond, box), name="consumer")
        await asyncio.sleep(0.03)
        async with cond:
            box.append(1)
            cond.notify_all()
            await asyncio.sleep(0.02)
        await task

    asyncio.run(main())
"""


@pytest.mark.parametrize("own_lock", [False, True])
def test_a_condition_has_the_holder_of_its_lock_and_its_waiters(pg_loop, tmp_path, own_lock):
    make = ("mutex = asyncio.Lock(); cond = asyncio.Condition(mutex)" if own_lock
            else "cond = asyncio.Condition()")
    source = CONDITION.replace("{make}", make)
    run, tasks = run_script(pg_loop, tmp_path, source)
    assert run.outcome == "completed"
    table, tid = fold(run)
    cond = by_name(table, "cond")
    assert cond.kind == "condition"
    # the Lock a Condition makes for itself is no object of the run; the program's own is
    assert [r.name for r in table.rows] == (["mutex", "cond"] if own_lock else ["cond"])
    assert (cond.lock is not None) == own_lock
    [wait, *rest] = cond.waits
    assert (wait[0], wait[3]) == (tid["consumer"], "wait")
    s = table.state(cond.rid, wait[1] + 0.01)
    assert [w.tid for w in s.waiters] == [tid["consumer"]] and s.holders == ()
    assert tasks.by_tid[tid["consumer"]].waits[1][2] == "condition"
    # main holds it while it notifies; the consumer, woken, waits for the lock inside wait_for
    notify = cond.op_t[cond.ops.index(next(o for o in cond.ops if o[0] == "notify"))]
    s = table.state(cond.rid, notify + 0.01)
    assert [h.tid for h in s.holders] == [tid["Task-1"]] and (s.value, s.state) == (1, "locked")
    assert [w.tid for w in s.waiters] == [tid["consumer"]]
    assert table.state(cond.rid).holders == ()


# -- Barrier ---------------------------------------------------------------------------------------

BARRIER = """
    import asyncio

    async def runner(barrier, warm_up):
        await asyncio.sleep(warm_up)
        await barrier.wait()

    async def main():
        barrier = asyncio.Barrier(3)
        async with asyncio.TaskGroup() as tg:
            for i, warm_up in enumerate((0.01, 0.03, 0.05)):
                tg.create_task(runner(barrier, warm_up), name=f"r{i}")

    asyncio.run(main())
"""


def test_a_barrier_wait_is_a_barrier_wait_and_counts_the_parties_waiting(pg_loop, tmp_path):
    run, tasks = run_script(pg_loop, tmp_path, BARRIER)
    assert run.outcome == "completed"
    line = line_of(BARRIER, "await barrier.wait()")
    for name in ("r0", "r1"):   # the tracer says barrier, not the Condition inside a Barrier
        row = tasks.by_tid[next(r.tid for r in tasks.rows if r.name == name)]
        kinds = [kind for _t0, _t1, kind, _detail in row.waits]
        assert kinds == ["sleep", "barrier"], kinds
        assert row.waits[1][3] == "Barrier.wait"
    waits = [ev for ev in run.tracer.events if ev[0] == "wait" and ev[6] == line]
    assert waits and all(ev[3] == "barrier" for ev in waits)
    table, tid = fold(run)
    assert [r.name for r in table.rows] == ["barrier"]    # not its Condition nor its Lock
    barrier = by_name(table, "barrier")
    assert (barrier.kind, barrier.capacity) == ("barrier", 3)
    second = barrier.waits[1][1]
    s = table.state(barrier.rid, second + 0.005)
    assert [w.tid for w in s.waiters] == [tid["r0"], tid["r1"]]
    assert (s.value, s.state) == (2, "filling") and all(w.line == line for w in s.waiters)
    end = table.state(barrier.rid)
    assert (end.value, end.state, end.waiters) == (0, "filling", ())
    assert barrier.counts == {"pass": 3}


# -- Queues ----------------------------------------------------------------------------------------

QUEUE = """
    import asyncio

    async def producer(q):
        for i in range(4):
            await q.put(f"job-{i}")

    async def consumer(q):
        await asyncio.sleep(0.03)
        while True:
            item = await q.get()
            await asyncio.sleep(0.01)
            q.task_done()

    class Pool:
        def __init__(self):
            self.jobs = asyncio.Queue(maxsize=2)

    async def main():
        pool = Pool()
        asyncio.create_task(producer(pool.jobs), name="producer")
        worker = asyncio.create_task(consumer(pool.jobs), name="consumer")
        await asyncio.sleep(0.01)
        await pool.jobs.join()
        worker.cancel()

    asyncio.run(main())
"""


def test_a_queue_shows_its_size_items_and_who_waits_to_put_get_or_join(pg_loop, tmp_path):
    run, tasks = run_script(pg_loop, tmp_path, QUEUE)
    assert run.outcome == "completed"
    table, tid = fold(run)
    q = by_name(table, "self.jobs")
    assert (q.kind, q.cls, q.capacity, q.line) == ("queue", "Queue", 2,
                                                   line_of(QUEUE, "self.jobs ="))
    # at 0.02 s: full (job-0, job-1), the producer waits to put job-2, main waits in join()
    first_get = q.op_t[[o[0] for o in q.ops].index("get")]
    s = table.state(q.rid, first_get - 0.005)
    assert (s.value, s.state, s.items, s.unfinished) == (2, "full", ("'job-0'", "'job-1'"), 2)
    assert [(w.tid, w.op) for w in s.waiters] == [(tid["producer"], "put"),
                                                 (tid["Task-1"], "join")]
    # join() is a queue wait, not the Event inside a Queue
    main_row = tasks.by_tid[tid["Task-1"]]
    assert ("queue", "Queue.join") in [(k, d) for _a, _b, k, d in main_row.waits]
    end = table.state(q.rid)
    assert (end.value, end.state, end.unfinished, end.items) == (0, "empty", 0, ())
    assert q.counts == {"put": 4, "get": 4, "task_done": 4}
    # the consumer ended waiting in get() (cancelled): no waiter is left
    assert end.waiters == ()


@pytest.mark.parametrize("cls, order", [("LifoQueue", ["2", "1", "3"]),
                                        ("PriorityQueue", ["1", "2", "3"]),
                                        ("Queue", ["3", "1", "2"])])
def test_items_come_in_the_order_the_queue_gives_them(pg_loop, tmp_path, cls, order):
    source = f"""
        import asyncio

        async def main():
            q = asyncio.{cls}()
            for item in (3, 1, 2):
                q.put_nowait(item)
            await asyncio.sleep(0)
            got = q.get_nowait()
            await asyncio.sleep(0)

        asyncio.run(main())
    """
    run, _ = run_script(pg_loop, tmp_path, source)
    table, _ = fold(run)
    q = by_name(table, "q")
    assert q.cls == cls
    s = table.state(q.rid, q.op_t[2])          # after the three puts
    assert s.value == 3
    if cls != "PriorityQueue":   # a PriorityQueue's are shown in the order they were put
        assert list(s.items) == order
    got = q.ops[3]
    assert got[0] == "get" and got[2] == 2
    assert sorted(table.state(q.rid).items) == sorted(order[1:])
    assert table.state(q.rid).items[0] == order[1] or cls == "PriorityQueue"


@pytest.mark.skipif(sys.version_info < (3, 13), reason="Queue.shutdown is 3.13+")
def test_a_shut_down_queue_says_so(pg_loop, tmp_path):
    source = """
        import asyncio

        async def main():
            q = asyncio.Queue()
            q.put_nowait(1)
            q.shutdown(immediate=True)
            await asyncio.sleep(0)

        asyncio.run(main())
    """
    run, _ = run_script(pg_loop, tmp_path, source)
    [s] = resources(run)
    assert (s.state, s.value, s.items) == ("shut down", 0, ())


# -- how runs end, who made them, eager tasks --------------------------------------------------

def test_stop_leaves_no_waiter_and_module_code_is_no_task(pg_loop, tmp_path):
    source = """
        import asyncio
        ready = asyncio.Event()
        q = asyncio.Queue()
        q.put_nowait(1)

        async def client():
            await ready.wait()

        async def main():
            await asyncio.gather(client(), client())

        asyncio.run(main())
    """

    async def during(run):
        await asyncio.sleep(0.1)
        run.stop()

    run, _ = run_script(pg_loop, tmp_path, source, during)
    assert run.outcome == "cancelled"
    table, tid = fold(run)
    ready, q = table.rows
    assert (ready.name, ready.creator, ready.line) == ("ready", None, line_of(source, "ready ="))
    assert (q.name, q.ops[0][:3]) == ("q", ("put", None, 1))
    waits = ready.waits
    assert len(waits) == 2 and all(w[2] is not None for w in waits)   # Stop ended both
    s = table.state(ready.rid, (waits[1][1] + waits[1][2]) / 2)
    assert len(s.waiters) == 2 and s.state == "clear"
    assert table.state(ready.rid).waiters == ()
    assert table.state(q.rid).items == ("1",)


@pytest.mark.skipif(sys.version_info < (3, 12), reason="eager_task_factory is 3.12+")
def test_an_eager_tasks_first_step_acquires_as_itself(pg_loop, tmp_path):
    source = """
        import asyncio

        async def job(lock):
            async with lock:
                await asyncio.sleep(0.01)

        async def main():
            asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)
            lock = asyncio.Lock()
            await asyncio.gather(*(asyncio.create_task(job(lock), name=f"j{i}")
                                   for i in range(3)))

        asyncio.run(main())
    """
    run, _ = run_script(pg_loop, tmp_path, source)
    table, tid = fold(run)
    assert [h[0] for h in table.rows[0].holds] == [tid["j0"], tid["j1"], tid["j2"]]


# -- names -----------------------------------------------------------------------------------------

NAMES = """
    import asyncio

    class Cache:
        guard = asyncio.Lock()

        def __init__(self, *, lock=None):
            self.lock = lock or asyncio.Lock()

    def make():
        return asyncio.Event()

    class Pool:
        def __init__(self, jobs):
            self.jobs = jobs

    async def use(label, guard):
        pass

    async def main():
        a, b = asyncio.Lock(), asyncio.Semaphore(3)
        locks = [asyncio.Lock() for _ in range(2)]
        shared = {"db": asyncio.Lock()}
        Cache()
        Cache()
        Cache(lock=asyncio.Lock())
        make()
        if (ready := asyncio.Event()):
            pass
        Pool(asyncio.Queue())
        await use("x", asyncio.Semaphore(2))
        str(asyncio.Lock())
        await asyncio.sleep(0)

    asyncio.run(main())
"""


def test_objects_are_named_after_what_the_program_binds_them_to(pg_loop, tmp_path):
    run, _ = run_script(pg_loop, tmp_path, NAMES)
    assert run.outcome == "completed", run.error
    table, _ = fold(run)
    assert [(r.name, r.cls, r.line) for r in table.rows] == [
        ("Cache.guard", "Lock", line_of(NAMES, "guard =")),
        ("a", "Lock", line_of(NAMES, "a, b =")),
        ("b", "Semaphore", line_of(NAMES, "a, b =")),
        ("locks[0]", "Lock", line_of(NAMES, "locks =")),
        ("locks[1]", "Lock", line_of(NAMES, "locks =")),
        ('shared["db"]', "Lock", line_of(NAMES, "shared =")),
        ("self.lock", "Lock", line_of(NAMES, "self.lock =")),
        ("self.lock #2", "Lock", line_of(NAMES, "self.lock =")),
        ("lock", "Lock", line_of(NAMES, "Cache(lock=")),
        ("Event #1", "Event", line_of(NAMES, "return asyncio.Event()")),
        ("ready", "Event", line_of(NAMES, "ready :=")),
        ("jobs", "Queue", line_of(NAMES, "Pool(asyncio.Queue())")),      # a parameter's name
        ("guard", "Semaphore", line_of(NAMES, "await use(")),
        ("Lock #1", "Lock", line_of(NAMES, "str(asyncio.Lock())")),      # not the program's
    ]
    assert [r.rid for r in table.rows] == list(range(1, 15))


def test_objects_a_library_makes_are_folded_away(pg_loop, tmp_path):
    (tmp_path / "helper.py").write_text(textwrap.dedent("""
        import asyncio

        class Client:
            def __init__(self):
                self._pool_lock = asyncio.Lock()
                self._ready = asyncio.Event()
    """))
    source = """
        import asyncio
        import helper

        async def main():
            client = helper.Client()
            mine = asyncio.Queue()
            async with client._pool_lock:
                await asyncio.sleep(0)

        asyncio.run(main())
    """
    run, _ = run_script(pg_loop, tmp_path, source)
    assert run.outcome == "completed", run.error
    table, _ = fold(run)
    assert [(r.name, r.library) for r in table.rows] == [
        ("Lock #1 (library)", True), ("Event #1 (library)", True), ("mine", False)]
    assert table.library_rids == {1, 2}
    assert table.rows[0].filename == str(tmp_path / "helper.py")
    assert [s.name for s in resources(run)] == ["mine"]
    assert [s.name for s in resources(run, library=True)] == [
        "Lock #1 (library)", "Event #1 (library)", "mine"]
    assert table.rows[0].counts == {"acquire": 1, "release": 1}


# -- asyncio untouched outside runs; nothing logged without objects -----------------------------

def test_asyncio_is_wrapped_only_while_a_run_is_live(pg_loop, tmp_path):
    originals = (asyncio.Lock.acquire, asyncio.Semaphore.release, asyncio.Queue.put_nowait,
                 asyncio.Event.__init__)
    seen = {}

    async def during(run):
        seen["wrapped"] = asyncio.Lock.acquire is not originals[0]
        outside = asyncio.Lock()          # the playground's own (no run's context): not tracked
        seen["outside"] = "_playground_resource" in vars(outside)

    run, _ = run_script(pg_loop, tmp_path, """
        import asyncio
        async def main():
            await asyncio.sleep(0.05)
        asyncio.run(main())
    """, during)
    assert seen == {"wrapped": True, "outside": False}
    assert (asyncio.Lock.acquire, asyncio.Semaphore.release, asyncio.Queue.put_nowait,
            asyncio.Event.__init__) == originals
    assert not _resource_hooks.installed()
    assert not [ev for ev in run.tracer.events if ev[0] in ("resource", "rop", "rwait")]
    assert resources(run) == []


def test_objects_outlive_their_run_untracked(pg_loop, tmp_path):
    source = """
        import asyncio
        kept = []
        async def main():
            kept.append(asyncio.Lock())
        asyncio.run(main())
    """
    run, _ = run_script(pg_loop, tmp_path, source)
    n = len(run.tracer.events)
    # the lock made by the first run, used by the next one: logged by neither
    lock = [r for r in run.tracer.events if r[0] == "resource"]
    assert len(lock) == 1
    run2, _ = run_script(pg_loop, tmp_path, """
        import asyncio
        async def main():
            await asyncio.sleep(0)
        asyncio.run(main())
    """)
    assert len(run.tracer.events) == n
    assert resources(run2) == []


def test_a_run_without_objects_logs_nothing_of_them_and_its_fold_is_empty(pg_loop, tmp_path):
    """Unused, the feature costs nothing a run keeps: no record, no row (its CPU cost is measured
    by bench/resources.py, never timed here)."""
    run, _ = run_script(pg_loop, tmp_path, """
        import asyncio
        async def hop():
            for _ in range(50):
                await asyncio.sleep(0)
        async def main():
            await asyncio.gather(*(hop() for _ in range(400)))
        asyncio.run(main())
    """)
    events = run.tracer.events
    assert not any(ev[0] in ("resource", "rop", "rwait") for ev in events)
    table = ResourceTable()
    assert table.apply(events) == set() and table.rows == [] and table.at() == []
    assert resources(run) == [] and table.waiting_on(1) is None


def test_a_waiting_task_knows_its_object_its_holder_and_its_place_in_line(pg_loop, tmp_path):
    run, _ = run_script(pg_loop, tmp_path, LOCK)
    table, tid = fold(run)
    lock = by_name(table, "db_lock")
    w0, w1, w2 = tid["w0"], tid["w1"], tid["w2"]
    at = middle(lock.holds[0][1:])             # w0 holds; w1, then w2, wait
    s, place = table.waiting_on(w1, at)
    assert s.name == "db_lock" and [h.tid for h in s.holders] == [w0] and place == 1
    s, place = table.waiting_on(w2, at)
    assert place == 2 and s.waiters[place - 1].tid == w2
    assert table.waiting_on(w0, at) is None    # it holds the lock, it does not wait
    at = middle(lock.holds[1][1:])             # w1 holds now; w2 is first in line
    assert table.waiting_on(w2, at)[1] == 1 and table.waiting_on(w1, at) is None
    assert table.waiting_on(w2) is None        # the end: nobody waits



def test_a_live_fold_knows_each_waiters_place_after_every_record(pg_loop, tmp_path):
    """While a run is live the views ask ``waiting_on(tid)`` (now) once per row on screen; the
    object's line of open waits is made once per change, and it must be the line at that record:
    folded one record at a time, every waiting task's place is its place among the waiters."""
    run, _ = run_script(pg_loop, tmp_path, LOCK)
    events = run.tracer.events
    table = ResourceTable()
    lines = 0
    for i in range(len(events)):
        table.apply(events[i:i + 1])
        for row in table.rows:
            waiters = [w.tid for w in table.state(row.rid).waiters]
            lines += len(waiters) > 1
            for place, tid in enumerate(waiters, 1):
                s, got = table.waiting_on(tid)
                assert (s.resource.rid, got) == (row.rid, place), (i, events[i])
                assert [w.tid for w in s.waiters] == waiters
    assert lines > 0              # a line of two or more was there to be read


# -- what carries them: the CLI, the Chrome trace, saved runs -----------------------------------

def test_the_chrome_trace_has_a_counter_track_and_the_holds_of_each_object(pg_loop, tmp_path):
    run, _ = run_script(pg_loop, tmp_path, SEMAPHORE.replace("{cls}", "Semaphore")
                        .replace("{{i}}", "{i}"))
    trace = json.loads(json.dumps(playground.chrome_trace(run.tracer)))
    assert check_trace_format(trace) == []
    events = trace["traceEvents"]
    counters = [e for e in events if e["ph"] == "C"]
    assert counters and {e["name"] for e in counters} == {"limit (Semaphore(2))"}
    assert all(e["pid"] == 2 and set(e["args"]) == {"permits", "waiters"} for e in counters)
    assert max(e["args"]["waiters"] for e in counters) == 3
    assert min(e["args"]["permits"] for e in counters) == 0
    assert counters[-1]["args"] == {"permits": 2, "waiters": 0}
    holds = [e for e in events if e.get("cat") == "hold"]
    assert len(holds) == 5 and {e["tid"] for e in holds} == {1000, 1001}   # two permit lanes
    assert {e["args"]["task"] for e in holds} == {f"f{i}" for i in range(5)}


def test_a_saved_run_carries_its_objects(pg_loop, tmp_path):
    from asyncio_playground.replay import load_run, relocate, save_run
    run, _ = run_script(pg_loop, tmp_path, LOCK)
    path = tmp_path / "saved.json"
    save_run(run.tracer.events, path, source=run.source, filename=run.path)
    saved = load_run(path)
    live, back = ResourceTable(), ResourceTable()
    live.apply(run.tracer.events)
    back.apply(saved.events)
    [a], [b] = live.rows, back.rows
    assert (a.name, a.holds, a.waits, list(a.op_t)) == (b.name, b.holds, b.waits, list(b.op_t))
    moved = ResourceTable()
    moved.apply(relocate(saved.events, run.path, "/elsewhere/lesson.py"))
    assert moved.rows[0].filename == "/elsewhere/lesson.py"
    assert {w[4] for w in moved.rows[0].waits} == {"/elsewhere/lesson.py"}


def test_the_summary_lists_the_objects_and_their_use(pg_loop, tmp_path):
    from asyncio_playground._resources import resource_summary
    run, tasks = run_script(pg_loop, tmp_path, QUEUE)
    text = resource_summary(run.tracer.events, tasks, run.path)
    assert "synchronisation objects:" in text
    line = next(li for li in text.splitlines() if "self.jobs" in li)
    assert "Queue(maxsize=2)" in line and f"line {line_of(QUEUE, 'self.jobs =')}" in line
    assert "empty" in line and "4 put, 4 get, 4 task_done" in line
    assert resource_summary([], tasks, run.path) == ""


def test_the_cli_run_summary_lists_them(tmp_path):
    path = tmp_path / "lesson.py"
    path.write_text(textwrap.dedent(LOCK))
    proc = subprocess.run([sys.executable, "-m", "asyncio_playground", "run", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "synchronisation objects:" in proc.stdout
    line = next(li for li in proc.stdout.splitlines() if li.strip().startswith("db_lock"))
    assert "Lock" in line and "unlocked" in line and "3 acquire, 3 release" in line


# -- cost ------------------------------------------------------------------------------------------

def test_ten_thousand_tasks_on_one_semaphore(pg_loop, tmp_path):
    run, tasks = run_script(pg_loop, tmp_path, """
        import asyncio

        async def job(sem):
            async with sem:
                await asyncio.sleep(0)

        async def main():
            sem = asyncio.Semaphore(10)
            await asyncio.gather(*(job(sem) for _ in range(10_000)))

        asyncio.run(main())
    """)
    assert run.outcome == "completed"
    t0 = time.perf_counter()
    table = ResourceTable()
    table.apply(run.tracer.events)
    folded = time.perf_counter() - t0
    sem = table.rows[0]
    assert sem.counts == {"acquire": 10_000, "release": 10_000}
    assert sem.max_waiters == 10_000 - 10
    t0 = time.perf_counter()
    s = table.state(sem.rid, sem.wait_t[-1])
    moment = time.perf_counter() - t0
    assert len(s.holders) == 10 and len(s.waiters) == 10_000 - 10
    assert [w.since for w in s.waiters] == sorted(w.since for w in s.waiters)
    assert folded < 2.0 and moment < 0.5, (folded, moment)
