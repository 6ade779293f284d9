"""Getting return values from tasks (over HTTP)

A task keeps whatever its coroutine returns. `await task` hands you that value, or raises the
exception the coroutine raised. Here two tasks each fetch a post over HTTP with `httpx` and return
its title.

**Offline and Live.** The URLs point at the public demo API `jsonplaceholder.typicode.com`. In
**Offline** mode (the default) the playground answers those requests from a small demo server on
your own machine, with posts of its own and a visible delay of 0.2–0.6 s per request; in **Live**
mode they go to the internet. The code is the same either way.

**Watch for:** `title-1` and `title-2` waiting on network I/O at the same time, and their results
(the titles) in the task table's result column before `main` prints them.
"""
import asyncio

import httpx

try:
    import nest_asyncio
    nest_asyncio.apply()
except ImportError:
    pass


async def fetch_title(client, post_id):
    url = f"https://jsonplaceholder.typicode.com/posts/{post_id}"
    response = await client.get(url)
    response.raise_for_status()
    return response.json()["title"]


async def main():
    # One client for both requests: it pools connections, and closing it is one `async with`.
    async with httpx.AsyncClient() as client:
        task_1 = asyncio.create_task(fetch_title(client, 1), name="title-1")
        task_2 = asyncio.create_task(fetch_title(client, 2), name="title-2")
        # Both requests are already on their way; each await just collects a result.
        title_1 = await task_1
        title_2 = await task_2
    print(f"Post 1: {title_1}")
    print(f"Post 2: {title_2}")


asyncio.run(main())

LESSON = {
    "group": "Basics",
    "title": "Getting return values from tasks (over HTTP)",
    "order": 3,
    "needs": ["httpx"],
    "question": {
        "text": "`task = asyncio.create_task(fetch_title(client, 1))`. How do you get the title "
                "it returns?",
        "choices": ["`task.result` right after creating it",
                    "`await task` (or `task.result()` once `task.done()` is true)",
                    "Read it from the coroutine with `fetch_title.__return__`",
                    "Tasks cannot return values; append to a global list instead"],
        "answer": 1,
        "why": "A Task is a Future: when its coroutine returns, the value is stored on the task. "
               "`await task` waits for that and returns it; `task.result()` returns it without "
               "waiting but raises InvalidStateError if the task has not finished yet.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "overlap", "tasks": ["title-1", "title-2"]},
        {"check": "state", "tasks": ["title-1", "title-2"], "state": "done"},
        {"check": "parent", "task": "title-*", "parent": "main"},
        {"check": "output_contains", "text": "Post 1: "},
        {"check": "output_contains", "text": "Post 2: "},
    ],
}
