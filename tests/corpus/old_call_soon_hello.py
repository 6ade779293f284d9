# idiom: loop.call_soon + run_forever, the callback stops the loop — Python 3.4 docs, "Hello World with call_soon()"
import asyncio


def hello_world(loop):
    print("Hello World")
    loop.stop()


loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
loop.call_soon(hello_world, loop)
try:
    loop.run_forever()
finally:
    loop.close()
print("closed:", loop.is_closed())
