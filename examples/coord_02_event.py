import asyncio


async def runner(name, start, seconds):
    await start.wait()                 # everyone lines up here
    await asyncio.sleep(seconds)
    print(f"{name} finished")


async def starter(start):
    for n in (3, 2, 1):
        print(f"{n}...")
        await asyncio.sleep(0.1)
    print("go!")
    start.set()


async def main():
    start = asyncio.Event()
    async with asyncio.TaskGroup() as tg:
        for name, seconds in (("tortoise", 0.3), ("hare", 0.1), ("fox", 0.2)):
            tg.create_task(runner(name, start, seconds), name=f"runner-{name}")
        tg.create_task(starter(start), name="starter")


if __name__ == "__main__":
    asyncio.run(main())
