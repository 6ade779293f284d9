import asyncio


async def index(shelf, books):
    for _ in range(books):
        await asyncio.sleep(0.05)      # one book at a time, yielding in between
    return books


async def main():
    shelves = {"poetry": 4, "history": 9, "maths": 6}
    async with asyncio.TaskGroup() as tg:
        tasks = {name: tg.create_task(index(name, n), name=f"index-{name}")
                 for name, n in shelves.items()}
        print("all tasks started; the block now waits for them")
    # Only reached once every task in the group is done.
    total = sum(t.result() for t in tasks.values())
    print(f"indexed {total} books on {len(tasks)} shelves")


if __name__ == "__main__":
    asyncio.run(main())
