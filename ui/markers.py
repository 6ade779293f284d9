"""What the editor's gutter shows for a run: suspended tasks per line, raising lines, blocks."""
from __future__ import annotations

import itertools


def gutter_markers(table, in_run_file) -> dict[int, tuple[str, str]]:
    """``{line: (kind, tooltip)}`` with kind ``wait``, ``cancel`` (CancelledError landed here),
    ``error`` or ``block``.

    Suspended tasks come from ``table.waiting_lines``, which the fold keeps up to date, and
    raising lines from ``table.failed``: nothing here walks every task, so it stays cheap when a
    run has made 100k of them.  ``in_run_file(path)`` says whether a path is the run's file.
    """
    by_tid = table.by_tid
    markers = {}
    for (filename, line), tids in table.waiting_lines.items():
        if line and in_run_file(filename):
            n = len(tids)
            who = ", ".join(by_tid[tid].name for tid in itertools.islice(tids, 6))
            markers[line] = ("wait", f"{n} task{'s' * (n != 1)} suspended here: {who}")
    for (filename, line), tids in table.landed_lines.items():
        if line and in_run_file(filename) and line not in markers:   # live waits come first
            n = len(tids)
            who = ", ".join(by_tid[tid].name for tid in itertools.islice(tids, 6))
            markers[line] = ("cancel", f"{n} CancelledError{'s' * (n != 1)} landed here: {who}")
    for ev in table.blocks:
        if ev.lineno and in_run_file(ev.filename):
            markers[ev.lineno] = ("block", f"Blocked the event loop for {ev.duration:.1f} s")
    for tid in table.failed:
        row = by_tid[tid]
        exc = row.exc
        if exc and exc.lineno and in_run_file(exc.filename):
            markers[exc.lineno] = ("error", f"{row.name}: {exc.type}: {exc.message}")
    return markers
