"""gather(return_exceptions=True): collect failures as results

By default `gather` raises the first exception any child raises (the other children keep running!).
With `return_exceptions=True` it never raises for a child's error: every slot of the result list
holds either a value or the exception object, so one bad item does not hide the good ones.

**Watch for:** `price-B` ending *failed* (KeyError) while `price-A` and `price-C` end *done*.
`main` is not interrupted; it gets a three-item list and sorts successes from failures itself.
"""
import asyncio

PRICES = {"A": 12.5, "C": 3.2}


async def price(item):
    await asyncio.sleep(0.1 * len(PRICES))
    return PRICES[item]        # KeyError for an unknown item


async def main():
    items = ["A", "B", "C"]
    tasks = [asyncio.create_task(price(i), name=f"price-{i}") for i in items]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for item, result in zip(items, results):
        if isinstance(result, Exception):
            print(f"{item}: failed with {type(result).__name__}: {result}")
        else:
            print(f"{item}: {result}")
    ok = [r for r in results if not isinstance(r, Exception)]
    print(f"total of the {len(ok)} known prices: {sum(ok)}")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Errors",
    "title": "gather(return_exceptions=True): collect failures as results",
    "order": 3,
    "question": {
        "text": "`await gather(a(), b(), c(), return_exceptions=True)` where b() raises KeyError. "
                "What do you get?",
        "choices": ["KeyError is raised", "A list of three items, the second being the KeyError",
                    "A list of two items, b's slot is dropped", "None"],
        "answer": 1,
        "why": "With return_exceptions=True the exception takes the failed child's slot in the "
               "result list, so results still line up with the arguments.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "exception", "task": "price-B", "type": "KeyError"},
        {"check": "state", "tasks": ["price-A", "price-C"], "state": "done"},
        {"check": "state", "task": "main", "state": "done"},
        {"check": "output_contains", "text": "B: failed with KeyError"},
        {"check": "output_contains", "text": "total of the 2 known prices"},
    ],
}
