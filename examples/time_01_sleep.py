"""sleep: waiting without blocking, and sleep(0)

`await asyncio.sleep(s)` suspends the current task for at least `s` seconds and lets every other
task run meanwhile. `await asyncio.sleep(0)` suspends for *no* time: it just steps aside once so
the other ready tasks get a turn, which is how a long calculation stays polite.

**Watch for:** the `counter-a` and `counter-b` lanes alternating in short slices (each `sleep(0)`
hands over to the other), the printed lines interleaving a1 b1 a2 b2…, and then `nap` sitting in
one long `sleep(0.3)` wait with no slices at all.
"""
import asyncio


async def count(label, n):
    for i in range(1, n + 1):
        print(f"{label}{i}", end=" ")
        await asyncio.sleep(0)         # give the other counter a turn
    return label


async def nap():
    loop = asyncio.get_running_loop()
    started = loop.time()
    slept = await asyncio.sleep(0.3, result="rested")  # sleep can hand back a value
    print(f"\nnap: {slept} for {loop.time() - started:.2f} s")


async def main():
    a = asyncio.create_task(count("a", 4), name="counter-a")
    b = asyncio.create_task(count("b", 4), name="counter-b")
    await asyncio.gather(a, b)
    await asyncio.create_task(nap(), name="nap")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Time",
    "title": "sleep: waiting without blocking, and sleep(0)",
    "order": 1,
    "question": {
        "text": "What does `await asyncio.sleep(0)` do?",
        "choices": ["Nothing at all; it is optimised away",
                    "Suspends the task once so other ready tasks can run, then resumes it",
                    "Sleeps for the loop's minimum timer resolution, about 15 ms",
                    "Blocks the loop for zero seconds"],
        "answer": 1,
        "why": "sleep(0) is a bare yield to the event loop: the task goes to the back of the "
               "ready queue. Tasks that never await anything never let others run.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "all_states", "state": "done"},
        {"check": "overlap", "tasks": ["counter-a", "counter-b"]},
        {"check": "output_order", "texts": ["a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4"]},
        {"check": "waited_on", "task": "nap", "kind": "sleep"},
        {"check": "duration", "task": "nap", "min": 0.3, "max": 0.8},
        {"check": "output_contains", "text": "nap: rested"},
    ],
}
