import asyncio


async def customer(name, lock, arrive):
    await asyncio.sleep(arrive)
    print(f"{name}: asks for the lock")
    async with lock:
        print(f"{name}: has the lock")
        await asyncio.sleep(0.05)


async def latecomer(lock, doorbell):
    await doorbell.wait()                  # woken while greedy still holds the lock...
    print("carol: asks for the lock")      # ...but she only gets to ask when greedy awaits
    async with lock:
        print("carol: has the lock")
        await asyncio.sleep(0.05)


async def greedy(lock, doorbell):
    async with lock:
        print("greedy: has the lock")
        await asyncio.sleep(0.2)           # alice and bob ask meanwhile, and wait
        doorbell.set()                     # carol is woken: ready, not yet asking
    # Released, and asked for again at once: no await in between.
    async with lock:
        print("greedy: has the lock again")
        await asyncio.sleep(0.05)


async def main():
    lock = asyncio.Lock()
    doorbell = asyncio.Event()
    async with asyncio.TaskGroup() as tg:
        tg.create_task(greedy(lock, doorbell), name="greedy")
        tg.create_task(customer("alice", lock, 0.05), name="alice")
        tg.create_task(customer("bob", lock, 0.1), name="bob")
        tg.create_task(latecomer(lock, doorbell), name="carol")


if __name__ == "__main__":
    asyncio.run(main())
