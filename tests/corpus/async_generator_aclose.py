# idiom: an async generator left early: its finally runs at aclose / shutdown_asyncgens — PEP 525 and Python docs, loop.shutdown_asyncgens
import asyncio


async def numbers():
    try:
        for i in range(100):
            yield i
            await asyncio.sleep(0)
    finally:
        print("generator cleaned up")


async def main():
    gen = numbers()
    async for n in gen:
        if n == 2:
            break
    print("left the loop at", n)
    await gen.aclose()
    left_open = numbers()
    print("first of another:", await left_open.__anext__())

asyncio.run(main())
print("after asyncio.run")
