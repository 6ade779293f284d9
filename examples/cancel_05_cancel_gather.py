"""Cancelling a gather cancels everything in it

`asyncio.gather(...)` returns a future that stands for all its children. Calling `cancel()` on that
future passes the request on to every child that has not finished yet; awaiting it then raises
`CancelledError`. Children that already finished keep their results.

**Watch for:** `part-1` ending *done* at 0.1 s; at 0.25 s `main` cancels the gather and `part-2`
and `part-3` each get a cancel request from `main` and end *cancelled* in the same instant.
"""
import asyncio


async def render(part, seconds):
    await asyncio.sleep(seconds)
    return f"part {part} rendered"


async def main():
    parts = [asyncio.create_task(render(n, s), name=f"part-{n}")
             for n, s in ((1, 0.1), (2, 0.6), (3, 1.2))]
    everything = asyncio.gather(*parts)
    await asyncio.sleep(0.25)
    print(f"cancel() on the gather returned {everything.cancel()}")
    try:
        await everything
    except asyncio.CancelledError:
        print("awaiting the gather raised CancelledError")
    for part in parts:
        print(f"{part.get_name()}: {'cancelled' if part.cancelled() else part.result()}")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Cancellation",
    "title": "Cancelling a gather cancels everything in it",
    "order": 5,
    "question": {
        "text": "You call `.cancel()` on the future returned by `asyncio.gather(a, b, c)` after "
                "`a` has finished. What happens?",
        "choices": ["Nothing: gather futures cannot be cancelled",
                    "b and c are cancelled; a keeps its result",
                    "a, b and c are all marked cancelled",
                    "Only the gather future is cancelled; b and c run on"],
        "answer": 1,
        "why": "Cancelling the gather forwards cancel() to every child still running. A finished "
               "task cannot be cancelled, so a's result stays available.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "state", "task": "part-1", "state": "done"},
        {"check": "state", "tasks": ["part-2", "part-3"], "state": "cancelled"},
        {"check": "cancel_requested", "task": "part-2", "by": "main"},
        {"check": "cancel_requested", "task": "part-3", "by": "main"},
        {"check": "output_contains", "text": "awaiting the gather raised CancelledError"},
        {"check": "total_under", "seconds": 0.6},
    ],
}
