# expect: exit=1 args="--memory-limit 150" output="past its limit of 150 MB"
# Module code growing a list without end: stopped at the run's memory limit.
import asyncio

hog = []
while True:
    hog.append(bytearray(1 << 20))


async def main():
    pass

asyncio.run(main())
