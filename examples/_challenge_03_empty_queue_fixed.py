import asyncio


async def cook(orders):
    for dish in ("soup", "pasta"):
        await asyncio.sleep(0)           # chop, stir, taste
        orders.put_nowait(dish)
        print(f"cook: {dish} is ready")


async def waiter(orders):
    for table in (1, 2):
        await asyncio.sleep(0)           # walk to the kitchen
        await asyncio.sleep(0)
        dish = await orders.get()        # wait for the dish if it is not ready yet
        print(f"waiter: {dish} to table {table}")


async def main():
    orders = asyncio.Queue()
    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(cook(orders), name="cook")
            tg.create_task(waiter(orders), name="waiter")
        print("every table served")
    except* asyncio.QueueEmpty:
        print("the waiter found no dish waiting")


asyncio.run(main())
