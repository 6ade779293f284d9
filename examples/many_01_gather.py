"""gather: run several awaitables and collect every result

`await asyncio.gather(a(), b(), c())` wraps each coroutine in a task, runs them together and
returns their results **in the order you passed them**, whatever order they finish in.

**Watch for:** three `brew` lanes (named by gather `Task-…`; their coroutine column says `brew`)
that start together and end at 0.5 s, 0.2 s and 0.35 s. `main` waits on the gather as a whole, and
the printed list is still in argument order: tea, espresso, latte.
"""
import asyncio


async def brew(drink, seconds):
    await asyncio.sleep(seconds)
    print(f"  {drink} ready")
    return drink


async def main():
    loop = asyncio.get_running_loop()
    started = loop.time()
    drinks = await asyncio.gather(
        brew("tea", 0.5),
        brew("espresso", 0.2),
        brew("latte", 0.35),
    )
    # Results line up with the arguments, not with finishing order.
    print(f"served {drinks} after {loop.time() - started:.2f} s")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Many at once",
    "title": "gather: run several awaitables and collect every result",
    "order": 1,
    "question": {
        "text": "`await gather(slow(), fast())` where fast() finishes first. In what order are "
                "the results?",
        "choices": ["[fast, slow]: finishing order", "[slow, fast]: argument order",
                    "A set, so there is no order", "Whichever task the loop created first"],
        "answer": 1,
        "why": "gather keeps one slot per argument and fills it when that awaitable finishes, so "
               "the list always matches the argument order. Use as_completed when you want "
               "results as they arrive.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "task_count", "task": "brew", "min": 3, "max": 3},
        {"check": "overlap", "tasks": ["brew"]},
        {"check": "all_states", "state": "done"},
        {"check": "waited_on", "task": "main", "kind": "gather"},
        {"check": "output_order", "texts": ["espresso ready", "latte ready", "tea ready"]},
        {"check": "output_contains", "text": "served ['tea', 'espresso', 'latte']"},
        {"check": "total_under", "seconds": 0.9},
    ],
}
