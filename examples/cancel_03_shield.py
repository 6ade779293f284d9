import asyncio


async def save(record):
    await asyncio.sleep(0.4)           # e.g. a database commit
    print(f"saved {record!r}")
    return record


async def handle_request(save_task):
    try:
        return await asyncio.shield(save_task)
    except asyncio.CancelledError:
        print("request abandoned, but the save carries on")
        raise


async def main():
    save_task = asyncio.create_task(save({"order": 17}), name="save")
    request = asyncio.create_task(handle_request(save_task), name="request")
    await asyncio.sleep(0.15)
    request.cancel()                   # e.g. the client hung up
    await asyncio.gather(request, return_exceptions=True)
    print(f"request cancelled() = {request.cancelled()}, save done() = {save_task.done()}")
    # Keep a reference and await the shielded task: a shield does not keep it alive by itself.
    print(f"save result: {await save_task}")


if __name__ == "__main__":
    asyncio.run(main())
