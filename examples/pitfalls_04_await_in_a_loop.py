"""create_task then await, one by one: still sequential

`for url in urls: await asyncio.create_task(fetch(url))` creates tasks, yet runs them one after
another: each task is awaited before the next is even created. Concurrency comes from having
several tasks *alive at once*: create them all first, then wait for them.

**Watch for:** the `one-by-one-*` lanes forming a staircase, each starting where the previous
ended (0.6 s in all), and then the `together-*` lanes stacked on top of each other (0.2 s).
"""
import asyncio


async def fetch(page):
    await asyncio.sleep(0.2)
    return page


async def main():
    loop = asyncio.get_running_loop()
    pages = ["a", "b", "c"]

    started = loop.time()
    for page in pages:
        # The await sits inside the loop, so the next task is created only after this one ends.
        await asyncio.create_task(fetch(page), name=f"one-by-one-{page}")
    print(f"one by one: {loop.time() - started:.1f} s")

    started = loop.time()
    tasks = [asyncio.create_task(fetch(page), name=f"together-{page}") for page in pages]
    for task in tasks:
        await task
    print(f"together:   {loop.time() - started:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Pitfalls",
    "title": "create_task then await, one by one: still sequential",
    "order": 4,
    "question": {
        "text": "Why is `for p in pages: await asyncio.create_task(fetch(p))` no faster than "
                "awaiting `fetch(p)` directly?",
        "choices": ["Tasks are always slower than coroutines",
                    "Only one task exists at a time: each is awaited before the next is created",
                    "create_task runs the coroutine synchronously",
                    "The loop can only run one task per for-loop iteration"],
        "answer": 1,
        "why": "A task runs alongside others only while others exist. Create all the tasks "
               "first (or use gather / a TaskGroup), then await them.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "all_states", "state": "done"},
        {"check": "no_overlap", "tasks": ["one-by-one-*"]},
        {"check": "overlap", "tasks": ["together-*"]},
        {"check": "order", "tasks": ["one-by-one-a", "one-by-one-b", "one-by-one-c"],
         "by": "start"},
        {"check": "total_over", "seconds": 0.79},
        {"check": "total_under", "seconds": 1.2},
    ],
}
