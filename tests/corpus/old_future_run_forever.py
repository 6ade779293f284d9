# idiom: a Future's done callback stops run_forever — Python 3.4 docs, "Example: Future with run_forever()"
import asyncio


async def slow_operation(future):
    await asyncio.sleep(0.02)
    future.set_result("Future is done!")


def got_result(future):
    print(future.result())
    loop.stop()


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
future = asyncio.Future()
asyncio.ensure_future(slow_operation(future))
future.add_done_callback(got_result)
try:
    loop.run_forever()
finally:
    loop.close()
