import asyncio


async def probe(region, seconds):
    await asyncio.sleep(seconds)
    return region, seconds


async def main():
    regions = {"asia": 0.45, "eu": 0.15, "us": 0.3}
    tasks = [asyncio.create_task(probe(r, s), name=f"probe-{r}") for r, s in regions.items()]
    loop = asyncio.get_running_loop()
    started = loop.time()
    for next_done in asyncio.as_completed(tasks):
        # next_done is a new awaitable, not one of `tasks`: the result says which probe answered.
        region, latency = await next_done
        mine = "one of my tasks" if next_done in tasks else "a new awaitable"
        print(f"{loop.time() - started:.2f} s: {region} answered (as_completed gave {mine})")


if __name__ == "__main__":
    asyncio.run(main())
