"""A timeout around a TaskGroup

Put `asyncio.timeout()` around a `TaskGroup` and the deadline applies to the whole group: when it
expires, the task running the `async with` is cancelled, the group cancels every child it still has,
waits for them, and the timeout turns the cancellation into one `TimeoutError`.

**Watch for:** `crawl-a` finishing inside the deadline (*done*), while `crawl-b` and `crawl-c`,
which would need 1 s and 2 s, both end *cancelled* at 0.5 s, right when `main` gets the cancel
request from the timer.
"""
import asyncio


async def crawl(site, seconds):
    try:
        await asyncio.sleep(seconds)
        return site
    except asyncio.CancelledError:
        print(f"{site}: cancelled by the group")
        raise              # always let CancelledError continue once you have cleaned up


async def main():
    try:
        async with asyncio.timeout(0.5):
            async with asyncio.TaskGroup() as tg:
                for site, seconds in (("a", 0.2), ("b", 1.0), ("c", 2.0)):
                    tg.create_task(crawl(site, seconds), name=f"crawl-{site}")
    except TimeoutError:
        print("the crawl took too long; every unfinished page was cancelled")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Time",
    "title": "A timeout around a TaskGroup",
    "order": 4,
    "question": {
        "text": "A TaskGroup inside `asyncio.timeout(0.5)` has three tasks. At 0.5 s one is done "
                "and two are still running. What happens to those two?",
        "choices": ["They keep running after the TimeoutError",
                    "They are cancelled, and the group waits for them before TimeoutError is "
                    "raised",
                    "They are cancelled but nobody waits for them",
                    "The finished one is cancelled too"],
        "answer": 1,
        "why": "The timeout cancels the task running the block; the TaskGroup reacts by cancelling "
               "its remaining children and waiting for them. Only then does the block exit and "
               "the timeout raise TimeoutError. A finished task cannot be cancelled.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "state", "task": "crawl-a", "state": "done"},
        {"check": "state", "tasks": ["crawl-b", "crawl-c"], "state": "cancelled"},
        {"check": "cancel_requested", "task": "main", "by": None},
        {"check": "cancel_requested", "task": "crawl-b", "by": "main"},
        {"check": "output_contains", "text": "b: cancelled by the group"},
        {"check": "output_contains", "text": "every unfinished page was cancelled"},
        {"check": "total_under", "seconds": 0.9},
    ],
}
