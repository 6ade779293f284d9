import asyncio


async def load_config():
    raise KeyError("missing setting 'port'")


async def load_data():
    raise ValueError("row 3: not a number")


async def load_cache():
    await asyncio.sleep(1)


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            # Both failures happen in the tasks' first step, before the group can cancel anything.
            tg.create_task(load_config(), name="load-config")
            tg.create_task(load_data(), name="load-data")
            tg.create_task(load_cache(), name="load-cache")
    except* KeyError as group:
        print(f"config problems: {[e.args[0] for e in group.exceptions]}")
    except* ValueError as group:
        print(f"data problems: {[e.args[0] for e in group.exceptions]}")
    print("both handled, main carries on")


if __name__ == "__main__":
    asyncio.run(main())
