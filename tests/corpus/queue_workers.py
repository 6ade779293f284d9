# idiom: asyncio.Queue with workers, queue.join() then cancel — Python docs, "Queues" (Examples)
import asyncio


async def worker(name, queue, log):
    while True:
        sleep_for = await queue.get()
        await asyncio.sleep(sleep_for)
        queue.task_done()
        log.append((name, sleep_for))


async def main():
    queue = asyncio.Queue()
    for delay in (0.01, 0.02, 0.03, 0.01, 0.02, 0.01):
        queue.put_nowait(delay)
    log = []
    tasks = [asyncio.create_task(worker(f"worker-{i}", queue, log)) for i in range(3)]
    await queue.join()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print("processed", len(log), "items; total", round(sum(d for _, d in log), 2))

asyncio.run(main())
