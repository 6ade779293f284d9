# idiom: a ContextVar seen by tasks (each task a copy of the context) — Python docs, contextvars ("asyncio support")
import asyncio
import contextvars

request_id = contextvars.ContextVar("request_id", default="-")


async def handler(n):
    request_id.set(f"req-{n}")
    await asyncio.sleep(0.01 * (3 - n))
    return f"{n}:{request_id.get()}"


async def main():
    print(await asyncio.gather(*(handler(n) for n in range(3))))
    print("main still sees", request_id.get())

asyncio.run(main())
