"""Lock: one task at a time in a critical section

Tasks only switch at an `await`, so code *between* awaits never interleaves. But a
read-modify-write with an await in the middle can: two tasks both read the old balance, both add,
and one deposit vanishes. `asyncio.Lock` makes the whole section one-at-a-time.

**Watch for:** in the first round, the `unsafe-*` tasks all reading the same balance and
overwriting each other; in the second, the `safe-*` tasks queueing on the `lock` (the wait column
says so) and the final balance coming out right.
"""
import asyncio


class Account:
    def __init__(self):
        self.balance = 0

    async def deposit(self, amount, lock=None):
        if lock is not None:
            async with lock:
                await self._add(amount)
        else:
            await self._add(amount)

    async def _add(self, amount):
        seen = self.balance
        await asyncio.sleep(0.06)      # e.g. a round trip to the bank between read and write
        self.balance = seen + amount


async def round_(label, lock):
    account = Account()
    deposits = [asyncio.create_task(account.deposit(10, lock), name=f"{label}-{i}")
                for i in range(5)]
    await asyncio.gather(*deposits)
    print(f"{label}: five deposits of 10 -> balance {account.balance}")


async def main():
    await round_("unsafe", None)
    await round_("safe", asyncio.Lock())


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Coordination",
    "title": "Lock: one task at a time in a critical section",
    "order": 1,
    "question": {
        "text": "asyncio runs on one thread. Why can `balance = balance + x` still lose updates?",
        "choices": ["It cannot; one thread means no races",
                    "Because there is an await between reading and writing, and another task can "
                    "run there",
                    "Because the GIL is released during await",
                    "Because integers are not thread-safe"],
        "answer": 1,
        "why": "Tasks switch only at awaits, but that is enough: any await inside a "
               "read-modify-write lets another task read the stale value. A Lock around the "
               "section, or no await inside it, fixes it.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "all_states", "state": "done"},
        {"check": "overlap", "tasks": ["unsafe-*"]},
        {"check": "no_overlap", "tasks": ["unsafe-0", "safe-0"]},
        {"check": "waited_on", "task": "safe-4", "kind": "lock"},
        {"check": "output_contains", "text": "unsafe: five deposits of 10 -> balance 10\n"},
        {"check": "output_contains", "text": "safe: five deposits of 10 -> balance 50"},
        {"check": "total_over", "seconds": 0.35},
    ],
}
