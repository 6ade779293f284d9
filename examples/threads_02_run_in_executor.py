"""run_in_executor: choose the pool that runs blocking work

`loop.run_in_executor(executor, func, *args)` is the older, more flexible form of `to_thread`:
you pick the executor. Pass `None` for the loop's default thread pool, your own
`ThreadPoolExecutor(max_workers=2)` to cap how many run at once, or a `ProcessPoolExecutor` for
CPU-bound work. It returns a future to await; keyword arguments go through `functools.partial`.

**Watch for:** four `resize-*` tasks but only two worker threads: two tasks wait on their thread
for 0.2 s, then the other two, so the batch takes about 0.4 s. The loop is never blocked.
"""
import asyncio
import functools
import time
from concurrent.futures import ThreadPoolExecutor


def resize(image, width=640):
    time.sleep(0.2)                    # stand-in for blocking image work
    return f"{image} -> {width}px"


async def resize_async(loop, pool, image):
    # run_in_executor has no **kwargs; partial carries them.
    return await loop.run_in_executor(pool, functools.partial(resize, image, width=320))


async def main():
    loop = asyncio.get_running_loop()
    started = loop.time()
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [asyncio.create_task(resize_async(loop, pool, f"img{n}.png"), name=f"resize-{n}")
                for n in range(1, 5)]
        for result in await asyncio.gather(*jobs):
            print(result)
    print(f"4 images on 2 threads: {loop.time() - started:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Threads",
    "title": "run_in_executor: choose the pool that runs blocking work",
    "order": 2,
    "question": {
        "text": "When would you use `loop.run_in_executor(...)` instead of `asyncio.to_thread(...)`?",
        "choices": ["Never; they are identical",
                    "When you need a specific executor: a limited thread pool or a process pool",
                    "When the function is a coroutine",
                    "When you want the call to block the loop"],
        "answer": 1,
        "why": "to_thread always uses the default thread pool (and passes context and kwargs for "
               "you). run_in_executor takes the executor as its first argument, so you can bound "
               "concurrency or move CPU-heavy work to processes.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "all_states", "state": "done"},
        {"check": "task_count", "task": "resize-*", "min": 4, "max": 4},
        {"check": "waited_on", "task": "resize-*", "kind": ["thread", "future"]},
        {"check": "order", "tasks": ["resize-1", "resize-3"], "by": "end"},
        {"check": "total_over", "seconds": 0.39},
        {"check": "total_under", "seconds": 0.9},
        {"check": "no_block", "seconds": 0.15},
    ],
}
