# expect: exit=124 output="the module code did not stop (at line 5)"
# A blocking call in module code that Python cannot interrupt in a thread: left behind.
import asyncio, time

time.sleep(100)


async def main():
    pass

asyncio.run(main())
