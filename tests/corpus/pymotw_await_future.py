# idiom: main(loop) awaits a Future made with asyncio.Future() — PyMOTW-3 (Doug Hellmann), asyncio "Awaiting a Future"
import asyncio


def mark_done(future, result):
    print("setting future result to {!r}".format(result))
    future.set_result(result)


async def main(loop):
    all_done = asyncio.Future()
    print("scheduling mark_done")
    loop.call_soon(mark_done, all_done, "the result")
    result = await all_done
    print("returned result: {!r}".format(result))


event_loop = asyncio.new_event_loop()
asyncio.set_event_loop(event_loop)
try:
    event_loop.run_until_complete(main(event_loop))
finally:
    event_loop.close()
