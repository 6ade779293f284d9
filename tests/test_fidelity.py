"""Python as it is (issue 21): a script behaves under ``asyncio-playground run`` as under ``python``.

Every test here runs the same file twice, ``python FILE`` and ``asyncio-playground run FILE
--quiet``, and compares the exit codes, the standard output and the standard error, once
``normalise`` has masked what legitimately differs from run to run or from tool to tool:

* addresses, times, pids, ports and other long numbers (masked on both sides);
* traceback frames of asyncio's, threading's and concurrent.futures' own files (Python shows
  asyncio's runner frames, ``asyncio.run`` → ``run_until_complete`` → ``_run_once``...; the
  playground shows neither those nor its own: only the script's frames are compared);
* inside a "Task exception was never retrieved" report, its frames: asyncio logs it when the task
  is garbage-collected, under ``python`` during the interpreter's exit, when how far the
  exception's traceback has grown depends on the Python (3.11 and 3.13 differ themselves);
* what only the playground prints, each line marked as its own: its notes (``playground: ...``
  on stderr: what it did to end the run, the modern form of an old idiom), the CLI's summary lines
  that ``--quiet`` keeps (``asyncio: ...`` for what asyncio logged, ``loop blocked for ...``) and
  ``SystemExit: exited with N`` (the exit code, named);
* a repeated-frame count (``[Previous line repeated N more times]``): the playground keeps the
  innermost 1000 entries of a traceback, as CPython's own printer does on 3.11, where 3.13's
  prints them all.

The twelve items of the issue have a test each (``test_item_*``); the corpus (``tests/corpus/``:
short programs in the shapes asyncio's documentation, books and library docs teach, each naming its
idiom and source in its first line) runs in parallel (``test_corpus_program``, marked ``slow``:
about a minute).  A corpus file's
header may say ``# python: >=3.12`` (skipped elsewhere), ``# needs: anyio`` (skipped without it),
``# stdin: text`` (fed to both), ``# timeout: S`` and ``# compare: exit stdout`` with a
``# why: ...`` line saying why the rest legitimately differs.
"""
from __future__ import annotations

import concurrent.futures
import importlib.util
import os
import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus"
TIMEOUT = 20.0      # --timeout given to the playground; python gets the same, as a kill
PARALLEL = 3        # corpus programs run at once (each runs python, then the playground)
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUTF8": "1",
       "PYTHONDONTWRITEBYTECODE": "1"}
ENV.pop("PYTHONWARNINGS", None)


# -- running a file both ways ---------------------------------------------------------------------

class Outcome:
    def __init__(self, code, out, err, took):
        self.code, self.out, self.err, self.took = code, out, err, took

    def __repr__(self):
        return f"exit {self.code} in {self.took:.2f} s\n--- stdout\n{self.out}--- stderr\n{self.err}"


def _run(cmd, *, stdin=None, timeout=TIMEOUT + 10, cwd=None) -> Outcome:
    t0 = time.monotonic()
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout,
                              env=ENV, cwd=cwd, errors="replace",
                              stdin=None if stdin is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr
        return Outcome(None, out or "", err or "", time.monotonic() - t0)
    return Outcome(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - t0)


def under_python(path, *, stdin=None, timeout=TIMEOUT) -> Outcome:
    return _run([sys.executable, str(path)], stdin=stdin, timeout=timeout, cwd=Path(path).parent)


def under_playground(path, *, stdin=None, timeout=TIMEOUT, args=()) -> Outcome:
    return _run([sys.executable, "-m", "asyncio_playground", "run", str(path), "--quiet",
                 "--timeout", f"{timeout:g}", *args], stdin=stdin, timeout=timeout + 10,
                cwd=Path(path).parent)


def both(path, **kw) -> tuple[Outcome, Outcome]:
    """(python, playground), run side by side."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        py = pool.submit(under_python, path, stdin=kw.get("stdin"), timeout=kw.get("timeout", TIMEOUT))
        pg = pool.submit(under_playground, path, **kw)
        return py.result(), pg.result()


# -- what may differ -----------------------------------------------------------------------------

_FRAME = re.compile(r'^(\s*)File "([^"]+)", line \d+, in .*$')
_CARETS = re.compile(r"^\s*[\^~]+\s*$")
_NOT_SCRIPT = (os.sep + "asyncio" + os.sep, os.sep + "concurrent" + os.sep + "futures" + os.sep,
               os.sep + "threading.py", os.sep + "selectors.py", os.sep + "runpy.py",
               os.sep + "multiprocessing" + os.sep, "<frozen ", os.sep + "asyncio_playground" + os.sep,
               os.sep + "playground" + os.sep)
_PLAYGROUND_ONLY = re.compile(r"^(playground: .*|SystemExit: exited with \d+( \(.*\))?|"
                              r"asyncio: .*|loop blocked for .*)$")


def normalise(text: str) -> str:
    """``text`` with what legitimately differs masked (see the module docstring)."""
    lines, out = text.splitlines(), []
    in_never_retrieved = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("Task exception was never retrieved"):
            in_never_retrieved = True
        elif line and not line[0].isspace() and not line.startswith(("Traceback", "future:")):
            in_never_retrieved = False
        frame = _FRAME.match(line)
        if frame:
            indent = len(frame.group(1))
            keep = not in_never_retrieved and not any(part in frame.group(2) for part in _NOT_SCRIPT)
            if keep:
                out.append(line)
            i += 1
            # The frame's source line (and its carets) are indented deeper than "File".
            while i < len(lines) and lines[i].startswith(" " * (indent + 1)) and not _FRAME.match(lines[i]):
                if keep and not _CARETS.match(lines[i]):
                    out.append(lines[i])
                i += 1
            continue
        if _CARETS.match(line) or _PLAYGROUND_ONLY.match(line.strip()):
            i += 1
            continue
        out.append(line)
        i += 1
    text = "\n".join(out)
    text = re.sub(r"\[Previous line repeated \d+ more times?\]", "[Previous line repeated N more times]", text)
    text = re.sub(r"0x[0-9a-fA-F]+", "0xADDR", text)
    text = re.sub(r"\d\d:\d\d:\d\d(\.\d+)?", "HH:MM:SS", text)
    text = re.sub(r"\d+\.\d+(e-?\d+)?", "N.N", text)
    text = re.sub(r"\d{4,}", "NNNN", text)
    # A traceback whose frames were all masked: "Traceback ...:" directly before the exception.
    return text.strip()


def assert_same(py: Outcome, pg: Outcome, *, compare=("exit", "stdout", "stderr")):
    """The two runs agree on what ``compare`` names (a mismatch shows both, normalised)."""
    report = f"\n=== python: {py!r}\n=== playground: {pg!r}"
    if "exit" in compare:
        # Python ends an uncaught KeyboardInterrupt by dying of SIGINT (status -2 here), which a
        # shell reports as 130: the playground's CLI exits with 130 (documented in its help).
        code = 128 - py.code if py.code is not None and py.code < 0 else py.code
        assert code == pg.code, "exit codes differ" + report
    if "stdout" in compare:
        assert normalise(py.out) == normalise(pg.out), "stdout differs" + report
    if "stderr" in compare:
        assert normalise(py.err) == normalise(pg.err), "stderr differs" + report


def script(tmp_path, source, name="script.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def test_normalise_masks_what_differs_and_nothing_else():
    python = textwrap.dedent("""\
        Traceback (most recent call last):
          File "/x/s.py", line 9, in <module>
            asyncio.run(main())
          File "/usr/lib/python3.11/asyncio/runners.py", line 190, in run
            return runner.run(main)
                   ^^^^^^^^^^^^^^^^
          File "/x/s.py", line 5, in main
            raise ValueError(0x7f12ab)
        ValueError: took 0.25 s on port 43121
        """)
    playground = textwrap.dedent("""\
        Traceback (most recent call last):
          File "/x/s.py", line 9, in <module>
            asyncio.run(main())
          File "/x/s.py", line 5, in main
            raise ValueError(0x55aa)
        ValueError: took 0.31 s on port 40007
        playground: a note
        SystemExit: exited with 3
        """)
    assert normalise(python) == normalise(playground)
    assert normalise("tick 2") != normalise("tick 3")          # small numbers are kept
    assert normalise('  File "/x/s.py", line 5, in main') != normalise('  File "/x/t.py", line 5, in main')


# -- the items ---------------------------------------------------------------------------

def test_item1_anyio_run_runs_main_once(tmp_path):
    pytest.importorskip("anyio")
    path = script(tmp_path, """\
        import anyio

        async def main():
            print("main ran")
            await anyio.sleep(0.01)
            print("and ended")

        anyio.run(main)
        """)
    py, pg = both(path)
    assert_same(py, pg)
    assert pg.out.count("main ran") == 1


@pytest.mark.parametrize("shape", [
    "from asyncio.runners import Runner\nwith Runner() as r:\n    r.run(main())\n",
    "from asyncio.runners import run\nrun(main())\n",
    "import asyncio.runners\nasyncio.runners.run(main())\n",
    "runner = asyncio.Runner()\nrunner.run(main())\nrunner.close()\n",
    "with asyncio.Runner() as r:\n    r.run(main())\n    r.run(main())\n",
])
def test_item1_runner_shapes_run_main_as_often_as_python(tmp_path, shape):
    path = script(tmp_path, "import asyncio\n\nasync def main():\n"
                            "    print('main ran in', asyncio.current_task().get_name())\n\n" + shape)
    assert_same(*both(path))


def test_item2_main_called_without_await_only_warns(tmp_path):
    path = script(tmp_path, """\
        import asyncio

        async def main():
            print("Hello world")

        main()
        """)
    py, pg = both(path)
    assert_same(py, pg)
    assert "was never awaited" in pg.err and "Hello world" not in pg.out


def test_item2_a_file_that_only_defines_main_still_runs_it(tmp_path):
    # The playground's own idiom (docs/engine-api.md): a lesson may only define main().  Python
    # runs nothing there; the difference is the point of the idiom, so only the playground is run.
    path = script(tmp_path, "import asyncio\n\nasync def main():\n    print('main ran')\n")
    pg = under_playground(path)
    assert pg.code == 0 and pg.out.count("main ran") == 1


def test_item3_module_level_future(tmp_path):
    path = script(tmp_path, """\
        import asyncio

        fut = asyncio.Future()
        loop = asyncio.get_event_loop()
        loop.call_soon(fut.set_result, "done")
        print(loop.run_until_complete(fut))
        print(isinstance(fut, asyncio.Future), type(fut).__name__)
        """)
    py, pg = both(path)
    assert_same(py, pg)
    if sys.version_info < (3, 14):
        assert pg.out.startswith("done")
    else:   # 3.14+ refuses a module-level Future with no loop set (item 12), as Python does
        assert pg.code == 1 and "There is no current event loop" in pg.err


def test_module_level_loop_create_task_takes_what_the_running_python_takes(tmp_path):
    """A loop made in module code hands create_task's keywords on as it is: name= and context=
    everywhere; on 3.14+ also the task factory's own (eager_start=), refused with the same
    TypeError before 3.14.  The loop is not running while module code runs, so an eager task
    made there starts only when the loop runs, as under `python` (the playground's loop, running
    in its own thread, says it is not running to module code's calls)."""
    path = script(tmp_path, """\
        import asyncio, contextvars, sys

        who = contextvars.ContextVar("who", default="nobody")
        async def job():
            print("job ran in", who.get(), "as", asyncio.current_task().get_name())
            return 7

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        ctx = contextvars.copy_context()
        ctx.run(who.set, "ctx")
        t = loop.create_task(job(), name="named", context=ctx)
        print(loop.run_until_complete(t))
        coro = job()
        try:
            e = loop.create_task(coro, name="eager", eager_start=True)
            print("eager done before the loop ran:", e.done())
            print(loop.run_until_complete(e))
        except TypeError as exc:
            coro.close()
            print("TypeError:", exc)
        loop.close()
        """)
    py, pg = both(path)
    assert_same(py, pg)
    assert "job ran in ctx as named" in pg.out
    assert ("eager done before the loop ran: False" in pg.out) == (sys.version_info >= (3, 14))


def test_a_module_level_timer_due_before_the_loop_runs_waits_for_it(tmp_path):
    """Under `python FILE` a loop runs only inside run_*: a timer module code set fires then,
    behind the tasks and call_soon()s made before it, however long module code took meanwhile
    (a CI run on a loaded machine printed "later" first: the playground's loop runs all along)."""
    path = script(tmp_path, """\
        import asyncio, time

        async def ticker():
            for i in range(3):
                print("tick", i)
                await asyncio.sleep(0.01)
            loop.stop()

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.create_task(ticker(), name="ticker")
        loop.call_soon(print, "soon")
        loop.call_later(0.001, print, "later")
        skipped = loop.call_later(0.002, print, "cancelled: never printed")
        time.sleep(0.05)          # both timers are due before the loop runs
        skipped.cancel()
        try:
            loop.run_forever()
        finally:
            loop.close()
        print("closed", loop.is_closed(), loop.is_running())
        """)
    py, pg = both(path)
    assert_same(py, pg)
    assert pg.out.startswith("tick 0\nsoon\nlater\ntick 1\n")


def test_item4_future_made_with_the_module_level_loop(tmp_path):
    path = script(tmp_path, """\
        import asyncio

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)

        async def main():
            fut = asyncio.Future(loop=loop)
            loop.call_later(0.01, fut.set_result, "ok")
            print(await fut)
            print(asyncio.get_running_loop() is loop)

        class Fut(asyncio.Future):
            pass

        async def sub():
            f = Fut(loop=loop)
            loop.call_soon(f.set_result, 1)
            print(await f, isinstance(f, asyncio.Future), isinstance(loop.create_future(), Fut))

        loop.run_until_complete(main())
        loop.run_until_complete(sub())
        loop.close()
        """)
    py, pg = both(path)
    assert_same(py, pg)
    assert pg.out.startswith("ok\nTrue\n")


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_item5_process_pool_runs_the_scripts_functions(tmp_path, method):
    # The case: run_in_executor with a ProcessPoolExecutor, whose workers import the
    # script as __main__ (spawn, forkserver) or inherit it (fork), close stdin, and pickle the
    # script's own function by reference.
    if method not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    path = script(tmp_path, f"""\
        import asyncio
        import concurrent.futures
        import multiprocessing

        def square(x):
            return x * x

        async def main():
            loop = asyncio.get_running_loop()
            ctx = multiprocessing.get_context("{method}")
            with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=ctx) as pool:
                results = await asyncio.gather(*(loop.run_in_executor(pool, square, i)
                                                 for i in range(5)))
            print(results)

        if __name__ == "__main__":
            asyncio.run(main())
        """)
    py, pg = both(path)
    assert_same(py, pg)
    assert normalise(pg.out) == "[0, 1, 4, 9, 16]"   # (starting workers may block the loop: noted)


def test_item5_the_script_is_main_and_its_stdin_a_whole_text_stream(tmp_path):
    path = script(tmp_path, """\
        import io
        import pickle
        import sys

        def f():
            return "pickled by reference"

        class Point:
            def __init__(self, x):
                self.x = x

        print(sys.modules["__main__"].__file__ == __file__, __name__)
        print(pickle.loads(pickle.dumps(f))(), pickle.loads(pickle.dumps(Point(3))).x)
        print(sys.stdin.readable(), sys.stdin.isatty(), isinstance(sys.stdin.fileno(), int))
        print(sys.stdin.readline().strip())
        for line in sys.stdin:
            print("line:", line.strip())
        sys.stdin.close()
        print(sys.stdin.closed)
        try:
            input()
        except ValueError as exc:
            print("ValueError:", exc)

        import asyncio   # (the playground runs a file that runs something asynchronous)
        asyncio.run(asyncio.sleep(0))
        """)
    py, pg = both(path, stdin="first\nsecond\nthird\n")
    assert_same(py, pg)
    assert "pickled by reference 3" in pg.out and "line: third" in pg.out


def test_item5_processes_the_script_leaves_running_end_with_the_run(tmp_path):
    # Python would wait for the non-daemon process at exit (until killed): the playground ends
    # it with the run and says so.  So only the playground is run; the difference is the point.
    path = script(tmp_path, """\
        import multiprocessing
        import time

        def sleeper():
            time.sleep(60)

        if __name__ == "__main__":
            p = multiprocessing.get_context("spawn").Process(target=sleeper, name="sleeper-99")
            p.start()
            print("started", p.is_alive())
            import asyncio   # (the playground runs a file that runs something asynchronous)
            asyncio.run(asyncio.sleep(0))
        """)
    pg = under_playground(path, timeout=10)
    assert pg.code == 0 and "started True" in pg.out
    assert "process 'sleeper-99'" in pg.err and "terminated" in pg.err


def test_item6_all_tasks_and_current_task_are_the_scripts_own(tmp_path):
    path = script(tmp_path, """\
        import asyncio

        async def worker():
            await asyncio.sleep(0.05)

        async def main():
            asyncio.create_task(worker())
            await asyncio.sleep(0)
            tasks = asyncio.all_tasks()
            print(sorted(t.get_name() for t in tasks))
            print(sorted(t.get_coro().__qualname__ for t in tasks))
            me = asyncio.current_task()
            print(me.get_name(), me.get_coro().__qualname__, me in tasks)
            print(asyncio.current_task(asyncio.get_running_loop()) is me)

        asyncio.run(main())
        """)
    py, pg = both(path)
    assert_same(py, pg)
    assert "['Task-1', 'Task-2']" in pg.out


def test_item6_the_old_shutdown_idiom_sees_only_the_scripts_tasks(tmp_path):
    # "Using Asyncio in Python" (Hattingh), the shutdown of a run_until_complete script.
    path = script(tmp_path, """\
        import asyncio

        async def background():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                print("background cancelled")
                raise

        async def main():
            asyncio.create_task(background(), name="background")
            await asyncio.sleep(0.01)
            print("main done")

        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.run_until_complete(main())
        pending = asyncio.all_tasks(loop=loop)
        print([t.get_name() for t in pending])
        for task in pending:
            task.cancel()
        group = asyncio.gather(*pending, return_exceptions=True)
        print(loop.run_until_complete(group))
        loop.close()
        """)
    assert_same(*both(path))


def test_item7_wait_for_on_311_blames_its_own_timeout(tmp_path):
    # The cause is the playground's, not Python's: the output is compared, then the trace's
    # cancel record of the inner task.  The waiting task swallowed an earlier cancel, so its
    # cancelling() count stays 1: that made 3.11's wait_for timeout look like an awaiter's cancel.
    import json
    path = script(tmp_path, """\
        import asyncio

        async def slow():
            await asyncio.sleep(10)

        async def main():
            asyncio.get_running_loop().call_soon(asyncio.current_task().cancel)
            try:
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                print("swallowed a cancel")
            task = asyncio.create_task(slow(), name="slow")
            try:
                await asyncio.wait_for(task, 0.05)
            except TimeoutError:
                print("timed out", task.cancelled())

        asyncio.run(main())
        """)
    trace = tmp_path / "trace.json"
    py = under_python(path)
    pg = under_playground(path, args=("--trace", str(trace)))
    assert_same(py, pg, compare=("exit", "stderr"))
    assert normalise(py.out) == normalise(pg.out.split("trace written to")[0])
    from asyncio_playground.replay import load_run
    events = load_run(trace).events
    from asyncio_playground.events import named
    slow = next(ev[1] for ev in events if ev[0] == "task" and ev[5] == "slow")   # its coroutine
    [cancel] = [named(ev) for ev in events if ev[0] == "cancel" and ev[1] == slow]
    if sys.version_info < (3, 12):
        assert cancel.cause == "timeout", cancel
    else:   # the deadline cancels the waiting task, which passes it on; the root is named
        assert cancel.cause == "awaiter" and "by a timeout" in cancel.detail, cancel


@pytest.mark.parametrize("shape", ["main", "await", "gather", "fire", "caught"])
@pytest.mark.parametrize("exc", ["sys.exit(2)", "raise KeyboardInterrupt"])
def test_item10_exit_and_ctrl_c_in_a_task_as_python_reports_them(tmp_path, shape, exc):
    bodies = {
        "main": "async def main():\n    await asyncio.sleep(0.01)\n    EXC\n",
        "await": "async def main():\n    await asyncio.create_task(worker())\n",
        "gather": "async def main():\n    await asyncio.gather(worker(), asyncio.sleep(1))\n",
        "fire": "async def main():\n    asyncio.create_task(worker())\n    await asyncio.sleep(1)\n",
        "caught": "async def main():\n    asyncio.create_task(worker())\n    try:\n"
                  "        await asyncio.sleep(1)\n    finally:\n        print('main cleanup')\n",
    }
    tail = ("try:\n    asyncio.run(main())\nexcept BaseException as e:\n"
            "    print('caught', type(e).__name__)\nprint('after')\n" if shape == "caught"
            else "asyncio.run(main())\n")
    source = ("import asyncio, sys\n\nasync def worker():\n    await asyncio.sleep(0.01)\n    EXC\n\n"
              + bodies[shape] + "\n" + tail).replace("EXC", exc)
    path = script(tmp_path, source)
    py, pg = both(path)
    assert_same(py, pg)
    assert 'File "' not in "".join(line for line in pg.err.splitlines(True)
                                   if "asyncio_playground" in line or os.sep + "playground" + os.sep in line)
    assert pg.err.count("Task exception was never retrieved") == py.err.count("Task exception was never retrieved")


def test_item11_input_in_a_task_with_an_open_pipe_ends_by_the_timeout(tmp_path):
    # Python would wait for the pipe forever: only the playground is run, and it must end at its
    # --timeout (the read blocks the loop: past the block limit it is interrupted, as any code
    # that blocks the loop is, and the timeout then stops the run).
    path = script(tmp_path, """\
        import asyncio

        async def ask():
            return input("name? ")

        async def main():
            print("hello", await asyncio.create_task(ask()))

        asyncio.run(main())
        """)
    read_end, write_end = os.pipe()
    try:
        t0 = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "asyncio_playground", "run", str(path),
                               "--quiet", "--timeout", "2"], stdin=read_end, capture_output=True,
                              text=True, env=ENV, timeout=20)
        took = time.monotonic() - t0
    finally:
        os.close(read_end)
        os.close(write_end)
    assert proc.returncode == 124, proc.stderr
    assert took < 2 + 5, took
    assert "BlockedLoopError" in proc.stderr and "line 4" in proc.stderr


def test_item11_deep_recursion_in_a_task_ends_in_time(tmp_path):
    path = script(tmp_path, """\
        import asyncio
        import sys

        sys.setrecursionlimit(10**6)

        def down(n):
            return down(n + 1) + 1

        async def main():
            await asyncio.sleep(0)
            down(0)

        asyncio.run(main())
        """)
    pg = under_playground(path, timeout=20)
    assert pg.code == 1 and pg.took < 20, pg
    assert pg.err.rstrip().endswith("RecursionError: maximum recursion depth exceeded"), pg.err[-500:]
    if sys.version_info < (3, 12):
        # 3.12+'s python formats every one of the 10**6 frames (about 100 s): compared on 3.11.
        py = under_python(path)
        assert_same(py, pg)


def test_item12_module_level_get_event_loop_as_the_running_python(tmp_path):
    # 3.11: the loop is made implicitly; 3.12-3.13: and a DeprecationWarning; 3.14+: RuntimeError,
    # to which the playground adds a note naming the modern form.
    path = script(tmp_path, """\
        import asyncio

        async def hello():
            print("hello")

        loop = asyncio.get_event_loop()
        loop.run_until_complete(hello())
        loop.close()
        """)
    py, pg = both(path)
    assert_same(py, pg)
    if sys.version_info >= (3, 12):
        assert "DeprecationWarning: There is no current event loop" in pg.err or sys.version_info >= (3, 14)
    if sys.version_info >= (3, 14):
        assert pg.code == 1 and "There is no current event loop in thread 'MainThread'" in pg.err
        assert "playground:" in pg.err and "asyncio.run(main())" in pg.err   # the modern form


def test_item12_no_loop_after_asyncio_run_nor_after_set_event_loop_none(tmp_path):
    path = script(tmp_path, """\
        import asyncio

        async def main():
            print("main")

        asyncio.run(main())
        try:
            asyncio.get_event_loop()
        except RuntimeError as exc:
            print("RuntimeError:", exc)
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        print(asyncio.get_event_loop() is loop)
        asyncio.set_event_loop(None)
        try:
            asyncio.get_event_loop()
        except RuntimeError as exc:
            print("RuntimeError:", exc)
        """)
    assert_same(*both(path))


# -- the corpus ----------------------------------------------------------------------------------

def _header(path: Path) -> dict:
    spec = {"compare": ("exit", "stdout", "stderr"), "stdin": None, "timeout": TIMEOUT}
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines and lines[0].startswith("# idiom: "), f"{path.name}: no '# idiom: ... — source' first line"
    spec["idiom"] = lines[0][len("# idiom: "):]
    for line in lines[1:8]:
        key, _, value = line.partition(":")
        key = key.lstrip("# ").strip()
        value = value.strip()
        if not line.startswith("# ") or key not in ("python", "needs", "stdin", "timeout", "compare", "why"):
            continue
        if key == "compare":
            spec["compare"] = tuple(value.split())
        elif key == "stdin":
            spec["stdin"] = value.encode().decode("unicode_escape")
        elif key == "timeout":
            spec["timeout"] = float(value)
        else:
            spec[key] = value
    if spec["compare"] != ("exit", "stdout", "stderr"):
        assert spec.get("why"), f"{path.name}: '# compare:' without a '# why:' line"
    return spec


def _skip_reason(spec) -> str | None:
    condition = spec.get("python")
    if condition:
        match = re.fullmatch(r"(>=|<)\s*3\.(\d+)", condition)
        assert match, condition
        minor = int(match.group(2))
        holds = sys.version_info[:2] >= (3, minor) if match.group(1) == ">=" else sys.version_info[:2] < (3, minor)
        if not holds:
            return f"Python {condition} only"
    for module in (spec.get("needs") or "").split():
        if importlib.util.find_spec(module) is None:
            return f"needs {module}"
    return None


PROGRAMS = sorted(p.name for p in CORPUS.glob("*.py"))
_results: dict = {}
_results_lock = threading.Lock()


def _results_for(selected: list[str]) -> None:
    """Run the selected corpus programs not run yet, PARALLEL at a time (each: python, then the
    playground), into ``_results``."""
    with _results_lock:
        todo = [n for n in selected if n not in _results and _skip_reason(_header(CORPUS / n)) is None]
        if not todo:
            return

        def one(name):
            spec = _header(CORPUS / name)
            py = under_python(CORPUS / name, stdin=spec["stdin"], timeout=spec["timeout"])
            pg = under_playground(CORPUS / name, stdin=spec["stdin"], timeout=spec["timeout"])
            return name, (py, pg)
        with concurrent.futures.ThreadPoolExecutor(PARALLEL) as pool:
            for name, result in pool.map(one, todo):
                _results[name] = result


def test_the_corpus_has_forty_programs_each_naming_its_idiom_and_source():
    assert len(PROGRAMS) >= 40
    for name in PROGRAMS:
        idiom = _header(CORPUS / name)["idiom"]
        assert " — " in idiom, f"{name}: '# idiom: <idiom> — <where it is taught>'"


DOC = Path(__file__).parents[1] / "docs" / "fidelity.md"
_DOC_START, _DOC_END = "<!-- corpus table: python tests/test_fidelity.py -->", "<!-- end of corpus table -->"


def corpus_table() -> str:
    """docs/fidelity.md's table of the corpus, from the programs' headers."""
    rows = ["| program | idiom — where it is taught | python and playground agree on | where they differ, why |",
            "|---|---|---|---|"]
    for name in PROGRAMS:
        spec = _header(CORPUS / name)
        agree = ", ".join(spec["compare"])
        why = spec.get("why", "")
        if spec.get("python"):
            why = f"{why}; " if why else ""
            why += f"runs on Python {spec['python']} only"
        if spec.get("needs"):
            why = (f"{why}; " if why else "") + f"needs {spec['needs']}"
        rows.append(f"| `{name}` | {spec['idiom'].replace('|', '/')} | {agree} | {why.replace('|', '/')} |")
    return "\n".join(rows)


def test_docs_fidelity_lists_the_corpus_as_it_is():
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index(_DOC_START) + len(_DOC_START):text.index(_DOC_END)].strip()
    assert table == corpus_table(), "docs/fidelity.md is out of date: python tests/test_fidelity.py"


@pytest.mark.slow   # ~1 min for the whole corpus (3 at a time); CI runs it on 3.11 and 3.15
@pytest.mark.parametrize("name", PROGRAMS)
def test_corpus_program(request, name):
    spec = _header(CORPUS / name)
    reason = _skip_reason(spec)
    if reason:
        pytest.skip(reason)
    selected = [item.callspec.params["name"] for item in request.session.items
                if getattr(item, "originalname", None) == "test_corpus_program"]
    _results_for(selected or [name])
    py, pg = _results[name]
    assert py.code is not None, f"python did not end within {spec['timeout']:g} s: {py!r}"
    assert_same(py, pg, compare=spec["compare"])


if __name__ == "__main__":      # python tests/test_fidelity.py: docs/fidelity.md's corpus table
    _text = DOC.read_text(encoding="utf-8")
    _head, _rest = _text.split(_DOC_START)
    DOC.write_text(f"{_head}{_DOC_START}\n{corpus_table()}\n{_DOC_END}{_rest.split(_DOC_END, 1)[1]}",
                   encoding="utf-8")
