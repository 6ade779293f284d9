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
