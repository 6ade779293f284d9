import asyncio


async def download(mirror, seconds):
    await asyncio.sleep(seconds)
    return f"payload from {mirror}"


async def main():
    mirrors = {"mirror-slow": 1.5, "mirror-fast": 0.2, "mirror-medium": 0.8}
    tasks = {asyncio.create_task(download(m, s), name=m) for m, s in mirrors.items()}
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    winner = done.pop()
    print(f"winner: {winner.get_name()} -> {winner.result()!r}")
    for task in pending:
        task.cancel()
    # Give the cancelled tasks a chance to actually finish before we leave.
    await asyncio.wait(pending)
    print(f"cancelled: {sorted(t.get_name() for t in pending if t.cancelled())}")


if __name__ == "__main__":
    asyncio.run(main())
