import asyncio


async def runner(name, warm_up, barrier):
    await asyncio.sleep(warm_up)
    print(f"{name} ready")
    arrival = await barrier.wait()          # parties arrive here one by one...
    print(f"{name} goes (arrived {arrival + 1} of {barrier.parties})")   # ...and leave together


async def main():
    barrier = asyncio.Barrier(3)
    async with asyncio.TaskGroup() as tg:
        for name, warm_up in (("runner-a", 0.1), ("runner-b", 0.3), ("runner-c", 0.5)):
            tg.create_task(runner(name, warm_up, barrier), name=name)
    print("all three started together")


if __name__ == "__main__":
    asyncio.run(main())
