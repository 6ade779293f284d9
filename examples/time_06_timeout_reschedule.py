import asyncio


async def download(name, chunk_times):
    loop = asyncio.get_running_loop()
    # An idle timeout: at most 0.5 s without a chunk.  The deadline moves after every chunk.
    async with asyncio.timeout(0.5) as deadline:
        for n, seconds in enumerate(chunk_times, 1):
            await asyncio.sleep(seconds)           # the next chunk arrives
            deadline.reschedule(loop.time() + 0.5)
            print(f"{name}: chunk {n}")
    return f"{name}: {len(chunk_times)} chunks"


async def main():
    loop = asyncio.get_running_loop()
    # timeout_at takes an absolute deadline (loop time): everything must be over by then.
    async with asyncio.timeout_at(loop.time() + 3.0):
        results = await asyncio.gather(
            asyncio.create_task(download("steady", [0.3] * 5), name="steady"),
            asyncio.create_task(download("stalling", [0.3, 0.3, 0.8]), name="stalling"),
            return_exceptions=True)
    for result in results:
        print(f"{result!r}")


if __name__ == "__main__":
    asyncio.run(main())
