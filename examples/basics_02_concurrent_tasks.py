import asyncio

# Older notebook tutorials (the course chapter's among them) begin with nest_asyncio.apply(), so
# that asyncio.run() works inside the notebook's running loop. Nothing here needs it: a notebook
# runs `await main()` at top level, and a script, or the playground, runs asyncio.run(main()) as
# is. The project was archived in 2024, does not work with loop_factory, and breaks
# current_task() on Python 3.14. It stays here, optional, only so the chapter's code runs as is.
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
