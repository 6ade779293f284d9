# idiom: anyio.to_thread.run_sync and a cancel scope timeout — AnyIO docs, "Working with threads" and "Cancellation and timeouts"
# needs: anyio
import time

import anyio
from anyio import to_thread


def blocking(x):
    time.sleep(0.01)
    return x * 2


async def main():
    print("from the thread:", await to_thread.run_sync(blocking, 21))
    with anyio.move_on_after(0.02) as scope:
        await anyio.sleep(5)
    print("timed out:", scope.cancelled_caught)
    print("current task:", anyio.get_current_task().name.rsplit(".", 1)[-1])

anyio.run(main)
