import asyncio
import sys

CACHE = {"home": "<h1>home</h1>", "about": "<p>about</p>"}


async def lookup(page):
    if page in CACHE:
        return CACHE[page]             # no await at all: an eager task ends right here
    await asyncio.sleep(0.1)           # a miss has to wait for the "network"
    CACHE[page] = f"<p>{page}</p>"
    return CACHE[page]


async def main():
    loop = asyncio.get_running_loop()
    factory = getattr(asyncio, "eager_task_factory", None)
    previous = loop.get_task_factory()
    if factory is None:
        print(f"Python {sys.version_info.major}.{sys.version_info.minor} has no "
              "eager_task_factory (new in 3.12): using the normal task factory")
    else:
        loop.set_task_factory(factory)
    try:
        for page in ("home", "about", "blog"):
            task = asyncio.create_task(lookup(page), name=f"lookup-{page}")
            print(f"{page:5}: done right after create_task: {task.done()}")
            print(f"       -> {await task}")
    finally:
        loop.set_task_factory(previous)


if __name__ == "__main__":
    asyncio.run(main())
