# expect: exit=0 output="reader fired"
# A reader registered and never removed: it must not outlive the run.
import asyncio
import os

r, w = os.pipe()
os.write(w, b"x")


def on_readable():
    print("reader fired", flush=True)


async def main():
    asyncio.get_running_loop().add_reader(r, on_readable)
    await asyncio.sleep(0.01)

asyncio.run(main())
