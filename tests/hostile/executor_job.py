# expect: exit=124
# A blocking job in the default executor: the loop's shutdown must not wait 100 s for it.
import asyncio
import time


async def main():
    await asyncio.to_thread(time.sleep, 100)

asyncio.run(main())
