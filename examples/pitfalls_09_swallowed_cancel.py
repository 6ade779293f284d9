import asyncio


async def fetch_report(name):
    for attempt in range(1, 4):
        try:
            await asyncio.sleep(0.4)            # ask the slow report server
            return f"report (attempt {attempt})"
        except asyncio.CancelledError:          # the bug: a cancel is not a failed attempt
            print(f"{name}: attempt {attempt} was interrupted, retrying")
    return None


async def fetch_report_fixed(name):
    for attempt in range(1, 4):
        try:
            await asyncio.sleep(0.4)            # ask the slow report server
            return f"report (attempt {attempt})"
        except asyncio.CancelledError:
            print(f"{name}: cancelled, giving up")
            raise                               # the fix: let the cancel finish the task


async def with_deadline(fetch, name):
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(fetch(name), name=name)
    started = loop.time()
    try:
        async with asyncio.timeout(0.2):
            result = await task
    except TimeoutError:
        result = "TimeoutError"
    print(f"{name}: {result} after {loop.time() - started:.1f} s (the timeout was 0.2 s)")


async def main():
    await with_deadline(fetch_report, "swallows")
    await with_deadline(fetch_report_fixed, "reraises")


if __name__ == "__main__":
    asyncio.run(main())
