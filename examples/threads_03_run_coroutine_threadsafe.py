import asyncio
import threading


async def store(reading, db):
    await asyncio.sleep(0.05)          # e.g. an async database driver
    db.append(reading)
    return len(db)


def sensor_thread(loop, db):
    # Plain blocking code in a worker thread: it must not touch the loop directly.
    where = threading.current_thread().name
    for reading in (21.5, 21.7, 22.0):
        future = asyncio.run_coroutine_threadsafe(store(reading, db), loop)
        count = future.result(timeout=2)   # blocks this thread only
        print(f"[{where}] stored {reading}, {count} readings in the db")


async def main():
    db = []
    loop = asyncio.get_running_loop()
    await asyncio.to_thread(sensor_thread, loop, db)
    print(f"loop side sees {db}")

    # The classic misuse: the same two lines on the loop's own thread. result() blocks the loop,
    # and the loop is the only thing that could run store(): a deadlock. Without the timeout it
    # would never end; with it, the loop is stuck for 0.5 s and then result() gives up.
    future = asyncio.run_coroutine_threadsafe(store(99.9, db), loop)
    try:
        future.result(timeout=0.5)
    except TimeoutError:
        print("deadlock: result() on the loop's thread waited 0.5 s for nothing")
    # On the loop, await instead: wrap_future turns it into an asyncio future.
    print(f"awaited instead: {await asyncio.wrap_future(future)} readings in the db")


if __name__ == "__main__":
    asyncio.run(main())
