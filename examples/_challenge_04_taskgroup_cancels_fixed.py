import asyncio


async def upload(parts):
    for part in range(1, parts + 1):
        await asyncio.sleep(0)           # send one part
        print(f"upload: part {part}/{parts} sent")
    print("upload: complete")


async def thumbnail():
    try:
        for step in ("decode", "resize", "sharpen", "encode"):
            await asyncio.sleep(0)
        raise ValueError("thumbnail: the image is corrupt")
    except ValueError as exc:            # a failure of its own, handled where it happens:
        print(f"{exc} (uploading without one)")   # nothing to cancel the upload for
        return None


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(upload(3), name="upload")
            tg.create_task(thumbnail(), name="thumbnail")
    except* ValueError as group:
        print(f"the TaskGroup failed: {group.exceptions[0]}")


asyncio.run(main())
