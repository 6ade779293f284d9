import asyncio

printer = asyncio.Lock()


async def print_job(name, pages):
    for page in range(pages):
        await asyncio.sleep(0)           # render a page
    print(f"{name}: rendered, waiting for the printer")
    async with printer:
        print(f"printing {name}")
        await asyncio.sleep(0)


async def main():
    async with printer:                  # the printer warms up: every job queues for it
        jobs = [asyncio.create_task(print_job(name, pages), name=name)
                for name, pages in (("report", 1), ("invoice", 2), ("memo", 3))]
        for _ in range(4):
            await asyncio.sleep(0)
    await asyncio.gather(*jobs)


asyncio.run(main())
