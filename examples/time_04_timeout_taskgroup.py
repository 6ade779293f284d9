import asyncio


async def crawl(site, seconds):
    try:
        await asyncio.sleep(seconds)
        return site
    except asyncio.CancelledError:
        print(f"{site}: cancelled by the group")
        raise              # always let CancelledError continue once you have cleaned up


async def main():
    try:
        async with asyncio.timeout(0.5):
            async with asyncio.TaskGroup() as tg:
                for site, seconds in (("a", 0.2), ("b", 1.0), ("c", 2.0)):
                    tg.create_task(crawl(site, seconds), name=f"crawl-{site}")
    except TimeoutError:
        print("the crawl took too long; every unfinished page was cancelled")


if __name__ == "__main__":
    asyncio.run(main())
