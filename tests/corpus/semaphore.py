# idiom: a Semaphore bounding concurrency — Python docs, asyncio.Semaphore; "Python Concurrency with asyncio" (Fowler), ch. 11
import asyncio

running = 0
most = 0


async def job(sem, n):
    global running, most
    async with sem:
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
    return n


async def main():
    sem = asyncio.Semaphore(2)
    results = await asyncio.gather(*(job(sem, n) for n in range(6)))
    print(results, "at most", most, "at once")

asyncio.run(main())
