# idiom: loop = asyncio.new_event_loop(); asyncio.set_event_loop(loop); try/finally close — common tutorial shape (Python docs, "Event Loop": new_event_loop/set_event_loop)
import asyncio


async def main():
    print("running on the loop we set:", asyncio.get_running_loop() is loop)
    return "result"


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
try:
    print(loop.run_until_complete(main()))
finally:
    loop.close()
    asyncio.set_event_loop(None)
