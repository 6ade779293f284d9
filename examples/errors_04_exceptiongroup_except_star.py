"""ExceptionGroup and except*

Several tasks can fail at once, so a `TaskGroup` reports failures as one `ExceptionGroup`.
`except* SomeError` handles the part of the group that matches (which may be several exceptions)
and lets the rest continue to the next `except*` clause, or propagate. New in Python 3.11.

**Watch for:** `load-config` (KeyError) and `load-data` (ValueError) both ending *failed* in their
first slice; `load-cache` ending *cancelled* because its siblings failed. Each `except*` clause
prints what it handled.
"""
import asyncio


async def load_config():
    raise KeyError("missing setting 'port'")


async def load_data():
    raise ValueError("row 3: not a number")


async def load_cache():
    await asyncio.sleep(1)


async def main():
    try:
        async with asyncio.TaskGroup() as tg:
            # Both failures happen in the tasks' first step, before the group can cancel anything.
            tg.create_task(load_config(), name="load-config")
            tg.create_task(load_data(), name="load-data")
            tg.create_task(load_cache(), name="load-cache")
    except* KeyError as group:
        print(f"config problems: {[e.args[0] for e in group.exceptions]}")
    except* ValueError as group:
        print(f"data problems: {[e.args[0] for e in group.exceptions]}")
    print("both handled, main carries on")


if __name__ == "__main__":
    asyncio.run(main())

LESSON = {
    "group": "Errors",
    "title": "ExceptionGroup and except*",
    "order": 4,
    "question": {
        "text": "An ExceptionGroup holds a KeyError and a ValueError. Handlers: `except* KeyError` "
                "then `except* ValueError`. Which run?",
        "choices": ["Only the first matching one, like plain except",
                    "Both: each handles its matching part of the group",
                    "Neither: except* needs an exact ExceptionGroup type",
                    "Both, but the ValueError is raised again afterwards"],
        "answer": 1,
        "why": "except* splits the group: every clause whose type matches gets the matching "
               "sub-group. Anything no clause matched is re-raised as a group at the end.",
    },
    "expect": [
        {"check": "outcome", "value": "completed"},
        {"check": "exception", "task": "load-config", "type": "KeyError"},
        {"check": "exception", "task": "load-data", "type": "ValueError"},
        {"check": "state", "task": "load-cache", "state": "cancelled"},
        {"check": "output_order", "texts": ["config problems", "data problems",
                                            "both handled"]},
        {"check": "total_under", "seconds": 0.5},
    ],
}
