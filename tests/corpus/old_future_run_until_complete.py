# idiom: a coroutine resolves a module-level Future; run_until_complete(future) — Python 3.4 docs, "Example: Future with run_until_complete()"
import asyncio


async def slow_operation(future):
    await asyncio.sleep(0.02)
    future.set_result("Future is done!")


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
future = asyncio.Future()
asyncio.ensure_future(slow_operation(future))
loop.run_until_complete(future)
print(future.result())
loop.close()
