# idiom: async with asyncio.TaskGroup() — Python docs 3.11+, "Task Groups"
# python: >=3.11
import asyncio


async def fetch(n):
    await asyncio.sleep(0.01 * n)
    return n * 10


async def main():
    async with asyncio.TaskGroup() as tg:
        t1 = tg.create_task(fetch(1))
        t2 = tg.create_task(fetch(2))
    print("both done:", t1.result(), t2.result())

asyncio.run(main())
