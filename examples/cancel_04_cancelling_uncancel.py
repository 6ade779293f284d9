"""cancelling() and uncancel(): counting cancel requests

A task counts the cancel requests it has received: `task.cancelling()`. A task that catches
`CancelledError` and decides to handle it (say, a timeout it set up itself) calls `uncancel()` to
take one request off the count. If the count is still above zero, somebody *else* also wants the
task gone, and it should re-raise. That is exactly how `asyncio.timeout()` tells its own
cancellation apart from an outside one. New in Python 3.11.

**Watch for:** `lenient` receiving one cancel request, handling it and ending *done*; `insistent`
receiving two, handling one, and ending *cancelled* because one is still outstanding.
"""
import asyncio


async def worker():
    me = asyncio.current_task()
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print(f"{me.get_name()}: caught, cancelling() = {me.cancelling()}")
        # We handle one request. Any other outstanding request is not ours to swallow.
        if me.uncancel() > 0:
            print(f"{me.get_name()}: another request is pending, giving up")
            raise
        print(f"{me.get_name()}: handled, carrying on")
    await asyncio.sleep(0.1)
    return "finished"


async def main():
    lenient = asyncio.create_task(worker(), name="lenient")
    insistent = asyncio.create_task(worker(), name="insistent")
    await asyncio.sleep(0.1)
    lenient.cancel()
    insistent.cancel()
    insistent.cancel()                 # a second, independent request
    results = await asyncio.gather(lenient, insistent, return_exceptions=True)
    for task, result in zip((lenient, insistent), results):
        print(f"{task.get_name()}: {result!r}")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Cancellation",
    "title": "cancelling() and uncancel(): counting cancel requests",
    "order": 4,
    "question": {
        "text": "A task caught CancelledError and called `uncancel()`, which returned 1. What "
                "should it do?",
        "choices": ["Carry on: uncancel() undid the cancellation",
                    "Re-raise: another cancel request is still outstanding",
                    "Call uncancel() again until it returns 0",
                    "Nothing; the return value is meaningless"],
        "answer": 1,
        "why": "uncancel() returns the number of cancel requests left. Above zero means someone "
               "besides you asked the task to stop (an outer timeout, a TaskGroup, the user), "
               "and swallowing that would break them.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "state", "task": "lenient", "state": "done"},
        {"check": "state", "task": "insistent", "state": "cancelled"},
        {"check": "cancel_requested", "task": "lenient", "by": "main"},
        {"check": "output_contains", "text": "lenient: caught, cancelling() = 1"},
        {"check": "output_contains", "text": "insistent: caught, cancelling() = 2"},
        {"check": "output_contains", "text": "lenient: 'finished'"},
        {"check": "total_under", "seconds": 0.6},
    ],
}
