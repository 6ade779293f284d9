import asyncio


async def download(name, seconds):
    await asyncio.sleep(seconds)
    return f"{name}: {seconds} s of data"


async def main():
    quick = asyncio.create_task(download("quick", 0.1), name="quick-download")
    print(await asyncio.wait_for(quick, timeout=0.4))

    slow = asyncio.create_task(download("slow", 2.0), name="slow-download")
    try:
        print(await asyncio.wait_for(slow, timeout=0.4))
    except TimeoutError:
        # wait_for has already cancelled the task and waited for it to finish.
        print(f"TimeoutError: gave up; slow-download cancelled() = {slow.cancelled()}")

    # Given a coroutine instead of a task: where it runs depends on the Python (see the text).
    try:
        print(await asyncio.wait_for(download("inline", 2.0), timeout=0.2))
    except TimeoutError:
        print("TimeoutError: gave up on the inline download too")


if __name__ == "__main__":
    asyncio.run(main())
