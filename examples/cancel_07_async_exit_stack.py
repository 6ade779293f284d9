import asyncio
from contextlib import AsyncExitStack, asynccontextmanager


@asynccontextmanager
async def connection(name):
    await asyncio.sleep(0.05)              # connecting
    print(f"{name}: open")
    try:
        yield name
    finally:
        await asyncio.sleep(0.05)          # an async goodbye, even while being cancelled
        print(f"{name}: closed")


async def job(names):
    async with AsyncExitStack() as stack:  # however many resources, one block
        conns = [await stack.enter_async_context(connection(n)) for n in names]
        print(f"working with {conns}")
        await asyncio.sleep(5)             # cancelled long before this ends


async def main():
    task = asyncio.create_task(job(["db", "cache", "queue"]), name="job")
    await asyncio.sleep(0.4)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("job cancelled; its connections were closed first")


if __name__ == "__main__":
    asyncio.run(main())
