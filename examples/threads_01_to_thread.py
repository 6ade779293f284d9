import asyncio
import threading
import time


def read_file(name):
    # Stand-in for a blocking call (a slow disk, a synchronous HTTP client...).
    time.sleep(0.3)
    return f"{name}: read on thread {threading.current_thread().name!r}"


async def heartbeat(stop):
    beats = 0
    while not stop.is_set():
        await asyncio.sleep(0.05)
        beats += 1
    print(f"heartbeat: {beats} beats while the files were read")


async def main():
    stop = asyncio.Event()
    beat = asyncio.create_task(heartbeat(stop), name="heartbeat")
    loop = asyncio.get_running_loop()
    started = loop.time()
    reads = [asyncio.create_task(asyncio.to_thread(read_file, n), name=f"read-{n}")
             for n in "abc"]
    for line in await asyncio.gather(*reads):
        print(line)
    print(f"three 0.3 s reads took {loop.time() - started:.1f} s")
    stop.set()
    await beat


if __name__ == "__main__":
    asyncio.run(main())
