# idiom: a delay() helper awaited with gather and as tasks — "Python Concurrency with asyncio" (Fowler), ch. 2 (util.delay)
import asyncio


async def delay(delay_seconds: int) -> int:
    print(f"sleeping for {delay_seconds} second(s)")
    await asyncio.sleep(delay_seconds)
    print(f"finished sleeping for {delay_seconds} second(s)")
    return delay_seconds


async def main():
    sleep_for_three = asyncio.create_task(delay(0.03))
    sleep_again = asyncio.create_task(delay(0.03))
    print(type(sleep_for_three))
    results = await asyncio.gather(sleep_for_three, sleep_again)
    print(results)

asyncio.run(main())
