"""Chrome Trace Event JSON (opens in Perfetto and chrome://tracing) and a text summary.

One lane (``tid``) per task.  Per task one complete event (``"ph": "X"``, ``"cat": "task"``) that
spans creation to end, with ``args.state`` in done/cancelled/failed (or the live state for a run
exported mid-way), ``args.coro``, ``args.parent`` and ``args.result`` or ``args.exception``; each
running slice is a complete event with ``"cat": "step"``; waits are ``"cat": "wait"`` slices.
"""
from __future__ import annotations

from ._table import TaskTable

__all__ = ["chrome_trace", "summary_lines", "timeline_lines"]

_PID = 1


def _us(t, t0):
    return round((t - t0) * 1e6, 3)


def chrome_trace(source) -> dict:
    """``source``: a Tracer, or a list of events."""
    events = source.events if hasattr(source, "events") else source
    table = TaskTable()
    table.apply(events)
    t0 = table.started if table.started is not None else min(
        (r.created for r in table.rows), default=0.0)
    end = table.finished or table.last_time or t0
    out = [{"ph": "M", "pid": _PID, "name": "process_name", "args": {"name": "asyncio Playground run"}}]
    for row in table.rows:
        out.append({"ph": "M", "pid": _PID, "tid": row.tid, "name": "thread_name",
                    "args": {"name": f"{row.name} ({row.coro})"}})
        out.append({"ph": "M", "pid": _PID, "tid": row.tid, "name": "thread_sort_index",
                    "args": {"sort_index": row.tid}})
        finish = row.ended if row.ended is not None else end
        args = {"state": row.state, "coro": row.coro, "parent": row.parent, "task_id": row.tid}
        if row.state == "failed" and row.exc is not None:
            args["exception"] = row.summary
            args["traceback"] = row.exc[2]
        elif row.state == "cancelled":
            args["exception"] = row.summary
        elif row.state == "done":
            args["result"] = row.summary
        if row.cancel_requests:
            args["cancel_requests"] = [{"t_ms": round((t - t0) * 1e3, 3), "by": by, "msg": msg}
                                       for t, by, msg in row.cancel_requests]
        out.append({"ph": "X", "cat": "task", "name": row.name, "pid": _PID, "tid": row.tid,
                    "ts": _us(row.created, t0), "dur": _us(finish, row.created), "args": args})
        for s0, s1 in row.steps:
            out.append({"ph": "X", "cat": "step", "name": "run", "pid": _PID, "tid": row.tid,
                        "ts": _us(s0, t0), "dur": _us(s1, s0)})
        for w0, w1, kind, detail in row.waits:
            out.append({"ph": "X", "cat": "wait", "name": detail or kind, "pid": _PID,
                        "tid": row.tid, "ts": _us(w0, t0), "dur": _us(w1 if w1 is not None else finish, w0),
                        "args": {"kind": kind}})
        for t, by, msg in row.cancel_requests:
            out.append({"ph": "i", "s": "t", "cat": "cancel", "name": "cancel requested",
                        "pid": _PID, "tid": row.tid, "ts": _us(t, t0), "args": {"by": by, "msg": msg}})
    for ev in table.blocks:
        _, tid, b0, dur, filename, lineno = ev
        out.append({"ph": "X", "cat": "block", "name": f"loop blocked {dur:.2f}s",
                    "pid": _PID, "tid": tid or 0, "ts": _us(b0, t0), "dur": round(dur * 1e6, 3),
                    "args": {"file": filename, "line": lineno}})
    return {"traceEvents": out, "displayTimeUnit": "ms",
            "otherData": {"outcome": table.outcome, "message": table.message}}


def _fmt_t(t):
    return "-" if t is None else f"{t:7.3f}s"


def summary_lines(table: TaskTable) -> list[str]:
    """The task summary the CLI prints: name, coroutine, state, start, end, result/exception."""
    t0 = table.started or 0.0
    rows = [("task", "coroutine", "state", "start", "end", "result / exception")]
    for r in table.rows:
        rows.append(("  " * r.depth + r.name, r.coro, r.state,
                     _fmt_t(None if r.first_start is None else r.first_start - t0),
                     _fmt_t(None if r.ended is None else r.ended - t0), r.summary or ""))
    widths = [min(max(len(row[i]) for row in rows), 40) for i in range(5)]
    lines = []
    for row in rows:
        cells = [row[i][:40].ljust(widths[i]) for i in range(5)]
        lines.append("  ".join(cells) + "  " + row[5][:80])
    lines.insert(1, "-" * min(len(lines[0]) + 10, 140))
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
