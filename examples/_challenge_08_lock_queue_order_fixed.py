import asyncio

printer = asyncio.Lock()


async def render(name, pages):
    for page in range(pages):
        await asyncio.sleep(0)           # render a page
    print(f"{name}: rendered")
    return name


async def main():
    jobs = [asyncio.create_task(render(name, pages), name=name)
            for name, pages in (("report", 1), ("invoice", 2), ("memo", 3))]
    # gather's results come in the order asked for, whoever finished first
    for name in await asyncio.gather(*jobs):
        async with printer:
            print(f"printing {name}")
            await asyncio.sleep(0)


asyncio.run(main())
