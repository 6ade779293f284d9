"""The lesson checks over a run's synchronisation objects (issue 23): ``held_by`` (the order tasks
took a lock or a permit), ``wait_order`` (the order waiters lined up or were let through),
``peak`` (most items, waiters or holders at once) and ``resource_state`` (the state word at the
end).  Each passes on a run where it holds and fails, saying what happened, on a near miss; the
object specs find objects by name, class or pattern; validation names the line of a bad spec."""
from __future__ import annotations

import pytest
from helpers import run_script

from asyncio_playground import lessons

# w0 takes db_lock, w1-w3 line up behind it; w2 is cancelled while in line (it leaves the line
# first, though it lined up second); w0 asks again as it lets go: at the back of the line.
LOCKS = """
    import asyncio


    async def worker(lock, hold):
        async with lock:
            await asyncio.sleep(hold)


    async def twice(lock):
        async with lock:
            await asyncio.sleep(0.03)
        async with lock:
            await asyncio.sleep(0.01)


    async def main():
        db_lock = asyncio.Lock()
        ready = asyncio.Event()
        first = asyncio.create_task(twice(db_lock), name="w0")
        await asyncio.sleep(0)
        others = [asyncio.create_task(worker(db_lock, 0.01), name=f"w{i}") for i in (1, 2, 3)]
        await asyncio.sleep(0.01)
        others[1].cancel()
        await asyncio.gather(first, *others, return_exceptions=True)
        ready.set()

    asyncio.run(main())
"""

# Four jobs through Semaphore(2); two getters on an empty Queue(maxsize=3), then five puts (the
# last waits for room: the queue ends full); a Condition over a Lock of the program's own.
STOCK = """
    import asyncio


    async def job(sem):
        async with sem:
            await asyncio.sleep(0.02)


    async def getter(jobs):
        return await jobs.get()


    async def main():
        sem = asyncio.Semaphore(2)
        await asyncio.gather(*(asyncio.create_task(job(sem), name=f"j{i}") for i in range(1, 5)))
        jobs = asyncio.Queue(maxsize=3)
        getters = [asyncio.create_task(getter(jobs), name=f"g{i}") for i in (1, 2)]
        await asyncio.sleep(0.01)
        for n in range(5):
            await jobs.put(n)
        lock = asyncio.Lock()
        cond = asyncio.Condition(lock)
        async with cond:
            cond.notify_all()
        await asyncio.gather(*getters)

    asyncio.run(main())
"""


@pytest.fixture
def locks(pg_loop, tmp_path):
    run, table = run_script(pg_loop, tmp_path, LOCKS)
    assert run.outcome == "completed", run.error
    return table, run.tracer.events, run.outcome


@pytest.fixture
def stock(pg_loop, tmp_path):
    run, table = run_script(pg_loop, tmp_path, STOCK)
    assert run.outcome == "completed", run.error
    return table, run.tracer.events, run.outcome


def verdict(run, **exp):
    """(failures, the ✓/✗ line the window shows) of one expectation held against ``run``."""
    table, events, outcome = run
    failures = lessons.check([exp], table, events, outcome)
    [found] = lessons.explain([exp], table, events, outcome)
    assert found.ok == (not failures) and found.check == exp["check"]
    assert list(found.failures) == failures
    return failures, found.text


# -- held_by --------------------------------------------------------------------------------------

def test_held_by_is_the_order_the_lock_was_taken(locks):
    failures, text = verdict(locks, check="held_by", resource="db_lock",
                             tasks=["w0", "w1", "w3", "w0"])
    assert failures == []
    assert text.startswith("Lock 'db_lock' was taken by 'w0', 'w1', 'w3', then 'w0' again, in that "
                           "order (at ")
    # Only the listed tasks' acquisitions count: w0's two, in order.
    assert verdict(locks, check="held_by", resource="db_lock", tasks=["w0", "w0"])[0] == []
    assert verdict(locks, check="held_by", resource="db_lock", tasks=["w1", "w3"])[0] == []


def test_held_by_fails_on_a_near_miss_and_says_what_happened(locks):
    # The releasing task asks again at once, but does not jump the line.
    failures, text = verdict(locks, check="held_by", resource="db_lock",
                             tasks=["w0", "w0", "w1", "w3"])
    assert failures == ["held_by: Lock 'db_lock' was taken by 'w0', 'w1', 'w3', 'w0', expected "
                        "'w0', 'w0', 'w1', 'w3'"]
    assert text.endswith("; the lesson expects 'w0', 'w0' again, 'w1', then 'w3'")
    # A task taken once too few or too many times is a miss too.
    assert verdict(locks, check="held_by", resource="db_lock", tasks=["w0", "w1", "w3"])[0]
    # w2 was cancelled in line: it never held the lock.
    failures, text = verdict(locks, check="held_by", resource="db_lock", tasks="w2")
    assert failures == ["held_by: none of 'w2' took Lock 'db_lock', expected 'w2'"]
    assert text == "none of 'w2' took Lock 'db_lock'; the lesson expects 'w2'"


def test_held_by_a_pattern_stands_for_its_tasks_in_the_order_they_were_created(locks):
    # "w*" is w0, w1, w2, w3: each once, so w0's second hold and w2's none make it a miss.
    failures, _ = verdict(locks, check="held_by", resource="db_lock", tasks="w*")
    assert failures == ["held_by: Lock 'db_lock' was taken by 'w0', 'w1', 'w3', 'w0', expected "
                        "'w0', 'w1', 'w2', 'w3'"]
    assert verdict(locks, check="held_by", resource="db_lock", tasks=["w0", "w[13]", "w0"])[0] == []


def test_held_by_an_object_nobody_holds_is_a_failure_not_a_crash(locks):
    failures, text = verdict(locks, check="held_by", resource="ready", tasks="main")
    assert failures == ["held_by: Event 'ready' is an Event: no task holds one (read it with "
                        "wait_order or peak)"]
    assert text == failures[0]


# -- wait_order -----------------------------------------------------------------------------------

def test_wait_order_by_end_is_the_order_waiters_were_let_through(locks):
    # w2, cancelled in line, left it first.
    failures, text = verdict(locks, check="wait_order", resource="db_lock",
                             tasks=["w2", "w1", "w3", "w0"])
    assert failures == []
    assert text.startswith("'w2', 'w1', 'w3', then 'w0' waited on Lock 'db_lock' and were let "
                           "through in that order (at ")
    failures, text = verdict(locks, check="wait_order", resource="db_lock",
                             tasks=["w1", "w2", "w3", "w0"])
    assert failures == ["wait_order: the tasks waiting on Lock 'db_lock' were let through in the "
                        "order 'w2', 'w1', 'w3', 'w0', expected 'w1', 'w2', 'w3', 'w0'"]
    assert text.endswith("; the lesson expects 'w1', 'w2', 'w3', then 'w0'")


def test_wait_order_by_start_is_the_order_they_lined_up(locks):
    failures, text = verdict(locks, check="wait_order", resource="db_lock", by="start",
                             tasks=["w1", "w2", "w3", "w0"])
    assert failures == []
    assert text.startswith("'w1', 'w2', 'w3', then 'w0' lined up on Lock 'db_lock' in that order")
    failures, _ = verdict(locks, check="wait_order", resource="db_lock", by="start",
                          tasks=["w2", "w1", "w3", "w0"])
    assert failures == ["wait_order: the tasks waiting on Lock 'db_lock' lined up in the order "
                        "'w1', 'w2', 'w3', 'w0', expected 'w2', 'w1', 'w3', 'w0'"]


def test_wait_order_op_keeps_the_waits_in_that_method(stock):
    assert verdict(stock, check="wait_order", resource="jobs", op="get",
                   tasks=["g1", "g2"])[0] == []
    failures, text = verdict(stock, check="wait_order", resource="jobs", op="put", tasks="main")
    assert failures == []
    assert text.startswith("main() waited on Queue 'jobs' (in put) and was let through (at ")
    failures, text = verdict(stock, check="wait_order", resource="jobs", op="put", tasks="g1")
    assert failures == ["wait_order: none of 'g1' waited on Queue 'jobs' (in put), expected 'g1'"]
    assert text == "none of 'g1' waited on Queue 'jobs' (in put); the lesson expects 'g1'"


# -- peak -----------------------------------------------------------------------------------------

def test_peak_of_holders_waiters_and_items(stock):
    failures, text = verdict(stock, check="peak", resource="sem", of="holders", min=2, max=2)
    assert failures == []
    assert text.startswith("at its busiest 2 tasks held Semaphore 'sem' at once (first at ")
    assert verdict(stock, check="peak", resource="sem", of="waiters", min=2, max=2)[0] == []
    failures, text = verdict(stock, check="peak", resource="jobs", of="items", min=3)
    assert failures == []
    assert text.startswith("at its fullest Queue 'jobs' held 3 items at once")
    failures, text = verdict(stock, check="peak", resource="cond", of="waiters", max=0)
    assert (failures, text) == ([], "no task ever waited on Condition 'cond'")


def test_peak_fails_on_a_near_miss_and_says_the_peak(stock):
    failures, text = verdict(stock, check="peak", resource="sem", of="holders", max=1)
    assert failures == ["peak: Semaphore 'sem' had 2 holders at once at its busiest, expected "
                        "at most 1"]
    assert text.endswith("; the lesson expects at most 1")
    failures, text = verdict(stock, check="peak", resource="jobs", of="items", min=4)
    assert failures == ["peak: Queue 'jobs' had 3 items at once at its busiest, expected at "
                        "least 4"]
    failures, _ = verdict(stock, check="peak", resource="sem", of="waiters", min=3, max=3)
    assert failures == ["peak: Semaphore 'sem' had 2 waiters at once at its busiest, expected "
                        "exactly 3"]
    failures, _ = verdict(stock, check="peak", resource="sem", of="items", min=1)
    assert failures == ["peak: Semaphore 'sem' is a Semaphore: only a queue has items"]


def test_peak_counts_a_hand_over_as_one_holder(locks):
    # A Lock handed from task to task is never held by two at once.
    assert verdict(locks, check="peak", resource="db_lock", of="holders", max=1)[0] == []
    assert verdict(locks, check="peak", resource="db_lock", of="waiters", min=3, max=3)[0] == []


def test_a_condition_over_the_programs_own_lock_is_held_when_that_lock_is(stock):
    assert verdict(stock, check="held_by", resource="cond", tasks="main")[0] == []
    assert verdict(stock, check="peak", resource="cond", of="holders", min=1, max=1)[0] == []


# -- resource_state -------------------------------------------------------------------------------

def test_resource_state_is_the_word_at_the_end(stock, locks):
    failures, text = verdict(stock, check="resource_state", resource="sem",
                             state="2 permits left")
    assert (failures, text) == ([], "Semaphore 'sem' ended the run with 2 permits left")
    assert verdict(stock, check="resource_state", resource="jobs", state="full")[0] == []
    assert verdict(locks, check="resource_state", resource="ready", state="set")[0] == []
    assert verdict(locks, check="resource_state", resource="db_lock", state="unlocked")[0] == []


def test_resource_state_fails_on_a_near_miss(stock):
    failures, text = verdict(stock, check="resource_state", resource="sem", state="1 permit left")
    assert failures == ["resource_state: Semaphore 'sem' ended '2 permits left', expected "
                        "'1 permit left'"]
    assert text == ("Semaphore 'sem' ended the run with 2 permits left; the lesson expects with "
                    "1 permit left")
    failures, _ = verdict(stock, check="resource_state", resource="jobs", state="3 items")
    assert failures == ["resource_state: Queue 'jobs' ended 'full', expected '3 items'"]


# -- object specs ---------------------------------------------------------------------------------

def test_object_specs_name_class_pattern(stock):
    ok = dict(check="resource_state", state="2 permits left")
    assert verdict(stock, resource="sem", **ok)[0] == []
    assert verdict(stock, resource="Semaphore", **ok)[0] == []    # the run made one Semaphore
    assert verdict(stock, resource="s?m", **ok)[0] == []
    failures, _ = verdict(stock, resource="pool", **ok)
    assert failures == ["resource_state: no object matches 'pool' (objects: 'sem', 'jobs', "
                        "'lock', 'cond')"]
    # "Lock" is the class of one object here (the Condition is a Condition); "*o*" matches three.
    failures, _ = verdict(stock, check="resource_state", resource="*o*", state="unlocked")
    assert failures == ["resource_state: '*o*' matches 3 objects ('jobs', 'lock', 'cond'): "
                        "name one"]
    assert verdict(stock, check="resource_state", resource="Lock", state="unlocked")[0] == []


# -- validation -----------------------------------------------------------------------------------

BODY = "# A lesson\n\nSome text.\n"

#: A check with a bad spec, the text on the line the message names (a problem of the whole check:
#: its [[expect]] line), the message.
BAD = {
    "peak without bounds": ('check = "peak"\nresource = "sem"\nof = "holders"\n', "# the bad one",
                            "expect[0] peak: needs min, max or both"),
    "peak of what": ('check = "peak"\nresource = "sem"\nof = "permits"\nmax = 2\n',
                     'of = "permits"', "expect[0] peak: of: 'permits' is not one of: 'items', "
                     "'waiters', 'holders'"),
    "peak not a count": ('check = "peak"\nresource = "sem"\nof = "items"\nmax = 1.5\n',
                         "max = 1.5", "expect[0] peak: max: 1.5 is not a whole number ≥ 0"),
    "peak min above max": ('check = "peak"\nresource = "sem"\nof = "items"\nmin = 3\nmax = 2\n',
                           "min = 3", "expect[0] peak: min 3 is above max 2"),
    "empty object spec": ('check = "held_by"\nresource = " "\ntasks = ["a"]\n', 'resource = " "',
                          "expect[0] held_by: resource: ' ' is not an object spec"),
    "object spec not a string": ('check = "resource_state"\nresource = ["a", "b"]\n'
                                 'state = "set"\n', 'resource = ["a", "b"]',
                                 "expect[0] resource_state: resource: ['a', 'b'] is not an "
                                 "object spec"),
    "held_by without tasks": ('check = "held_by"\nresource = "lock"\n', "# the bad one",
                              "expect[0] held_by: missing ['tasks']"),
    "wait_order op": ('check = "wait_order"\nresource = "q"\ntasks = "a"\nop = "pop"\n',
                      'op = "pop"', "expect[0] wait_order: op: 'pop' is not one of: 'acquire'"),
    "wait_order by": ('check = "wait_order"\nresource = "q"\ntasks = "a"\nby = "middle"\n',
                      'by = "middle"', "expect[0] wait_order: by: 'middle' is not one of: "
                      "'start', 'end'"),
    "state word": ('check = "resource_state"\nresource = "q"\nstate = "half full"\n',
                   'state = "half full"', "expect[0] resource_state: state: 'half full' is not "
                   "an object state"),
    "permit word": ('check = "resource_state"\nresource = "s"\nstate = "2 permit left"\n',
                    'state = "2 permit left"', "expect[0] resource_state: state: '2 permit left' "
                    "is not an object state"),
}


@pytest.mark.parametrize("check, at, message", BAD.values(), ids=BAD)
def test_a_bad_spec_is_reported_with_its_line(tmp_path, check, at, message):
    (tmp_path / "coord_09_x.py").write_text("import asyncio\n")
    md = tmp_path / "coord_09_x.md"
    md.write_text('+++\n[[expect]]\ncheck = "outcome"\nvalue = "completed"\n\n'
                  f'[[expect]]   # the bad one\n{check}+++\n{BODY}')
    line = 1 + next(k for k, row in enumerate(md.read_text().splitlines()) if at in row)
    problems = lessons.validate(lessons.load(tmp_path / "coord_09_x.py"))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{md}:{line}: "), (problems[0], line)
    # (the bad check is the second: expect[1])
    assert problems[0][len(f"{md}:{line}: "):].startswith(message.replace("[0]", "[1]"))


@pytest.mark.parametrize("state", ["locked", "unlocked", "set", "clear", "no permit left",
                                   "1 permit left", "12 permits left", "empty", "full", "1 item",
                                   "3 items", "shut down", "shut down, 2 items", "filling",
                                   "draining", "resetting", "broken"])
def test_every_state_word_the_resources_view_says_is_valid(tmp_path, state):
    (tmp_path / "coord_09_x.py").write_text("import asyncio\n")
    (tmp_path / "coord_09_x.md").write_text(
        '+++\n[[expect]]\ncheck = "resource_state"\nresource = "x"\n'
        f'state = "{state}"\n+++\n{BODY}')
    assert lessons.validate(lessons.load(tmp_path / "coord_09_x.py")) == []


def test_the_authoring_doc_says_what_an_object_spec_is():
    from pathlib import Path
    doc = (Path(__file__).resolve().parent.parent / "docs" / "authoring.md").read_text()
    assert "**Object specs.**" in doc
    generated = lessons.authoring_tables()
    for name in ("held_by", "wait_order", "peak", "resource_state"):
        assert f"| `{name}` | **`resource`** (object spec)" in generated
