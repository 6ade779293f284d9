"""Fire and forget: the task nobody kept

`asyncio.create_task(send_receipt())` with the result thrown away looks harmless. But nobody will
ever wait for that task: when `main()` returns, `asyncio.run` cancels every task still running, so
the work silently never finishes. Worse, the loop itself keeps only a *weak* reference to tasks;
a task nothing else refers to can even be garbage-collected mid-flight.

The fix is to keep a reference (a set, with a done callback that removes finished tasks) and wait
for the set before shutting down, or use a TaskGroup.

**Watch for:** `receipt-kept` ending *done*, while `receipt-forgotten` (which needed longer) is
still waiting when `main` finishes, gets cancelled by the shutdown and ends *cancelled*, its
`finally` reporting a receipt that was never sent.
"""
import asyncio

background = set()


async def send_receipt(order, seconds):
    try:
        await asyncio.sleep(seconds)
        print(f"receipt for {order} sent")
    finally:
        if asyncio.current_task().cancelling():
            print(f"receipt for {order} NEVER sent: cancelled at shutdown")


def keep(task):
    # A strong reference until it finishes, then forget it so the set does not grow forever.
    background.add(task)
    task.add_done_callback(background.discard)


async def main():
    # Fire and forget: no reference, nobody waits for it.
    asyncio.create_task(send_receipt("order-1", 0.6), name="receipt-forgotten")
    keep(asyncio.create_task(send_receipt("order-2", 0.3), name="receipt-kept"))
    await asyncio.sleep(0.1)           # the request itself is handled quickly...
    print("response sent; waiting for the background work we kept track of")
    await asyncio.gather(*background)  # ...but we wait for the tasks we kept before exiting


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Pitfalls",
    "title": "Fire and forget: the task nobody kept",
    "order": 2,
    "question": {
        "text": "`main()` calls `asyncio.create_task(log_visit())` without keeping the task and "
                "returns right away. What happens to log_visit()?",
        "choices": ["It finishes in the background after main returns",
                    "asyncio.run cancels it when main returns, so it may never finish",
                    "It runs synchronously before main returns",
                    "create_task raises because the result is unused"],
        "answer": 1,
        "why": "asyncio.run ends when main() ends and cancels whatever is left. A task you did not "
               "keep cannot be awaited, and since the loop holds tasks only weakly, it can even "
               "disappear earlier. Keep references and await them, or use a TaskGroup.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "state", "task": "receipt-kept", "state": "done"},
        {"check": "state", "task": "receipt-forgotten", "state": "cancelled"},
        {"check": "cancel_requested", "task": "receipt-forgotten"},
        {"check": "output_contains", "text": "receipt for order-2 sent"},
        {"check": "output_contains", "text": "order-1 NEVER sent"},
    ],
}
