# idiom: asyncio.to_thread for blocking I/O — Python docs 3.9+, asyncio.to_thread (blocking_io example)
import asyncio
import threading
import time


def blocking_io():
    print(f"start blocking_io in a thread: {threading.current_thread() is not threading.main_thread()}")
    time.sleep(0.05)
    print("blocking_io complete")
    return "io result"


async def main():
    print("start main")
    result, _ = await asyncio.gather(asyncio.to_thread(blocking_io), asyncio.sleep(0.01))
    print("main got", result)

asyncio.run(main())
