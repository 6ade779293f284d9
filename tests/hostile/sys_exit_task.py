# expect: exit=2 output="exited with 2"
# sys.exit(2) in a child task ends the run with code 2, as under plain asyncio.run.
import asyncio
import sys


async def quitter():
    await asyncio.sleep(0.05)
    sys.exit(2)


async def main():
    await asyncio.gather(quitter(), asyncio.sleep(10))

asyncio.run(main())
