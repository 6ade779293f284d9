# expect: exit=124 output="force-stopped task 'child-1'"
# Children of a TaskGroup that swallow their cancel: the group (and main) can never finish alone.
import asyncio


async def child():
    while True:
        try:
            await asyncio.sleep(0.5)
        except asyncio.CancelledError:
            pass


async def main():
    async with asyncio.TaskGroup() as tg:
        for i in range(3):
            tg.create_task(child(), name=f"child-{i}")

asyncio.run(main())
