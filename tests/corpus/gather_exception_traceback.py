# idiom: an exception out of asyncio.run, with its traceback — Python docs, "Developing with asyncio" (exceptions)
import asyncio


async def fetch(n):
    await asyncio.sleep(0.01)
    if n == 2:
        raise KeyError(n)
    return n


async def main():
    print(await asyncio.gather(fetch(1), fetch(2)))

asyncio.run(main())
