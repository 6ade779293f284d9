# idiom: asyncio.Event set by another task (waiter example) — Python docs, "Synchronization Primitives" (Event)
import asyncio


async def waiter(event):
    print("waiting for it ...")
    await event.wait()
    print("... got it!")


async def main():
    event = asyncio.Event()
    waiter_task = asyncio.create_task(waiter(event))
    await asyncio.sleep(0.02)
    event.set()
    await waiter_task

asyncio.run(main())
