"""current_task: which task is running this code?

`asyncio.current_task()` returns the task whose step is running right now, from anywhere inside
it, however deep in ordinary function calls. Handy for log lines ("which request printed this?"),
for per-task bookkeeping, and for a task to rename or inspect itself.

**Watch for:** the same `log()` helper printing a different task name depending on which lane
called it; the `handle-*` lanes interleaving, and `main` reporting itself by its coroutine.
"""
import asyncio


def log(message):
    # A plain function: no task is passed in, current_task() finds it.
    task = asyncio.current_task()
    print(f"[{task.get_name()}] {message}")


async def handle(user, seconds):
    log(f"looking up {user}")
    await asyncio.sleep(seconds)
    log(f"done with {user}")


async def main():
    me = asyncio.current_task()
    print(f"main runs as coroutine {me.get_coro().__qualname__!r}")
    async with asyncio.TaskGroup() as tg:
        tg.create_task(handle("ada", 0.2), name="handle-ada")
        tg.create_task(handle("linus", 0.1), name="handle-linus")
    me.set_name("main")
    log("all requests handled")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Introspection",
    "title": "current_task: which task is running this code?",
    "order": 1,
    "question": {
        "text": "A plain (non-async) helper function calls `asyncio.current_task()`. What does it "
                "get?",
        "choices": ["None: only coroutines have a current task",
                    "The task whose code called the helper, however deep the call",
                    "The first task ever created",
                    "A new task wrapping the helper"],
        "answer": 1,
        "why": "Only one task runs at a time on a loop, and the loop knows which. current_task() "
               "asks the running loop, so it works from any function called within that task.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "all_states", "state": "done"},
        {"check": "output_order", "texts": ["[handle-ada] looking up ada",
                                            "[handle-linus] looking up linus",
                                            "[handle-linus] done with linus",
                                            "[handle-ada] done with ada",
                                            "[main] all requests handled"]},
        {"check": "output_contains", "text": "main runs as coroutine 'main'"},
        {"check": "parent", "task": "handle-*", "parent": "main"},
    ],
}
