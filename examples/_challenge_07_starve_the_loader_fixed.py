import asyncio

config = {}
loaded = asyncio.Event()


async def load_config():
    for name in ("defaults.toml", "site.toml", "user.toml"):
        await asyncio.sleep(0)           # read one file
        config[name] = "read"
    print("loader: config loaded")
    loaded.set()


async def wait_for_config():
    await loaded.wait()                  # no checks to run out of: wait for the thing itself
    print("poller: config ready")


async def main():
    async with asyncio.TaskGroup() as tg:
        tg.create_task(wait_for_config(), name="poller")
        tg.create_task(load_config(), name="loader")


asyncio.run(main())
