# idiom: "Task exception was never retrieved" — Python docs, "Developing with asyncio" (Detect never-retrieved exceptions)
import asyncio


async def bug():
    raise Exception("not consumed")


async def main():
    asyncio.create_task(bug())
    await asyncio.sleep(0.01)
    print("main done")

asyncio.run(main())
