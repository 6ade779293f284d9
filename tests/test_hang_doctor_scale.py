"""The hang doctor and the resource fold at scale (issue 25): their work per record must not grow
with the number of tasks holding a lock (2,000 permits of one Semaphore held at once, 100,000
tasks through it), and what they find must stay what it was.

The work is counted, not timed (the machine is shared): the lines Python runs in the module under
test (``sys.settrace``), against the records or the tasks.  The old code visited every holder per
waiter (the hang doctor, at Stop or when a live run stood still) and every open hold per release
(the resource fold); both counts then grew as holders x waiters.  The results are compared with
straightforward computations (a pass over the holders, the old fold's scan of the open holds) and
with the words the findings had before.
"""
from __future__ import annotations

import asyncio
import json
import pickle
import random
import subprocess
import sys
import textwrap

from helpers import run_script, until
from test_findings import HANG  # the program the findings' own tests hang on

from asyncio_playground import Findings
from asyncio_playground._resources import ResourceTable


def line_of(source, text, nth=1) -> int:
    lines = textwrap.dedent(source).splitlines()
    return [i + 1 for i, line in enumerate(lines) if text in line][nth - 1]


#: Counts the lines Python runs in one module (``sys.settrace``) while a fresh interpreter folds a
#: saved log: ``job`` is ``stuck`` (the hang doctor asked once the records before Stop are in),
#: ``fold`` (Findings, the whole log), ``resources`` (ResourceTable, the whole log) or ``gather``
#: (Findings, the whole log; only the lines of its look at a gather's children when it wakes).
#: (A fresh interpreter: nothing else of the test process's is traced.)
_COUNTER = """
import json, pickle, sys
from asyncio_playground import Findings, _hang_doctor, _resources
from asyncio_playground._resources import ResourceTable

job, log = sys.argv[1], pickle.load(open(sys.argv[2], "rb"))
events, source, filename = log["events"], log["source"], log["filename"]
module = _resources if job == "resources" else _hang_doctor
count = 0

def local(frame, event, arg):
    global count
    if event == "line":
        count += 1
    return local

def calls(frame, event, arg):
    if job == "gather":   # (and its comprehensions: functions of their own before 3.12)
        return local if frame.f_code.co_qualname.startswith("Findings._gather_woke") else None
    return local if frame.f_code.co_filename == module.__file__ else None

if job == "stuck":
    fold = Findings(source, filename)
    fold.apply(events)
    work = lambda: len(fold.stuck(fold.now))
elif job in ("fold", "gather"):
    fold = Findings(source, filename)
    work = lambda: [fold.apply(events), sum(f.kind == "hang" for f in fold.report())][1]
else:
    table = ResourceTable()
    work = lambda: len(table.apply(events))
sys.settrace(calls)
result = work()
sys.settrace(None)
print(json.dumps({"lines": count, "result": result}))
"""


def lines_run(tmp_path, job, run, events) -> tuple[int, int]:
    """``(lines of the module Python ran, what the work returned)`` for ``job`` on ``events``
    (a ``Run``'s records: its source and path go with them): the work done, counted."""
    log = tmp_path / "log.pickle"
    log.write_bytes(pickle.dumps({"events": list(events), "source": run.source,
                                  "filename": run.path}))
    out = subprocess.run([sys.executable, "-c", _COUNTER, job, str(log)], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    return got["lines"], got["result"]


def stop_after(seconds):
    async def during(run):
        await asyncio.sleep(seconds)
        run.stop("timeout")
    return during


def until_stop(events) -> list:
    """The records before the first Stop cancel (the run as the hang doctor sees it at Stop)."""
    for i, ev in enumerate(events):
        if ev[0] == "cancel" and ev[5] == "stop":
            return list(events[:i])
    raise AssertionError("no Stop in the log")


class Reference(Findings):
    """The hang doctor asking about holders by a pass over them (what the old code did)."""

    def _free_holders(self, root, t, stuck):
        return sum(1 for h, _s, _l in self._holders(root, exclude=t.tid) if h.tid not in stuck)

    def _first_holder(self, root, exclude=None):
        holders = self._holders(root, exclude=exclude)
        return holders[0][0].tid if holders else None


# -- a Semaphore of many holders, all stuck --------------------------------------------------------

#: 400 permits, 2,000 workers: the first 300 hold a permit a moment and leave (the index's front
#: empties), the next ones hold theirs waiting on an Event nothing sets; the rest queue.
MANY_HOLDERS = """
    import asyncio

    N, PERMITS, PASSING = 2000, 400, 300


    async def worker(i, gate, ready):
        async with gate:
            if i < PASSING:
                await asyncio.sleep(0.01)
            else:
                await ready.wait()


    async def main():
        gate, ready = asyncio.Semaphore(PERMITS), asyncio.Event()
        tasks = [asyncio.create_task(worker(i, gate, ready), name=f"w{i}") for i in range(N)]
        await asyncio.gather(*tasks)


    asyncio.run(main())
"""


def _many_holders(pg_loop, tmp_path):
    """The run, stopped once its 400 holders all wait on the Event."""
    async def during(run):
        await until(lambda: sum(1 for ev in run.tracer.events
                                if ev[0] == "wait" and ev[3] == "event") == 400, timeout=20)
        await asyncio.sleep(0.05)
        run.stop("timeout")
    run, _table = run_script(pg_loop, tmp_path, MANY_HOLDERS, during)
    assert run.outcome == "cancelled"
    return run


def test_every_waiter_on_a_semaphore_of_stuck_holders_is_stuck_behind_the_first_holder(
        pg_loop, tmp_path):
    """The words are the old code's: each holder waits on the Event, each of the 1,300 waiters on
    the Semaphore, held by the oldest holder still in (w300: w0-w299 came and went)."""
    run = _many_holders(pg_loop, tmp_path)
    fold = Findings(run.source, run.path)
    fold.apply(run.tracer.events)
    # (main's step that makes the 2,000 tasks may block the loop 0.1 s on a busy machine: a
    # blocked-loop finding after the hangs)
    found = [f for f in fold.report() if f.kind != "blocked-loop"]
    assert len(found) == 1701 and all(f.kind == "hang" for f in found)
    by_task = {f.task: f for f in found}
    gate, wait = line_of(MANY_HOLDERS, "async with gate"), line_of(MANY_HOLDERS, "ready.wait()")
    assert not any(f"w{i}" in by_task for i in range(300))
    holders = [f for f in found if f.line == wait]
    waiters = [f for f in found if f.line == gate]
    assert [f.task for f in holders] == [f"w{i}" for i in range(300, 700)]
    assert [f.task for f in waiters] == [f"w{i}" for i in range(700, 2000)]
    for f in holders:
        assert f.why == (f"'{f.task}' waits on Event 'ready' (line {wait}); nothing in the program "
                         "ever calls ready.set().")
    for f in waiters:
        assert f.why == (f"'{f.task}' waits on Semaphore 'gate' (line {gate}), held by 'w300' "
                         f"(taken at line {gate}), which is stuck too.")
    assert by_task["Task-1"].why == (
        f"main() waits on gather of 2000 (line {line_of(MANY_HOLDERS, 'asyncio.gather')}), and "
        "'w300', 'w301', 'w302' are stuck too.")
    assert [f.task for f in found[:3]] == ["w300", "w301", "w302"]


def test_the_hang_doctor_asks_about_holders_once_per_lock_not_once_per_waiter(pg_loop, tmp_path):
    """At Stop (and when a live run stands still) the hang doctor asks, for each of the 1,300
    waiters, whether a holder of the Semaphore can still go on and who holds it: the old code
    listed the 400 holders each time (2.7 million lines here, against 0.1 million now; a
    stopped 100,000-task run spent 15-20 s there).  Now the lines it runs stay within a bound per
    live task, and its answers are the ones a pass over the holders gives."""
    run = _many_holders(pg_loop, tmp_path)
    before_stop = until_stop(run.tracer.events)
    fold, reference = Findings(run.source, run.path), Reference(run.source, run.path)
    fold.apply(before_stop)
    reference.apply(before_stop)
    live = sum(1 for t in fold._tasks.values() if t.ended is None)
    assert live == 1701      # main, 400 holders, 1,300 waiters
    lines, stuck = lines_run(tmp_path, "stuck", run, before_stop)
    assert stuck == live
    assert lines < 150 * live, f"{lines} lines for {live} live tasks"
    assert [f.as_dict() for f in fold.stuck(fold.now)] == [f.as_dict() for f in
                                                          reference.stuck(fold.now)]


def test_folding_a_stopped_run_costs_a_bound_per_record(pg_loop, tmp_path):
    """The whole fold of the stopped run (its Stop asks the hang doctor): lines per record."""
    run = _many_holders(pg_loop, tmp_path)
    events = list(run.tracer.events)
    lines, found = lines_run(tmp_path, "fold", run, events)
    assert lines < 30 * len(events), f"{lines} lines for {len(events)} records"
    assert found == 1701


GATHER = """
    import asyncio


    async def main():
        await asyncio.gather(*(asyncio.sleep(0.01) for _ in range(5000)))


    asyncio.run(main())
"""


def test_a_gather_of_thousands_of_fresh_tasks_is_no_pass_in_python_over_them(pg_loop, tmp_path):
    """The await-cycle check follows only the targets that wait on tasks themselves: picking them
    out of 5,000 fresh ones costs no line per target (the old code: 10,000 lines here; at a
    gather of 100,000, a 25-40 ms frame of the window's live fold)."""
    run, _ = run_script(pg_loop, tmp_path, GATHER)
    assert run.outcome == "completed"
    lines, _found = lines_run(tmp_path, "fold", run, run.tracer.events)
    assert lines < 1000, lines


def test_the_first_holder_is_a_dicts_first_after_any_adds_and_removes():
    """``_Holders.first`` (O(1) amortized) against a plain dict's order, through random takes and
    releases (the front emptied over and over, as a busy Semaphore does), and its list of entries
    stays within a bound of the holders."""
    from asyncio_playground._hang_doctor import _Holders
    rng = random.Random(25)
    holders, plain = _Holders(), {}
    for step in range(20000):
        if plain and (rng.random() < 0.5 or len(plain) > 300):
            tid = next(iter(plain)) if rng.random() < 0.6 else rng.choice(list(plain))
            holders.pop(tid)
            del plain[tid]
        else:
            tid = rng.randrange(1000)
            if tid in plain:
                continue
            holders.add(tid, "gate", step)
            plain[tid] = ("gate", step, tid)
        assert dict(holders) == plain and list(holders) == list(plain)
        exclude = rng.choice([None, next(iter(plain), None), rng.randrange(1000)])
        want = next((t for t in plain if t != exclude), None)
        assert holders.first(exclude) == want
        assert list(holders) == list(plain)     # (asking changes nothing)
        assert len(holders.order) <= 2 * len(holders) + 65


# -- small programs: the findings are what they were -----------------------------------------------

def test_a_hang_on_an_event_is_said_as_before(pg_loop, tmp_path):
    run, _ = run_script(pg_loop, tmp_path, HANG, stop_after(0.3))
    found = Findings(run.source, run.path)
    found.apply(run.tracer.events)
    assert [(str(f.kind), f.task, f.line, f.why) for f in found.report()] == [
        ("hang", "client", line_of(HANG, "await ready.wait()"),
         f"'client' waits on Event 'ready' (line {line_of(HANG, 'await ready.wait()')}); no task "
         f"that is still alive ever calls ready.set() ('server' could, at line "
         f"{line_of(HANG, 'ready.set()')}, but it ended without calling it)."),
        ("hang", "Task-1", line_of(HANG, "await asyncio.create_task(client"),
         f"main() waits on task 'client' (line {line_of(HANG, 'await asyncio.create_task(client')}"
         "), and 'client' is stuck too.")]


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


def test_locks_taken_in_opposite_orders_are_a_deadlock_as_before(pg_loop, tmp_path):
    run, _ = run_script(pg_loop, tmp_path, LOCK_ORDER)
    fold = Findings(run.source, run.path)
    fold.apply(run.tracer.events)
    line = line_of(LOCK_ORDER, "async with second")
    assert [(str(f.kind), f.task, f.line, f.why) for f in fold.report()] == [
        ("deadlock", "t2", line,
         f"'t2' waits on 'second' (line {line}), held by 't1'; 't1' waits on 'second' (line "
         f"{line}), held by 't2': each holds the lock the other needs, so neither will ever go on "
         "(locks taken in opposite orders).")]


#: Two tasks each holding a permit of a Semaphore(2) and asking it again under another name: each
#: is the first holder of the lock it waits on for one of them (``first`` skips the asker).
TWICE = """
    import asyncio


    async def twice(sem):
        again = sem
        async with sem:
            await asyncio.sleep(0.01)
            async with again:
                print("never")


    async def main():
        sem = asyncio.Semaphore(2)
        a = asyncio.create_task(twice(sem), name="a")
        b = asyncio.create_task(twice(sem), name="b")
        await asyncio.gather(a, b)


    asyncio.run(main())
"""


def test_tasks_waiting_on_a_semaphore_they_hold_themselves_as_before(pg_loop, tmp_path):
    run, _ = run_script(pg_loop, tmp_path, TWICE, stop_after(0.3))
    fold = Findings(run.source, run.path)
    fold.apply(run.tracer.events)
    again, took = line_of(TWICE, "async with again"), line_of(TWICE, "async with sem")
    gather = line_of(TWICE, "asyncio.gather")
    assert [(str(f.kind), f.task, f.line, f.why) for f in fold.report()] == [
        ("hang", "a", again, f"'a' waits on Semaphore 'again' (line {again}), held by 'b' "
                             f"(taken at line {took}), which is stuck too."),
        ("hang", "b", again, f"'b' waits on Semaphore 'again' (line {again}), held by 'a' "
                             f"(taken at line {took}), which is stuck too."),
        ("hang", "Task-1", gather, f"main() waits on gather of 2 (line {gather}), and 'a', 'b' "
                                   "are stuck too."),
        ("deadlock", "b", again,
         f"'b' waits on 'again' (line {again}), held by 'a'; 'a' waits on 'again' (line {again}), "
         "held by 'b': each holds the lock the other needs, so neither will ever go on (locks "
         "taken in opposite orders).")]


#: One task holding both permits of a Semaphore(2) under two names, on one line's wait.
NESTED = """
    import asyncio


    async def nested(sem, ready):
        again = sem
        async with sem:
            async with again:
                await ready.wait()


    async def main():
        sem, ready = asyncio.Semaphore(2), asyncio.Event()
        a = asyncio.create_task(nested(sem, ready), name="a")
        await asyncio.sleep(0.01)
        b = asyncio.create_task(nested(sem, ready), name="b")
        await asyncio.gather(a, b)


    asyncio.run(main())
"""


def test_a_lock_held_under_two_names_is_one_hold_taken_where_the_last_name_took_it(
        pg_loop, tmp_path):
    """As before: the holder is indexed once per lock, and said taken at the inner line."""
    run, _ = run_script(pg_loop, tmp_path, NESTED, stop_after(0.3))
    fold = Findings(run.source, run.path)
    fold.apply(run.tracer.events)
    wait, outer = line_of(NESTED, "ready.wait()"), line_of(NESTED, "async with sem")
    inner, gather = line_of(NESTED, "async with again"), line_of(NESTED, "asyncio.gather")
    assert [(str(f.kind), f.task, f.line, f.why) for f in fold.report()] == [
        ("hang", "a", wait, f"'a' waits on Event 'ready' (line {wait}); nothing in the program "
                            "ever calls ready.set()."),
        ("hang", "b", outer, f"'b' waits on Semaphore 'sem' (line {outer}), held by 'a' (taken "
                             f"at line {inner}), which is stuck too."),
        ("hang", "Task-1", gather, f"main() waits on gather of 2 (line {gather}), and 'a', 'b' "
                                   "are stuck too.")]


# -- the resource fold: a release finds its hold without a pass over the open ones -----------------

#: 1,500 permits taken in turn and given back in the opposite order (the last in, the first out):
#: the old fold looked for each releasing task from the oldest open hold on.
LIFO = """
    import asyncio

    N = 1500


    async def worker(i, gate):
        async with gate:
            await asyncio.sleep(0.0002 * (N - i))


    async def main():
        gate = asyncio.Semaphore(N)
        await asyncio.gather(*(worker(i, gate) for i in range(N)))


    asyncio.run(main())
"""


def _reference_holds(events, rid) -> list:
    """``(tid, t0, t1)`` of the holds of object ``rid``, released as the fold always did: the
    releasing task's oldest open hold, else (a permit another task gave back) the oldest."""
    holds, opened = [], []
    for ev in events:
        if ev[0] != "rop" or ev[1] != rid:
            continue
        _, _rid, t, tid, op = ev[:5]
        if op == "acquire":
            opened.append(len(holds))
            holds.append([tid, t, None])
        elif op == "release" and opened:
            k = next((k for k, i in enumerate(opened) if holds[i][0] == tid), 0)
            holds[opened.pop(k)][2] = t
    return [tuple(h) for h in holds]


def test_a_release_costs_the_resource_fold_a_bound_however_many_permits_are_held(
        pg_loop, tmp_path):
    run, _ = run_script(pg_loop, tmp_path, LIFO)
    assert run.outcome == "completed"
    events = list(run.tracer.events)
    lines, _ = lines_run(tmp_path, "resources", run, events)
    # (the old fold: ~1,260,000 lines here, nine tenths of them in the scan for the hold; now
    # ~145,000)
    assert lines < 40 * len(events), f"{lines} lines for {len(events)} records"
    table = ResourceTable()
    table.apply(events)
    [gate] = table.rows
    assert gate.counts == {"acquire": 1500, "release": 1500}
    assert gate.holds == _reference_holds(events, gate.rid)
    ends = {tid: t1 for tid, _t0, t1 in gate.holds}
    releases = {ev[3]: ev[2] for ev in events if ev[0] == "rop" and ev[4] == "release"}
    assert ends == releases      # each hold ended when its own task gave the permit back


def _random_log(seed: int, n: int = 6000) -> list:
    """A Semaphore's records: tasks (and module code, tid None) take permits, several at once
    sometimes, and give back their own or, now and then, one another task holds."""
    rng = random.Random(seed)
    log = [("resource", 1, 0.0, "semaphore", "Semaphore", "gate", "lesson.py", 3, None, 10 ** 6,
            None, False)]
    held: list = []
    value = 10 ** 6
    for k in range(1, n):
        t = k * 0.001
        if held and rng.random() < 0.48:
            if rng.random() < 0.15:
                tid = rng.choice([None, 10 ** 4 + rng.randrange(5)])    # not a holder (mostly)
            else:
                tid = rng.choice(held)
            if tid in held:
                held.remove(tid)
            else:
                held.pop(0)
            value += 1
            log.append(("rop", 1, t, tid, "release", value, None, None))
        else:
            tid = rng.choice([None, rng.randrange(400), rng.randrange(400)])
            held.append(tid)
            value -= 1
            log.append(("rop", 1, t, tid, "acquire", value, None, None))
    return log


def test_the_resource_fold_keeps_which_hold_a_release_ends_on_random_logs():
    for seed in range(6):
        log = _random_log(seed)
        table = ResourceTable()
        for i in range(0, len(log), 97):          # (in pieces, as the live window folds)
            table.apply(log[i:i + 97])
        [gate] = table.rows
        want = _reference_holds(log, 1)
        assert gate.holds == want, seed
        still = [(tid, t0) for tid, t0, t1 in want if t1 is None]
        assert [tuple(h) for h in table.state(1).holders] == still
        took = [(t1 - t0, tid) for tid, t0, t1 in want if t1 is not None]
        best = max(took, key=lambda x: x[0])   # (the first of the longest, as the fold keeps it)
        assert gate.longest_hold == next(x for x in took if x[0] == best[0])
        for moment in (0.5, 2.0, 4.5):
            assert [tuple(h) for h in table.state(1, moment).holders] == [
                (tid, t0) for tid, t0, t1 in want if t0 <= moment and (t1 is None or t1 > moment)]


# -- a gather of many children ---------------------------------------------------------------------

SLEEPING_CHILDREN = """
    import asyncio

    async def child(i):
        await asyncio.sleep(0)

    async def main():
        await asyncio.gather(*[child(i) for i in range(N)])

    asyncio.run(main())
"""


def test_a_gathers_wake_costs_nothing_per_child_when_none_failed(pg_loop, tmp_path):
    """main() wakes from a gather of N children: the fold looks for a failed child to report
    (lost-sibling-failure).  With none failed that look is a set test at C speed; it was two
    Python passes over the children (~22 ms at 100,000)."""
    counts = []
    for n in (200, 2000):
        run, _ = run_script(pg_loop, tmp_path, SLEEPING_CHILDREN.replace("range(N)", f"range({n})"))
        assert run.outcome == "completed"
        lines, hangs = lines_run(tmp_path, "gather", run, run.tracer.events)
        assert hangs == 0
        counts.append(lines)
    assert 0 < counts[1] <= counts[0] + 5, counts
