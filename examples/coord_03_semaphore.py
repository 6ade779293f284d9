"""Semaphore: at most N at a time

A `Semaphore(2)` holds two permits. `async with sem:` takes one, waiting while none is left, and
returns it on the way out. Unlike a Lock it lets a *few* tasks in together: the tool for
"no more than two downloads / database connections / GPU jobs at once".

**Watch for:** six `job-*` lanes created together but running in three waves of two; the four
that must wait show a `semaphore` wait first. Six 0.2 s jobs, two at a time, take about 0.6 s.
"""
import asyncio

PERMITS = 2


async def job(n, sem, running):
    async with sem:
        running.add(n)
        print(f"job {n} running alongside {sorted(running - {n})}")
        await asyncio.sleep(0.2)
        running.discard(n)


async def main():
    sem = asyncio.Semaphore(PERMITS)
    running = set()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(asyncio.create_task(job(n, sem, running), name=f"job-{n}")
                           for n in range(1, 7)))
    print(f"6 jobs, {PERMITS} at a time: {loop.time() - started:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Coordination",
    "title": "Semaphore: at most N at a time",
    "order": 3,
    "question": {
        "text": "Six 0.2 s jobs share `asyncio.Semaphore(2)`. About how long do they take "
                "altogether?",
        "choices": ["0.2 s", "0.6 s", "1.2 s", "It depends on the number of CPU cores"],
        "answer": 1,
        "why": "Two permits means two jobs at a time: three waves of 0.2 s. A semaphore limits "
               "concurrency; it does not add parallelism, and cores do not matter for sleeping "
               "tasks.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "all_states", "state": "done"},
        {"check": "waited_on", "task": "job-6", "kind": "semaphore"},
        {"check": "overlap", "tasks": ["job-1", "job-2"]},
        {"check": "order", "tasks": ["job-1", "job-3", "job-5"], "by": "end"},
        {"check": "total_over", "seconds": 0.59},
        {"check": "total_under", "seconds": 1.0},
    ],
}
