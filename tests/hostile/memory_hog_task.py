# expect: exit=1 args="--memory-limit 150" output="past its limit of 150 MB"
# A task that grows a list without end (and never awaits): stopped at the run's memory limit.
import asyncio


async def main():
    hog = []
    while True:
        hog.append(bytearray(1 << 20))

asyncio.run(main())
