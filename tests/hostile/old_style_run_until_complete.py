# expect: exit=0 output="both done" output="background finished"
# Tutorial style: run_until_complete twice; a task made at module level outlives the first call.
import asyncio


async def background():
    await asyncio.sleep(0.2)
    print("background finished")


async def main():
    await asyncio.sleep(0.05)
    return "main"

# (Not asyncio.get_event_loop(): deprecated here since 3.12, an error since 3.14.)
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
task = loop.create_task(background())
results = loop.run_until_complete(asyncio.gather(main(), asyncio.sleep(0.01, "sleep")))
loop.run_until_complete(task)
print("both done", results)
loop.close()
