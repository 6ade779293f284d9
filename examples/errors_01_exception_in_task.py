"""An exception inside a task

When a task's coroutine raises, the task does not crash the program: it ends *failed* and **keeps
the exception**. It is raised again, with its original traceback, wherever someone awaits the task
(or calls `task.result()`); `task.exception()` returns it without raising.

**Watch for:** `parse` ending *failed* with `ValueError` at its `raise` line while `main` is busy
elsewhere; nothing happens until `main` awaits it, and only then does the error surface, in `main`.
"""
import asyncio


async def parse(text):
    await asyncio.sleep(0.1)
    return int(text)           # raises ValueError for "12a"


async def main():
    task = asyncio.create_task(parse("12a"), name="parse")
    await asyncio.sleep(0.3)   # the task has already failed by now...
    print(f"task.done() = {task.done()}; its exception: {task.exception()!r}")
    try:
        await task             # ...but the error surfaces here, in main
    except ValueError as exc:
        print(f"caught in main: {exc}")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Errors",
    "title": "An exception inside a task",
    "order": 1,
    "question": {
        "text": "A task raises ValueError while `main` is sleeping. When does `main` see it?",
        "choices": ["Immediately: the exception interrupts main's sleep",
                    "When main awaits the task (or calls task.result())",
                    "Never: exceptions in tasks are lost",
                    "When the program exits"],
        "answer": 1,
        "why": "The exception is stored on the task, which ends failed. It is re-raised to whoever "
               "awaits the task. If nobody ever does, asyncio logs it when the task is destroyed "
               "(next lesson).",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "exception", "task": "parse", "type": "ValueError"},
        {"check": "state", "task": "main", "state": "done"},
        {"check": "output_order", "texts": ["task.done() = True", "caught in main: invalid literal"]},
    ],
}
