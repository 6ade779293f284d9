"""Running coroutines concurrently with create_task

`asyncio.create_task(fetch("A"))` wraps the coroutine in a **task** and schedules it on the event
loop right away; the line returns immediately. Both fetches are then in flight while `main` moves
on, and `await task_a` / `await task_b` only wait for work that is already running.

**Watch for:** two new lanes, `fetch-A` and `fetch-B`, starting within a millisecond of each other
and sleeping side by side. The whole run takes about 1 s instead of 2 s. The `main` lane spends
that second waiting on `task 'fetch-A'`, then finds `fetch-B` already done.
"""
import asyncio

# The tutorial idiom for notebooks, where a loop is already running. The playground handles
# asyncio.run() itself, so this is optional: without the package the script still runs.
try:
    import nest_asyncio
    nest_asyncio.apply()
except ImportError:
    pass


async def fetch(source):
    print(f"Starting {source}")
    await asyncio.sleep(1)  # stands in for a network round trip
    print(f"Done {source}")


async def main():
    loop = asyncio.get_running_loop()
    started = loop.time()
    # Scheduled now, run as soon as main() next yields to the loop.
    task_a = asyncio.create_task(fetch("source_A"), name="fetch-A")
    task_b = asyncio.create_task(fetch("source_B"), name="fetch-B")
    await task_a
    await task_b
    print(f"Both done after {loop.time() - started:.1f} s")


asyncio.run(main())

LESSON = {
    "group": "Basics",
    "title": "Running coroutines concurrently with create_task",
    "order": 2,
    "question": {
        "text": "What is the difference between `await coroutine()` and "
                "`asyncio.create_task(coroutine())`?",
        "choices": [
            "None: both start the coroutine and wait for its result",
            "`await` runs the coroutine to the end before moving on; `create_task` schedules it "
            "to run alongside the caller and returns a Task at once",
            "`create_task` runs the coroutine in a separate thread; `await` runs it on the loop",
            "`await` can only be used on tasks, so `create_task` is required first",
        ],
        "answer": 1,
        "why": "A bare await is a call: the caller is suspended until that coroutine returns, so "
               "two awaits in a row are sequential. create_task hands the coroutine to the event "
               "loop as an independent Task and the caller keeps going; you await the Task later "
               "to collect its result. Everything stays on one thread.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "task_count", "min": 3},
        {"check": "overlap", "tasks": ["fetch-A", "fetch-B"]},
        {"check": "all_states", "state": "done"},
        {"check": "parent", "task": "fetch-*", "parent": "main"},
        {"check": "total_under", "seconds": 1.3},
    ],
}
