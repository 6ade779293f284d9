import asyncio


async def steps():
    loop = asyncio.get_running_loop()
    started = loop.time()
    finished = 0
    try:
        async with asyncio.timeout(0.5) as cm:
            for _ in range(5):
                await asyncio.sleep(0.2)
                finished += 1
    except TimeoutError:
        print(f"timed out after {loop.time() - started:.2f} s, {finished} steps finished")
    # The context manager remembers whether it was the one that fired.
    print(f"expired() = {cm.expired()}")
    return finished


async def main():
    task = asyncio.create_task(steps(), name="steps")
    print(f"steps returned {await task}")


if __name__ == "__main__":
    asyncio.run(main())
