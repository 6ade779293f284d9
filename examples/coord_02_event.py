"""Event: wake every waiting task at once

An `asyncio.Event` is a flag. `await event.wait()` suspends until someone calls `event.set()`;
then *all* waiters wake together, and later waiters do not wait at all. Good for "start now",
"config loaded" or "shutting down" signals.

**Watch for:** three `runner-*` lanes waiting on the `event` while `starter` counts down, then all
three waking in the same instant at about 0.3 s and finishing in order of their own speed.
"""
import asyncio


async def runner(name, start, seconds):
    await start.wait()                 # everyone lines up here
    await asyncio.sleep(seconds)
    print(f"{name} finished")


async def starter(start):
    for n in (3, 2, 1):
        print(f"{n}...")
        await asyncio.sleep(0.1)
    print("go!")
    start.set()


async def main():
    start = asyncio.Event()
    async with asyncio.TaskGroup() as tg:
        for name, seconds in (("tortoise", 0.3), ("hare", 0.1), ("fox", 0.2)):
            tg.create_task(runner(name, start, seconds), name=f"runner-{name}")
        tg.create_task(starter(start), name="starter")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Coordination",
    "title": "Event: wake every waiting task at once",
    "order": 2,
    "question": {
        "text": "Three tasks are suspended in `await event.wait()`. Another task calls "
                "`event.set()`. What happens?",
        "choices": ["One waiter wakes, like a lock", "All three wake",
                    "Nothing until each waiter calls event.clear()",
                    "The waiters raise CancelledError"],
        "answer": 1,
        "why": "An Event is a broadcast flag: set() wakes every waiter, and wait() returns at "
               "once while the flag stays set. clear() resets it for next time.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "all_states", "state": "done"},
        {"check": "waited_on", "task": "runner-*", "kind": "event"},
        {"check": "order", "tasks": ["starter", "runner-hare", "runner-fox", "runner-tortoise"],
         "by": "end"},
        {"check": "output_order", "texts": ["3...", "go!", "hare finished", "fox finished",
                                            "tortoise finished"]},
        {"check": "total_under", "seconds": 1.0},
    ],
}
