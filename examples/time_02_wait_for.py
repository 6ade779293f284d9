"""wait_for: give up on a task after a deadline

`await asyncio.wait_for(aw, timeout)` waits at most `timeout` seconds. If `aw` is not done by then
it is **cancelled** and `TimeoutError` is raised in the waiter. (Before Python 3.11 that was
`asyncio.TimeoutError`; now both names are the same class.)

**Watch for:** `slow-download` asking for 2 s but ending *cancelled* at 0.4 s, with a cancel
request from outside any task (the timeout's timer callback). `quick-download` finishes inside its
deadline and its value comes back as if wait_for were not there.
"""
import asyncio


async def download(name, seconds):
    await asyncio.sleep(seconds)
    return f"{name}: {seconds} s of data"


async def main():
    quick = asyncio.create_task(download("quick", 0.1), name="quick-download")
    print(await asyncio.wait_for(quick, timeout=0.4))

    slow = asyncio.create_task(download("slow", 2.0), name="slow-download")
    try:
        print(await asyncio.wait_for(slow, timeout=0.4))
    except TimeoutError:
        # wait_for has already cancelled the task and waited for it to finish.
        print(f"TimeoutError: gave up; slow-download cancelled() = {slow.cancelled()}")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Time",
    "title": "wait_for: give up on a task after a deadline",
    "order": 2,
    "question": {
        "text": "`await asyncio.wait_for(task, timeout=0.4)` times out. What state is `task` in "
                "when the TimeoutError reaches you?",
        "choices": ["Still running in the background", "Cancelled (and finished)",
                    "Paused, and it resumes if you await it again", "Failed with TimeoutError"],
        "answer": 1,
        "why": "wait_for cancels what it was waiting for and waits for the cancellation to "
               "complete before raising TimeoutError, so nothing keeps running behind your back. "
               "Wrap the task in asyncio.shield() if it must survive the timeout.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "state", "task": "quick-download", "state": "done"},
        {"check": "state", "task": "slow-download", "state": "cancelled"},
        {"check": "cancel_requested", "task": "slow-download"},
        {"check": "duration", "task": "slow-download", "max": 0.9},
        {"check": "output_contains", "text": "TimeoutError: gave up"},
        {"check": "total_under", "seconds": 1.0},
    ],
}
