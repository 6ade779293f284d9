"""Fetching many posts, at most three at a time

Starting a task per URL is cheap, but the server on the other end may not like 500 requests at
once. An `asyncio.Semaphore(3)` is a counter of free slots: `async with sem:` takes one (waiting if
none is free) and gives it back on the way out, so at most three requests are in flight.

In **Offline** mode the demo server answers for `jsonplaceholder.typicode.com` with 0.2–0.6 s of
latency per post, enough to see the queue form.

**Watch for:** eight `post-*` lanes created at once. Three wait on network I/O; the other five wait
on the `semaphore` until a slot frees up, so the lanes run in staggered waves rather than
all together.
"""
import asyncio

import httpx

LIMIT = 3


async def fetch_post(client, sem, post_id):
    async with sem:                     # waits here while three requests are already running
        response = await client.get(f"https://jsonplaceholder.typicode.com/posts/{post_id}")
    response.raise_for_status()
    return response.json()


async def main():
    sem = asyncio.Semaphore(LIMIT)
    async with httpx.AsyncClient() as client:
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(fetch_post(client, sem, i), name=f"post-{i}")
                     for i in range(1, 9)]
    for task in tasks:
        post = task.result()
        print(f"#{post['id']}: {post['title'][:50]}")
    print(f"fetched {len(tasks)} posts, never more than {LIMIT} at a time")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Many at once",
    "title": "Fetching many posts, at most three at a time",
    "order": 5,
    "needs": ["httpx"],
    "question": {
        "text": "Eight tasks each do `async with sem:` around a request, with "
                "`sem = asyncio.Semaphore(3)`. What do tasks four to eight do at first?",
        "choices": ["Raise an error because the semaphore is full",
                    "Block the event loop until a slot is free",
                    "Wait (suspended, other tasks keep running) until a slot is released",
                    "Skip the request"],
        "answer": 2,
        "why": "acquire() on a full semaphore suspends just that task. The loop keeps running the "
               "three requests in flight, and each release wakes one waiter.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "task_count", "task": "post-*", "min": 8, "max": 8},
        {"check": "all_states", "state": "done"},
        {"check": "waited_on", "task": "post-8", "kind": "semaphore"},
        {"check": "overlap", "tasks": ["post-1", "post-2", "post-3"]},
        {"check": "output_contains", "text": "fetched 8 posts"},
    ],
}
