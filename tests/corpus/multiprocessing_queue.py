# idiom: multiprocessing.Process with a Queue, joined from a thread — Python docs, multiprocessing ("Exchanging objects between processes")
import asyncio
import multiprocessing


def producer(q, n):
    for i in range(n):
        q.put(i * i)
    q.put(None)


def collect(q):
    items = []
    while (item := q.get()) is not None:
        items.append(item)
    return items


async def main():
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=producer, args=(q, 5))
    p.start()
    items = await asyncio.to_thread(collect, q)
    await asyncio.to_thread(p.join)
    print(items, "exit code", p.exitcode)

if __name__ == "__main__":
    asyncio.run(main())
