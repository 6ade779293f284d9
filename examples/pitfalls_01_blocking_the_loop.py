import asyncio
import time


async def ticker(stop):
    loop = asyncio.get_running_loop()
    last = loop.time()
    while not stop.is_set():
        await asyncio.sleep(0.1)
        now = loop.time()
        if now - last > 0.25:          # a tick arrived far too late: the loop was busy
            print(f"  ticker: {now - last:.2f} s since the last tick!")
        last = now


async def worker(stop):
    print("time.sleep(0.4): blocks the whole loop")
    time.sleep(0.4)
    print("asyncio.sleep(0.4): only this task waits")
    await asyncio.sleep(0.4)
    print("to_thread(time.sleep, 0.4): a worker thread waits, the loop is free")
    await asyncio.to_thread(time.sleep, 0.4)
    stop.set()


async def main():
    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(stop), name="ticker")
    await asyncio.sleep(0.15)          # let the ticker get going first
    await asyncio.create_task(worker(stop), name="worker")
    await tick


if __name__ == "__main__":
    asyncio.run(main())
