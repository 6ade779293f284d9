# expect: exit=124 output="'sleeper'"
# A non-daemon thread: Python waits for it at exit; the playground stops waiting at the timeout.
import asyncio
import threading
import time


async def main():
    threading.Thread(target=time.sleep, args=(100,), name="sleeper").start()
    print("main done")

asyncio.run(main())
