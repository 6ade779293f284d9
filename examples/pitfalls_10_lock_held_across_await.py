import asyncio

SERVICE = {"EUR": 1.08, "GBP": 1.27, "JPY": 0.0067}     # what the rate service answers


class RateTable:
    def __init__(self):
        self.rates = {}
        self.lock = asyncio.Lock()      # guards the read-modify-write of self.rates


async def refresh_holding_the_lock(table, currency):
    async with table.lock:
        await asyncio.sleep(0.6)        # the bug: ask the rate service (slow I/O), lock held
        rate = SERVICE[currency]
        new = {**table.rates, currency: rate}
        await asyncio.sleep(0.01)       # save the new table
        table.rates = new


async def refresh(table, currency):
    await asyncio.sleep(0.6)            # the fix: ask the rate service first, lock free...
    rate = SERVICE[currency]
    async with table.lock:              # ...and hold the lock only for the update
        new = {**table.rates, currency: rate}
        await asyncio.sleep(0.01)       # save the new table
        table.rates = new


async def refresh_all(refresh_one, label):
    loop = asyncio.get_running_loop()
    table = RateTable()
    started = loop.time()
    await asyncio.gather(*(asyncio.create_task(refresh_one(table, currency),
                                               name=f"{label}-{currency}")
                           for currency in SERVICE))
    print(f"{label}: {len(table.rates)} rates in {loop.time() - started:.1f} s")


async def main():
    await refresh_all(refresh_holding_the_lock, "locked")
    await refresh_all(refresh, "unlocked")


if __name__ == "__main__":
    asyncio.run(main())
