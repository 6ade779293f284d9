import asyncio

PERMITS = 2


async def job(n, sem, running):
    async with sem:
        running.add(n)
        print(f"job {n} running alongside {sorted(running - {n})}")
        await asyncio.sleep(0.2)
        running.discard(n)


async def main():
    sem = asyncio.Semaphore(PERMITS)
    running = set()
    loop = asyncio.get_running_loop()
    started = loop.time()
    await asyncio.gather(*(asyncio.create_task(job(n, sem, running), name=f"job-{n}")
                           for n in range(1, 7)))
    print(f"6 jobs, {PERMITS} at a time: {loop.time() - started:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
