# idiom: loop.set_task_factory(asyncio.eager_task_factory) — Python docs 3.12+, "Eager Task Factory"
# python: >=3.12
import asyncio


async def quick():
    print("quick ran at once")
    return 1


async def main():
    asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)
    task = asyncio.create_task(quick())
    print("created; done already:", task.done())
    print(await task)

asyncio.run(main())
