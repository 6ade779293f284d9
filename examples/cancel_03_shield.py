"""shield: protecting work from a cancelled caller

`await asyncio.shield(task)` waits for `task`, but if the *waiting* side is cancelled, the
cancellation stops at the shield: the waiter gets `CancelledError`, the shielded task keeps going.
Use it for work that must finish once started, like committing a payment, even when the request
that asked for it is abandoned.

**Watch for:** `request` waiting on the shielded `save` and ending *cancelled* at 0.15 s, while the
`save` lane carries on undisturbed (no cancel request on it) and ends *done* at 0.4 s.
"""
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

LESSON = {
    "group": "Cancellation",
    "title": "shield: protecting work from a cancelled caller",
    "order": 3,
    "question": {
        "text": "`await asyncio.shield(t)` is cancelled. What happens to `t`?",
        "choices": ["It is cancelled too", "It keeps running; only the await is cancelled",
                    "It is paused until someone awaits it again",
                    "It is restarted from the beginning"],
        "answer": 1,
        "why": "shield puts an extra future between the caller and t. Cancelling the caller "
               "cancels that outer future only; t never sees a cancel request.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "state", "task": "request", "state": "cancelled"},
        {"check": "cancel_requested", "task": "request", "by": "main"},
        {"check": "state", "task": "save", "state": "done"},
        {"check": "duration", "task": "save", "min": 0.35},
        {"check": "overlap", "tasks": ["request", "save"]},
        {"check": "output_order", "texts": ["request abandoned", "save done() = False",
                                            "saved {'order': 17}"]},
    ],
}
