"""Naming tasks

Every task has a name. Unnamed ones get `Task-1`, `Task-2`, … from a process-wide counter, which
tells you nothing when twenty of them are on screen. Pass `name=` to `create_task`, or rename a
running task with `set_name()`; `get_name()` reads it back.

**Watch for:** the timeline lanes labelled `download-1`, `download-2` and `download-3`; the one
created without a name shows `Task-…` until it renames *itself* to `cleanup` while it runs (the
table updates the name live).
"""
import asyncio


async def download(n):
    await asyncio.sleep(0.1 * n)
    return f"file{n}.bin"


async def cleanup():
    me = asyncio.current_task()
    print(f"cleanup started as {me.get_name()!r}")
    # Renaming is fine at any time; it is only a label, used in reprs, logs and debuggers.
    me.set_name("cleanup")
    await asyncio.sleep(0.2)
    print(f"...and finished as {me.get_name()!r}")


async def main():
    downloads = [asyncio.create_task(download(n), name=f"download-{n}") for n in (1, 2, 3)]
    anonymous = asyncio.create_task(cleanup())
    for task in downloads:
        print(f"{task.get_name()} -> {await task}")
    await anonymous


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Basics",
    "title": "Naming tasks",
    "order": 5,
    "question": {
        "text": "Which of these gives a task a name you choose?",
        "choices": ["`asyncio.create_task(coro(), name='poller')` or `task.set_name('poller')`",
                    "Naming the coroutine function `poller`",
                    "Assigning it to a variable called `poller`",
                    "Names are fixed to `Task-N` and cannot be changed"],
        "answer": 0,
        "why": "The default name comes from a counter, not from the code. create_task(name=...) "
               "sets it at creation and set_name() changes it later; the coroutine's own name is "
               "shown separately (as `coro`).",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "all_states", "state": "done"},
        {"check": "task_count", "task": "download-*", "min": 3, "max": 3},
        {"check": "state", "task": "cleanup", "state": "done"},
        {"check": "output_contains", "text": "started as 'Task-"},
        {"check": "output_contains", "text": "finished as 'cleanup'"},
        {"check": "order", "tasks": ["download-1", "download-2", "download-3"], "by": "end"},
    ],
}
