"""all_tasks: what is still running?

`asyncio.all_tasks()` returns every unfinished task on the running loop. With `get_name()`,
`get_coro()` and `get_stack()` you can print what each one is and the line it is suspended on,
which is a poor man's version of this window's task table and a lifesaver when a program
hangs on shutdown.

**Watch for:** the printed report matching the table at that moment: three `worker-*` tasks
waiting on their `sleep` line and `main` itself running (it is the one printing). `worker-1` is
missing from the second report because it has finished by then.
"""
import asyncio


async def worker(n):
    await asyncio.sleep(0.15 * n)


def report(title):
    print(title)
    mine = [t for t in asyncio.all_tasks() if t.get_name().startswith(("worker-", "main"))]
    for task in sorted(mine, key=lambda t: t.get_name()):
        if task is asyncio.current_task():
            where = "running now (this report)"
        else:                              # a suspended task's stack ends at its await
            where = f"suspended at line {task.get_stack()[-1].f_lineno}"
        print(f"  {task.get_name():9} {task.get_coro().__qualname__:7} {where}")


async def main():
    asyncio.current_task().set_name("main")
    workers = [asyncio.create_task(worker(n), name=f"worker-{n}") for n in (1, 2, 3)]
    await asyncio.sleep(0)             # let every worker reach its first await
    report("after start:")
    await asyncio.sleep(0.2)
    report("at 0.2 s:")
    await asyncio.gather(*workers)


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Introspection",
    "title": "all_tasks: what is still running?",
    "order": 2,
    "question": {
        "text": "What does `asyncio.all_tasks()` return?",
        "choices": ["Every task ever created in the program",
                    "The unfinished tasks of the running event loop",
                    "Only the tasks created by the current task",
                    "The tasks that are running on other threads"],
        "answer": 1,
        "why": "all_tasks() lists the loop's pending tasks, finished ones drop out. Tasks have no "
               "built-in parent/child link in asyncio; this window reconstructs one by recording "
               "which task called create_task.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "all_states", "state": "done"},
        {"check": "task_count", "task": "worker-*", "min": 3, "max": 3},
        {"check": "output_order", "texts": ["after start:", "main      main    running now",
                                            "worker-1", "worker-2", "worker-3", "at 0.2 s:",
                                            "worker-2", "worker-3"]},
        {"check": "output_contains", "text": "worker-2  worker  suspended at line "},
        {"check": "order", "tasks": ["worker-1", "worker-2", "worker-3"], "by": "end"},
    ],
}
