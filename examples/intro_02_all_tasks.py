import asyncio


async def worker(n):
    await asyncio.sleep(0.15 * n)


def report(title):
    print(title)
    mine = [t for t in asyncio.all_tasks() if t.get_name().startswith(("worker-", "main"))]
    for task in sorted(mine, key=lambda t: t.get_name()):
        if task is asyncio.current_task():
            where = "running now (this report)"
        else:                              # a suspended task's stack ends at its await
            where = f"suspended at line {task.get_stack()[-1].f_lineno}"
        print(f"  {task.get_name():9} {task.get_coro().__qualname__:7} {where}")


async def main():
    asyncio.current_task().set_name("main")
    workers = [asyncio.create_task(worker(n), name=f"worker-{n}") for n in (1, 2, 3)]
    await asyncio.sleep(0)             # let every worker reach its first await
    report("after start:")
    await asyncio.sleep(0.2)
    report("at 0.2 s:")
    await asyncio.gather(*workers)


if __name__ == "__main__":
    asyncio.run(main())
