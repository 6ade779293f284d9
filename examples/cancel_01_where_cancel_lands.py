"""cancel(): where CancelledError lands

`task.cancel()` does not stop a task on the spot; it asks. The next time the task runs, a
`CancelledError` is raised **at the `await` it is suspended on**: the exact line is in the
traceback. If the task lets it propagate, the task ends *cancelled*.

**Watch for:** `poller` waiting on `sleep` at the line `await asyncio.sleep(0.2)`, the cancel
request from `main` at about 0.3 s, and the task ending *cancelled* right away, without finishing
its sleep. The printed line number is the await line.
"""
import asyncio


async def poll():
    n = 0
    try:
        while True:
            n += 1
            await asyncio.sleep(0.2)         # <- CancelledError appears here
    except asyncio.CancelledError as exc:
        # The traceback's first entry is this frame, at the line that was suspended.
        print(f"poll {n}: CancelledError at line {exc.__traceback__.tb_lineno}")
        raise


async def main():
    poller = asyncio.create_task(poll(), name="poller")
    await asyncio.sleep(0.3)
    poller.cancel()
    print(f"cancel() returned; cancelled() = {poller.cancelled()} (not yet: only requested)")
    try:
        await poller
    except asyncio.CancelledError:
        print(f"poller finished, cancelled() = {poller.cancelled()}")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Cancellation",
    "title": "cancel(): where CancelledError lands",
    "order": 1,
    "question": {
        "text": "A task is suspended at `await asyncio.sleep(5)` when you call `task.cancel()`. "
                "What happens?",
        "choices": ["The task is killed immediately, no code of it runs again",
                    "The sleep finishes, then the task stops",
                    "CancelledError is raised inside the task at that await the next time it runs",
                    "cancel() raises CancelledError in the caller"],
        "answer": 2,
        "why": "cancel() schedules the task with a CancelledError to throw into its coroutine at "
               "the await it is parked on. The task may catch it to clean up; if the error "
               "propagates out, the task is cancelled.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "state", "task": "poller", "state": "cancelled"},
        {"check": "cancel_requested", "task": "poller", "by": "main"},
        {"check": "waited_on", "task": "poller", "kind": "sleep", "min": 2},
        {"check": "duration", "task": "poller", "max": 0.7},
        {"check": "output_contains", "text": "poll 2: CancelledError at line"},
        {"check": "output_order", "texts": ["cancelled() = False", "cancelled() = True"]},
    ],
}
