# expect: exit=124 output="swallowed CancelledError at line 10" output="finally ran"
# A task that swallows CancelledError forever: force-stopped after the grace, finally runs.
import asyncio


async def stubborn():
    try:
        while True:
            try:
                await asyncio.sleep(1)
            except asyncio.CancelledError:
                print("not stopping")
    finally:
        print("finally ran")


async def main():
    await asyncio.create_task(stubborn(), name="stubborn")

asyncio.run(main())
