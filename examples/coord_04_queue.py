import asyncio


async def producer(queue, count):
    for n in range(1, count + 1):
        await queue.put(f"order-{n}")      # waits while the queue is full
    print(f"producer: all {count} orders queued")


async def consumer(name, queue):
    while True:                            # runs until cancelled
        order = await queue.get()
        await asyncio.sleep(0.1)           # packing takes a while
        print(f"{name} packed {order}")
        queue.task_done()


async def main():
    queue = asyncio.Queue(maxsize=2)
    consumers = [asyncio.create_task(consumer(f"consumer-{i}", queue), name=f"consumer-{i}")
                 for i in (1, 2)]
    await asyncio.create_task(producer(queue, 6), name="producer")
    await queue.join()                     # every item got a task_done()
    for c in consumers:
        c.cancel()
    await asyncio.gather(*consumers, return_exceptions=True)
    print("all orders packed; consumers dismissed")


if __name__ == "__main__":
    asyncio.run(main())
