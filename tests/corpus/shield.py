# idiom: asyncio.shield against cancellation — Python docs, "Shielding From Cancellation"
import asyncio


async def important():
    await asyncio.sleep(0.05)
    print("important work finished")
    return 42


async def main():
    inner = asyncio.ensure_future(important())
    try:
        await asyncio.wait_for(asyncio.shield(inner), timeout=0.01)
    except TimeoutError:
        print("gave up waiting, the work goes on")
    print("result:", await inner)

asyncio.run(main())
