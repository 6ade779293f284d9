import asyncio


async def job(name, seconds, fail=False):
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        print(f"{name}: cancelled")
        raise
    if fail:
        raise ValueError(f"{name} broke")
    print(f"{name}: finished")
    return name


async def with_gather():
    tasks = [asyncio.create_task(job("g-fast", 0.1), name="g-fast"),
             asyncio.create_task(job("g-bad", 0.2, fail=True), name="g-bad"),
             asyncio.create_task(job("g-slow", 0.5), name="g-slow")]
    try:
        await asyncio.gather(*tasks)
    except ValueError as exc:
        print(f"gather raised {exc!r}; g-slow still running: {not tasks[2].done()}")
    await tasks[2]          # nobody else will: gather left it running


async def with_taskgroup():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(job("t-fast", 0.1), name="t-fast")
            tg.create_task(job("t-bad", 0.2, fail=True), name="t-bad")
            tg.create_task(job("t-slow", 0.5), name="t-slow")
    except* ValueError as group:
        print(f"TaskGroup raised {group.exceptions!r} after cancelling the rest")


async def main():
    # The same three jobs, two ways, side by side.
    await asyncio.gather(asyncio.create_task(with_gather(), name="gather-way"),
                         asyncio.create_task(with_taskgroup(), name="taskgroup-way"))


if __name__ == "__main__":
    asyncio.run(main())
