"""The lesson library: the sidecar format and its validation, every lesson run headless and
checked from its trace, and every lesson run by plain ``python`` (they are ordinary asyncio
scripts)."""
import ast
import asyncio
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from asyncio_playground import lessons  # noqa: E402
from asyncio_playground.events import named  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
AUTHORING_DOC = Path(__file__).resolve().parent.parent / "docs" / "authoring.md"
LESSONS = lessons.discover(EXAMPLES)
IDS = [lesson.slug for lesson in LESSONS]
# Lessons that talk HTTP reach the real jsonplaceholder.typicode.com under plain python, and CI
# is offline; under the playground (Offline mode) the demo API answers them instead.
PLAIN = [lesson for lesson in LESSONS if "httpx" not in lesson.needs.get("modules", ())]


# -- (a) metadata ------------------------------------------------------------------------------------

def test_library_size_and_groups():
    assert len(LESSONS) >= 55
    assert {lesson.group for lesson in LESSONS} == set(lessons.GROUPS)
    assert [g for g, _ in lessons.groups(LESSONS)] == list(lessons.GROUPS)
    # File names sort within each group in the lessons' own order.
    for _, items in lessons.groups(LESSONS):
        assert [x.slug for x in items] == sorted(x.slug for x in items)
        assert len({x.order for x in items}) == len(items)


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_lesson_metadata(lesson):
    assert lessons.validate(lesson) == []
    assert lesson.sidecar == lessons.sidecar_path(lesson.path) and lesson.sidecar.is_file()
    assert lesson.title and lesson.text, "the sidecar needs a '# Title' and a text under it"
    assert f"\n# {lesson.title}\n" in lesson.sidecar.read_text()
    q = lesson.question
    assert q is not None
    assert q["answer"] in q["choices"] and q["answers"] == [q["answer"]] and q["why"]
    assert len(lesson.expect) >= 1
    assert lesson.group in lessons.GROUPS
    # Group and order come from the file name, stated nowhere else.
    assert lesson.slug.startswith(f"{lesson.slug.split('_')[0]}_{lesson.order:02d}_")


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_editor_shows_code_only(lesson):
    """The .py is what the editor shows: no lesson text, no LESSON dict, no answer to peek at."""
    source = lesson.path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert ast.get_docstring(tree) is None
    assert "LESSON" not in source
    assert lesson.question["answer"] not in source
    assert lesson.question["why"].splitlines()[0] not in source


def test_expectations_do_not_use_the_wall_clock():
    """Order and overlap, or one task's lifetime relative to another's, say what a lesson's timing
    shows without failing on a slow machine."""
    used = {(x.slug, e["check"]) for x in LESSONS for e in x.expect
            if e["check"] in ("total_under", "total_over")}
    assert not used


def test_shipped_lessons_check_clean(capsys):
    assert lessons.check_main([str(EXAMPLES)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{len(LESSONS)} lessons checked: no problems"]


def test_authoring_tables_list_every_check_and_word():
    # Whether docs/authoring.md holds them is tests/test_vocab.py's test_generated_docs_are_up_to_date
    # (asyncio_playground._docs regenerates every generated section of docs/).
    generated = lessons.authoring_tables()
    for name in lessons.CHECKS:
        assert f"| `{name}` |" in generated
    for word in ("done", "cancelled", "semaphore", "wait", "completed"):
        assert f"| `{word}` |" in generated


def test_authoring_doc_example_is_a_valid_lesson(tmp_path):
    doc = AUTHORING_DOC.read_text(encoding="utf-8")
    example = doc.split("```markdown\n", 1)[1].split("```\n", 1)[0]
    (tmp_path / "basics_09_example.py").write_text("import asyncio\n")
    (tmp_path / "basics_09_example.md").write_text(example)
    lesson = lessons.load(tmp_path / "basics_09_example.py")
    assert lessons.validate(lesson) == []
    assert lesson.title == "Running coroutines concurrently with create_task"
    assert lesson.question["answer"].startswith("`await` runs the coroutine to the end")
    assert [e["check"] for e in lesson.expect] == ["overlap", "all_states"]


def test_load_plain_script_gets_defaults(tmp_path):
    script = tmp_path / "cancel_07_my_experiment.py"
    script.write_text('"""Trying things out.\n\nNotes here."""\nimport asyncio\n')
    broken = tmp_path / "scratch.py"
    broken.write_text("async def main(:\n")
    assert lessons.load(script) == lessons.Lesson(
        path=script, slug=script.stem, group="Cancellation", title="Trying things out",
        order=7, text="Notes here.")
    assert lessons.load(script).sidecar is None and lessons.validate(lessons.load(script)) == []
    loaded = lessons.load(broken)
    assert (loaded.group, loaded.title) == (lessons.USER_GROUP, "Scratch")
    assert "scratch.py:1" in loaded.error
    assert lessons.validate(loaded) == [loaded.error]
    assert lessons.discover(tmp_path) == [lessons.load(script), loaded]


def test_leftover_lesson_dict_is_pointed_at_the_sidecar(tmp_path):
    script = tmp_path / "mine.py"
    script.write_text('import asyncio\n\nLESSON = {"title": "old style"}\n')
    [problem] = lessons.validate(lessons.load(script))
    assert problem.endswith("mine.py:3: LESSON dicts are no longer read: move the lesson's text, "
                            "question and checks to mine.md (see docs/authoring.md)")


def test_discover_honours_environment(tmp_path, monkeypatch):
    (tmp_path / "mine.py").write_text("import asyncio\n")
    (tmp_path / "_helper.py").write_text("")
    monkeypatch.setenv(lessons.ENV_VAR, str(tmp_path))
    assert [x.slug for x in lessons.discover()] == ["mine"]
    monkeypatch.delenv(lessons.ENV_VAR)
    assert len(lessons.discover()) == len(LESSONS)


# -- (a2) the sidecar format: reading it, and file:line messages for every kind of mistake ----------

BODY = """# A broken lesson

Some text.

## Question

Which one?

- [ ] wrong
- [x] right, and a choice long enough
      to wrap onto a second line

### Why

Because.
"""
OK_CHECK = '[[expect]]\ncheck = "outcome"\nvalue = "completed"\n\n'


def _write(tmp_path, front: str, body: str = BODY, name: str = "coord_09_broken"):
    (tmp_path / f"{name}.py").write_text("import asyncio\n")
    md = tmp_path / f"{name}.md"
    md.write_text(f"+++\n{front}+++\n{body}" if front is not None else body)
    return tmp_path / f"{name}.py", md


def test_sidecar_is_read_into_the_lesson(tmp_path):
    front = 'needs = { modules = ["httpx"] }\n\n' + OK_CHECK + \
        '[[expect]]\ncheck = "waited_on"\ntask = "main"\nkind = ["wait", "gather"]\n'
    script, md = _write(tmp_path, front)
    lesson = lessons.load(script)
    assert (lesson.group, lesson.order, lesson.title) == ("Coordination", 9, "A broken lesson")
    assert lesson.text == "Some text."
    assert lesson.question == {
        "text": "Which one?", "choices": ["wrong", "right, and a choice long enough to wrap onto "
                                                    "a second line"],
        "answer": "right, and a choice long enough to wrap onto a second line", "why": "Because.",
        "answers": ["right, and a choice long enough to wrap onto a second line"]}
    assert lesson.needs == {"modules": ["httpx"]}
    assert lesson.expect == ({"check": "outcome", "value": "completed"},
                             {"check": "waited_on", "task": "main", "kind": ["wait", "gather"]})
    assert lesson.sidecar == md
    assert lessons.validate(lesson) == []      # "wait" is a wait kind (asyncio.wait)


# Each case: front matter, body, the text on the line the message must point at, the message.
# The line is found in the written file, so the cases stay readable.
BROKEN = {
    "unknown check": (OK_CHECK + '[[expect]]\ncheck = "overlapp"\ntasks = ["a"]\n', BODY,
                      'check = "overlapp"',
                      "expect[1]: unknown check 'overlapp'; did you mean 'overlap'?"),
    "missing key": (OK_CHECK + '[[expect]]   # the header\ncheck = "overlap"\n', BODY,
                    "# the header", "expect[1] overlap: missing ['tasks']"),
    "unknown key": (OK_CHECK + '[[expect]]\ncheck = "outcome"\nvalue = "completed"\ncolour = 1\n',
                    BODY, "colour = 1", "expect[1] outcome: unknown key 'colour' (known: value, python)"),
    "bad state": (OK_CHECK + '[[expect]]\ncheck = "all_states"\nstate = "finished"\n', BODY,
                  'state = "finished"', "expect[1] all_states: unknown task state 'finished' "
                  "(one of: pending, running, waiting, done, cancelled, failed)"),
    "bad wait kind": ('[[expect]]\ncheck = "waited_on"\ntask = "main"\nkind = ["wait", "nap"]\n',
                      BODY, 'kind = ["wait", "nap"]', "expect[0] waited_on: unknown wait kind 'nap'"),
    "bad cancel cause": ('[[expect]]\ncheck = "cancel_requested"\ntask = "main"\n'
                         'cause = "boredom"\n', BODY, 'cause = "boredom"',
                         "expect[0] cancel_requested: unknown cancel cause 'boredom'"),
    "bad outcome": ('[[expect]]\ncheck = "outcome"\nvalue = "done"\n', BODY, 'value = "done"',
                    "expect[0] outcome: unknown run outcome 'done'"),
    "bad value type": ('[[expect]]\ncheck = "duration"\ntask = "main"\nmax = "1 s"\n', BODY,
                       'max = "1 s"', "expect[0] duration: max: '1 s' is not a number ≥ 0"),
    "toml syntax": (OK_CHECK + '[[expect]]\ncheck = "outcome"\nvalue = completed\n', BODY,
                    "value = completed", "front matter: Invalid value (column 9)"),
    "title in front matter": ('title = "Again"\n' + OK_CHECK, BODY, 'title = "Again"',
                              "unknown front-matter key 'title': the title is the first '# ' "
                              "heading below the front matter"),
    "no [x]": (OK_CHECK, BODY.replace("- [x]", "- [ ]"), "## Question",
               "question: no choice is marked correct: write '- [x]' before the right one"),
    "two [x]": (OK_CHECK, BODY.replace("- [ ] wrong", "- [x] wrong\n- [x] also"), "- [x] also",
                "question: 3 choices are marked [x]; mark exactly one"),
    "no title": (OK_CHECK, BODY.replace("# A broken lesson\n\n", ""), "Some text.",
                 "no title: the lesson text must start with a '# Title' heading"),
    "no why": (OK_CHECK, BODY.split("### Why")[0], "## Question",
               "question: no explanation: add a '### Why' section after the choices"),
    "single brackets": ('[expect]\ncheck = "outcome"\nvalue = "completed"\n', BODY, "[expect]",
                        "expect must be a list of tables: start each check with an [[expect]] "
                        "line (two brackets)"),
    "unclosed front matter": (None, "+++\n" + OK_CHECK + BODY, "+++",
                              "the front matter opened with '+++' here is never closed by a "
                              "'+++' line"),
}


@pytest.mark.parametrize("front, body, at, message", BROKEN.values(), ids=BROKEN)
def test_broken_sidecar_says_file_and_line(tmp_path, front, body, at, message):
    script, md = _write(tmp_path, front, body)
    line = 1 + next(k for k, row in enumerate(md.read_text().splitlines()) if at in row)
    problems = lessons.validate(lessons.load(script))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{md}:{line}: "), (problems[0], line)
    assert problems[0][len(f"{md}:{line}: "):].startswith(message), problems[0]


def test_check_main_exit_codes(tmp_path, capsys, monkeypatch):
    good, broken = tmp_path / "good", tmp_path / "broken"
    good.mkdir()
    broken.mkdir()
    _write(good, OK_CHECK, name="basics_01_fine")
    _write(broken, OK_CHECK, name="basics_01_fine")
    _, bad_md = _write(broken, OK_CHECK + '[[expect]]\ncheck = "overlap"\n', name="basics_02_bad")
    (broken / "orphan.md").write_text("+++\n+++\n# Orphan\n")
    assert lessons.check_main([str(good)]) == 0
    assert capsys.readouterr().out == "1 lesson checked: no problems\n"
    assert lessons.check_main([str(good / "basics_01_fine.md")]) == 0     # a file, by its .md
    capsys.readouterr()
    assert lessons.check_main([str(broken)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{broken / 'orphan.md'}:1: no orphan.py beside this lesson text",
                   f"{bad_md}:6: expect[1] overlap: missing ['tasks']",
                   "2 lessons checked: 2 problems in 1 of them"]
    assert lessons.check_main([str(tmp_path / "nothing-here")]) == 1
    assert "not a lesson" in capsys.readouterr().out
    # Messages name files relative to the working directory when they are inside it.
    monkeypatch.chdir(tmp_path)
    assert lessons.check_main(["broken/basics_02_bad.py"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "broken/basics_02_bad.md:6: expect[1] overlap: missing ['tasks']",
        "1 lesson checked: 1 problem in 1 of them"]


def test_check_reports_what_the_trace_contradicts():
    playground = pytest.importorskip("asyncio_playground")
    events = [named(e) for e in [
        ("run", 0.0, "start", "x.py"),
        ("task", 1, 0.0, None, "Task-1", "main"),
        ("task", 2, 0.0, 1, "fetch-A", "fetch"),
        ("task", 3, 1.0, 1, "fetch-B", "fetch"),
        ("step", 2, 0.0, 0.01), ("wait", 2, 0.01, "sleep", "sleep(1)", "x.py", 3),
        ("end", 2, 1.0, "done", "None", None),
        ("step", 3, 1.0, 1.01), ("cancel", 3, 1.5, 1, None, "task"),
        ("output", 1, 1.6, "stdout", "hello\n"),
        ("end", 3, 1.6, "cancelled", "cancelled", None),
        ("end", 1, 1.7, "done", "None", None),
        ("run", 1.8, "end", "completed", None),
    ]]
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
        # main (1.7 s) lived 1.7 x fetch-A (1.0 s) and 2.8 x fetch-B (0.6 s).
        {"check": "duration", "task": "main", "relative_to": "fetch-A", "min": 1.5, "max": 2},
        {"check": "duration", "task": "main", "relative_to": "fetch", "max": 1.5},
        {"check": "cancel_requested", "task": "fetch-B", "by": False},
        {"check": "parent", "task": "main", "parent": False},
        {"check": "order", "tasks": ["fetch-A", "fetch-B"], "by": "end"},
        {"check": "cancel_requested", "task": "fetch-B", "by": "main", "cause": "task"},
        {"check": "cancel_requested", "task": "fetch-B", "cause": "timeout"},
    ]
    failures = lessons.check(expect, table, events, "completed")
    assert len(failures) == 6, failures
    assert "overlap: tasks 'fetch-A' and 'fetch-B'" in failures[0]
    assert "total_under: the run's tasks took 1.700 s" in failures[1]
    assert "no task matches 'nobody'" in failures[2]
    assert failures[3] == ("duration: task 'Task-1' lived 1.700 s (1.70 × the 1.000 s task "
                           "'fetch-A' lived), expected at most 1.5 × the 1.000 s task 'fetch-A' "
                           "lived")
    assert failures[4] == ("cancel_requested: nobody from outside any task asked task 'fetch-B' "
                           "to cancel")
    assert failures[5] == ("cancel_requested: nobody asked task 'fetch-B' to cancel for cause "
                           "'timeout' (causes seen: ['task'])")
    # Plain tuples (older code paths, JSON) are read too.
    assert lessons.check(expect, table, [tuple(e) for e in events], "completed") == failures


def _code(label) -> list[str]:
    """The texts a rich-text label shows in a monospace font (Markdown's `code`)."""
    from PySide6.QtGui import QTextDocument
    doc = QTextDocument()
    doc.setHtml(label.text())
    found, block = [], doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if "monospace" in (fragment.charFormat().fontFamilies() or []):
                found.append(fragment.text())
            it += 1
        block = block.next()
    return found


def test_lesson_panel_grades_by_value_with_a_second_try(qtbot):
    from asyncio_playground.ui.lesson_panel import LessonPanel
    panel = LessonPanel()
    qtbot.addWidget(panel)
    lesson = lessons.load(EXAMPLES / "basics_02_concurrent_tasks.py")
    q = lesson.question
    # Reordered choices: the right one is found by its text, not its position.
    lesson = replace(lesson, question={**q, "choices": list(reversed(q["choices"]))})
    panel.set_lesson(lesson)
    assert panel.title.text() == lesson.title
    assert "create_task" in panel.text.toPlainText() and panel.question_box.isVisibleTo(panel)
    wrong = [c for c in q["choices"] if c != q["answer"]]
    panel.choose(wrong[0])
    with qtbot.waitSignal(panel.answered) as answered:
        panel.check_button.click()
    assert answered.args == [False]
    assert "try again" in panel.result.text() and "answer is" not in panel.result.text()
    assert not panel.check_button.isEnabled()          # until another choice is picked
    panel.choose(wrong[1])
    assert panel.check_button.isEnabled()
    assert panel.check() is False
    assert "The answer is" in panel.result.text() and "await" in _code(panel.result)
    panel.choose(q["answer"])
    assert panel.check() is True and "Correct" in panel.result.text()
    panel.set_lesson(lessons.load(EXAMPLES / "basics_01_sequential_await.py"))
    assert panel.result.isHidden()
    panel.choose(0)                                    # by position still works
    assert panel.check() is False and "try again" in panel.result.text()


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
    output = "".join(e.text for e in map(named, run.tracer.events) if e.event == "output")
    assert failures == [], f"{lesson.slug}: {failures}\n--- output ---\n{output}\n{run.error or ''}"
    # What the window shows after the run: one ✓ line per expectation that applies here.
    found = lessons.explain(lesson, table, run.tracer.events, outcome)
    assert len(found) == sum(map(_applies, lesson.expect)) and all(f.ok and f.text for f in found)
    if lesson.predict is not None:
        _check_prediction(lesson, table, run.tracer.events, outcome, output)


def _applies(exp) -> bool:
    from asyncio_playground.lessons._checks import applies
    return applies(exp)


def _check_prediction(lesson, table, events, outcome, output):
    """The lesson's [predict] resolves against its run: the prediction the trace itself gives
    (worked out here from the table and the output) agrees, and a wrong one names a difference."""
    predict = lesson.predict
    kind = predict["kind"]
    rows = {spec: next(r for r in table.rows if r.name == spec) for spec in predict.get("tasks", ())}
    if kind == "finish_order":
        right = sorted(rows, key=lambda spec: rows[spec].ended)
        wrong = right[::-1]
        ends = sorted(rows[spec].ended for spec in right)
        assert all(b - a > 0.01 for a, b in zip(ends, ends[1:])), "tasks that tie are no puzzle"
    elif kind == "end_states":
        right = {spec: row.state for spec, row in rows.items()}
        first = next(iter(right))
        wrong = {**right, first: next(s for s in ("done", "cancelled", "failed") if s != right[first])}
        assert set(right.values()) <= {"done", "cancelled", "failed"}
    elif kind == "duration":
        timed = [r for r in table.rows if r.ended is not None]
        if predict.get("task"):
            timed = [r for r in timed if r.name == predict["task"] or r.coro == predict["task"]]
            right = max(r.ended - r.created for r in timed)
        else:
            right = max(r.ended for r in timed) - min(r.created for r in table.rows)
        wrong = right * 3 + 1
    else:
        assert all(line in output for line in predict["lines"]), output
        right = sorted(predict["lines"], key=output.index)
        wrong = right[::-1]
    assert lessons.compare(predict, right, table, events, outcome).ok, (lesson.slug, right)
    miss = lessons.compare(predict, wrong, table, events, outcome)
    assert not miss.ok and miss.divergence.startswith("You "), (lesson.slug, miss)


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


def test_lessons_that_need_a_newer_python_say_so_under_plain_python(plain_runs):
    """Run on an older Python, such a lesson says what it needs and exits cleanly (no
    AttributeError from a missing asyncio function)."""
    needy = [x for x in PLAIN if "python" in x.needs]
    assert {x.slug for x in needy} >= {"coord_06_queue_shutdown", "intro_04_call_graph"}
    for lesson in needy:
        code, out, err = plain_runs[lesson.slug]
        assert code == 0, f"{lesson.slug} exited {code}\n{out}\n{err}"
        if lessons.missing_needs(lesson):
            version = str(lesson.needs["python"]).lstrip(">= ")      # ">=3.13": the one syntax
            assert f"needs Python {version} or newer" in out, out
            assert "Traceback" not in err, err


def test_debug_mode_logs_the_slow_step_under_plain_python(plain_runs):
    """What pitfalls_06 says debug mode prints in a terminal: asyncio's logger names the task
    whose step held the loop, and how long it took.  (The playground's window shows the block on
    the timeline instead; the lesson's own checks see that.)"""
    code, out, err = plain_runs["pitfalls_06_debug_mode"]
    assert code == 0, err
    # The resize task's own step: on a loaded machine main's step can be logged too, and its
    # repr names resize as what it waits for ("wait_for=<Task pending name='resize' ...").
    line = next((x for x in err.splitlines()
                 if re.match(r"Executing <Task \w+ name='resize'", x)), None)
    assert line is not None, err
    assert line.endswith("seconds"), line
    assert float(line.split(" took ")[1].split()[0]) >= 0.25


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process: POSIX only")
def test_ctrl_c_cancels_main_then_asyncio_run_raises_keyboard_interrupt():
    """What cancel_08 says about Ctrl+C, on this Python: the first SIGINT cancels the main task,
    the workers' cleanup runs, and only then does asyncio.run raise KeyboardInterrupt (caught at
    the bottom of the lesson).  The lesson's own SIGTERM path never starts."""
    import signal
    import time
    path = EXAMPLES / "cancel_08_signals_shutdown.py"
    env = {k: v for k, v in os.environ.items() if k != lessons.ENV_VAR}
    proc = subprocess.Popen([sys.executable, str(path)], env=env, cwd=path.parent, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline().startswith("main: serving")
        time.sleep(0.05)                 # the workers have started; the SIGTERM comes at 0.45 s
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert "SIGTERM received" not in out and "exiting normally" not in out
    assert {x.split(":")[0] for x in lines[:2]} == {"worker-1", "worker-2"}
    assert all("stopped after" in x for x in lines[:2])
    assert lines[2:] == ["Ctrl+C: main was cancelled and cleaned up; asyncio.run raised "
                         "KeyboardInterrupt"]


def test_a_check_can_be_limited_to_some_pythons():
    from asyncio_playground.lessons._checks import applies
    assert applies({"check": "outcome", "python": ">=3.12"}, (3, 12))
    assert not applies({"check": "outcome", "python": ">=3.12"}, (3, 11))
    assert applies({"check": "outcome", "python": "<3.12"}, (3, 11))
    assert not applies({"check": "outcome", "python": "<3.12"}, (3, 13))
    assert applies({"check": "outcome"}, (3, 11))
    # A check that does not apply here is skipped, not failed.
    impossible = {"check": "outcome", "value": "failed", "python": "<3.0"}
    assert lessons.check([impossible], [], [], "completed") == []
    assert lessons.check([dict(impossible, python=">=3.0")], [], [], "completed") != []


def test_a_bad_python_condition_is_reported_with_its_line(tmp_path):
    (tmp_path / "basics_01_x.py").write_text("import asyncio\nasync def main():\n    pass\n")
    (tmp_path / "basics_01_x.md").write_text(
        '+++\n[[expect]]\ncheck = "outcome"\nvalue = "completed"\npython = "3.12+"\n+++\n# X\n\ntext\n')
    [problem] = lessons.validate(lessons.load(tmp_path / "basics_01_x.py"))
    assert problem.endswith("basics_01_x.md:5: expect[0] outcome: python: '3.12+' is not a Python "
                            'condition such as ">=3.12" or "<3.12"')


def test_lesson_text_follows_the_running_python(tmp_path):
    (tmp_path / "time_09_x.py").write_text("import asyncio\n")
    new, old = ("3.12 or newer", "3.11") if sys.version_info >= (3, 12) else ("3.11", "3.12 or newer")
    (tmp_path / "time_09_x.md").write_text(
        '+++\n[[expect]]\ncheck = "outcome"\nvalue = "completed"\n+++\n# X\n\nShared.\n\n'
        "<!-- python <3.12 -->\nOn 3.11.\n<!-- end python -->\n"
        "<!-- python >=3.12 -->\nOn 3.12 or newer.\n\n```\n# code\n```\n<!-- end python -->\n"
        "After.\n\n## Question\n\nQ?\n\n- [x] yes\n- [ ] no\n\n### Why\n\n"
        "<!-- python >=3.12 -->\nWhy on 3.12 or newer.\n<!-- end python -->\n"
        "<!-- python <3.12 -->\nWhy on 3.11.\n<!-- end python -->\n")
    lesson = lessons.load(tmp_path / "time_09_x.py")
    assert lessons.validate(lesson) == []
    assert f"On {new}." in lesson.text and f"On {old}." not in lesson.text
    assert lesson.text.startswith("Shared.\n\nOn ") and lesson.text.endswith("After.")
    assert ("# code" in lesson.text) == (sys.version_info >= (3, 12))
    assert lesson.question["why"] == f"Why on {new}."
    assert "<!--" not in lesson.text
    # The shipped wait_for lesson tells the story of the running Python only.
    wait_for = lessons.load(EXAMPLES / "time_02_wait_for.py").text
    assert ("On your Python (3.11)" in wait_for) == (sys.version_info < (3, 12))
    assert ("On your Python (3.12 or newer)" in wait_for) == (sys.version_info >= (3, 12))


def test_python_blocks_are_validated(tmp_path):
    (tmp_path / "time_09_x.py").write_text("import asyncio\n")
    (tmp_path / "time_09_x.md").write_text(
        '+++\n[[expect]]\ncheck = "outcome"\nvalue = "completed"\n+++\n# X\n\nText.\n'
        "<!-- python 3.12+ -->\nA.\n<!-- end python -->\n<!-- end python -->\n"
        "<!-- python >=3.13 -->\nnever closed\n")
    problems = lessons.validate(lessons.load(tmp_path / "time_09_x.py"))
    md = tmp_path / "time_09_x.md"
    assert problems == [
        f"{md}:9: '3.12+' is not a Python condition such as \">=3.12\" or \"<3.12\"",
        f"{md}:12: '<!-- end python -->' without a '<!-- python ... -->' before it",
        f"{md}:13: this '<!-- python ... -->' block is never closed by '<!-- end python -->'"]


def test_why_a_lesson_cannot_run_here(tmp_path):
    call_graph = lessons.load(EXAMPLES / "intro_04_call_graph.py")
    if sys.version_info < (3, 14):
        assert lessons.why_cannot_run(call_graph) == "needs Python 3.14+"
        how = lessons.how_to_run(call_graph)
        assert how.startswith("install Python 3.14 or newer") and \
            f"(this is Python {'.'.join(map(str, sys.version_info[:3]))})" in how
    else:
        assert lessons.why_cannot_run(call_graph) is None and lessons.how_to_run(call_graph) is None
    for lesson in LESSONS:           # the same verdict as missing_needs, in other words
        assert (lessons.why_cannot_run(lesson) is None) == (not lessons.missing_needs(lesson))
    (tmp_path / "basics_01_x.py").write_text("import asyncio\n")
    (tmp_path / "basics_01_x.md").write_text(
        '+++\nneeds = { modules = ["no_such_module_x", "asyncio"], python = "99.1" }\n+++\n# X\n\n'
        "text\n")
    needy = lessons.load(tmp_path / "basics_01_x.py")
    assert lessons.why_cannot_run(needy) == "needs Python 99.1+ and module 'no_such_module_x'"
    assert lessons.missing_needs(needy) == ["module 'no_such_module_x'", "Python 99.1"]
    how = lessons.how_to_run(needy)
    assert "install Python 99.1 or newer" in how
    assert how.endswith(f"`{sys.executable} -m pip install no_such_module_x`")
