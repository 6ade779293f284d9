# expect: exit=0 output="tick 2" output="after run_forever"
# Tutorial style: tasks on the module's loop, run_forever() until a task calls loop.stop().
import asyncio


async def ticker():
    for i in range(3):
        print("tick", i)
        await asyncio.sleep(0.05)
    loop.stop()

# (Not asyncio.get_event_loop(): deprecated here since 3.12, an error since 3.14.)
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.create_task(ticker())
loop.call_soon(print, "call_soon from module code")
try:
    loop.run_forever()
finally:
    loop.close()
print("after run_forever")
