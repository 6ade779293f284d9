import asyncio


async def upload(name):
    try:
        await asyncio.sleep(1.0)
        return f"{name} uploaded"
    finally:
        print(f"{name}: stopped after the sibling failed" if asyncio.current_task().cancelling()
              else f"{name}: done")


async def check_size(size):
    await asyncio.sleep(0.2)
    if size > 100:
        raise ValueError(f"file too large: {size} MB")


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(upload("a"), name="upload-a")
            tg.create_task(upload("b"), name="upload-b")
            tg.create_task(check_size(250), name="check-size")
    except* ValueError as group:
        for exc in group.exceptions:
            print(f"batch rejected: {exc}")


if __name__ == "__main__":
    asyncio.run(main())
