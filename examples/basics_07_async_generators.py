import asyncio
from contextlib import aclosing


async def ticks(name, every):
    # An async generator: `async def` with `yield`. It can await between the items it yields.
    n = 0
    try:
        while True:
            await asyncio.sleep(every)
            n += 1
            yield n
    finally:
        print(f"{name}: generator closed after {n} ticks")


async def leaky():
    async for n in ticks("leaky", 0.05):
        print(f"leaky got {n}")
        if n == 3:
            break                      # the generator is left suspended at its yield
    print("leaky: left the loop")


async def tidy():
    async with aclosing(ticks("tidy", 0.05)) as stream:
        async for n in stream:
            print(f"tidy got {n}")
            if n == 3:
                break
    # aclosing() called stream.aclose() on the way out: the finally has already run
    print("tidy: left the loop")


async def reader():
    async for n in ticks("reader", 0.05):
        print(f"reader got {n}")


async def main():
    await asyncio.create_task(leaky(), name="leaky")
    await asyncio.sleep(0.01)          # let the loop finish what leaky left behind
    await asyncio.create_task(tidy(), name="tidy")
    task = asyncio.create_task(reader(), name="reader")
    await asyncio.sleep(0.12)          # two ticks, then cancel it while the generator sleeps
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print(f"reader cancelled: {task.cancelled()}")


if __name__ == "__main__":
    asyncio.run(main())
