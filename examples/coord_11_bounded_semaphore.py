import asyncio


async def flaky_job(pool):
    # A bug: the error path gives the permit back, and so does the line after it.
    await pool.acquire()
    try:
        raise ConnectionError("the server hung up")
    except ConnectionError:
        pool.release()
    pool.release()                            # ...a second time


async def job(label, n, pool, busy):
    async with pool:
        busy.add(n)
        print(f"{label}: job {n} connected ({len(busy)} of 2 connections in use)")
        await asyncio.sleep(0.1)
        busy.discard(n)


async def round_(label, pool):
    try:
        await asyncio.create_task(flaky_job(pool), name=f"flaky-{label}")
    except ValueError as exc:
        print(f"{label}: the extra release raised ValueError: {exc}")
    else:
        print(f"{label}: the extra release went unnoticed")
    busy = set()
    await asyncio.gather(*(asyncio.create_task(job(label, n, pool, busy), name=f"{label}-{n}")
                           for n in range(1, 4)))


async def main():
    plain = asyncio.Semaphore(2)              # two database connections
    await round_("plain", plain)
    bounded = asyncio.BoundedSemaphore(2)     # the same, but a release too many raises
    await round_("bounded", bounded)


if __name__ == "__main__":
    asyncio.run(main())
