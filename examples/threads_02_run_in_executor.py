import asyncio
import functools
import time
from concurrent.futures import ThreadPoolExecutor


def resize(image, width=640):
    time.sleep(0.2)                    # stand-in for blocking image work
    return f"{image} -> {width}px"


async def resize_async(loop, pool, image):
    # run_in_executor has no **kwargs; partial carries them.
    return await loop.run_in_executor(pool, functools.partial(resize, image, width=320))


async def main():
    loop = asyncio.get_running_loop()
    started = loop.time()
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [asyncio.create_task(resize_async(loop, pool, f"img{n}.png"), name=f"resize-{n}")
                for n in range(1, 5)]
        for result in await asyncio.gather(*jobs):
            print(result)
    print(f"4 images on 2 threads: {loop.time() - started:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
