import asyncio


async def download(n):
    await asyncio.sleep(0.1 * n)
    return f"file{n}.bin"


async def cleanup():
    me = asyncio.current_task()
    print(f"cleanup started as {me.get_name()!r}")
    # Renaming is fine at any time; it is only a label, used in reprs, logs and debuggers.
    me.set_name("cleanup")
    await asyncio.sleep(0.2)
    print(f"...and finished as {me.get_name()!r}")


async def main():
    downloads = [asyncio.create_task(download(n), name=f"download-{n}") for n in (1, 2, 3)]
    anonymous = asyncio.create_task(cleanup())
    for task in downloads:
        print(f"{task.get_name()} -> {await task}")
    await anonymous


if __name__ == "__main__":
    asyncio.run(main())
