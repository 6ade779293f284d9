# idiom: run_until_complete, then cancel all_tasks(loop) and gather them — "Using Asyncio in Python" (Hattingh), Example 3-2
import asyncio
import time


async def main():
    print(f"{time.ctime()} Hello!")
    await asyncio.sleep(0.02)
    print(f"{time.ctime()} Goodbye!")


def blocking():
    time.sleep(0.05)
    print(f"{time.ctime()} Hello from a thread!")


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
task = loop.create_task(main())
loop.run_in_executor(None, blocking)
loop.run_until_complete(task)
pending = asyncio.all_tasks(loop=loop)
for t in pending:
    t.cancel()
group = asyncio.gather(*pending, return_exceptions=True)
loop.run_until_complete(group)
loop.close()
