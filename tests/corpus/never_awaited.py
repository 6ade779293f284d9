# idiom: a coroutine called without await ("never awaited" warning) — Python docs, "Developing with asyncio" (Detect never-awaited coroutines)
import asyncio


async def test():
    print("never scheduled")


async def main():
    test()
    await asyncio.sleep(0)
    print("main done")

asyncio.run(main())
