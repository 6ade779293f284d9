import asyncio


async def poll():
    n = 0
    try:
        while True:
            n += 1
            await asyncio.sleep(0.2)         # <- CancelledError appears here
    except asyncio.CancelledError as exc:
        # The traceback's first entry is this frame, at the line that was suspended.
        print(f"poll {n}: CancelledError at line {exc.__traceback__.tb_lineno}")
        raise


async def main():
    poller = asyncio.create_task(poll(), name="poller")
    await asyncio.sleep(0.3)
    poller.cancel()
    print(f"cancel() returned; cancelled() = {poller.cancelled()} (not yet: only requested)")
    try:
        await poller
    except asyncio.CancelledError:
        print(f"poller finished, cancelled() = {poller.cancelled()}")


if __name__ == "__main__":
    asyncio.run(main())
