# expect: exit=124
# run_forever() with nothing that stops it: only --timeout (or Stop) ends it.
import asyncio


async def tick():
    while True:
        await asyncio.sleep(0.1)

loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.create_task(tick())
loop.run_forever()
