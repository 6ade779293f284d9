"""wait(FIRST_COMPLETED): take the first answer, cancel the rest

`asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)` returns two sets, `done` and `pending`,
as soon as *one* task finishes. It never cancels anything itself: the losers keep running until you
cancel them, which is what a "race the mirrors" download wants.

**Watch for:** `mirror-fast` ending *done* at about 0.2 s, and at the same moment the other two
mirrors receiving a cancel request from `main` and ending *cancelled* long before their own
sleeps would have finished.
"""
import asyncio


async def download(mirror, seconds):
    await asyncio.sleep(seconds)
    return f"payload from {mirror}"


async def main():
    mirrors = {"mirror-slow": 1.5, "mirror-fast": 0.2, "mirror-medium": 0.8}
    tasks = {asyncio.create_task(download(m, s), name=m) for m, s in mirrors.items()}
    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    winner = done.pop()
    print(f"winner: {winner.get_name()} -> {winner.result()!r}")
    for task in pending:
        task.cancel()
    # Give the cancelled tasks a chance to actually finish before we leave.
    await asyncio.wait(pending)
    print(f"cancelled: {sorted(t.get_name() for t in pending if t.cancelled())}")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Many at once",
    "title": "wait(FIRST_COMPLETED): take the first answer, cancel the rest",
    "order": 4,
    "question": {
        "text": "After `done, pending = await asyncio.wait(ts, return_when=FIRST_COMPLETED)`, what "
                "happens to the tasks in `pending`?",
        "choices": ["They were cancelled by wait()", "They keep running until you cancel them",
                    "They are paused until you await them",
                    "They are finished too, wait() just reports them separately"],
        "answer": 1,
        "why": "wait() only observes. Pending tasks keep going and keep using resources; cancel "
               "them (and ideally await them) if you no longer need their results.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "state", "task": "mirror-fast", "state": "done"},
        {"check": "state", "tasks": ["mirror-slow", "mirror-medium"], "state": "cancelled"},
        {"check": "cancel_requested", "task": "mirror-slow", "by": "main"},
        {"check": "output_contains", "text": "winner: mirror-fast"},
        {"check": "total_under", "seconds": 0.6},
    ],
}
