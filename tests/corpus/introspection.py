# idiom: asyncio.all_tasks / current_task / get_coro / get_name — Python docs, "Coroutines and Tasks" (Introspection)
import asyncio


async def worker(n):
    await asyncio.sleep(0.02)


async def main():
    tasks = [asyncio.create_task(worker(n), name=f"worker-{n}") for n in range(2)]
    await asyncio.sleep(0)
    me = asyncio.current_task()
    print("me:", me.get_name(), me.get_coro().__qualname__)
    print("all:", sorted(t.get_name() for t in asyncio.all_tasks()))
    print("done?", [t.done() for t in tasks])
    await asyncio.gather(*tasks)
    print("left:", sorted(t.get_name() for t in asyncio.all_tasks()))

asyncio.run(main())
