# expect: exit=124 output="cleaning up"
# The tutorial's "Ctrl+C to stop" shape: the timeout lands as KeyboardInterrupt in run_forever.
import asyncio


async def serve():
    while True:
        await asyncio.sleep(0.1)

# (Not asyncio.get_event_loop(): deprecated here since 3.12, an error since 3.14.)
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.create_task(serve())
try:
    loop.run_forever()
except KeyboardInterrupt:
    print("cleaning up")
finally:
    loop.close()
