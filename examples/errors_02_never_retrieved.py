import asyncio
import gc


async def sync_contacts(account):
    await asyncio.sleep(0.1)
    raise ConnectionError(f"{account}: server refused the login")


def report(task):
    # Runs on the loop as soon as the task finishes; calling exception() marks it retrieved.
    if not task.cancelled() and task.exception() is not None:
        print(f"{task.get_name()} failed: {task.exception()}")


async def main():
    orphan = asyncio.create_task(sync_contacts("work"), name="orphan")
    watched = asyncio.create_task(sync_contacts("home"), name="watched")
    watched.add_done_callback(report)
    await asyncio.sleep(0.3)
    print(f"orphan.done() = {orphan.done()}, but nobody has looked at its exception")
    del orphan                 # drop the last reference we hold...
    gc.collect()               # ...so asyncio can log the unretrieved error now
    await asyncio.sleep(0)


if __name__ == "__main__":
    asyncio.run(main())
