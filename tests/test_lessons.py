"""The lesson library: metadata, every lesson run headless and checked from its trace, and every
lesson run by plain ``python`` (they are ordinary asyncio scripts)."""
import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from asyncio_playground import lessons  # noqa: E402

LESSONS = lessons.discover(Path(__file__).resolve().parent.parent / "examples")
IDS = [lesson.slug for lesson in LESSONS]
# Lessons that talk HTTP reach the real jsonplaceholder.typicode.com under plain python, and CI
# is offline; under the playground (Offline mode) the demo API answers them instead.
PLAIN = [lesson for lesson in LESSONS if "httpx" not in lesson.needs.get("modules", ())]


# -- (a) metadata ------------------------------------------------------------------------------------

def test_library_size_and_groups():
    assert len(LESSONS) >= 24
    assert {lesson.group for lesson in LESSONS} == set(lessons.GROUPS)
    assert [g for g, _ in lessons.groups(LESSONS)] == list(lessons.GROUPS)
    # File names sort within each group in the lessons' own order.
    for _, items in lessons.groups(LESSONS):
        assert [x.slug for x in items] == sorted(x.slug for x in items)
        assert len({x.order for x in items}) == len(items)


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_lesson_metadata(lesson):
    assert lessons.validate(lesson) == []
    assert lesson.title and lesson.text, "docstring needs a title line and a text"
    assert lesson.title == lesson.path.read_text().split('"""')[1].splitlines()[0]
    assert lesson.question is not None
    assert len(lesson.expect) >= 1
    assert lesson.group in lessons.GROUPS


def test_load_plain_script_gets_defaults(tmp_path):
    script = tmp_path / "cancel_07_my_experiment.py"
    script.write_text('"""Trying things out.\n\nNotes here."""\nimport asyncio\n')
    broken = tmp_path / "scratch.py"
    broken.write_text("async def main(:\n")
    assert lessons.load(script) == lessons.Lesson(
        path=script, slug=script.stem, group="Cancellation", title="Trying things out",
        order=7, text="Notes here.")
    loaded = lessons.load(broken)
    assert (loaded.group, loaded.title) == (lessons.USER_GROUP, "Scratch")
    assert "scratch.py:1" in loaded.error
    assert lessons.discover(tmp_path) == [lessons.load(script), loaded]


def test_discover_honours_environment(tmp_path, monkeypatch):
    (tmp_path / "mine.py").write_text("import asyncio\n")
    (tmp_path / "_helper.py").write_text("")
    monkeypatch.setenv(lessons.ENV_VAR, str(tmp_path))
    assert [x.slug for x in lessons.discover()] == ["mine"]
    monkeypatch.delenv(lessons.ENV_VAR)
    assert len(lessons.discover()) == len(LESSONS)


def test_check_reports_what_the_trace_contradicts():
    playground = pytest.importorskip("asyncio_playground")
    events = [
        ("run", 0.0, "start", "x.py"),
        ("task", 1, 0.0, None, "Task-1", "main"),
        ("task", 2, 0.0, 1, "fetch-A", "fetch"),
        ("task", 3, 1.0, 1, "fetch-B", "fetch"),
        ("step", 2, 0.0, 0.01), ("wait", 2, 0.01, "sleep", "sleep(1)", "x.py", 3),
        ("end", 2, 1.0, "done", "None", None),
        ("step", 3, 1.0, 1.01), ("cancel", 3, 1.5, 1, None),
        ("output", 1, 1.6, "stdout", "hello\n"),
        ("end", 3, 1.6, "cancelled", "cancelled", None),
        ("end", 1, 1.7, "done", "None", None),
        ("run", 1.8, "end", "completed", None),
    ]
    table = playground.TaskTable()
    table.apply(events)
    expect = [
        {"check": "overlap", "tasks": ["fetch-A", "fetch-B"]},
        {"check": "no_overlap", "tasks": ["fetch"]},
        {"check": "state", "task": "fetch-B", "state": "cancelled"},
        {"check": "cancel_requested", "task": "fetch-B", "by": "main"},
        {"check": "waited_on", "task": "fetch-A", "kind": "sleep"},
        {"check": "total_under", "seconds": 1.3},
        {"check": "output_order", "texts": ["hello"]},
        {"check": "state", "task": "nobody", "state": "done"},
        {"check": "outcome", "value": "completed"},
    ]
    failures = lessons.check(expect, table, events, "completed")
    assert len(failures) == 3, failures
    assert "overlap: tasks 'fetch-A' and 'fetch-B'" in failures[0]
    assert "total_under: the run's tasks took 1.700 s" in failures[1]
    assert "no task matches 'nobody'" in failures[2]


# -- (b) every lesson on the playground loop, checked from its trace ---------------------------------

def _run_headless(loop, path, timeout=20.0):
    playground = pytest.importorskip("asyncio_playground")
    run = playground.Run(path, loop=loop)

    async def go():
        run.start()
        try:
            await asyncio.wait_for(run.wait(), timeout)
        except TimeoutError:
            run.stop("test timeout")
            await run.wait()
            pytest.fail(f"{path.name} still running after {timeout} s")
        return run.outcome

    outcome = loop.run_until_complete(go())
    table = playground.TaskTable()
    table.apply(run.tracer.events)
    return run, table, outcome


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_lesson_runs_as_expected(lesson, pg_loop):
    if missing := lessons.missing_needs(lesson):
        pytest.skip(f"needs {', '.join(missing)}")
    run, table, outcome = _run_headless(pg_loop, lesson.path)
    failures = lessons.check(lesson, table, run.tracer.events, outcome)
    output = "".join(e[4] for e in run.tracer.events if e[0] == "output")
    assert failures == [], f"{lesson.slug}: {failures}\n--- output ---\n{output}\n{run.error or ''}"


# -- (c) every lesson is a plain asyncio script too -------------------------------------------------

@pytest.fixture(scope="module")
def plain_runs():
    """Run every plain-runnable lesson, several at a time: they mostly sleep, so this takes a
    fraction of the sum (bounded so a busy CI machine is not swamped)."""
    env = {k: v for k, v in os.environ.items() if k != lessons.ENV_VAR}

    def run(lesson):
        try:
            done = subprocess.run([sys.executable, str(lesson.path)], env=env, cwd=lesson.path.parent,
                                  capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired as exc:
            return -1, exc.stdout or "", f"{exc.stderr or ''}\n[killed: timed out]"
        return done.returncode, done.stdout, done.stderr

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip((x.slug for x in PLAIN), pool.map(run, PLAIN)))


@pytest.mark.parametrize("lesson", PLAIN, ids=[x.slug for x in PLAIN])
def test_lesson_runs_with_plain_python(lesson, plain_runs):
    if missing := lessons.missing_needs(lesson):
        pytest.skip(f"needs {', '.join(missing)}")
    code, out, err = plain_runs[lesson.slug]
    assert code == 0, f"{lesson.slug} exited {code}\n{out}\n{err}"
    assert out.strip(), "a lesson should print something"
