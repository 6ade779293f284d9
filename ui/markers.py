"""What the editor's gutter shows for a run: suspended tasks per line, raising lines, blocks."""
from __future__ import annotations

from collections import defaultdict


def gutter_markers(table, live_tids, line_of, in_run_file) -> dict[int, tuple[str, str]]:
    """``{line: (kind, tooltip)}`` with kind ``wait``, ``error`` or ``block``.

    Only live tasks can be suspended and only failed ones raised, so this walks those (not every
    row): cheap even when a run has made 100k tasks.  ``line_of(row)`` gives the line of the run's
    file a row waits or raised at; ``in_run_file(path)`` says whether a path is the run's file.
    """
    by_tid = table.by_tid
    waiting = defaultdict(list)
    for tid in list(live_tids):
        row = by_tid.get(tid)
        line = line_of(row) if row is not None and row.state == "waiting" else None
        if line:
            waiting[line].append(row.name)
    markers = {}
    for line, who in waiting.items():
        n = len(who)
        markers[line] = ("wait", f"{n} task{'s' * (n != 1)} suspended here: {', '.join(who[:6])}")
    for ev in table.blocks:
        if ev[5] and in_run_file(ev[4]):
            markers[ev[5]] = ("block", f"Blocked the event loop for {ev[3]:.1f} s")
    for tid in table.failed:
        row = by_tid[tid]
        line = line_of(row)
        if line:
            markers[line] = ("error", f"{row.name}: {row.exc[0]}: {row.exc[1]}")
    return markers
