"""Chrome Trace Event JSON (opens in Perfetto and chrome://tracing) and a text summary.

One lane (``tid``) per task.  Per task one complete event (``"ph": "X"``, ``"cat": "task"``) that
spans creation to end, with ``args.state`` in done/cancelled/failed (or the live state for a run
exported mid-way), ``args.coro``, ``args.parent`` and ``args.result`` or ``args.exception``, and for
a task that was cancelled ``args.cancelled_at`` ("file:line" where CancelledError landed, or null)
and ``args.after_cancel`` (an ``AfterCancel`` word); each running slice is a complete event with
``"cat": "step"``; waits are ``"cat": "wait"`` slices.  Each cancel request is an instant event
(``"ph": "i"``, ``"cat": "cancel"``, ``args.cause/by/line/msg``) on the cancelled lane, with a flow
pair (``"ph": "s"``/``"f"``) from the canceller's lane when a task cancelled it.  Each finding
(``asyncio_playground.findings``) is an instant event (``"ph": "i"``, ``"cat": "finding"``,
``name`` its title, ``args.kind/line/why/fix/lesson/task``) on its task's lane, or on the loop's
lane when no task is concerned, at the moment the run showed it.  The run's synchronisation objects
(``_resources.trace_events``) are process 2: a counter track each (``"ph": "C"``) and their holds.
"""
from __future__ import annotations

from ._table import TaskTable
from .events import named

__all__ = ["chrome_trace", "summary_lines", "timeline_lines"]

_PID = 1
_LOOP_LANE = 0   # the event loop's own lane: loop blocks (they stall every task, not just one)


def _us(t, t0):
    return round((t - t0) * 1e6, 3)


def _name(table, tid):
    row = table.by_tid.get(tid) if tid is not None else None
    return row.name if row is not None else None


def _where(place):
    return f"{place[0]}:{place[1]}" if place and place[0] and place[1] else None


def _slice(out, cat, name, tid, start, finish, t0, args=None):
    """A complete event whose end is computed like its start, so children never overhang."""
    ts = _us(start, t0)
    ev = {"ph": "X", "cat": cat, "name": name, "pid": _PID, "tid": tid, "ts": ts,
          "dur": max(0.0, round(_us(finish, t0) - ts, 3))}
    if args is not None:
        ev["args"] = args
    out.append(ev)


def chrome_trace(source, *, code: str | None = None, filename: str | None = None) -> dict:
    """``source``: a Tracer, or a list of events; ``code``/``filename``: the program that ran
    (read from the run's file when not given), which some findings need.

    Lanes nest as the Trace Event Format wants them (Perfetto drops overlapping slices on one
    lane): a task's lane holds its life (``cat: task``) and inside it its steps and waits, which
    never overlap; loop blocks go on the loop's own lane (tid 0), which names the task in args.
    """
    if hasattr(source, "events"):
        events = source.events
    else:   # e.g. read back from JSON: plain lists
        events = [ev if hasattr(ev, "_fields") else named(ev) for ev in source]
    table = TaskTable()
    table.apply(events)
    t0 = table.started if table.started is not None else min(
        (r.created for r in table.rows), default=0.0)
    end = table.finished or table.last_time or t0
    out = [{"ph": "M", "pid": _PID, "name": "process_name", "args": {"name": "asyncio Playground run"}},
           {"ph": "M", "pid": _PID, "tid": _LOOP_LANE, "name": "thread_name",
            "args": {"name": "event loop"}},
           {"ph": "M", "pid": _PID, "tid": _LOOP_LANE, "name": "thread_sort_index",
            "args": {"sort_index": _LOOP_LANE}}]
    flow = 0
    for row in table.rows:
        out.append({"ph": "M", "pid": _PID, "tid": row.tid, "name": "thread_name",
                    "args": {"name": f"{row.name} ({row.coro})"}})
        out.append({"ph": "M", "pid": _PID, "tid": row.tid, "name": "thread_sort_index",
                    "args": {"sort_index": row.tid}})
        finish = row.ended if row.ended is not None else end
        args = {"state": row.state, "coro": row.coro, "parent": row.parent, "task_id": row.tid}
        if row.state == "failed" and row.exc is not None:
            args["exception"] = row.summary
            args["traceback"] = row.exc.traceback
        elif row.state == "cancelled":
            args["exception"] = row.summary
        elif row.state == "done":
            args["result"] = row.summary
        if row.cancel_requests:
            args["cancel_requests"] = [{"t_ms": round((c.t - t0) * 1e3, 3), "cause": c.cause,
                                        "by": _name(table, c.by), "msg": c.msg}
                                       for c in row.cancel_requests]
        if row.story is not None:
            args["cancelled_at"] = _where(row.story.landed_at)
            args["after_cancel"] = row.story.after
        _slice(out, "task", row.name, row.tid, row.created, finish, t0, args)
        for s0, s1 in row.steps:
            _slice(out, "step", "run", row.tid, s0, s1, t0)
        for w0, w1, kind, detail in row.waits:
            _slice(out, "wait", detail or kind, row.tid, w0, w1 if w1 is not None else finish, t0,
                   {"kind": kind})
        for c in row.cancel_requests:
            ts = _us(c.t, t0)
            out.append({"ph": "i", "s": "t", "cat": "cancel", "name": f"cancel ({c.cause})",
                        "pid": _PID, "tid": row.tid, "ts": ts,
                        "args": {"cause": c.cause, "by": _name(table, c.by), "by_tid": c.by,
                                 "line": _where((c.filename, c.lineno)), "msg": c.msg,
                                 "detail": c.detail}})
            if c.by is not None and c.by in table.by_tid:
                # A flow arrow from the canceller's lane to the cancelled one (Perfetto draws it).
                flow += 1
                out.append({"ph": "s", "id": flow, "cat": "cancel", "name": "cancel", "pid": _PID,
                            "tid": c.by, "ts": ts})
                out.append({"ph": "f", "bp": "e", "id": flow, "cat": "cancel", "name": "cancel",
                            "pid": _PID, "tid": row.tid, "ts": ts})
    from ._findings import Findings
    fold = Findings(code, filename or getattr(source, "filename", None))
    fold.apply(events)
    for f in fold.report():
        lane = f.tid if f.tid in table.by_tid else _LOOP_LANE
        out.append({"ph": "i", "s": "t", "cat": "finding", "name": f.title, "pid": _PID,
                    "tid": lane, "ts": _us(f.t if f.t is not None else end, t0),
                    "args": {"kind": str(f.kind), "line": f.line, "why": f.why, "fix": f.fix,
                             "lesson": f.lesson, "task": f.task, "task_id": f.tid}})
    for ev in table.blocks:
        who = table.by_tid.get(ev.tid)
        _slice(out, "block", f"loop blocked {ev.duration:.2f}s", _LOOP_LANE, ev.t0,
               ev.t0 + ev.duration, t0, {"task": who.name if who else None, "task_id": ev.tid,
                                         "file": ev.filename, "line": ev.lineno})
    # Issue 23: the run's synchronisation objects (process 2: counters, holds); none, nothing.
    from ._resources import trace_events
    out += trace_events(events, t0, end, table)
    return {"traceEvents": out, "displayTimeUnit": "ms",
            "otherData": {"outcome": table.outcome, "message": table.message}}


def _fmt_t(t):
    return "-" if t is None else f"{t:7.3f}s"


def summary_lines(table: TaskTable, filename: str | None = None) -> list[str]:
    """The task summary the CLI prints: name, coroutine, state, start, end, result/exception;
    then each cancelled task's story (cause, canceller, landing line, what ran after)."""
    t0 = table.started or 0.0
    rows = [("task", "coroutine", "state", "start", "end", "result / exception")]
    stories = []
    for r in table.rows:
        rows.append(("  " * r.depth + r.name, r.coro, r.state,
                     _fmt_t(None if r.first_start is None else r.first_start - t0),
                     _fmt_t(None if r.ended is None else r.ended - t0), r.summary or ""))
        story = table.cancel_story(r.tid, filename=filename)
        if story:
            stories.append(f"  {r.name}: {story}")
    widths = [min(max(len(row[i]) for row in rows), 40) for i in range(5)]
    lines = []
    for row in rows:
        cells = [row[i][:40].ljust(widths[i]) for i in range(5)]
        lines.append("  ".join(cells) + "  " + row[5][:80])
    lines.insert(1, "-" * min(len(lines[0]) + 10, 140))
    if stories:
        lines += ["", "cancellations:"] + stories
    return lines


def timeline_lines(table: TaskTable, width: int = 60) -> list[str]:
    """A text timeline: '#' running, '-' waiting, ' ' not yet/after; end marked by outcome."""
    if not table.rows:
        return []
    t0 = table.started if table.started is not None else table.rows[0].created
    t1 = max(table.finished or 0.0, table.last_time or 0.0,
             max((r.ended or r.created) for r in table.rows))
    span = max(t1 - t0, 1e-6)
    scale = width / span
    marks = {"done": "✓", "cancelled": "⊘", "failed": "✗"}
    name_w = min(max(len("  " * r.depth + r.name) for r in table.rows), 28)
    lines = [f"{'':{name_w}} |0{'':{width - 2}}{span:.2f}s|"]
    for r in table.rows:
        cells = [" "] * width
        end = r.ended if r.ended is not None else t1
        lo = int((r.created - t0) * scale)
        for i in range(max(lo, 0), min(int((end - t0) * scale) + 1, width)):
            cells[i] = "-"
        for s0, s1 in r.steps:
            for i in range(int((s0 - t0) * scale), min(int((s1 - t0) * scale) + 1, width)):
                cells[i] = "#"
        lines.append(f"{('  ' * r.depth + r.name)[:name_w]:{name_w}} |{''.join(cells)}| "
                     f"{marks.get(r.state, '…')} {r.state}")
    return lines
