import asyncio
import concurrent.futures
import threading
import time


def legacy_geocode(address, on_done):
    # A callback-style library: it answers later, from a thread of its own, by calling
    # on_done(result, error). It knows nothing about asyncio.
    def work():
        time.sleep(0.2)
        if address:
            on_done(f"{address}: 48.85 N, 2.35 E", None)
        else:
            on_done(None, ValueError("empty address"))
    threading.Thread(target=work, name="geocoder").start()


async def geocode(address):
    # The wrapper: create a future, let the callback complete it, await it.
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(result, error):                 # runs on the loop's thread
        if future.cancelled():                 # the caller has given up meanwhile
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def on_done(result, error):                # runs on the library's thread
        loop.call_soon_threadsafe(settle, result, error)   # futures are not thread-safe

    legacy_geocode(address, on_done)
    return await future


def checksum(data):
    time.sleep(0.1)                            # blocking work in a thread pool
    return sum(data) % 251


async def main():
    loop = asyncio.get_running_loop()
    loop.call_later(0.1, print, "call_later: 0.1 s later")
    loop.call_soon(print, "call_soon: at the loop's next turn")
    print("main: both callbacks scheduled")
    await asyncio.sleep(0.15)

    print(await asyncio.create_task(geocode("Paris"), name="geocode-paris"))
    try:
        await asyncio.create_task(geocode(""), name="geocode-empty")
    except ValueError as exc:
        print(f"geocode failed: {exc}")

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        done_later = pool.submit(checksum, b"asyncio")     # a concurrent.futures.Future
        print(f"checksum: {await asyncio.wrap_future(done_later)}")


if __name__ == "__main__":
    asyncio.run(main())
