# idiom: async with asyncio.timeout() and .expired() — Python docs 3.11+, asyncio.timeout
# python: >=3.11
import asyncio


async def long_running_task():
    await asyncio.sleep(10)


async def main():
    try:
        async with asyncio.timeout(0.05) as cm:
            await long_running_task()
    except TimeoutError:
        print("The long operation timed out, but we've handled it.")
    print("This statement will run regardless.", cm.expired())

asyncio.run(main())
