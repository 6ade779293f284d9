"""Timing out a slow HTTP request, then retrying

Network calls need deadlines. Here each attempt runs under `asyncio.timeout(1.0)`; the first
attempt asks the server to be slow and is abandoned, the next one goes through. Between attempts
we back off a little, so a struggling server is not hammered.

The demo server (Offline mode) understands `?delay=S`, which adds S seconds before it answers; the
public API ignores it. That is why this lesson's first attempt times out only in Offline mode.

**Watch for:** `fetch-post` waiting on network I/O, being cancelled by the timer at 1 s
(the `TimeoutError` is caught in the same task), a short backoff `sleep`, then a second request that
completes. The task ends *done* with the post's title as its result.
"""
import asyncio

import httpx

URL = "https://jsonplaceholder.typicode.com/posts/3"
DEADLINE = 1.0    # seconds per attempt; the demo server answers in 0.2-0.6 s


async def fetch_with_retry(client, attempts=3):
    for attempt in range(1, attempts + 1):
        # Attempt 1 asks for a 3 s delay, far beyond the deadline.
        params = {"delay": 3} if attempt == 1 else {}
        try:
            async with asyncio.timeout(DEADLINE):
                response = await client.get(URL, params=params)
            response.raise_for_status()
            print(f"attempt {attempt}: ok")
            return response.json()["title"]
        except TimeoutError:
            print(f"attempt {attempt}: no answer within {DEADLINE} s")
        await asyncio.sleep(0.1 * attempt)      # back off before trying again
    raise RuntimeError(f"no answer after {attempts} attempts")


async def main():
    async with httpx.AsyncClient() as client:
        task = asyncio.create_task(fetch_with_retry(client), name="fetch-post")
        print(f"title: {await task}")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Time",
    "title": "Timing out a slow HTTP request, then retrying",
    "order": 5,
    "needs": ["httpx"],
    "question": {
        "text": "Why put the request inside `asyncio.timeout()` instead of relying on the server "
                "to answer eventually?",
        "choices": ["asyncio cannot await network I/O without a timeout",
                    "A stuck request would otherwise hold its task (and whoever awaits it) "
                    "forever; the deadline turns that into an error you can handle",
                    "Timeouts make the request faster",
                    "httpx refuses to send requests without one"],
        "answer": 1,
        "why": "An await on a server that never answers never returns. A deadline cancels the "
               "await and raises TimeoutError, which the code can log, retry or report.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "state", "task": "fetch-post", "state": "done"},
        # What Offline mode shows (the public API ignores ?delay, so Live mode skips the timeout).
        {"check": "cancel_requested", "task": "fetch-post", "by": None},
        {"check": "output_order", "texts": ["attempt 1: no answer within 1.0 s", "attempt 2: ok"]},
        {"check": "output_contains", "text": "title: "},
        {"check": "total_under", "seconds": 3.0},
    ],
}
