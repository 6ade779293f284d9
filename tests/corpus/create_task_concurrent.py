# idiom: create_task to run coroutines concurrently — Python docs, "Coroutines and Tasks" (asyncio.create_task)
import asyncio
import time


async def say_after(delay, what):
    await asyncio.sleep(delay)
    print(what)


async def main():
    task1 = asyncio.create_task(say_after(0.1, "hello"))
    task2 = asyncio.create_task(say_after(0.2, "world"))
    started = time.monotonic()
    await task1
    await task2
    print("concurrent:", time.monotonic() - started < 0.28)

asyncio.run(main())
