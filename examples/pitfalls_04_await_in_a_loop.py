import asyncio


async def fetch(page):
    await asyncio.sleep(0.2)
    return page


async def main():
    loop = asyncio.get_running_loop()
    pages = ["a", "b", "c"]

    started = loop.time()
    for page in pages:
        # The await sits inside the loop, so the next task is created only after this one ends.
        await asyncio.create_task(fetch(page), name=f"one-by-one-{page}")
    print(f"one by one: {loop.time() - started:.1f} s")

    started = loop.time()
    tasks = [asyncio.create_task(fetch(page), name=f"together-{page}") for page in pages]
    for task in tasks:
        await task
    print(f"together:   {loop.time() - started:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
