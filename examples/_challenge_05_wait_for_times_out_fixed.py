import asyncio


async def download():
    for chunk in range(1, 4):
        await asyncio.sleep(0.1)
        print(f"download: chunk {chunk}/3")
    return "report.pdf"


async def main():
    task = asyncio.create_task(download(), name="download")
    try:
        # shield: the timeout cancels the wait, not the download
        name = await asyncio.wait_for(asyncio.shield(task), timeout=0.5)
    except TimeoutError:
        print("slow today: still downloading")
        name = await task
    print(f"saved {name}")


asyncio.run(main())
