# expect: exit=3 output="exited with 3"
import asyncio
import sys


async def main():
    await asyncio.sleep(0.01)

asyncio.run(main())
sys.exit(3)
