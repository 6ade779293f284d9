"""The exception nobody retrieved

If a task fails and nothing ever awaits it or asks for its exception, the error has nowhere to go.
asyncio notices only when the task object is garbage-collected and then logs
`Task exception was never retrieved` to stderr, possibly long after the failure and far from
its cause.

The cure is to make every task somebody's responsibility: await it, put it in a TaskGroup, or at
least attach a done callback that looks at `task.exception()`.

**Watch for:** both `orphan` and `watched` ending *failed*. Only `watched` is reported when it
fails, by its done callback; the `orphan`'s error can surface only as a log line on stderr, when
the task is garbage-collected (or not at all while something still holds it).
"""
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

LESSON = {
    "group": "Errors",
    "title": "The exception nobody retrieved",
    "order": 2,
    "question": {
        "text": "A background task fails and nobody awaits it. When do you learn about it?",
        "choices": ["Immediately, as a traceback that stops the program",
                    "Only when the task is garbage-collected, as a 'Task exception was never "
                    "retrieved' log message",
                    "The next time any task awaits something",
                    "Never"],
        "answer": 1,
        "why": "A failed task just stores its exception. Only the task's destructor can tell that "
               "nobody looked, so the log line comes late, if at all. Await your tasks, use a "
               "TaskGroup, or add a done callback.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "exception", "task": "orphan", "type": "ConnectionError"},
        {"check": "exception", "task": "watched", "type": "ConnectionError"},
        {"check": "output_contains", "text": "watched failed: home: server refused the login"},
        {"check": "output_lacks", "text": "orphan failed"},
        {"check": "output_contains", "text": "orphan.done() = True"},
    ],
}
