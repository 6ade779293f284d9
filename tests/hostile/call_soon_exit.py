# expect: exit=3
# sys.exit from a plain loop callback.
import asyncio
import sys


async def main():
    asyncio.get_running_loop().call_soon(sys.exit, 3)
    await asyncio.sleep(1)

asyncio.run(main())
