import asyncio


async def fetch(item, seconds):
    await asyncio.sleep(seconds)
    return f"{item} ok"


async def main(day):
    async with asyncio.TaskGroup() as tg:
        sales = tg.create_task(fetch("sales", 0.3), name=f"{day}-sales")
        stock = tg.create_task(fetch("stock", 0.2), name=f"{day}-stock")
    print(f"{day}: {sales.result()}, {stock.result()}")
    return day


# One Runner, one event loop, several mains: each run() blocks until its main returns.
with asyncio.Runner() as runner:
    finished = [runner.run(main(day)) for day in ("mon", "tue")]
print(f"ran {finished} one after the other")
