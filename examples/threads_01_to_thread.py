"""to_thread: run blocking code without blocking the loop

`await asyncio.to_thread(func, *args)` runs an ordinary (blocking) function in a worker thread and
suspends the task until it returns. The loop stays free meanwhile, and several calls run in
parallel threads. It is the tool for blocking I/O you cannot make async: file access, old client
libraries, `subprocess.run`. (CPU-heavy pure Python still competes for the GIL; use processes.)

**Watch for:** `read-a`, `read-b` and `read-c` each waiting on a `thread` for 0.3 s, side by side,
so the three reads take 0.3 s, not 0.9 s, while the `heartbeat` lane keeps ticking. No loop-block
warning appears.
"""
import asyncio
import threading
import time


def read_file(name):
    # Stand-in for a blocking call (a slow disk, a synchronous HTTP client...).
    time.sleep(0.3)
    return f"{name}: read on thread {threading.current_thread().name!r}"


async def heartbeat(stop):
    beats = 0
    while not stop.is_set():
        await asyncio.sleep(0.05)
        beats += 1
    print(f"heartbeat: {beats} beats while the files were read")


async def main():
    stop = asyncio.Event()
    beat = asyncio.create_task(heartbeat(stop), name="heartbeat")
    loop = asyncio.get_running_loop()
    started = loop.time()
    reads = [asyncio.create_task(asyncio.to_thread(read_file, n), name=f"read-{n}")
             for n in "abc"]
    for line in await asyncio.gather(*reads):
        print(line)
    print(f"three 0.3 s reads took {loop.time() - started:.1f} s")
    stop.set()
    await beat


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Threads",
    "title": "to_thread: run blocking code without blocking the loop",
    "order": 1,
    "question": {
        "text": "Three tasks each `await asyncio.to_thread(time.sleep, 0.3)`. About how long "
                "until all three are done, and can other tasks run meanwhile?",
        "choices": ["0.9 s, and nothing else runs", "0.3 s, and other tasks keep running",
                    "0.3 s, but the loop is blocked", "0.9 s, but other tasks keep running"],
        "answer": 1,
        "why": "Each call runs in its own worker thread from the default executor, so the sleeps "
               "overlap; the tasks just await a future, which leaves the loop free.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "all_states", "state": "done"},
        {"check": "waited_on", "task": "read-*", "kind": "thread"},
        {"check": "overlap", "tasks": ["read-a", "read-b", "read-c", "heartbeat"]},
        {"check": "no_block", "seconds": 0.2},
        {"check": "output_contains", "text": "c: read on thread"},
        {"check": "total_under", "seconds": 0.8},
    ],
}
