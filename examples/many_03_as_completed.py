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
        region, latency = await next_done
        print(f"{loop.time() - started:.2f} s: {region} answered")


if __name__ == "__main__":
    asyncio.run(main())
