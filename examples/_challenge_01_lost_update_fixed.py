import asyncio

balance = 100
ledger = asyncio.Lock()


async def deposit(amount, fraud_checks):
    global balance
    for _ in range(fraud_checks):
        await asyncio.sleep(0)           # ask the fraud service first
    async with ledger:                   # read, await and write as one
        current = balance
        await asyncio.sleep(0)           # the ledger is slow to answer
        balance = current + amount
    print(f"deposited {amount}: balance {balance}")


async def main():
    async with asyncio.TaskGroup() as tg:
        tg.create_task(deposit(50, fraud_checks=0), name="alice")
        tg.create_task(deposit(25, fraud_checks=1), name="bob")
    print(f"final balance: {balance}")


asyncio.run(main())
