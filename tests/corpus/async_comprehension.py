# idiom: asynchronous comprehensions with await inside — PEP 530 (Asynchronous Comprehensions)
import asyncio


async def double(x):
    await asyncio.sleep(0)
    return 2 * x


async def agen(n):
    for i in range(n):
        yield i


async def main():
    print([await double(i) for i in range(4)])
    print({i: await double(i) async for i in agen(3) if i != 1})

asyncio.run(main())
