# idiom: gather(..., return_exceptions=True) — Python docs, asyncio.gather
import asyncio


async def ok(n):
    await asyncio.sleep(0.01)
    return n


async def boom():
    await asyncio.sleep(0.005)
    raise RuntimeError("boom")


async def main():
    results = await asyncio.gather(ok(1), boom(), ok(3), return_exceptions=True)
    print([type(r).__name__ if isinstance(r, Exception) else r for r in results])

asyncio.run(main())
