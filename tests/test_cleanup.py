"""Which lines a cancelled task's cleanup is made of (issue 10: "finally ran lines 20–21")."""
from __future__ import annotations

import textwrap

from helpers import run_script

from asyncio_playground import _cleanup
from asyncio_playground._runner import remember_source

SOURCE = textwrap.dedent("""\
    import asyncio

    async def worker(lock):
        async with lock:
            try:
                await asyncio.sleep(5)
            except (ValueError, asyncio.CancelledError):
                print("caught")
                raise
            except KeyError:
                pass
            finally:
                print("closing")
                await asyncio.sleep(0.01)

    async def main():
        t = asyncio.create_task(worker(asyncio.Lock()), name="worker")
        await asyncio.sleep(0.05)
        t.cancel()
        await asyncio.gather(t, return_exceptions=True)

    asyncio.run(main())
""")


def test_cleanup_blocks_around_a_line(tmp_path):
    path = str(tmp_path / "lesson.py")
    remember_source(SOURCE, path)
    assert _cleanup.cleanup_blocks(path, 6) == [
        ("except (ValueError, asyncio.CancelledError)", 8, 9), ("finally", 13, 14),
        ("async with", 4, 4)]
    assert _cleanup.cleanup_blocks(path, 17) == []                  # main: no cleanup around it
    assert _cleanup.describe(path, 6) == ("except (ValueError, asyncio.CancelledError), lines "
                                          "8–9; finally, lines 13–14; the exit of async with at "
                                          "line 4")
    assert _cleanup.describe(None, 6) == "" and _cleanup.describe(path, None) == ""


def test_the_story_names_the_cleanup_lines(pg_loop, tmp_path):
    run, table = run_script(pg_loop, tmp_path, SOURCE)
    tid = next(r.tid for r in table.rows if r.name == "worker")
    story = table.cancel_story(tid, filename=run.path)
    assert "CancelledError landed at line 6" in story
    assert "its cleanup (except (ValueError, asyncio.CancelledError), lines 8–9; finally, " \
           "lines 13–14; the exit of async with at line 4) ran" in story


def test_a_library_cancel_message_reads_without_its_reprs():
    from asyncio_playground.vocab import cancel_message

    def _library_message(msg):
        return cancel_message("library", msg)
    anyio = ("Cancelled via cancel scope 7f8a65a84ae0 by <Task pending name='anyio._core."
             "_sockets.connect_tcp.<locals>.try_connect' coro=<TaskHandle._run_coro() running at "
             "/x/anyio/_core/_tasks.py:327> cb=[TaskGroup._spawn.<locals>.task_done() at /x.py:894]>")
    assert _library_message(anyio) == "Cancelled via cancel scope"
    assert _library_message("x" * 100).endswith("…") and len(_library_message("x" * 100)) == 60
    assert _library_message("deadline") == "deadline"
    assert cancel_message("button", anyio) == anyio           # the lesson's own: as it is
