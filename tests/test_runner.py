"""Runs: tutorial idioms, tracing, output per task, cancel one / stop all, isolation, bad input."""
from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
import time

import pytest

import asyncio_playground as playground
from asyncio_playground.events import named


def write(tmp_path, name, source):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def execute(loop, path, **kw):
    run = playground.Run(path, loop=loop, **kw)

    async def go():
        run.start()
        return await run.wait()

    loop.run_until_complete(go())
    table = playground.TaskTable()
    table.apply(run.tracer.events)
    return run, table


SEED_SEQUENTIAL = """
    import asyncio
    import nest_asyncio
    nest_asyncio.apply()

    async def fetch(source):
        print(f"Starting {source}")
        await asyncio.sleep(1)  # Simulating I/O delay
        print(f"Done {source}")

    async def main():
        await fetch("source_A")
        await fetch("source_B")

    asyncio.run(main())
"""

SEED_CONCURRENT = """
    import asyncio
    import nest_asyncio
    nest_asyncio.apply()

    async def fetch(source):
        print(f"Starting {source}")
        await asyncio.sleep(1)  # Simulating I/O delay
        print(f"Done {source}")

    async def main():
        task_a = asyncio.create_task(fetch("source_A"))
        task_b = asyncio.create_task(fetch("source_B"))
        await task_a
        await task_b

    asyncio.run(main())
    print("after asyncio.run")
"""


def test_seed_sequential_takes_two_seconds_with_no_concurrent_tasks(pg_loop, tmp_path):
    run, table = execute(pg_loop, write(tmp_path, "seq.py", SEED_SEQUENTIAL))
    assert run.outcome == "completed"
    assert [r.coro for r in table.rows] == ["main"]
    assert table.finished - table.started >= 2.0
    waits = [w[3] for w in table.rows[0].waits]
    assert waits == ["sleep(1)", "sleep(1)"]


def test_seed_create_task_overlaps_and_finishes_under_1_3_s(pg_loop, tmp_path):
    run, table = execute(pg_loop, write(tmp_path, "conc.py", SEED_CONCURRENT))
    assert run.outcome == "completed"
    main, a, b = table.rows
    assert (main.coro, a.coro, b.coro) == ("main", "fetch", "fetch")
    assert a.parent == b.parent == main.tid
    assert {r.state for r in table.rows} == {"done"}
    assert a.first_start < b.ended and b.first_start < a.ended   # they overlap
    assert table.finished - table.started < 1.3
    out = "".join(ev.text for ev in table.outputs)
    assert out.index("Starting source_B") < out.index("Done source_A")
    assert out.rstrip().endswith("after asyncio.run")      # code after asyncio.run runs after it
    assert {ev.tid for ev in table.outputs if "source_A" in ev.text} == {a.tid}   # attributed
    assert a.waits[0][2:] == ("sleep", "sleep(1)")
    wait_events = [named(ev) for ev in run.tracer.events if ev[0] == "wait" and ev[1] == a.tid]
    # suspended at the `await asyncio.sleep(1)` line
    assert (wait_events[0].filename, wait_events[0].lineno) == (run.path, 8)


@pytest.mark.parametrize("tail", [
    "",                                                            # only defines main()
    "if __name__ == '__main__':\n    asyncio.run(main())\n",
    "loop = asyncio.get_event_loop()\nloop.run_until_complete(main())\n",
    "with asyncio.Runner() as r:\n    r.run(main())\n",
])
def test_tutorial_idioms_all_run_main_once(pg_loop, tmp_path, tail):
    src = "import asyncio\n\nasync def main():\n    await asyncio.sleep(0.01)\n    print('main ran')\n\n" + tail
    run, table = execute(pg_loop, write(tmp_path, "idiom.py", _old_style(src)))
    assert run.outcome == "completed", run.error
    assert [r.coro for r in table.rows] == ["main"]
    assert "".join(ev[4] for ev in table.outputs).count("main ran") == 1


TASKGROUP_TIMEOUT_SHIELD = """
    import asyncio, json

    seen = {}

    async def sleeper(name, delay, fail=False):
        await asyncio.sleep(delay)
        if fail:
            raise ValueError(name)
        return name

    async def main():
        tasks = {}
        try:
            async with asyncio.timeout(0.15):
                async with asyncio.TaskGroup() as tg:
                    tasks["quick"] = tg.create_task(sleeper("quick", 0.01), name="quick")
                    tasks["slow"] = tg.create_task(sleeper("slow", 5), name="slow")
        except TimeoutError:
            pass
        tasks["shielded"] = asyncio.create_task(sleeper("shielded", 0.05), name="shielded")
        try:
            async with asyncio.timeout(0.01):
                await asyncio.shield(tasks["shielded"])
        except TimeoutError:
            pass
        await tasks["shielded"]
        try:
            async with asyncio.TaskGroup() as tg:
                tasks["boom"] = tg.create_task(sleeper("boom", 0.01, fail=True), name="boom")
                tasks["sibling"] = tg.create_task(sleeper("sibling", 5), name="sibling")
        except* ValueError:
            pass
        for name, t in tasks.items():
            seen[name] = ("cancelled" if t.cancelled() else "failed" if t.exception() else "done")
        print("ASYNCIO-SAYS", json.dumps(seen))

    asyncio.run(main())
"""


def test_taskgroup_timeout_shield_states_match_asyncio(pg_loop, tmp_path):
    run, table = execute(pg_loop, write(tmp_path, "tg.py", TASKGROUP_TIMEOUT_SHIELD))
    assert run.outcome == "completed", run.error
    out = "".join(ev[4] for ev in table.outputs)
    said = json.loads(out.split("ASYNCIO-SAYS", 1)[1])
    traced = {r.name: r.state for r in table.rows if r.name in said}
    assert traced == said
    assert said == {"quick": "done", "slow": "cancelled", "shielded": "done", "boom": "failed",
                    "sibling": "cancelled"}
    slow = next(r for r in table.rows if r.name == "slow")
    assert slow.cancel_requests and slow.cancel_requests[0].by is not None  # by the TaskGroup's task


LONG = """
    import asyncio

    async def worker(n):
        try:
            await asyncio.sleep(30)
        finally:
            print(f"cleanup {n}")

    async def main():
        await asyncio.gather(*(asyncio.create_task(worker(i), name=f"w{i}") for i in range(3)),
                             return_exceptions=True)
        print("gathered")
        await asyncio.sleep(30)

    asyncio.run(main())
"""


def test_cancel_one_task_then_stop_all(pg_loop, tmp_path):
    run = playground.Run(write(tmp_path, "long.py", LONG), loop=pg_loop)
    table = playground.TaskTable()

    async def go():
        run.start()
        while len(table.by_tid) < 4 or any(r.state != "waiting" for r in table.rows):
            await asyncio.sleep(0.01)
            table.apply(run.tracer.read(len_seen[0])[0])
            len_seen[0] = len(run.tracer.events)
        w1 = next(r for r in table.rows if r.name == "w1")
        assert run.cancel_task(w1.tid)
        await asyncio.sleep(0.05)
        table.apply(run.tracer.read(len_seen[0])[0])
        len_seen[0] = len(run.tracer.events)
        states = {r.name: r.state for r in table.rows}
        assert states["w1"] == "cancelled"
        assert states["w0"] == states["w2"] == "waiting"
        run.stop()
        return await run.wait()

    len_seen = [0]
    assert pg_loop.run_until_complete(go()) == "cancelled"
    table.apply(run.tracer.read(len_seen[0])[0])
    assert {r.state for r in table.rows} == {"cancelled"}
    out = "".join(ev[4] for ev in table.outputs)
    assert sorted(line for line in out.splitlines() if "cleanup" in line) == ["cleanup 0", "cleanup 1", "cleanup 2"]
    w1 = table.by_tid[next(r.tid for r in table.rows if r.name == "w1")]
    assert w1.cancel_requests[0].by is None  # requested from outside (the UI / stop)


def test_two_runs_at_once_never_mix(pg_loop, tmp_path):
    src = """
        import asyncio
        async def main():
            for i in range(3):
                print("{tag}", i)
                await asyncio.sleep(0.01)
        asyncio.run(main())
    """
    a = playground.Run(write(tmp_path, "a.py", src.replace("{tag}", "AAA")), loop=pg_loop)
    b = playground.Run(write(tmp_path, "b.py", src.replace("{tag}", "BBB")), loop=pg_loop)

    async def go():
        a.start()
        b.start()
        return await a.wait(), await b.wait()

    assert pg_loop.run_until_complete(go()) == ("completed", "completed")
    for run, tag, other in ((a, "AAA", "BBB"), (b, "BBB", "AAA")):
        text = "".join(ev[4] for ev in run.tracer.events if ev[0] == "output")
        assert text.count(tag) == 3 and other not in text
        assert len([ev for ev in run.tracer.events if ev[0] == "task"]) == 1


def test_failure_reports_traceback_and_raising_line(pg_loop, tmp_path):
    src = """
        import asyncio
        async def boom():
            await asyncio.sleep(0.01)
            raise ValueError("bad value")
        async def main():
            await asyncio.create_task(boom(), name="boom")
        asyncio.run(main())
    """
    run, table = execute(pg_loop, write(tmp_path, "fail.py", src))
    assert run.outcome == "failed"
    assert "ValueError: bad value" in run.error and "_runner.py" not in run.error
    boom = next(r for r in table.rows if r.name == "boom")
    assert boom.state == "failed" and boom.summary == "ValueError: bad value"
    assert boom.exc[0] == "ValueError" and boom.exc[4] == 5   # the raise line


def test_never_retrieved_exception_is_surfaced(pg_loop, tmp_path):
    src = """
        import asyncio, gc
        async def lost():
            raise RuntimeError("nobody awaits me")
        async def main():
            asyncio.create_task(lost(), name="lost")
            await asyncio.sleep(0.05)
            gc.collect()
            await asyncio.sleep(0.01)
        asyncio.run(main())
    """
    run, table = execute(pg_loop, write(tmp_path, "lost.py", src))
    lost = next(r for r in table.rows if r.name == "lost")
    assert lost.state == "failed"
    assert any("never retrieved" in ev[3] and ev[1] == lost.tid for ev in table.errors)


@pytest.mark.parametrize("body, message", [
    ("asyncio.run(asyncio.sleep(0))", "cannot be called from a running event loop"),
    ("asyncio.get_running_loop().stop()", "cannot stop the playground"),
    ("asyncio.get_running_loop().close()", "cannot close the playground"),
    ("asyncio.get_running_loop().run_until_complete(asyncio.get_running_loop().create_future())",
     "already running"),
])
def test_lesson_cannot_break_the_loop(pg_loop, tmp_path, body, message):
    src = f"import asyncio\nasync def main():\n    {body}\nasyncio.run(main())\n"
    run, table = execute(pg_loop, write(tmp_path, "evil.py", src))
    assert run.outcome == "failed" and message in run.error
    # the loop still works afterwards
    assert pg_loop.run_until_complete(asyncio.sleep(0.001, "alive")) == "alive"


def test_system_exit_in_a_task_ends_the_run_not_the_loop(pg_loop, tmp_path):
    src = "import asyncio, sys\nasync def main():\n    await asyncio.sleep(0)\n    sys.exit(3)\nasyncio.run(main())\n"
    run, table = execute(pg_loop, write(tmp_path, "exit.py", src))
    assert run.outcome == "failed" and "SystemExit" in run.error
    assert pg_loop.run_until_complete(asyncio.sleep(0.001, "alive")) == "alive"


@pytest.mark.parametrize("name, content, needle", [
    ("missing.py", None, "No such file"),
    ("binary.py", b"\x00\x01\x02ELF", "not a Python source file"),
    ("syntax.py", "import asyncio\n\nasync def main(:\n    pass\n", 'line 3, column 16: SyntaxError'),
    ("nothing.py", "x = 1\nprint(x)\n", "nothing to run"),
])
def test_bad_input_gives_one_clear_load_error(pg_loop, tmp_path, name, content, needle):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    run = playground.Run(path, loop=pg_loop)
    with pytest.raises(playground.LoadError) as info:
        run.start()
    assert needle in str(info.value)
    if name == "syntax.py":
        assert (info.value.lineno, info.value.offset) == (3, 16)


def test_offline_run_opens_no_connection_beyond_loopback(pg_loop, tmp_path):
    src = """
        import asyncio, socket
        async def main():
            # a raw socket and asyncio's own client both stop at the guard, before any packet
            for target in [("192.0.2.1", 80), ("10.255.255.1", 443)]:
                try:
                    await asyncio.wait_for(asyncio.open_connection(*target), 2)
                except ConnectionRefusedError as exc:
                    print("refused:", exc)
            s = socket.socket()
            try:
                s.connect(("192.0.2.1", 80))
            except ConnectionRefusedError as exc:
                print("refused:", exc)
            finally:
                s.close()
            server = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)   # loopback is fine
            writer.close()
            server.close()
            print("loopback ok")
        asyncio.run(main())
    """
    run, table = execute(pg_loop, write(tmp_path, "net.py", src))
    out = "".join(ev[4] for ev in table.outputs)
    assert run.outcome == "completed", run.error
    assert out.count("refused: Offline mode") == 3 and "loopback ok" in out


def test_stop_interrupts_module_level_busy_code(pg_loop, tmp_path):
    src = """
        import asyncio
        async def main():
            pass
        n = 0
        while True:
            n += 1
    """
    run = playground.Run(write(tmp_path, "busy.py", src), loop=pg_loop)

    async def go():
        run.start()
        await asyncio.sleep(0.1)
        run.stop()
        return await asyncio.wait_for(run.wait(), 5)

    assert pg_loop.run_until_complete(go()) == "cancelled"


def test_tracing_still_works_after_runs(tmp_path):
    """A debugger, coverage or a lesson's own sys.settrace after runs in the same process: on
    3.11 clearing the module thread's pending interrupt with NULL left the interpreter's
    "asynchronous exception pending" flag set, and the first traced call spun forever.  In a
    fresh interpreter: the flag is process-wide."""
    import subprocess
    lesson = write(tmp_path, "short.py", """
        import asyncio
        async def main():
            await asyncio.sleep(0.01)
        asyncio.run(main())
    """)
    busy = write(tmp_path, "busy.py", """
        import asyncio
        async def main():
            pass
        n = 0
        while True:
            n += 1
    """)
    script = write(tmp_path, "check.py", f"""
        import asyncio, sys
        import asyncio_playground as playground
        loop = playground.new_event_loop()
        for path, stop in (({str(lesson)!r}, False), ({str(busy)!r}, True)):
            run = playground.Run(path, loop=loop)
            async def go():
                run.start()
                if stop:
                    await asyncio.sleep(0.1)
                    run.stop()
                return await run.wait()
            print(loop.run_until_complete(go()), flush=True)
        calls = []
        def tracer(frame, event, arg):
            calls.append(event)
        def f():
            return 1
        sys.settrace(tracer)
        f()
        sys.settrace(None)
        print("traced", calls, flush=True)
    """)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.stdout.splitlines() == ["completed", "cancelled", "traced ['call']"], proc.stderr


def test_stop_before_main_task_exists_is_not_lost(pg_loop, tmp_path):
    """stop() after the module thread called asyncio.run(main()) but before main's task exists."""
    import time
    src = """
        import asyncio
        async def main():
            await asyncio.sleep(3)
            print("main ran to the end")
        asyncio.run(main())
    """
    run = playground.Run(write(tmp_path, "late.py", src), loop=pg_loop)

    async def go():
        run.start()
        time.sleep(0.2)   # blocks the loop: the module thread's call to run main() waits queued
        run.stop()
        return await asyncio.wait_for(run.wait(), 5)

    assert pg_loop.run_until_complete(go()) == "cancelled"
    assert "main ran to the end" not in "".join(e[4] for e in run.tracer.events if e[0] == "output")


NAMES = """
    import asyncio

    async def child():
        await asyncio.sleep(0)
        return asyncio.current_task().get_name()

    async def main():
        print(asyncio.current_task().get_name(), await asyncio.create_task(child()))

    asyncio.run(main())
"""


def test_each_run_numbers_its_tasks_from_task_1(pg_loop, tmp_path):
    # As a fresh `python file.py` does: asyncio's own counter is per process and would carry over.
    path = write(tmp_path, "names.py", NAMES)
    for _ in range(2):
        run, table = execute(pg_loop, path)
        assert run.outcome == "completed"
        assert "".join(ev.text for ev in table.outputs) == "Task-1 Task-2\n"
        assert [r.name for r in table.rows] == ["Task-1", "Task-2"]


def test_events_are_named_records(pg_loop, tmp_path):
    run, table = execute(pg_loop, write(tmp_path, "names.py", NAMES))
    from asyncio_playground import events
    records = [events.named(ev) for ev in run.tracer.events]
    kinds = {type(ev) for ev in records}
    assert {events.RunStarted, events.TaskCreated, events.Step, events.Wait, events.TaskEnded,
            events.Output, events.RunEnded} <= kinds
    for raw, ev in zip(run.tracer.events, records):
        assert tuple(raw) == ev and ev.event == raw[0]            # same fields, same order
        # The records made per task and per step are logged as plain tuples; the rest as records.
        assert type(raw) is (tuple if ev.event in ("task", "step", "wait", "end") else type(ev))
    steps = [ev for ev in records if ev.event == "step"]
    assert all(ev.t0 <= ev.t1 for ev in steps)
    wait = next(ev for ev in records if ev.event == "wait")
    assert wait.kind in {"sleep", "task"} and wait.filename == run.path


def test_misspelt_network_mode_raises(pg_loop, tmp_path):
    # It used to switch the offline guard off silently.
    with pytest.raises(ValueError, match="unknown network mode 'ofline' .*offline, live"):
        playground.Run(write(tmp_path, "names.py", NAMES), loop=pg_loop, network="ofline")


def test_traceback_quotes_the_text_that_ran_not_the_file_on_disk(pg_loop, tmp_path):
    # The window runs the editor's text under the lesson's own path.
    path = write(tmp_path, "edited.py", '''
        """A docstring on disk, where the edited text has code."""
        import asyncio
        async def main():
            pass
        asyncio.run(main())
    ''')
    edited = "import asyncio\nasync def main():\n    raise ValueError('from the edit')\nasyncio.run(main())\n"
    run = playground.Run(path, source=edited, loop=pg_loop)

    async def go():
        run.start()
        return await run.wait()

    assert pg_loop.run_until_complete(go()) == "failed"
    assert "raise ValueError('from the edit')" in run.error
    assert "docstring" not in run.error
    table = playground.TaskTable()
    table.apply(run.tracer.events)
    [main] = table.rows
    assert "raise ValueError('from the edit')" in main.exc.traceback and main.exc.lineno == 3


@pytest.mark.skipif(not hasattr(asyncio, "eager_task_factory"), reason="Python 3.12+")
def test_a_lessons_eager_task_factory_does_not_hang_the_run(pg_loop, tmp_path):
    # The runner's own bookkeeping task used to go through the lesson's factory and fail to
    # start eagerly inside the callback's context: the run never ended.
    path = write(tmp_path, "eager.py", """
        import asyncio

        async def child(i):
            await asyncio.sleep(0.01)
            return i

        async def main():
            asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)
            print(await asyncio.gather(*(asyncio.create_task(child(i)) for i in range(3))))

        asyncio.run(main())
    """)
    run, table = execute(pg_loop, path)
    assert pg_loop.get_task_factory() is None   # the run undid the lesson's factory
    assert run.outcome == "completed"
    assert "".join(ev.text for ev in table.outputs) == "[0, 1, 2]\n"
    assert [r.state for r in table.rows] == ["done"] * 4


def test_tasks_a_library_creates_for_itself_are_marked(pg_loop, tmp_path):
    path = write(tmp_path, "lib.py", '''
        import asyncio

        ns = {}
        exec(compile("import asyncio\\nasync def connect():\\n    await asyncio.sleep(0.01)\\n"
                     "def spawn():\\n    return asyncio.ensure_future(connect())\\n",
                     "/venv/lib/site-packages/somelib/pool.py", "exec"), ns)

        async def mine():
            await asyncio.sleep(0.01)

        async def main():
            a = asyncio.create_task(mine(), name="mine")
            b = asyncio.create_task(asyncio.sleep(0.01), name="mine-too")   # asyncio's coroutine
            c = ns["spawn"]()                                                # the library's task
            d = asyncio.create_task(ns["connect"](), name="mine-from-lib")   # the lesson's
            c.set_name("theirs")
            await asyncio.gather(a, b, c, d)

        asyncio.run(main())
    ''')
    run, table = execute(pg_loop, path)
    assert run.outcome == "completed"
    assert {table.by_tid[t].name for t in table.library_tids} == {"theirs"}
    assert table.by_tid[next(r.tid for r in table.rows if r.name == "theirs")].parent == 1


# -- issue 15: old-style loop code, every run ends, exit codes, nothing outlives its run ----------

def _out(table):
    return "".join(ev.text for ev in table.outputs)


def _loop_still_works(loop, tmp_path):
    assert loop.run_until_complete(asyncio.sleep(0.001, "alive")) == "alive"
    run, table = execute(loop, write(tmp_path, "next.py", NAMES))     # the next run is traced
    assert run.outcome == "completed" and [r.name for r in table.rows] == ["Task-1", "Task-2"]


OLD_STYLE = {
    "create_task + run_forever + stop": ("""
        import asyncio
        async def ticker():
            for i in range(3):
                print("tick", i)
                await asyncio.sleep(0.01)
            loop.stop()
        loop = asyncio.get_event_loop()
        loop.create_task(ticker(), name="ticker")
        loop.call_soon(print, "soon")
        loop.call_later(0.001, print, "later")
        try:
            loop.run_forever()
        finally:
            loop.close()
        print("closed", loop.is_closed(), loop.is_running())
    """, "tick 0\nsoon\nlater\ntick 1\ntick 2\nclosed True False\n"),
    "run_until_complete twice, a background task survives the first": ("""
        import asyncio
        async def background():
            await asyncio.sleep(0.05)
            print("background done")
        async def main():
            return "main"
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        task = loop.create_task(background())
        print(loop.run_until_complete(asyncio.gather(main(), asyncio.sleep(0, "s"))))
        loop.run_until_complete(task)
        print(loop.is_running(), isinstance(loop, asyncio.AbstractEventLoop))
    """, "['main', 's']\nbackground done\nFalse True\n"),
    "the loop seen from inside a task is the module's loop": ("""
        import asyncio
        async def main():
            print(asyncio.get_running_loop() is loop, asyncio.get_event_loop() is loop,
                  loop.is_running())
        loop = asyncio.get_event_loop()
        loop.run_until_complete(main())
    """, "True True True\n"),
    "run_forever until a callback stops it, from a thread via call_soon_threadsafe": ("""
        import asyncio, threading
        loop = asyncio.get_event_loop()
        threading.Timer(0.05, loop.call_soon_threadsafe, args=(loop.stop,)).start()
        loop.run_forever()
        print("stopped")
    """, "stopped\n"),
}


def _old_style(src):
    """``src`` as the running Python still accepts it: a module-level ``asyncio.get_event_loop()``
    is an error since 3.14 (issue 21, item 12: the playground refuses it there too), where the
    old style sets its loop itself."""
    if sys.version_info >= (3, 14):
        src = src.replace("loop = asyncio.get_event_loop()\n",
                          "loop = asyncio.new_event_loop(); asyncio.set_event_loop(loop)\n")
    return src


@pytest.mark.parametrize("name", sorted(OLD_STYLE))
def test_old_style_loop_code_runs_unchanged_and_the_loop_survives(pg_loop, tmp_path, name):
    src, expected = OLD_STYLE[name]
    run, table = execute(pg_loop, write(tmp_path, "old.py", _old_style(src)))
    assert run.outcome == "completed", run.error
    assert _out(table) == expected
    assert all(r.state == "done" for r in table.rows)
    _loop_still_works(pg_loop, tmp_path)


def _stop_after(run, seconds):
    async def during(_run):
        await asyncio.sleep(seconds)
        t0 = time.monotonic()
        run.stop()
        await run.wait()
        run.stop_took = time.monotonic() - t0
    return during


def test_run_forever_ends_on_stop_as_ctrl_c_would(pg_loop, tmp_path):
    src = """
        import asyncio
        async def tick():
            while True:
                await asyncio.sleep(0.01)
        loop = asyncio.get_event_loop()
        loop.create_task(tick(), name="tick")
        try:
            loop.run_forever()
        except KeyboardInterrupt:
            print("interrupted")
        finally:
            print("cleanup")
    """
    import helpers
    run, table = helpers.run_script(pg_loop, tmp_path, textwrap.dedent(_old_style(textwrap.dedent(src))),
                                    during=lambda r: _stop_after(r, 0.2)(r))
    # the lesson caught the interrupt and ended on its own; the run was still stopped
    assert run.outcome == "cancelled" and _out(table) == "interrupted\ncleanup\n"
    assert run.stop_took < 0.5 and not run.notes
    assert table.rows[0].state == "cancelled"


def test_a_task_that_swallows_cancel_is_force_stopped_and_named(pg_loop, tmp_path):
    import helpers
    src = """
        import asyncio
        async def stubborn():
            try:
                while True:
                    try:
                        await asyncio.sleep(0.05)
                    except asyncio.CancelledError:
                        print("swallowed")
            finally:
                print("finally ran")
        async def main():
            await asyncio.create_task(stubborn(), name="stubborn")
        asyncio.run(main())
    """
    run, table = helpers.run_script(pg_loop, tmp_path, src, during=lambda r: _stop_after(r, 0.1)(r))
    assert run.outcome == "cancelled"
    assert playground._runner.GRACE <= run.stop_took < playground._runner.GRACE + 0.5
    [note] = run.notes
    assert "'stubborn'" in note and "swallowed CancelledError at line 7" in note
    assert _out(table).startswith("swallowed\nfinally ran\nplayground: force-stopped task 'stubborn'")
    stubborn = table.rows[1]
    assert {ev.tid for ev in table.outputs if "finally ran" in ev.text} == {stubborn.tid}
    assert {r.name: r.state for r in table.rows} == {"Task-1": "cancelled", "stubborn": "cancelled"}
    _loop_still_works(pg_loop, tmp_path)   # asyncio never steps the closed coroutine again



def test_many_stubborn_tasks_are_force_stopped_in_one_pass_and_counted(pg_loop, tmp_path, monkeypatch):
    """2,000 tasks that swallow their cancel: after GRACE each is force-stopped, the first
    ``SAID`` named in a note of their own and the rest counted in one (2,000 notes flooded the
    console); the ready queue is read once for all of them, not once per task (Stop of a
    100k-task run spent minutes in those passes)."""
    import helpers
    from asyncio_playground import _escalation
    src = """
        import asyncio
        async def stubborn(i):
            while True:
                try:
                    await asyncio.sleep(0.05)
                except asyncio.CancelledError:
                    pass
        async def main():
            await asyncio.gather(*(stubborn(i) for i in range(2000)))
        asyncio.run(main())
    """
    reads = []
    made = _escalation._ReadyIndex.__init__

    def counted(self, queue):
        reads.append(len(queue))
        made(self, queue)
    monkeypatch.setattr(_escalation._ReadyIndex, "__init__", counted)
    run, table = helpers.run_script(pg_loop, tmp_path, src, during=lambda r: _stop_after(r, 0.2)(r))
    assert run.outcome == "cancelled"
    named = [n for n in run.notes if n.startswith("force-stopped task ")]
    assert len(named) == _escalation.SAID, len(run.notes)
    assert run.notes[_escalation.SAID] == f"force-stopped {2000 - _escalation.SAID:,} more tasks the same way"
    assert {r.state for r in table.rows} == {"cancelled"} and len(table.rows) == 2001
    assert len(reads) <= 2, reads          # one read of the queue per escalation, not per task
    _loop_still_works(pg_loop, tmp_path)


def test_tasks_awaiting_each_other_are_stopped_without_a_recursion_error(pg_loop, tmp_path):
    """a awaits b and b awaits a: cancel() passes round that circle, and asyncio raises
    RecursionError (out of Stop, here).  Stop's cancel goes round it once; the circle is then
    force-stopped as a stubborn task is, main ends with its CancelledError and the module code
    with it (it was left behind as if stuck in a blocking call)."""
    import helpers
    src = """
        import asyncio
        async def main():
            tasks = {}
            async def a():
                try:
                    await asyncio.sleep(0.01)
                    await tasks["b"]
                finally:
                    print("a's finally")
            async def b():
                await asyncio.sleep(0.01)
                await tasks["a"]
            tasks["a"] = asyncio.create_task(a(), name="a")
            tasks["b"] = asyncio.create_task(b(), name="b")
            await asyncio.gather(tasks["a"], tasks["b"])
        asyncio.run(main())
    """
    run, table = helpers.run_script(pg_loop, tmp_path, src, during=lambda r: _stop_after(r, 0.1)(r))
    assert run.outcome == "cancelled"
    assert "RecursionError" not in (run.error or "") + _out(table)
    assert playground._runner.GRACE <= run.stop_took < playground._runner.GRACE + 0.4
    assert len(run.notes) == 2, run.notes
    for note, (name, line) in zip(run.notes, (("b", 13), ("a", 8))):
        assert note.startswith(f"force-stopped task '{name}'") and \
            f"it awaits at line {line} a task that awaits it: an await cycle" in note, note
    assert not any("did not stop" in n for n in run.notes)
    assert "a's finally" in _out(table)
    assert {r.name: r.state for r in table.rows} == {"Task-1": "cancelled", "a": "cancelled",
                                                     "b": "cancelled"}
    _loop_still_works(pg_loop, tmp_path)


def test_a_cancel_in_the_program_round_an_await_cycle_raises_as_in_python(pg_loop, tmp_path):
    """The near miss: the program's own cancel() of a task in a circle recurses in asyncio, and
    the playground leaves it so (only its own Stop goes round once)."""
    import helpers
    src = """
        import asyncio
        async def main():
            tasks = {}
            async def a():
                await asyncio.sleep(0.01)
                await tasks["b"]
            async def b():
                await asyncio.sleep(0.01)
                await tasks["a"]
            tasks["a"] = asyncio.create_task(a(), name="a")
            tasks["b"] = asyncio.create_task(b(), name="b")
            await asyncio.sleep(0.05)
            try:
                tasks["a"].cancel()
            except RecursionError:
                print("RecursionError, as in python")
        asyncio.run(main())
    """
    run, table = helpers.run_script(pg_loop, tmp_path, src)
    assert "RecursionError, as in python" in _out(table)
    # asyncio.run's end cancels the two left over: round their circle again, and asyncio.run
    # raises that RecursionError, as under python (the run's own end then stops the circle).
    assert run.outcome == "failed" and run.error.rstrip().splitlines()[-1].startswith(
        "RecursionError: maximum recursion depth exceeded"), run.error
    assert "shibokensupport" not in run.error and "asyncio.run(main())" in run.error

def test_module_code_stuck_in_a_blocking_call_is_left_behind(pg_loop, tmp_path):
    import helpers
    src = """
        import asyncio, time
        async def main():
            pass
        time.sleep(2.5)
        print("never")
    """
    run, table = helpers.run_script(pg_loop, tmp_path, src, during=lambda r: _stop_after(r, 0.1)(r))
    assert run.outcome == "cancelled"
    assert run.stop_took < playground._runner.GRACE + playground._runner.ABANDON + 0.5
    assert any("did not stop (at line 5)" in n for n in run.notes)
    assert run._thread.daemon and "never" not in _out(table)
    run._thread.join(3)    # the test leaves no thread behind


def test_input_in_the_window_reads_end_of_file_with_a_note(pg_loop, tmp_path):
    import helpers
    src = """
        import asyncio, sys
        async def main():
            pass
        print(repr(sys.stdin.readline()))
        input("name? ")
    """
    run, table = helpers.run_script(pg_loop, tmp_path, src)
    assert run.outcome == "failed" and run.error.rstrip().endswith("EOFError: EOF when reading a line")
    assert "no keyboard input" in run.notes[0] and len(run.notes) == 1
    assert _out(table).startswith("playground: input() and sys.stdin read end of file")
    assert _out(table).endswith("\n''\nname? ")
    assert "asyncio_playground" not in run.error


def test_input_headless_is_interrupted_by_stop(pg_loop, tmp_path):
    import os
    import helpers
    r, w = os.pipe()   # stdin open, nobody typing
    try:
        with open(r, closefd=False) as stdin:
            path = write(tmp_path, "ask.py", "import asyncio\nasync def main(): pass\nname = input()\n")
            run = playground.Run(path, loop=pg_loop, stdin=stdin)

            async def go():
                run.start()
                await asyncio.sleep(0.2)
                run.stop()
                return await asyncio.wait_for(run.wait(), 3)
            assert pg_loop.run_until_complete(go()) == "cancelled"
            os.write(w, b"typed later\n")
            path2 = write(tmp_path, "ask2.py", "import asyncio\nasync def main(): pass\nprint(input('> '))\n")
            run2 = playground.Run(path2, loop=pg_loop, stdin=stdin)

            async def go2():
                run2.start()
                return await asyncio.wait_for(run2.wait(), 3)
            assert pg_loop.run_until_complete(go2()) == "completed"
            assert [e[4] for e in run2.tracer.events if e[0] == "output"] == ["> ", "typed later", "\n"]
    finally:
        os.close(r)
        os.close(w)


@pytest.mark.parametrize("where, code, outcome, error", [
    ("task", "sys.exit(2)", "failed", "exited with 2"),
    ("task", "sys.exit(0)", "completed", None),
    ("task", "sys.exit('bye')", "failed", "exited with 1"),
    ("module", "sys.exit(4)", "failed", "exited with 4"),
    ("task", "raise KeyboardInterrupt", "cancelled", "KeyboardInterrupt"),
])
def test_exit_codes_as_python_gives_them(pg_loop, tmp_path, where, code, outcome, error):
    import helpers
    if where == "task":
        src = f"""
            import asyncio, sys
            async def child():
                await asyncio.sleep(0.01)
                {code}
            async def main():
                await asyncio.gather(child(), asyncio.sleep(5))
            asyncio.run(main())
        """
    else:
        src = f"import asyncio, sys\nasync def main(): pass\nasyncio.run(main())\n{code}\n"
    run, table = helpers.run_script(pg_loop, tmp_path, src)
    assert run.outcome == outcome
    assert run.error is None if error is None else error in run.error
    assert run.exit_code == (None if "Keyboard" in code else int(code[9]) if code[9].isdigit() else 1)
    assert run.interrupted == ("Keyboard" in code)
    assert "asyncio_playground" not in (run.error or "")
    assert table.finished - table.started < 1


@pytest.mark.parametrize("data, text", [
    (b"\xef\xbb\xbfimport asyncio\nasync def main():\n    print('caf\xc3\xa9')\n", "café\n"),
    (b"# -*- coding: latin-1 -*-\nimport asyncio\nasync def main():\n    print('na\xefve')\n", "naïve\n"),
    (b"import asyncio\r\nasync def main():\r\n    print('crlf')\r\n", "crlf\n"),
])
def test_source_is_decoded_as_python_decodes_it(pg_loop, tmp_path, data, text):
    path = tmp_path / "enc.py"
    path.write_bytes(data)
    run, table = execute(pg_loop, path)
    assert run.outcome == "completed", run.error
    assert _out(table) == text


def test_an_unknown_coding_cookie_is_a_load_error(pg_loop, tmp_path):
    path = tmp_path / "enc.py"
    path.write_bytes(b"# coding: klingon\nimport asyncio\nasync def main(): pass\n")
    with pytest.raises(playground.LoadError, match="klingon"):
        playground.Run(path, loop=pg_loop).start()


def test_what_a_lesson_changes_on_the_loop_is_undone(pg_loop, tmp_path):
    import os
    import signal
    r, w = os.pipe()
    os.write(w, b"x")
    handler = pg_loop.get_exception_handler()
    src = f"""
        import asyncio, signal, sys
        def factory(loop, coro, **kw):
            return asyncio.Task(coro, loop=loop, **kw)
        async def main():
            loop = asyncio.get_running_loop()
            loop.set_task_factory(factory)
            loop.set_exception_handler(lambda loop, ctx: None)
            loop.set_debug(True)
            loop.slow_callback_duration = 5
            loop.add_reader({r}, lambda: None)
            loop.add_signal_handler(signal.SIGUSR1, print, "usr1")
            sys.setrecursionlimit(400)
            await asyncio.sleep(0.01)
        asyncio.run(main())
    """
    try:
        run, table = execute(pg_loop, write(tmp_path, "settings.py", src))
        assert run.outcome == "completed", run.error
        assert pg_loop.get_task_factory() is None
        assert pg_loop.get_exception_handler() is handler
        assert not pg_loop.get_debug() and pg_loop.slow_callback_duration == 0.1
        assert ("read", r) not in pg_loop.io_waiters()
        assert signal.SIGUSR1 not in getattr(pg_loop, "_signal_handlers", {})
        assert sys.getrecursionlimit() == 1000
        _loop_still_works(pg_loop, tmp_path)
    finally:
        os.close(r)
        os.close(w)


def test_a_subprocess_the_run_started_ends_with_it(pg_loop, tmp_path):
    import helpers
    src = """
        import asyncio, subprocess
        async def main():
            proc = await asyncio.create_subprocess_exec("sleep", "30")
            plain = subprocess.Popen(["sleep", "30"])
            print(proc.pid, plain.pid)
            await proc.wait()
        asyncio.run(main())
    """
    run, table = helpers.run_script(pg_loop, tmp_path, src, during=lambda r: _stop_after(r, 0.3)(r))
    pids = [int(p) for p in _out(table).split("\n")[0].split()]
    assert run.outcome == "cancelled" and len(pids) == 2
    # Reaped: no zombie, no process.  The plain Popen is reaped as the run ends; asyncio's child
    # is reaped by asyncio's child watcher (a thread, or a pidfd the loop reads), a moment later
    # on a loaded machine (seen on 3.14 in CI): the loop runs while we wait for it.
    deadline = time.monotonic() + 10
    for pid in pids:
        while True:
            try:
                os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                break
            assert time.monotonic() < deadline, f"pid {pid} was not reaped within 10 s"
            pg_loop.run_until_complete(asyncio.sleep(0.05))
    assert sum("subprocess 'sleep 30'" in n for n in run.notes) >= 1


def test_threads_the_code_started_are_waited_for_then_reported(pg_loop, tmp_path):
    import helpers
    src = """
        import asyncio, threading, time
        async def main():
            threading.Thread(target=time.sleep, args=(0.2,), name="short").start()
            threading.Thread(target=time.sleep, args=(0.1,), name="quiet", daemon=True).start()
        asyncio.run(main())
        print("module done")
    """
    run, table = helpers.run_script(pg_loop, tmp_path, src)
    assert run.outcome == "completed" and table.finished - table.started >= 0.2   # as Python waits
    assert not run.notes


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="samples /proc/self/statm")
@pytest.mark.parametrize("where", ["task", "module"])
def test_a_run_past_its_memory_limit_is_stopped(pg_loop, tmp_path, where):
    grow = "hog = []\nwhile True:\n    hog.append(bytearray(1 << 20))\n"
    if where == "task":
        src = "import asyncio\nasync def main():\n" + textwrap.indent(grow, "    ") + "asyncio.run(main())\n"
    else:
        src = "import asyncio\nasync def main(): pass\n" + grow
    path = write(tmp_path, "hog.py", src)
    run = playground.Run(path, loop=pg_loop, memory_limit=100 << 20)
    t0 = time.monotonic()

    async def go():
        run.start()
        return await asyncio.wait_for(run.wait(), 10)
    assert pg_loop.run_until_complete(go()) == "failed"
    assert time.monotonic() - t0 < 3
    assert "RunMemoryError" in run.error and "past its limit of 100 MB" in run.notes[0]
    assert 100 << 20 < run.memory_peak < 400 << 20
    assert "asyncio_playground" not in run.error.split("RunMemoryError")[0]


def test_demo_api_latency_follows_the_loops_speed(pg_loop, tmp_path):
    # At half speed a request whose latency is 0.3 s takes ~0.6 s of wall time but ~0.3 s of the
    # loop's (the lesson's) time: the demo API waits in loop seconds.
    src = """
        import asyncio, time, httpx
        async def main():
            loop = asyncio.get_running_loop()
            async with httpx.AsyncClient() as client:
                await client.get("https://jsonplaceholder.typicode.com/?latency=0")  # connect first
                t0, w0 = loop.time(), time.perf_counter()
                r = await client.get("https://jsonplaceholder.typicode.com/posts/1?latency=0.3")
                print(r.status_code, loop.time() - t0, time.perf_counter() - w0)
        asyncio.run(main())
    """
    pg_loop.set_speed(0.5)
    run, table = execute(pg_loop, write(tmp_path, "slow.py", src))
    assert run.outcome == "completed", run.error
    status, loop_took, wall_took = "".join(ev[4] for ev in table.outputs).split()
    assert status == "200"
    assert 0.3 <= float(loop_took) < 0.6, loop_took
    assert 0.6 <= float(wall_took) < 1.2, wall_took


@pytest.mark.parametrize("call", ["asyncio.get_event_loop().run_until_complete(inner())",
                                  "asyncio.run(inner())",
                                  "asyncio.Runner().run(inner())"])
def test_nested_run_under_nest_asyncio_says_to_await(pg_loop, tmp_path, call):
    # nest_asyncio would run inner() nested inside main's step; the playground refuses (see
    # docs/engine-api.md) with an error that names the fix, and leaves no never-awaited coroutine.
    src = f"""
        import asyncio, nest_asyncio
        nest_asyncio.apply()
        async def inner():
            await asyncio.sleep(0)
            return 42
        async def main():
            try:
                print({call})
            except RuntimeError as exc:
                print("refused:", exc)
            print("awaited:", await inner())
        asyncio.run(main())
    """
    run, table = execute(pg_loop, write(tmp_path, "nested.py", src))
    out = "".join(ev[4] for ev in table.outputs)
    assert run.outcome == "completed", run.error
    assert "even after nest_asyncio.apply()" in out and "result = await inner()" in out
    assert "awaited: 42" in out and "never awaited" not in out
    assert not [ev for ev in table.errors]


def test_collector_during_a_run_pauses_young_and_gc_collect_still_sees_everything(pg_loop, tmp_path):
    # While a traced run is live, what survives a young collection is frozen, so no automatic
    # collection walks the run's 1000s of tasks again (docs/performance.md: pauses of 0.5 s at
    # 100k tasks before).  The lesson cannot tell: a cycle that became garbage after it was frozen
    # is still found by its gc.collect(), and the old thresholds come back after the run.
    import gc
    before = gc.get_threshold()
    src = """
        import asyncio, gc, weakref

        class Node:
            pass

        async def main():
            start = gc.get_freeze_count()
            node = Node()
            node.me = node                # a cycle: only the collector frees it
            ref = weakref.ref(node)
            junk = [[i] for i in range(100_000)]   # young collections: node survives, frozen
            frozen = gc.get_freeze_count() - start
            del node, junk
            await asyncio.sleep(0)
            found = gc.collect()
            print("frozen during the run:", frozen > 20_000, "| freed by gc.collect():", ref() is None)

        asyncio.run(main())
    """
    run, table = execute(pg_loop, write(tmp_path, "cycles.py", src))
    assert run.outcome == "completed", run.error
    out = "".join(ev[4] for ev in run.tracer.events if ev[0] == "output")
    assert "frozen during the run: True | freed by gc.collect(): True" in out
    assert gc.get_threshold() == before


# -- issue 21: the engine's layout, the memory limit's landing rule, one path rule ---------------

def _engine_imports():
    """module -> the engine modules it imports (at its top or inside a function), leaving out
    ``if TYPE_CHECKING:`` blocks (no import at run time)."""
    import ast
    import pathlib
    engine = pathlib.Path(playground.__file__).parent
    names = {p.stem for p in engine.glob("*.py")}
    graph = {}
    for path in engine.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                and "TYPE_CHECKING" in ast.dump(node.test) for n in ast.walk(node)}
        deps = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level == 1 and id(node) not in skip:
                deps |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
        graph[path.stem] = deps & names
    return graph


def test_the_engine_has_no_import_cycle():
    # Issue 21: _loop, _tracer, _watchdog, loopstate and _causes reached current_run/tracer_of in
    # each other; now one small module at the bottom (_current) holds "which run is current".
    graph = _engine_imports()
    assert graph["_current"] == set(), "the bottom imports nothing of the engine"
    for name in ("_loop", "_tracer", "_causes", "_watchdog", "loopstate", "_runner", "_shims"):
        assert "_current" in graph[name] or name == "_runner", name
    cycles = []
    for start in graph:
        todo = [(start, (start,))]
        while todo:
            node, path = todo.pop()
            for dep in graph[node]:
                if dep == start:
                    cycles.append(" -> ".join(path + (dep,)))
                elif dep not in path:
                    todo.append((dep, path + (dep,)))
    assert cycles == []


def test_the_runner_is_split_by_responsibility():
    import pathlib
    engine = pathlib.Path(playground.__file__).parent
    parts = ["_runner", "_load", "_script_env", "_streams", "_audit", "_memory", "_escalation",
             "_undo", "_tracebacks", "_current"]
    sizes = {name: len((engine / f"{name}.py").read_text(encoding="utf-8").splitlines())
             for name in parts}
    assert all(lines < 700 for lines in sizes.values()), sizes
    from asyncio_playground import _runner
    # the runner's front is what it was: the same names importable from it
    for name in ("ABANDON", "GRACE", "LoadError", "Run", "RunMemoryError", "default_memory_limit",
                 "user_traceback", "exception_headline", "remember_source", "read_source",
                 "compile_lesson", "MB", "TERMINATE_WAIT"):
        assert hasattr(_runner, name), name


def test_the_memory_limit_interrupts_through_the_watchdogs_landing_rule(pg_loop, tmp_path, monkeypatch):
    # An exception landing inside asyncio's or the playground's own code leaves a run waiting
    # forever: the watchdog refuses to land there (Watchdog._on_signal), and the memory sampler's
    # RunMemoryError goes through the same door.
    from asyncio_playground import _memory
    from asyncio_playground._watchdog import Watchdog
    asked = []
    real = Watchdog.interrupt

    def spy(self, task, handle, exc_type, message):
        asked.append((exc_type.__name__, message))
        return real(self, task, handle, exc_type, message)
    monkeypatch.setattr(Watchdog, "interrupt", spy)
    path = write(tmp_path, "hog.py", """
        import asyncio

        async def main():
            hoard = []
            while True:
                hoard.append(bytearray(1 << 20))

        asyncio.run(main())
    """)
    if _memory.rss() is None:
        pytest.skip("no /proc/self/statm: no memory limit here")
    run = playground.Run(path, loop=pg_loop, memory_limit=100 << 20)

    async def go():
        run.start()
        return await asyncio.wait_for(run.wait(), 20)
    assert pg_loop.run_until_complete(go()) == "failed"
    assert asked and asked[0][0] == "RunMemoryError" and "past its limit of 100 MB" in asked[0][1]
    assert "RunMemoryError" in run.error and "asyncio_playground" not in run.error


def test_engine_frames_are_hidden_when_the_package_is_imported_through_a_symlink(tmp_path):
    # One path rule (_current.ENGINE_DIRS): a frame's co_filename is the path the module was
    # imported by.  _runner compared resolve()d paths, _watchdog abspath()ed ones: installed
    # through a symlink, the engine's frames leaked into the learner's tracebacks.
    import subprocess
    import pathlib
    site = tmp_path / "site"
    site.mkdir()
    engine = pathlib.Path(playground.__file__).resolve().parent
    (site / "asyncio_playground").symlink_to(engine, target_is_directory=True)
    script = write(tmp_path, "fails.py", """
        import asyncio

        async def main():
            await asyncio.sleep(0)
            raise ValueError("bad")

        asyncio.run(main())
    """)
    env = {**os.environ, "PYTHONPATH": str(site), "QT_QPA_PLATFORM": "offscreen",
           "PYTHONDONTWRITEBYTECODE": "1"}
    probe = subprocess.run([sys.executable, "-c", "import asyncio_playground, sys; "
                            "print(asyncio_playground.__file__)"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert probe.stdout.strip().startswith(str(site)), probe.stdout + probe.stderr
    proc = subprocess.run([sys.executable, "-m", "asyncio_playground", "run", str(script), "--quiet"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1 and "ValueError: bad" in proc.stderr, proc.stderr
    frames = [line for line in proc.stderr.splitlines() if line.strip().startswith("File ")]
    assert frames and all("fails.py" in line for line in frames), proc.stderr


def test_is_engine_file_knows_both_spellings_of_the_engines_folder():
    from asyncio_playground import _current
    here = _current.__file__
    assert _current.is_engine_file(os.path.abspath(here))
    assert _current.is_engine_file(os.path.realpath(here))
    assert not _current.is_engine_file(os.path.join(os.path.dirname(os.path.dirname(here)), "x.py"))


def test_a_servers_connection_tasks_are_the_runs(pg_loop, tmp_path):
    """asyncio.start_server's accept and its connection handler run from a socket's callback: in
    the context the server was started in (asyncio's Handle copies it), so they are the run's
    tasks -- in the table, their prints theirs -- with the names python gives them."""
    import helpers
    src = """
        import asyncio

        async def handle(reader, writer):
            line = (await reader.readline()).decode().strip()
            print("server got", line, asyncio.current_task().get_name())
            writer.write(b"pong\\n")
            await writer.drain()
            writer.close()
            await writer.wait_closed()

        async def main():
            server = await asyncio.start_server(handle, "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            async with server:
                r, w = await asyncio.open_connection("127.0.0.1", port)
                w.write(b"ping\\n")
                await w.drain()
                print("client got", (await r.readline()).decode().strip())
                w.close()
                await w.wait_closed()

        asyncio.run(main())
    """
    run, table = helpers.run_script(pg_loop, tmp_path, src)
    assert run.outcome == "completed", run.error
    assert _out(table) == "server got ping Task-4\nclient got pong\n"
    handler = next(r for r in table.rows if r.coro.endswith("handle"))
    assert handler.name == "Task-4" and handler.state == "done"
    assert {ev.tid for ev in table.outputs if "server got" in ev.text} == {handler.tid}


def test_a_thread_the_lesson_starts_prints_to_the_run(pg_loop, tmp_path):
    """A lesson's own threading.Thread prints into the run (the window's console), as under
    python it prints to the terminal; it starts in a context of its own as python has it (a
    context variable set by the task that starts it is not seen there)."""
    import helpers
    src = """
        import asyncio, contextvars, threading

        who = contextvars.ContextVar("who", default="nobody")

        def work():
            print("from a thread, who =", who.get())

        async def main():
            who.set("main")
            t = threading.Thread(target=work, name="worker")
            t.start()
            t.join()
            await asyncio.to_thread(print, "from to_thread, who =", who.get())
            print("main done")

        asyncio.run(main())
    """
    run, table = helpers.run_script(pg_loop, tmp_path, src)
    assert run.outcome == "completed", run.error
    assert _out(table) == ("from a thread, who = nobody\nfrom to_thread, who = main\n"
                           "main done\n")
