# expect: exit=0 output="stopped by call_later"
# Old style: a callback stops run_forever.
import asyncio

loop = asyncio.get_event_loop()
loop.call_later(0.1, loop.stop)
loop.run_forever()
print("stopped by call_later")
