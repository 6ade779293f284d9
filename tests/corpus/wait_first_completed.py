# idiom: asyncio.wait(..., return_when=FIRST_COMPLETED) — Python docs, asyncio.wait
import asyncio


async def delay(seconds):
    await asyncio.sleep(seconds)
    return seconds


async def main():
    tasks = {asyncio.create_task(delay(s), name=f"d{s}") for s in (0.02, 0.2)}
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    print("done:", [t.result() for t in done], "pending:", [t.get_name() for t in pending])
    for t in pending:
        t.cancel()
    await asyncio.gather(*pending, return_exceptions=True)

asyncio.run(main())
