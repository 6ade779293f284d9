# idiom: an async generator consumed with async for (ticker) — PEP 525 (Asynchronous Generators)
import asyncio


async def ticker(delay, to):
    for i in range(to):
        yield i
        await asyncio.sleep(delay)


async def main():
    async for i in ticker(0.005, 4):
        print("tick", i)
    print([i async for i in ticker(0, 3)])

asyncio.run(main())
