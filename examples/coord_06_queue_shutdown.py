import asyncio
import sys


async def producer(queue):
    for n in range(1, 6):
        await queue.put(f"job {n}")
        await asyncio.sleep(0.05)
    queue.shutdown()          # no more puts; getters drain what is queued, then QueueShutDown
    print("producer: queue shut down")


async def consumer(name, queue):
    handled = 0
    while True:
        try:
            job = await queue.get()
        except asyncio.QueueShutDown:
            print(f"{name}: no more work after {handled} jobs")
            return handled
        await asyncio.sleep(0.15)             # handle the job
        handled += 1
        queue.task_done()


async def main():
    queue = asyncio.Queue()
    async with asyncio.TaskGroup() as tg:
        tg.create_task(producer(queue), name="producer")
        workers = [tg.create_task(consumer(f"consumer-{i}", queue), name=f"consumer-{i}")
                   for i in (1, 2)]
    print(f"handled {sum(w.result() for w in workers)} jobs; the workers returned on their own")


if __name__ == "__main__":
    if hasattr(asyncio, "QueueShutDown"):
        asyncio.run(main())
    else:
        print(f"Python {sys.version_info.major}.{sys.version_info.minor} has no Queue.shutdown "
              "(new in 3.13): this lesson needs Python 3.13 or newer")
