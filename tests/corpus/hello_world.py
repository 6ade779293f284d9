# idiom: asyncio.run(main()) hello world — Python docs, asyncio (library index sidebar), 3.7+
import asyncio


async def main():
    print("Hello ...")
    await asyncio.sleep(0.01)
    print("... World!")

asyncio.run(main())
