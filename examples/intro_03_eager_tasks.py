"""Eager tasks (Python 3.12+): start running inside create_task

Normally `create_task()` only *schedules* a coroutine: it starts at the loop's next turn. With
`loop.set_task_factory(asyncio.eager_task_factory)` (Python 3.12+), a new task runs its first step
**immediately, inside create_task**. If it finishes without ever suspending (a cache hit, say),
it is done before create_task returns and never goes through the loop at all, which saves real
time when most tasks are that cheap.

On Python 3.11 there is no eager factory: the lesson says so and runs with the normal one, so you
can compare the two behaviours by running it on both versions.

**Watch for:** with eager tasks, the `lookup-*` cache hits finish inside `main`'s own step (no
separate slice) and print `done right after create_task: True`; the cache miss still suspends on
its `sleep`. With the normal factory every lookup is pending at first.
"""
import asyncio
import sys

CACHE = {"home": "<h1>home</h1>", "about": "<p>about</p>"}


async def lookup(page):
    if page in CACHE:
        return CACHE[page]             # no await at all: an eager task ends right here
    await asyncio.sleep(0.1)           # a miss has to wait for the "network"
    CACHE[page] = f"<p>{page}</p>"
    return CACHE[page]


async def main():
    loop = asyncio.get_running_loop()
    factory = getattr(asyncio, "eager_task_factory", None)
    previous = loop.get_task_factory()
    if factory is None:
        print(f"Python {sys.version_info.major}.{sys.version_info.minor} has no "
              "eager_task_factory (new in 3.12): using the normal task factory")
    else:
        loop.set_task_factory(factory)
    try:
        for page in ("home", "about", "blog"):
            task = asyncio.create_task(lookup(page), name=f"lookup-{page}")
            print(f"{page:5}: done right after create_task: {task.done()}")
            print(f"       -> {await task}")
    finally:
        loop.set_task_factory(previous)


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Introspection",
    "title": "Eager tasks (Python 3.12+): start running inside create_task",
    "order": 3,
    "question": {
        "text": "With `asyncio.eager_task_factory` installed, a coroutine returns without awaiting "
                "anything. What is `task.done()` right after `create_task()` returns?",
        "choices": ["False: tasks always start on the next loop iteration",
                    "True: the coroutine already ran to completion inside create_task",
                    "It raises, because eager tasks cannot be awaited",
                    "None until the task is awaited"],
        "answer": 1,
        "why": "An eager task runs its first step synchronously in create_task. If that step "
               "finishes the coroutine, the task is done immediately and is never scheduled. On "
               "Python 3.11 (no eager factory) the answer would be False.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "all_states", "state": "done"},
        {"check": "task_count", "task": "lookup-*", "min": 3, "max": 3},
        {"check": "waited_on", "task": "lookup-blog", "kind": "sleep"},
        {"check": "result", "task": "lookup-home", "contains": "home"},
        {"check": "output_contains", "text": "blog : done right after create_task: False"},
    ],
}
