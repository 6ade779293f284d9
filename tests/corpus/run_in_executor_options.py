# idiom: loop.run_in_executor: default executor, a thread pool, a process pool — Python docs, "Executing code in thread or process pools"
import asyncio
import concurrent.futures


def blocking_io():
    return sum(range(1000))


def cpu_bound():
    return sum(i * i for i in range(10 ** 5))


async def main():
    loop = asyncio.get_running_loop()
    result = await loop.run_in_executor(None, blocking_io)
    print("default thread pool", result)
    with concurrent.futures.ThreadPoolExecutor() as pool:
        result = await loop.run_in_executor(pool, blocking_io)
        print("custom thread pool", result)
    with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
        result = await loop.run_in_executor(pool, cpu_bound)
        print("custom process pool", result)

if __name__ == "__main__":
    asyncio.run(main())
