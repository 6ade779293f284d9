# idiom: asyncio.Barrier — Python docs 3.11+, asyncio.Barrier (example)
# python: >=3.11
import asyncio


async def example_barrier():
    b = asyncio.Barrier(3)
    for _ in range(2):
        asyncio.create_task(b.wait())
    await asyncio.sleep(0)
    print(repr(b).split(" [")[1].rstrip(">]"))
    pos = await b.wait()
    print("barrier passed, position", pos)
    await asyncio.sleep(0)
    print(repr(b).split(" [")[1].rstrip(">]"))

asyncio.run(example_barrier())
