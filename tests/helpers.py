"""Helpers shared by the engine tests (pytest puts this folder on sys.path)."""
from __future__ import annotations

import asyncio
import textwrap

import asyncio_playground as playground


#: A TaskGroup whose child 'check' fails while 'upload' sleeps: the run fails with an ExceptionGroup.
TASKGROUP_FAILS = textwrap.dedent("""\
    import asyncio


    async def check():
        await asyncio.sleep(0.02)
        raise ValueError("bad")


    async def main():
        async with asyncio.TaskGroup() as tg:
            tg.create_task(check(), name="check")
            tg.create_task(asyncio.sleep(10), name="upload")

    asyncio.run(main())
""")


def run_script(loop, directory, source, during=None):
    """Run ``source`` (dedented) as ``directory/lesson.py`` on ``loop``; ``during(run)`` is awaited
    once the run has started (to click, stop...).  Returns ``(run, table)``: the run, awaited (20 s
    at most), and its whole log folded into a ``TaskTable``."""
    path = directory / "lesson.py"
    path.write_text(textwrap.dedent(source))
    run = playground.Run(path, loop=loop)

    async def go():
        run.start()
        if during is not None:
            await during(run)
        return await run.wait()

    loop.run_until_complete(asyncio.wait_for(go(), 20))
    table = playground.TaskTable()
    table.apply(run.tracer.events)
    return run, table


async def until(predicate, timeout=5.0):
    """Await (polling the loop every 5 ms) until ``predicate()`` holds; fail after ``timeout``."""
    for _ in range(int(timeout / 0.005)):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not met")


#: The create_task lesson's shape, small: two fetch tasks sleeping 1 s side by side (line 6 is the
#: sleep, line 4 fetch's def).
CONCURRENT = """
    import asyncio

    async def fetch(source):
        print(f"Starting {source}")
        await asyncio.sleep(1)
        print(f"Done {source}")

    async def main():
        task_a = asyncio.create_task(fetch("A"), name="fetch-A")
        task_b = asyncio.create_task(fetch("B"), name="fetch-B")
        await task_a
        await task_b

    asyncio.run(main())
"""
