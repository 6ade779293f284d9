import asyncio

accounts = asyncio.Lock()
audit_log = asyncio.Lock()


async def transfer():
    async with accounts:
        print("transfer: holds the accounts")
        await asyncio.sleep(0)
        async with audit_log:
            print("transfer: holds the audit log too")


async def report():
    await asyncio.sleep(0)               # gather the figures first
    async with accounts:                 # the same order as transfer(): accounts, then the log
        print("report: holds the accounts")
        await asyncio.sleep(0)
        async with audit_log:
            print("report: holds the audit log too")


async def main():
    try:
        async with asyncio.timeout(1):
            await asyncio.gather(asyncio.create_task(transfer(), name="transfer"),
                                 asyncio.create_task(report(), name="report"))
        print("both finished")
    except TimeoutError:
        print("stuck: gave up after 1 s")


asyncio.run(main())
