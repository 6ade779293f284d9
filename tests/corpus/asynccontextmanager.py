# idiom: @contextlib.asynccontextmanager and async with — Python docs, contextlib.asynccontextmanager
import asyncio
from contextlib import asynccontextmanager


@asynccontextmanager
async def connection(name):
    print("open", name)
    await asyncio.sleep(0.005)
    try:
        yield name.upper()
    finally:
        await asyncio.sleep(0.005)
        print("close", name)


async def main():
    async with connection("db") as conn:
        print("using", conn)
    try:
        async with connection("cache"):
            raise LookupError("miss")
    except LookupError as exc:
        print("handled", exc)

asyncio.run(main())
