import asyncio


async def parse(text):
    await asyncio.sleep(0.1)
    return int(text)           # raises ValueError for "12a"


async def main():
    task = asyncio.create_task(parse("12a"), name="parse")
    await asyncio.sleep(0.3)   # the task has already failed by now...
    print(f"task.done() = {task.done()}; its exception: {task.exception()!r}")
    try:
        await task             # ...but the error surfaces here, in main
    except ValueError as exc:
        print(f"caught in main: {exc}")


if __name__ == "__main__":
    asyncio.run(main())
