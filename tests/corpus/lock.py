# idiom: async with lock — Python docs, "Synchronization Primitives" (Lock)
import asyncio

counter = 0


async def increment(lock):
    global counter
    async with lock:
        value = counter
        await asyncio.sleep(0.001)
        counter = value + 1


async def main():
    lock = asyncio.Lock()
    await asyncio.gather(*(increment(lock) for _ in range(20)))
    print("counter:", counter, "locked:", lock.locked())

asyncio.run(main())
