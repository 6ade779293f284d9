import asyncio


async def download():
    for chunk in range(1, 4):
        await asyncio.sleep(0.1)
        print(f"download: chunk {chunk}/3")
    return "report.pdf"


async def main():
    task = asyncio.create_task(download(), name="download")
    try:
        name = await asyncio.wait_for(task, timeout=0.5)
        print(f"saved {name}")
    except TimeoutError:
        print("gave up: the download was cancelled")


asyncio.run(main())
