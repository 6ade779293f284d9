"""run_coroutine_threadsafe: from a thread back onto the loop

Sometimes the arrow points the other way: code running in another thread (a hardware callback, a
synchronous library, a GUI) needs something done on the event loop. Nothing asyncio is thread-safe
except `loop.call_soon_threadsafe` and `asyncio.run_coroutine_threadsafe(coro, loop)`; the latter
schedules the coroutine as a task on the loop and returns a `concurrent.futures.Future` the
thread can block on.

**Watch for:** `main` waiting on a `thread` (the sensor loop), and three short tasks running
`store()` appearing *on the loop* one after another, each created from that thread rather than by
another task, each ending *done*.
"""
import asyncio
import threading


async def store(reading, db):
    await asyncio.sleep(0.05)          # e.g. an async database driver
    db.append(reading)
    return len(db)


def sensor_thread(loop, db):
    # Plain blocking code in a worker thread: it must not touch the loop directly.
    where = threading.current_thread().name
    for reading in (21.5, 21.7, 22.0):
        future = asyncio.run_coroutine_threadsafe(store(reading, db), loop)
        count = future.result(timeout=2)   # blocks this thread only
        print(f"[{where}] stored {reading}, {count} readings in the db")


async def main():
    db = []
    loop = asyncio.get_running_loop()
    await asyncio.to_thread(sensor_thread, loop, db)
    print(f"loop side sees {db}")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Threads",
    "title": "run_coroutine_threadsafe: from a thread back onto the loop",
    "order": 3,
    "question": {
        "text": "A worker thread wants to run `store(x)` on the event loop and get the result. "
                "Which is right?",
        "choices": ["`asyncio.create_task(store(x))` from the thread",
                    "`asyncio.run(store(x))` in the thread",
                    "`asyncio.run_coroutine_threadsafe(store(x), loop).result()`",
                    "`loop.run_until_complete(store(x))` from the thread"],
        "answer": 2,
        "why": "create_task needs a running loop in the current thread; asyncio.run would start "
               "a second loop in the thread; run_until_complete on a running loop raises. "
               "run_coroutine_threadsafe hands the coroutine to the loop's thread safely.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "task_count", "task": "store", "min": 3, "max": 3},
        {"check": "state", "task": "store", "state": "done"},
        {"check": "no_overlap", "tasks": ["store"]},
        {"check": "parent", "task": "store", "parent": None},
        {"check": "waited_on", "task": "main", "kind": "thread"},
        {"check": "output_contains", "text": "3 readings in the db"},
        {"check": "output_contains", "text": "loop side sees [21.5, 21.7, 22.0]"},
    ],
}
