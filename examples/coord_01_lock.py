import asyncio


class Account:
    def __init__(self):
        self.balance = 0

    async def deposit(self, amount, lock=None):
        if lock is not None:
            async with lock:
                await self._add(amount)
        else:
            await self._add(amount)

    async def _add(self, amount):
        seen = self.balance
        await asyncio.sleep(0.06)      # e.g. a round trip to the bank between read and write
        self.balance = seen + amount


async def round_(label, lock):
    account = Account()
    deposits = [asyncio.create_task(account.deposit(10, lock), name=f"{label}-{i}")
                for i in range(5)]
    await asyncio.gather(*deposits)
    print(f"{label}: five deposits of 10 -> balance {account.balance}")


async def main():
    await round_("unsafe", None)
    await round_("safe", asyncio.Lock())


if __name__ == "__main__":
    asyncio.run(main())
