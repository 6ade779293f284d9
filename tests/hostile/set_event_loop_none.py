# expect: exit=0 output="ok"
import asyncio


async def main():
    asyncio.set_event_loop(None)
    await asyncio.sleep(0)
    print("ok")

asyncio.run(main())
