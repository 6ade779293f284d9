import asyncio
import contextvars
import time

# One variable, many values: each task sees the value of the context it runs in.
request_id = contextvars.ContextVar("request_id", default="-")


def log(message):
    print(f"[{request_id.get()}] {message}")


def query_db(table):
    # Blocking work in a worker thread, logging as it goes.
    log(f"querying {table} in a worker thread")
    time.sleep(0.1)
    return 3


async def handle(req, delay):
    log(f"{req} arrives")                      # the value main had when this task was created
    request_id.set(req)                        # changes this task's own copy only
    await asyncio.sleep(delay)
    rows = await asyncio.to_thread(query_db, "orders")    # to_thread carries the context along
    log(f"{rows} rows")
    loop = asyncio.get_running_loop()
    seen = await loop.run_in_executor(None, request_id.get)   # run_in_executor does not
    log(f"run_in_executor's thread saw {seen!r}")


async def main():
    request_id.set("main")
    async with asyncio.TaskGroup() as tg:
        tg.create_task(handle("req-1", 0.0), name="req-1")
        tg.create_task(handle("req-2", 0.05), name="req-2")
    log("after the requests: main's own value is untouched")


if __name__ == "__main__":
    asyncio.run(main())
