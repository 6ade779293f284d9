# expect: exit=124
# A task that never awaits blocks the loop: the timeout still ends the run.
import asyncio


async def main():
    while True:
        pass

asyncio.run(main())
