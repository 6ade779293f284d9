import asyncio
import warnings


async def save(doc):
    await asyncio.sleep(0.1)
    print(f"saved {doc}")


async def main():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # BUG: no await, so this only creates a coroutine object. Nothing keeps it, so CPython
        # destroys it at the end of this very statement, and the warning fires right here.
        save("draft")
    for w in caught:
        print(f"{w.category.__name__}: {w.message}")
    await save("final")                # the fix: await it (or create a task from it)


if __name__ == "__main__":
    asyncio.run(main())
