# idiom: a thread hands a result to the loop with call_soon_threadsafe — Python docs, "Concurrency and Multithreading" (Developing with asyncio)
import asyncio
import threading


def worker(loop, fut):
    loop.call_soon_threadsafe(fut.set_result, "from the worker thread")


async def main():
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    threading.Thread(target=worker, args=(loop, fut)).start()
    print(await fut)

asyncio.run(main())
