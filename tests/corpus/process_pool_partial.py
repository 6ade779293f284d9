# idiom: ProcessPoolExecutor with functools.partial and gather — "Python Concurrency with asyncio" (Fowler), listing 6.5
import asyncio
from concurrent.futures import ProcessPoolExecutor
from functools import partial


def count(count_to: int) -> int:
    counter = 0
    while counter < count_to:
        counter += 1
    return counter


async def main():
    with ProcessPoolExecutor(max_workers=2) as process_pool:
        loop = asyncio.get_running_loop()
        calls = [partial(count, n) for n in (1, 3, 5, 22, 10000)]
        results = await asyncio.gather(*(loop.run_in_executor(process_pool, call) for call in calls))
        print(results)

if __name__ == "__main__":
    asyncio.run(main())
