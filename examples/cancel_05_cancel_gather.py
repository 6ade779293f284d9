import asyncio


async def render(part, seconds):
    await asyncio.sleep(seconds)
    return f"part {part} rendered"


async def main():
    parts = [asyncio.create_task(render(n, s), name=f"part-{n}")
             for n, s in ((1, 0.1), (2, 0.6), (3, 1.2))]
    everything = asyncio.gather(*parts)
    await asyncio.sleep(0.25)
    print(f"cancel() on the gather returned {everything.cancel()}")
    try:
        await everything
    except asyncio.CancelledError:
        print("awaiting the gather raised CancelledError")
    for part in parts:
        print(f"{part.get_name()}: {'cancelled' if part.cancelled() else part.result()}")


if __name__ == "__main__":
    asyncio.run(main())
