"""The coroutine that was never awaited

Calling an `async def` function does **not** run it. It builds a coroutine object and returns it;
nothing happens until something awaits it (or wraps it in a task). Forget the `await` and the
call silently does nothing, apart from a `RuntimeWarning: coroutine '…' was never awaited` when
the object is thrown away.

**Watch for:** a single lane (`main`). There is no trace of the forgotten `save("draft")` on
the timeline because it never ran; only `save("final")`, awaited, shows up as a `sleep` wait
inside `main`. The warning is caught and printed so you can read it.
"""
import asyncio
import gc
import warnings


async def save(doc):
    await asyncio.sleep(0.1)
    print(f"saved {doc}")


async def main():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        save("draft")                  # BUG: no await, so this only creates a coroutine object
        gc.collect()                   # the warning fires when that object is destroyed
    for w in caught:
        print(f"{w.category.__name__}: {w.message}")
    await save("final")                # the fix: await it (or create a task from it)


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Pitfalls",
    "title": "The coroutine that was never awaited",
    "order": 3,
    "question": {
        "text": "What does the line `save('draft')` do when `save` is an `async def` function and "
                "there is no `await`?",
        "choices": ["Runs save() in the background",
                    "Runs save() to completion, like a normal function",
                    "Creates a coroutine object and runs none of its body",
                    "Raises SyntaxError"],
        "answer": 2,
        "why": "Calling a coroutine function only creates the coroutine. Its body runs when it is "
               "awaited or scheduled as a task; dropped unawaited, it is garbage and Python warns.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "task_count", "max": 1},
        {"check": "output_contains", "text": "coroutine 'save' was never awaited"},
        {"check": "output_lacks", "text": "saved draft"},
        {"check": "output_contains", "text": "saved final"},
        {"check": "waited_on", "task": "main", "kind": "sleep"},
    ],
}
