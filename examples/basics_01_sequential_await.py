import asyncio


async def fetch(source):
    print(f"Starting {source}")
    await asyncio.sleep(1)  # stands in for a network round trip
    print(f"Done {source}")


async def main():
    loop = asyncio.get_running_loop()
    started = loop.time()
    # Each await finishes before the next line runs: A's whole second, then B's.
    await fetch("source_A")
    await fetch("source_B")
    print(f"Both done after {loop.time() - started:.1f} s")


asyncio.run(main())
