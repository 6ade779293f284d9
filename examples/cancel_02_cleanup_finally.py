"""Cleaning up in finally when a task is cancelled

Because cancellation arrives as an exception at an `await`, ordinary `try/finally` (and
`async with`) blocks run on the way out. That is where a cancelled task closes its connection,
deletes its temp file or says goodbye to the server. The cleanup may itself `await`: the task is
only *cancelled* once the exception leaves the coroutine.

**Watch for:** `session` waiting on its long `sleep`, the cancel request from `main`, then one more
short slice and a 0.1 s `sleep` wait *after* the cancel: that is the `finally` block closing the
connection. Only then does the lane end *cancelled*.
"""
import asyncio


class Connection:
    def __init__(self, name):
        self.name, self.open = name, True
        print(f"{name}: opened")

    async def close(self):
        await asyncio.sleep(0.1)       # e.g. sending a goodbye message to the server
        self.open = False
        print(f"{self.name}: closed cleanly")


async def session(conn):
    try:
        print(f"{conn.name}: working")
        await asyncio.sleep(5)         # a long job we will not let finish
        print("never printed")
    finally:
        # Runs whether the job finishes, fails or is cancelled.
        await conn.close()


async def main():
    conn = Connection("db")
    task = asyncio.create_task(session(conn), name="session")
    await asyncio.sleep(0.2)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print(f"session cancelled; connection still open? {conn.open}")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Cancellation",
    "title": "Cleaning up in finally when a task is cancelled",
    "order": 2,
    "question": {
        "text": "A cancelled task has `await conn.close()` in a `finally:` block. Does the close "
                "run?",
        "choices": ["No: a cancelled task stops immediately",
                    "Yes, but the await inside finally raises CancelledError again at once",
                    "Yes: CancelledError unwinds the coroutine like any exception, and the "
                    "finally block can still await",
                    "Only if the task calls uncancel() first"],
        "answer": 2,
        "why": "The cancel request is delivered once, as the CancelledError thrown at the "
               "suspended await. While it propagates, finally blocks run normally and may await; "
               "only another cancel() call would interrupt them.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "state", "task": "session", "state": "cancelled"},
        {"check": "cancel_requested", "task": "session", "by": "main"},
        {"check": "waited_on", "task": "session", "kind": "sleep", "min": 2},
        {"check": "output_lacks", "text": "never printed"},
        {"check": "output_order", "texts": ["db: working", "db: closed cleanly",
                                            "connection still open? False"]},
        {"check": "total_under", "seconds": 0.8},
    ],
}
