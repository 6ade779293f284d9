"""TaskGroup: tasks that belong to a block

`async with asyncio.TaskGroup() as tg:` gives you `tg.create_task(...)`. The block does not exit
until every task created in it has finished, so no task can outlive the code that started it, and
if one fails the others are cancelled (see the Cancellation lessons). New in Python 3.11.

**Watch for:** the three `index-*` lanes hanging under `main` (their parent), all finished before
the line after the `async with` block prints. Unlike gather, you keep the task objects and read
their results yourself.
"""
import asyncio


async def index(shelf, books):
    for _ in range(books):
        await asyncio.sleep(0.05)      # one book at a time, yielding in between
    return books


async def main():
    shelves = {"poetry": 4, "history": 9, "maths": 6}
    async with asyncio.TaskGroup() as tg:
        tasks = {name: tg.create_task(index(name, n), name=f"index-{name}")
                 for name, n in shelves.items()}
        print("all tasks started; the block now waits for them")
    # Only reached once every task in the group is done.
    total = sum(t.result() for t in tasks.values())
    print(f"indexed {total} books on {len(tasks)} shelves")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Many at once",
    "title": "TaskGroup: tasks that belong to a block",
    "order": 2,
    "question": {
        "text": "When does the code after `async with asyncio.TaskGroup() as tg:` run?",
        "choices": ["Immediately after the last tg.create_task() call",
                    "When the first task in the group finishes",
                    "When every task created in the group has finished",
                    "Only if no task was created"],
        "answer": 2,
        "why": "Leaving the block awaits all of the group's tasks. That is the point of a task "
               "group: the block's lifetime bounds the tasks' lifetimes.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "parent", "task": "index-*", "parent": "main"},
        {"check": "overlap", "tasks": ["index-poetry", "index-history", "index-maths"]},
        {"check": "all_states", "state": "done"},
        {"check": "order", "tasks": ["index-poetry", "index-maths", "index-history"], "by": "end"},
        {"check": "output_order", "texts": ["all tasks started", "indexed 19 books"]},
    ],
}
