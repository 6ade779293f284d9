# idiom: asyncio.Condition with wait_for / notify_all — Python docs, asyncio.Condition
import asyncio


async def consumer(cond, items, name):
    async with cond:
        await cond.wait_for(lambda: items)
        print(name, "got", items.pop(0))


async def main():
    cond = asyncio.Condition()
    items = []
    consumers = [asyncio.create_task(consumer(cond, items, f"c{i}")) for i in range(2)]
    await asyncio.sleep(0.01)
    async with cond:
        items.extend(["a", "b"])
        cond.notify_all()
    await asyncio.gather(*consumers)

asyncio.run(main())
