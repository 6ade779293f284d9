# idiom: awaiting coroutines one after another (say_after) — Python docs, "Coroutines and Tasks"
import asyncio
import time


async def say_after(delay, what):
    await asyncio.sleep(delay)
    print(what)


async def main():
    started = time.monotonic()
    await say_after(0.02, "hello")
    await say_after(0.04, "world")
    print("took at least 0.06 s:", time.monotonic() - started >= 0.06)

asyncio.run(main())
