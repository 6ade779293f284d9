import asyncio


async def producer(label, queue):
    for n in range(1, 7):
        await queue.put(f"frame {n}")      # a bounded queue makes this wait while it is full
    print(f"[{label}] all 6 frames queued")


async def consumer(label, queue):
    for _ in range(6):
        frame = await queue.get()
        await asyncio.sleep(0.05)          # encoding a frame takes a while
        print(f"[{label}] encoded {frame}")


async def round_(label, queue):
    async with asyncio.TaskGroup() as tg:
        tg.create_task(producer(label, queue), name=f"producer-{label}")
        tg.create_task(consumer(label, queue), name=f"consumer-{label}")


async def main():
    unbounded = asyncio.Queue()            # no maxsize: put() never waits
    await round_("unbounded", unbounded)
    bounded = asyncio.Queue(maxsize=2)     # at most 2 frames waiting: put() waits for room
    await round_("bounded", bounded)


if __name__ == "__main__":
    asyncio.run(main())
