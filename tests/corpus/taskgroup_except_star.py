# idiom: a failing TaskGroup child and except* — Python docs 3.11+, "Task Groups" and PEP 654
# python: >=3.11
import asyncio


async def ok():
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print("sibling cancelled")
        raise


async def bad():
    await asyncio.sleep(0.01)
    raise ValueError("bad value")


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(ok())
            tg.create_task(bad())
    except* ValueError as group:
        print("caught", [str(e) for e in group.exceptions])

asyncio.run(main())
