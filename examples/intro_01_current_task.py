import asyncio


def log(message):
    # A plain function: no task is passed in, current_task() finds it.
    task = asyncio.current_task()
    print(f"[{task.get_name()}] {message}")


async def handle(user, seconds):
    log(f"looking up {user}")
    await asyncio.sleep(seconds)
    log(f"done with {user}")


async def main():
    me = asyncio.current_task()
    print(f"main runs as coroutine {me.get_coro().__qualname__!r}")
    async with asyncio.TaskGroup() as tg:
        tg.create_task(handle("ada", 0.2), name="handle-ada")
        tg.create_task(handle("linus", 0.1), name="handle-linus")
    me.set_name("main")
    log("all requests handled")


if __name__ == "__main__":
    asyncio.run(main())
