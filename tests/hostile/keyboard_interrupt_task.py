# expect: exit=130 output="KeyboardInterrupt"
# KeyboardInterrupt raised by the lesson in a task: an interrupt, with the lesson's traceback.
import asyncio


async def main():
    await asyncio.sleep(0.01)
    raise KeyboardInterrupt

asyncio.run(main())
