"""A failing task makes its TaskGroup cancel the others

In a `TaskGroup`, the first task to raise (anything but `CancelledError`) cancels all its siblings
and the code running the `async with` block. Once everything has stopped, the block raises an
`ExceptionGroup` holding the failure(s). One bad input stops the whole batch instead of leaving
half-finished work behind.

**Watch for:** `check-size` ending *failed* (ValueError) at 0.2 s; `upload-a` and `upload-b`,
which wanted 1 s, receiving cancel requests at that moment and ending *cancelled*. Their `finally`
blocks print, so you can see they were stopped rather than abandoned.
"""
import asyncio


async def upload(name):
    try:
        await asyncio.sleep(1.0)
        return f"{name} uploaded"
    finally:
        print(f"{name}: stopped after the sibling failed" if asyncio.current_task().cancelling()
              else f"{name}: done")


async def check_size(size):
    await asyncio.sleep(0.2)
    if size > 100:
        raise ValueError(f"file too large: {size} MB")


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(upload("a"), name="upload-a")
            tg.create_task(upload("b"), name="upload-b")
            tg.create_task(check_size(250), name="check-size")
    except* ValueError as group:
        for exc in group.exceptions:
            print(f"batch rejected: {exc}")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Cancellation",
    "title": "A failing task makes its TaskGroup cancel the others",
    "order": 6,
    "question": {
        "text": "Three tasks run in a TaskGroup and one raises ValueError. What does the "
                "`async with` block raise, and when?",
        "choices": ["ValueError, immediately, while the others keep running",
                    "An ExceptionGroup containing the ValueError, after the other tasks have been "
                    "cancelled and have finished",
                    "Nothing: TaskGroup logs the error and continues",
                    "CancelledError"],
        "answer": 1,
        "why": "The group cancels the remaining tasks, waits for them (their cleanup runs), then "
               "raises an ExceptionGroup with every non-cancellation error. Handle it with "
               "except* or by catching ExceptionGroup.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "exception", "task": "check-size", "type": "ValueError"},
        {"check": "state", "tasks": ["upload-a", "upload-b"], "state": "cancelled"},
        {"check": "cancel_requested", "task": "upload-a"},
        {"check": "duration", "task": "upload-b", "max": 0.7},
        {"check": "output_contains", "text": "a: stopped after the sibling failed"},
        {"check": "output_contains", "text": "batch rejected: file too large: 250 MB"},
    ],
}
