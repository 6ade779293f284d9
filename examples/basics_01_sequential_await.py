"""Awaiting one coroutine after another

`await fetch("A")` runs `fetch("A")` to the end *inside the current task* before the next line
starts. Nothing else is scheduled, so two one-second fetches take two seconds.

**Watch for:** a single lane on the timeline (the `main` task) with two one-second `sleep` waits,
one after the other. No other task appears: awaiting a coroutine does not create a task.
The run takes a little over 2 s. Compare with the next lesson, which changes two lines.
"""
import asyncio


async def fetch(source):
    print(f"Starting {source}")
    await asyncio.sleep(1)  # stands in for a network round trip
    print(f"Done {source}")


async def main():
    loop = asyncio.get_running_loop()
    started = loop.time()
    # Each await finishes before the next line runs: A's whole second, then B's.
    await fetch("source_A")
    await fetch("source_B")
    print(f"Both done after {loop.time() - started:.1f} s")


LESSON = {
    "group": "Basics",
    "title": "Awaiting one coroutine after another",
    "order": 1,
    "question": {
        "text": "Two coroutines each sleep 1 s. main() does `await a()` then `await b()`. "
                "About how long does main() take?",
        "choices": ["About 1 s: await lets them overlap",
                    "About 2 s: the second starts only when the first has finished",
                    "It depends on how many CPU cores the machine has"],
        "answer": 1,
        "why": "Awaiting a coroutine runs it to completion in the current task before the next "
               "statement. No second task exists, so nothing can run alongside it; cores are "
               "irrelevant because the event loop runs on one thread.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "task_count", "max": 1},
        {"check": "waited_on", "task": "main", "kind": "sleep", "min": 2},
        {"check": "total_over", "seconds": 1.95},
        {"check": "output_order", "texts": ["Starting source_A", "Done source_A",
                                            "Starting source_B", "Done source_B"]},
    ],
}

asyncio.run(main())
