import asyncio

config = {}


async def load_config():
    for name in ("defaults.toml", "site.toml", "user.toml"):
        await asyncio.sleep(0)           # read one file
        config[name] = "read"
    print("loader: config loaded")


async def wait_for_config():
    for check in range(1, 11):
        if len(config) == 3:
            print(f"poller: config ready at check {check}")
            return
        await asyncio.sleep(0)           # let the loader run
    print("poller: gave up after 10 checks, starting without config")


async def main():
    async with asyncio.TaskGroup() as tg:
        tg.create_task(wait_for_config(), name="poller")
        tg.create_task(load_config(), name="loader")


asyncio.run(main())
