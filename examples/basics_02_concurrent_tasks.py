import asyncio

# The tutorial idiom for notebooks, where a loop is already running. The playground handles
# asyncio.run() itself, so this is optional: without the package the script still runs.
try:
    import nest_asyncio
    nest_asyncio.apply()
except ImportError:
    pass


async def fetch(source):
    print(f"Starting {source}")
    await asyncio.sleep(1)  # stands in for a network round trip
    print(f"Done {source}")


async def main():
    loop = asyncio.get_running_loop()
    started = loop.time()
    # Scheduled now, run as soon as main() next yields to the loop.
    task_a = asyncio.create_task(fetch("source_A"), name="fetch-A")
    task_b = asyncio.create_task(fetch("source_B"), name="fetch-B")
    await task_a
    await task_b
    print(f"Both done after {loop.time() - started:.1f} s")


asyncio.run(main())
