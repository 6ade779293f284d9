import asyncio


async def work(seconds):
    await asyncio.sleep(seconds)
    return "result"


async def main():
    task = asyncio.create_task(work(0.3), name="work")
    # Longer than `work`, so it is still sleeping when we cancel it below.
    doomed = asyncio.create_task(work(1.0), name="doomed")
    print(f"work:   done() = {task.done()}")          # still pending: it has not even started

    result = await task
    print(f"work:   done() = {task.done()}, result = {result!r}")

    doomed.cancel()            # only a request: the task is still pending here...
    print(f"doomed: cancelled() = {doomed.cancelled()} right after cancel()")
    try:
        await doomed           # ...it is cancelled when it next runs and gets CancelledError
    except asyncio.CancelledError:
        pass
    print(f"doomed: cancelled() = {doomed.cancelled()}, done() = {doomed.done()}")


asyncio.run(main())
