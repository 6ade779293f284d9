# idiom: asyncio.run_coroutine_threadsafe from another thread — Python docs, "Scheduling From Other Threads"
import asyncio
import threading


async def add(a, b):
    await asyncio.sleep(0.01)
    return a + b


def from_a_thread(loop, results):
    future = asyncio.run_coroutine_threadsafe(add(2, 3), loop)
    results.append(future.result(timeout=5))


async def main():
    loop = asyncio.get_running_loop()
    results = []
    thread = threading.Thread(target=from_a_thread, args=(loop, results))
    thread.start()
    await asyncio.to_thread(thread.join)
    print("from the thread:", results)

asyncio.run(main())
