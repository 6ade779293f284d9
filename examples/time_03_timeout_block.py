"""asyncio.timeout: a deadline for a whole block

`async with asyncio.timeout(0.5):` puts one deadline around *everything* inside the block, however
many awaits it contains. When it expires, the task running the block is cancelled at whatever await
it is on; on the way out of the block that cancellation becomes a `TimeoutError`. You can move the
deadline while inside with `cm.reschedule(...)`; `asyncio.timeout(None)` means "no deadline yet".
New in Python 3.11.

**Watch for:** `steps` getting through two of its 0.2 s `sleep` waits, then a cancel request
(from the timer, not from a task) in the middle of the third. The task itself does *not* end
cancelled: it catches the `TimeoutError` after the block and finishes *done*.
"""
import asyncio


async def steps():
    loop = asyncio.get_running_loop()
    started = loop.time()
    finished = 0
    try:
        async with asyncio.timeout(0.5) as cm:
            for _ in range(5):
                await asyncio.sleep(0.2)
                finished += 1
    except TimeoutError:
        print(f"timed out after {loop.time() - started:.2f} s, {finished} steps finished")
    # The context manager remembers whether it was the one that fired.
    print(f"expired() = {cm.expired()}")
    return finished


async def main():
    task = asyncio.create_task(steps(), name="steps")
    print(f"steps returned {await task}")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Time",
    "title": "asyncio.timeout: a deadline for a whole block",
    "order": 3,
    "question": {
        "text": "Five `await asyncio.sleep(0.2)` calls run inside `async with asyncio.timeout(0.5)`. "
                "What happens?",
        "choices": ["Each sleep gets its own 0.5 s limit, so all five finish",
                    "The third sleep is interrupted at 0.5 s and TimeoutError is raised at the "
                    "end of the block",
                    "The block finishes and then raises TimeoutError",
                    "The whole program stops"],
        "answer": 1,
        "why": "The deadline covers the block, not each await. At 0.5 s the task is cancelled "
               "inside the third sleep; the context manager turns that cancellation into "
               "TimeoutError as it exits.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "state", "task": "steps", "state": "done"},
        {"check": "cancel_requested", "task": "steps", "by": None},
        {"check": "waited_on", "task": "steps", "kind": "sleep", "min": 3},
        {"check": "output_contains", "text": "2 steps finished"},
        {"check": "output_contains", "text": "expired() = True"},
        {"check": "total_under", "seconds": 0.9},
    ],
}
