# idiom: a spawn-context process pool running the script's own function — Python docs, multiprocessing "Contexts and start methods" + concurrent.futures
import asyncio
import concurrent.futures
import multiprocessing


def shout(word):
    return word.upper() + "!"


async def main():
    ctx = multiprocessing.get_context("spawn")
    loop = asyncio.get_running_loop()
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        print(await loop.run_in_executor(pool, shout, "spawned"))

if __name__ == "__main__":
    asyncio.run(main())
