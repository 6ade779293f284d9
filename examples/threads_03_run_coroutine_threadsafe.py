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


if __name__ == "__main__":
    asyncio.run(main())
