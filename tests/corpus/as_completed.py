# idiom: for coro in asyncio.as_completed(...) — Python docs, asyncio.as_completed; "Python Concurrency with asyncio" (Fowler), ch. 4
import asyncio


async def delay(seconds):
    await asyncio.sleep(seconds)
    return seconds


async def main():
    for finished in asyncio.as_completed([delay(0.09), delay(0.03), delay(0.06)]):
        print("finished:", await finished)

asyncio.run(main())
