"""Blocking the loop: time.sleep vs asyncio.sleep vs to_thread

The event loop runs one thing at a time. A task that calls something *blocking* (here
`time.sleep`, in real life `requests.get`, a big `json.loads`, a CPU-heavy loop) holds the loop
until it returns: every other task freezes. `asyncio.sleep` waits without holding it, and
`asyncio.to_thread` moves a blocking call to a worker thread so the loop stays free.

**Watch for:** the `ticker` lane ticking every 0.1 s, except for one 0.4 s gap while `worker` runs
`time.sleep(0.4)` in a single long slice (the loop-health indicator flags a block at that line).
During the `asyncio.sleep` and the `to_thread` phases the ticks carry on.
"""
import asyncio
import time


async def ticker(stop):
    loop = asyncio.get_running_loop()
    last = loop.time()
    while not stop.is_set():
        await asyncio.sleep(0.1)
        now = loop.time()
        if now - last > 0.25:          # a tick arrived far too late: the loop was busy
            print(f"  ticker: {now - last:.2f} s since the last tick!")
        last = now


async def worker(stop):
    print("time.sleep(0.4): blocks the whole loop")
    time.sleep(0.4)
    print("asyncio.sleep(0.4): only this task waits")
    await asyncio.sleep(0.4)
    print("to_thread(time.sleep, 0.4): a worker thread waits, the loop is free")
    await asyncio.to_thread(time.sleep, 0.4)
    stop.set()


async def main():
    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(stop), name="ticker")
    await asyncio.sleep(0.15)          # let the ticker get going first
    await asyncio.create_task(worker(stop), name="worker")
    await tick


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Pitfalls",
    "title": "Blocking the loop: time.sleep vs asyncio.sleep vs to_thread",
    "order": 1,
    "question": {
        "text": "Inside a coroutine you need to call a slow library function that is not async. "
                "What keeps the other tasks running?",
        "choices": ["Just call it; asyncio switches tasks automatically",
                    "`await asyncio.to_thread(slow_function, args)`",
                    "Call it and then `await asyncio.sleep(0)`",
                    "Wrap it in `asyncio.create_task(slow_function())`"],
        "answer": 1,
        "why": "asyncio only switches at awaits; a plain blocking call never awaits, so nothing "
               "else runs until it returns. to_thread runs it in a thread and gives you an "
               "awaitable. create_task needs a coroutine, and sleep(0) after the fact is too late.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "block", "min_seconds": 0.3, "min_count": 1, "max_count": 1, "task": "worker"},
        {"check": "waited_on", "task": "worker", "kind": "thread"},
        {"check": "waited_on", "task": "worker", "kind": "sleep"},
        {"check": "overlap", "tasks": ["ticker", "worker"]},
        {"check": "all_states", "state": "done"},
        {"check": "output_contains", "text": "since the last tick!"},
        {"check": "total_under", "seconds": 2.0},
    ],
}
