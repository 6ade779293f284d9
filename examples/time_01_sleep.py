import asyncio


async def count(label, n):
    for i in range(1, n + 1):
        print(f"{label}{i}", end=" ")
        await asyncio.sleep(0)         # give the other counter a turn
    return label


async def nap():
    loop = asyncio.get_running_loop()
    started = loop.time()
    slept = await asyncio.sleep(0.3, result="rested")  # sleep can hand back a value
    print(f"\nnap: {slept} for {loop.time() - started:.2f} s")


async def main():
    a = asyncio.create_task(count("a", 4), name="counter-a")
    b = asyncio.create_task(count("b", 4), name="counter-b")
    await asyncio.gather(a, b)
    await asyncio.create_task(nap(), name="nap")


if __name__ == "__main__":
    asyncio.run(main())
