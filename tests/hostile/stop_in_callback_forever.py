# expect: exit=0 output="stopped by call_later"
# Old style: a callback stops run_forever.
import asyncio

# (Not asyncio.get_event_loop(): deprecated here since 3.12, an error since 3.14.)
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.call_later(0.1, loop.stop)
loop.run_forever()
print("stopped by call_later")
