import asyncio


async def worker():
    me = asyncio.current_task()
    before = me.cancelling()           # requests already pending when we start: 0 here
    try:
        await asyncio.sleep(1)
    except asyncio.CancelledError:
        print(f"{me.get_name()}: caught, cancelling() = {me.cancelling()}")
        # A demonstration of the counter, not a pattern to copy: this worker takes back one
        # request that main() made. Like asyncio.timeout(), compare with the count on entry.
        if me.uncancel() > before:
            print(f"{me.get_name()}: another request is pending, giving up")
            raise
        print(f"{me.get_name()}: handled, carrying on")
    await asyncio.sleep(0.1)
    return "finished"


async def main():
    lenient = asyncio.create_task(worker(), name="lenient")
    insistent = asyncio.create_task(worker(), name="insistent")
    await asyncio.sleep(0.1)
    lenient.cancel()
    insistent.cancel()
    insistent.cancel()                 # a second, independent request
    results = await asyncio.gather(lenient, insistent, return_exceptions=True)
    for task, result in zip((lenient, insistent), results):
        print(f"{task.get_name()}: {result!r}")


if __name__ == "__main__":
    asyncio.run(main())
