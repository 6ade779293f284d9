"""Task states: pending, done, cancelled

After `create_task` a task is **pending**. It becomes **done** when its coroutine returns (or
raises), and **cancelled** when it stops because someone called `cancel()`. `task.done()` is true in
both final cases; `task.cancelled()` only in the second.

**Watch for:** in the task table, `work` goes pending → waiting (on `sleep`) → done, while `doomed`
goes waiting → cancelled. The printed `done()` / `cancelled()` values match what the table shows at
that moment.
"""
import asyncio


async def work(seconds):
    await asyncio.sleep(seconds)
    return "result"


async def main():
    task = asyncio.create_task(work(0.3), name="work")
    # Longer than `work`, so it is still sleeping when we cancel it below.
    doomed = asyncio.create_task(work(1.0), name="doomed")
    print(f"work:   done() = {task.done()}")          # still pending: it has not even started

    result = await task
    print(f"work:   done() = {task.done()}, result = {result!r}")

    doomed.cancel()            # only a request: the task is still pending here...
    print(f"doomed: cancelled() = {doomed.cancelled()} right after cancel()")
    try:
        await doomed           # ...it is cancelled when it next runs and gets CancelledError
    except asyncio.CancelledError:
        pass
    print(f"doomed: cancelled() = {doomed.cancelled()}, done() = {doomed.done()}")


asyncio.run(main())

LESSON = {
    "group": "Basics",
    "title": "Task states: pending, done, cancelled",
    "order": 4,
    "question": {
        "text": "A task was cancelled and has finished. What do `task.done()` and "
                "`task.cancelled()` return?",
        "choices": ["done() False, cancelled() True",
                    "done() True, cancelled() True",
                    "done() True, cancelled() False",
                    "Both raise CancelledError"],
        "answer": 1,
        "why": "done() means 'finished, one way or another': returned, raised or cancelled. "
               "cancelled() narrows it down to the cancelled case. Only result() and exception() "
               "raise CancelledError for a cancelled task.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "state", "task": "work", "state": "done"},
        {"check": "state", "task": "doomed", "state": "cancelled"},
        {"check": "cancel_requested", "task": "doomed", "by": "main"},
        {"check": "result", "task": "work", "contains": "result"},
        {"check": "output_order", "texts": ["done() = False", "done() = True",
                                            "cancelled() = False right after cancel()",
                                            "cancelled() = True, done() = True"]},
    ],
}
