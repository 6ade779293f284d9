# idiom: loop = asyncio.get_event_loop(); loop.run_until_complete(main()); loop.close() — pre-3.7 tutorials (Python 3.4-3.6 docs); deprecated 3.12, an error in 3.14
import asyncio


async def greet(name):
    await asyncio.sleep(0.01)
    print("hello", name)


loop = asyncio.get_event_loop()
try:
    loop.run_until_complete(greet("world"))
finally:
    loop.close()
