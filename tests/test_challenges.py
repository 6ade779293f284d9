"""The challenges (issue 24, "You are the scheduler"): lessons whose goal is an interleaving.  For
each one: its winning schedule reaches the goal, asyncio's own order does not (on the playground,
stepped or not, nor under plain ``python``), a recorded win replays to the same trace, and the fixed
version reaches the goal under no schedule the test tries -- a deterministic sample of the
schedule tree here, all of it in the slow test."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

import asyncio_playground as playground
from asyncio_playground import lessons
from asyncio_playground.schedule import run_on_schedule, schedule_of

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CHALLENGES = [lesson for lesson in lessons.discover(EXAMPLES)
              if lesson.group == lessons.CHALLENGE_GROUP]
IDS = [lesson.slug for lesson in CHALLENGES]
#: How many schedules of each fixed version the quick test tries (the slow one tries them all).
SAMPLE = 40
#: The slow test's bound on one tree (the largest, the lock-queue fix's, has 1,260 schedules).
EVERY = 3000


def run_on(loop, path, schedule=(), **options):
    run = playground.Run(path, loop=loop)
    scheduler = loop.run_until_complete(run_on_schedule(run, schedule, **options))
    return run, scheduler


def table_of(run):
    table = playground.TaskTable()
    table.apply(run.tracer.events)
    return table


def reached(lesson, run) -> bool:
    return lessons.goal_reached(lesson, table_of(run), run.tracer.events, run.outcome)


def output(run) -> str:
    return "".join(ev[4] for ev in run.tracer.events if ev[0] == "output")


def normalised(run) -> list:
    start = next(ev[1] for ev in run.tracer.events if ev[0] == "run")

    def norm(value):
        if isinstance(value, float):
            return round(value - start, 6)
        if isinstance(value, (tuple, list)):
            return tuple(norm(v) for v in value)
        return value

    return [norm(tuple(ev)) for ev in run.tracer.events]


def _plain(choice: dict) -> dict:
    return {k: v for k, v in choice.items() if k not in ("fifo", "by")}


def explore(loop, path, limit, seed=None):
    """Run ``path`` on schedules from its schedule tree: each run takes a prefix of choices, then
    asyncio's order; every point after the prefix where another ready step (or a move of the
    clock, when a timer is pending) could have been chosen is a new prefix.  Depth first, or, with
    ``seed``, the next prefix drawn at random from those waiting (a deterministic sample).
    Returns (the runs, as (schedule taken, run); prefixes left untried)."""
    pick = random.Random(seed)
    todo, runs, seen = [[]], [], set()
    while todo and len(runs) < limit:
        prefix = todo.pop(pick.randrange(len(todo)) if seed is not None else -1)
        run, scheduler = run_on(loop, path, prefix, explore=True)
        assert scheduler.error is None, (prefix, scheduler.error)   # every branch was offered
        taken = schedule_of(run)
        key = json.dumps([_plain(c) for c in taken])
        if key in seen:
            continue
        seen.add(key)
        runs.append((taken, run))
        # the first point the prefix leaves open (an advance before a point leaves that point open)
        start = max((c["step"] + ("advance" not in c) for c in prefix), default=1)
        chosen = {c["step"]: _plain(c) for c in taken if "advance" not in c}
        for point in range(len(scheduler.options), start - 1, -1):
            choices, timer = scheduler.options[point - 1]
            base = [_plain(c) for c in taken if c["step"] < point
                    or (c["step"] == point and "advance" in c)]
            for choice in choices:
                if dict(choice, step=point) != chosen.get(point):
                    todo.append(base + [dict(choice, step=point)])
            if timer:
                todo.append(base + [{"step": point, "advance": True}])
    return runs, len(todo)


# -- the library ----------------------------------------------------------------------------------

def test_there_are_challenges_and_each_is_complete():
    assert len(CHALLENGES) >= 8
    assert lessons.GROUPS[-1] == lessons.CHALLENGE_GROUP
    for lesson in CHALLENGES:
        assert lessons.validate(lesson) == [], lesson.slug
        challenge = lesson.challenge
        assert challenge["goal"] and challenge["hint"] and lessons.winning_schedule(lesson)
        fixed = lessons.fixed_path(lesson)
        assert fixed.is_file() and fixed.name == f"_{lesson.slug}_fixed.py"
        assert fixed.name not in {x.path.name for x in lessons.discover(EXAMPLES)}   # no lesson


# -- each challenge --------------------------------------------------------------------------------

@pytest.mark.parametrize("lesson", CHALLENGES, ids=IDS)
def test_the_winning_schedule_reaches_the_goal(lesson, pg_loop):
    run, scheduler = run_on(pg_loop, lesson.path, lessons.winning_schedule(lesson))
    assert scheduler.error is None, scheduler.error
    assert scheduler.applied == len(lessons.winning_schedule(lesson))
    failures = lessons.goal_failures(lesson, table_of(run), run.tracer.events, run.outcome)
    assert failures == [], f"{failures}\n{output(run)}"
    shown = lessons.explain_goal(lesson, table_of(run), run.tracer.events, run.outcome)
    assert shown and all(f.ok and f.text for f in shown)
    # the recorded win, run again, is the same run
    again, scheduler = run_on(pg_loop, lesson.path, schedule_of(run))
    assert scheduler.error is None
    assert normalised(again) == normalised(run)


@pytest.mark.parametrize("lesson", CHALLENGES, ids=IDS)
def test_asyncio_order_does_not_reach_the_goal(lesson, pg_loop):
    stepped, _ = run_on(pg_loop, lesson.path)                 # stepped, asyncio's choice each time
    assert not reached(lesson, stepped), output(stepped)
    assert lessons.check(lesson, table_of(stepped), stepped.tracer.events, stepped.outcome) == []
    run = playground.Run(lesson.path, loop=pg_loop)           # not paused at all

    async def go():
        run.start()
        return await run.wait()

    pg_loop.run_until_complete(go())
    assert not reached(lesson, run), output(run)
    assert output(run) == output(stepped)


@pytest.fixture(scope="module")
def plain_outputs():
    """Each challenge and its fixed version under plain ``python``."""
    env = {k: v for k, v in os.environ.items() if k != lessons.ENV_VAR}
    out = {}
    for lesson in CHALLENGES:
        for path in (lesson.path, lessons.fixed_path(lesson)):
            done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True,
                                  timeout=60, env=env, cwd=path.parent)
            out[path.name] = (done.returncode, done.stdout, done.stderr)
    return out


@pytest.mark.parametrize("lesson", CHALLENGES, ids=IDS)
def test_plain_python_runs_both_versions_in_asyncio_order(lesson, pg_loop, plain_outputs):
    """Under ``python`` the challenge ends without reaching its goal: its output is the one the
    playground's run in asyncio's order prints (which does not reach it).  So does the fix."""
    for path in (lesson.path, lessons.fixed_path(lesson)):
        code, out, err = plain_outputs[path.name]
        assert code == 0, f"{path.name} exited {code}\n{out}\n{err}"
        run, _ = run_on(pg_loop, path)
        assert out == output(run), path.name
        assert not reached(lesson, run)


@pytest.mark.parametrize("lesson", CHALLENGES, ids=IDS)
def test_no_schedule_tried_breaks_the_fixed_version(lesson, pg_loop):
    fixed = lessons.fixed_path(lesson)
    # the winning schedule itself: it does not fit the fix, or it does and does not win
    run, scheduler = run_on(pg_loop, fixed, lessons.winning_schedule(lesson))
    assert scheduler.error is not None or not reached(lesson, run), output(run)
    runs = sample(pg_loop, fixed)
    assert len(runs) >= 5
    broken = [taken for taken, run in runs if reached(lesson, run)]
    assert broken == [], f"{lesson.slug}'s fix reached the goal on {broken[0]}"
    # ... while the same search finds the challenge's goal (the search does search)
    assert any(reached(lesson, run) for _, run in sample(pg_loop, lesson.path))


def sample(loop, path):
    """SAMPLE schedules of ``path``: half the first ones depth first, half drawn at random."""
    runs, _ = explore(loop, path, SAMPLE // 2)
    more, _ = explore(loop, path, SAMPLE - SAMPLE // 2, seed=24)
    return runs + more


@pytest.mark.slow
@pytest.mark.parametrize("lesson", CHALLENGES, ids=IDS)
def test_no_schedule_at_all_breaks_the_fixed_version(lesson, pg_loop):
    """Every schedule of the fix: each order of its ready steps, and each move of the clock to the
    next timer while steps are ready, at every point (the whole tree, up to EVERY runs)."""
    runs, left = explore(pg_loop, lessons.fixed_path(lesson), EVERY)
    assert left == 0, f"the tree is larger than {EVERY} schedules"
    broken = [taken for taken, run in runs if reached(lesson, run)]
    assert broken == [], f"{lesson.slug}'s fix reached the goal on {broken[0]}"


# -- the [challenge] table -------------------------------------------------------------------------

def _lesson(tmp_path, front, slug="challenge_09_mine", fixed=True):
    (tmp_path / f"{slug}.py").write_text("import asyncio\n")
    if fixed:
        (tmp_path / f"_{slug}_fixed.py").write_text("import asyncio\n")
    (tmp_path / f"{slug}.md").write_text(
        f"+++\n[[expect]]\ncheck = \"outcome\"\nvalue = \"completed\"\n{front}+++\n# Mine\n\nText.\n")
    return lessons.load(tmp_path / f"{slug}.py")


def test_the_challenge_table_is_validated(tmp_path):
    good = _lesson(tmp_path, '[challenge]\nhint = "h"\nwinning_schedule = ["main", {advance = true}]\n'
                             'fixed = "_challenge_09_mine_fixed.py"\n\n[[challenge.goal]]\n'
                             'check = "state"\ntask = "x"\nstate = "cancelled"\n')
    assert lessons.validate(good) == []
    assert good.group == "Challenges" and good.order == 9
    assert lessons.winning_schedule(good) == [{"run": "main"}, {"advance": True}]
    assert lessons.fixed_path(good) == tmp_path / "_challenge_09_mine_fixed.py"
    cases = {
        "no table": ("", "a challenge lesson needs a [challenge] table"),
        "missing": ('[challenge]\nhint = "h"\n', "challenge: missing 'goal'"),
        "unknown": ('[challenge]\nwinning_schedule = ["a"]\nreward = 1\n[[challenge.goal]]\n'
                    'check = "outcome"\nvalue = "completed"\n', "unknown key 'reward'"),
        "bad check": ('[challenge]\nwinning_schedule = ["a"]\n[[challenge.goal]]\ncheck = "stat"\n',
                      "challenge.goal[0]: unknown check 'stat'; did you mean 'state'?"),
        "bad state": ('[challenge]\nwinning_schedule = ["a"]\n[[challenge.goal]]\ncheck = "state"\n'
                      'task = "x"\nstate = "finished"\n', "challenge.goal[0] state: unknown task state"),
        "bad schedule": ('[challenge]\nwinning_schedule = [{advance = false}]\n[[challenge.goal]]\n'
                         'check = "outcome"\nvalue = "completed"\n',
                         "winning_schedule: choice 1: advance is true"),
        "empty schedule": ('[challenge]\nwinning_schedule = []\n[[challenge.goal]]\n'
                           'check = "outcome"\nvalue = "completed"\n', "it is empty"),
        "no fix": ('[challenge]\nwinning_schedule = ["a"]\nfixed = "_nothing.py"\n[[challenge.goal]]\n'
                   'check = "outcome"\nvalue = "completed"\n', "fixed: no _nothing.py beside"),
    }
    for what, (front, message) in cases.items():
        found = lessons.validate(_lesson(tmp_path, front))
        assert any(message in p for p in found), (what, found)
    # the line of the problem, in the sidecar
    found = lessons.validate(_lesson(tmp_path, cases["bad state"][0]))
    assert any(p.endswith(":10: challenge.goal[0] state: unknown task state 'finished' (one of: "
                          "pending, running, waiting, done, cancelled, failed)") for p in found), found
    # outside the challenges group a [challenge] table is welcome, and nothing asks for one
    assert lessons.validate(_lesson(tmp_path, "", slug="basics_09_mine")) == []
