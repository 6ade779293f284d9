"""Exported Chrome traces follow the Trace Event Format's rules: named lanes, slices well nested.

Perfetto drops (and chrome://tracing mis-draws) complete events that overlap on one lane without
nesting, so every lane's ``X`` slices must form a tree: each slice either ends before the next one
starts, or contains it entirely.
"""
from __future__ import annotations

import json
import textwrap

import asyncio_playground as playground


def check_trace_format(trace: dict) -> list[str]:
    """Problems with ``trace`` under the Trace Event Format's JSON Object Format (empty = fine)."""
    problems = []
    events = trace.get("traceEvents")
    if not isinstance(events, list):
        return ["traceEvents is not a list"]
    named_lanes, lanes = set(), {}
    process_named = False
    for i, ev in enumerate(events):
        ph = ev.get("ph")
        if ph not in {"X", "i", "M", "B", "E", "s", "f", "t", "C"}:   # C: a counter
            problems.append(f"event {i}: unknown phase {ph!r}")
            continue
        if "pid" not in ev:
            problems.append(f"event {i}: no pid")
        if ph == "M":
            if ev.get("name") == "process_name":
                process_named = True
            elif ev.get("name") == "thread_name":
                named_lanes.add((ev["pid"], ev["tid"]))
            continue
        if not isinstance(ev.get("ts"), (int, float)):
            problems.append(f"event {i}: ts missing or not a number")
            continue
        if ph == "X":
            if not isinstance(ev.get("dur"), (int, float)) or ev["dur"] < 0:
                problems.append(f"event {i}: dur missing or negative")
                continue
            # Times are µs with ns precision; the sum is rounded back to that (no float overhang).
            end = round(ev["ts"] + ev["dur"], 3)
            lanes.setdefault((ev["pid"], ev["tid"]), []).append((ev["ts"], end, i))
    if not process_named:
        problems.append("no process_name metadata event")
    for lane, slices in lanes.items():
        if lane not in named_lanes:
            problems.append(f"lane {lane} has slices but no thread_name")
        # Longest first among slices that start together: a parent precedes its children.
        slices.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        stack: list[tuple] = []
        for start, end, i in slices:
            while stack and stack[-1][1] <= start:
                stack.pop()
            if stack and end > stack[-1][1]:
                problems.append(f"lane {lane}: event {i} [{start}, {end}] overlaps event "
                                f"{stack[-1][2]} [{stack[-1][0]}, {stack[-1][1]}] without nesting")
            stack.append((start, end, i))
    return problems


def test_the_checker_catches_overlap_and_unnamed_lanes():
    bad = {"traceEvents": [
        {"ph": "M", "pid": 1, "name": "process_name", "args": {"name": "p"}},
        {"ph": "M", "pid": 1, "tid": 1, "name": "thread_name", "args": {"name": "t"}},
        {"ph": "X", "pid": 1, "tid": 1, "ts": 0, "dur": 10, "name": "a"},
        {"ph": "X", "pid": 1, "tid": 1, "ts": 5, "dur": 10, "name": "b"},    # overhangs a
        {"ph": "X", "pid": 1, "tid": 2, "ts": 0, "dur": 1, "name": "c"},     # lane 2 unnamed
    ]}
    problems = check_trace_format(bad)
    assert any("overlaps" in p for p in problems) and any("no thread_name" in p for p in problems)
    good = {"traceEvents": bad["traceEvents"][:3] + [
        {"ph": "X", "pid": 1, "tid": 1, "ts": 2, "dur": 8, "name": "b"}]}
    assert check_trace_format(good) == []


SCRIPT = """
    import asyncio, time

    async def blocker():
        await asyncio.sleep(0.01)
        time.sleep(0.25)              # blocks the loop: a "block" slice
        await asyncio.sleep(0.01)

    async def boom():
        await asyncio.sleep(0.02)
        raise ValueError("boom")

    async def main():
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(blocker(), name="blocker")
                tg.create_task(asyncio.sleep(5), name="sleeper")
                tg.create_task(boom(), name="boom")
        except* ValueError:
            pass

    asyncio.run(main())
"""


def test_exported_trace_nests_on_every_lane_and_names_them(pg_loop, tmp_path):
    path = tmp_path / "lesson.py"
    path.write_text(textwrap.dedent(SCRIPT))
    run = playground.Run(path, loop=pg_loop)

    async def go():
        run.start()
        return await run.wait()

    assert pg_loop.run_until_complete(go()) == "completed"
    trace = json.loads(json.dumps(playground.chrome_trace(run.tracer)))
    assert check_trace_format(trace) == []
    events = trace["traceEvents"]
    blocks = [e for e in events if e.get("cat") == "block"]
    assert blocks and all(e["tid"] == 0 for e in blocks)          # the loop's own lane
    assert blocks[0]["args"]["task"] == "blocker"
    tasks = {e["name"]: e for e in events if e.get("cat") == "task"}
    assert tasks["boom"]["args"]["state"] == "failed"
    assert tasks["sleeper"]["args"]["state"] == "cancelled"
    assert "ValueError: boom" in tasks["boom"]["args"]["traceback"]
    # The TaskGroup's cancel of the sleeper: cause, canceller, an arrow from the failing child.
    [cancel] = [e for e in events if e.get("cat") == "cancel" and e["ph"] == "i"
                and e["tid"] == tasks["sleeper"]["tid"]]
    assert cancel["args"]["cause"] == "taskgroup" and cancel["args"]["by"] == "boom"
    flows = {e["ph"]: e for e in events if e.get("cat") == "cancel" and e["ph"] in "sf"
             and e["id"] == next(f["id"] for f in events if f.get("ph") == "f"
                                 and f["tid"] == tasks["sleeper"]["tid"])}
    assert flows["s"]["tid"] == tasks["boom"]["tid"] and flows["f"]["ts"] == cancel["ts"]
    assert tasks["sleeper"]["args"]["after_cancel"] == "reraised"
    # Its coroutine is asyncio.sleep itself: no lesson frame, so it landed in asyncio's own.
    assert "tasks.py:" in tasks["sleeper"]["args"]["cancelled_at"]
    assert "after_cancel" not in tasks["boom"]["args"]
    # A trace read back from JSON exports the same way.
    again = playground.chrome_trace(json.loads(json.dumps(run.tracer.events)))
    assert check_trace_format(again) == []
    assert len(again["traceEvents"]) == len(events)
