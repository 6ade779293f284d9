"""Time and lane arithmetic for the timeline (no painting): lane order, axis ticks, pixel spans."""
from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from operator import itemgetter

from asyncio_playground.vocab import cancel_message

from .colors import OUTCOME_GLYPHS, format_duration

_INF = math.inf
START = itemgetter(0)
END = itemgetter(1)


def wait_end(wait):
    return _INF if wait[1] is None else wait[1]


def nice_step(raw: float) -> float:
    """The smallest 1/2/5 x 10^k at or above *raw* (tick spacing in seconds)."""
    exp = math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10):
        step = mult * 10 ** exp
        if step >= raw:
            return step
    return 10 ** (exp + 1)


def format_tick(t: float, step: float, seconds: bool) -> str:
    """An axis label with as many decimals as the tick *step* needs: ``0``, ``250 ms``, ``1.5 s``.

    *seconds* picks the unit for the whole axis (a view reaching past 1 s reads in seconds), so
    labels never switch units halfway along the axis.
    """
    if abs(t) < step / 2:
        return "0"
    if step < 1e-3 and not seconds:
        return f"{t * 1e6:.0f} \u00b5s" if step >= 1e-6 else f"{t * 1e6:.1f} \u00b5s"
    if not seconds:
        decimals = max(0, -math.floor(math.log10(step * 1e3) + 1e-9))
        return f"{t * 1e3:.{decimals}f} ms"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return f"{t:.{decimals}f} s"


class LaneOrder:
    """Lane order: every task right after its parent's earlier children (a pre-order walk).

    Kept incrementally because 10,000 tasks arrive a few hundred per frame: a new task whose
    parent owns the last lane (the common case: one task spawning many) is appended in O(depth);
    anything else marks the order dirty and it is rebuilt once, at the end of the frame.
    """

    def __init__(self):
        self.rows: list = []               # lane -> TaskRow
        self.index: dict[int, int] = {}    # tid -> lane
        self._children: dict[object, list] = {}
        self._by_tid: dict[int, object] = {}
        self._dirty = False

    def add(self, row) -> None:
        self._by_tid[row.tid] = row
        self._children.setdefault(row.parent, []).append(row)
        if not self._dirty and self._owns_last_lane(row.parent):
            self.index[row.tid] = len(self.rows)
            self.rows.append(row)
        else:
            self._dirty = True

    def _owns_last_lane(self, parent) -> bool:
        if parent is None or not self.rows:
            return True
        node = self.rows[-1]
        while node is not None:
            if node.tid == parent:
                return True
            node = self._by_tid.get(node.parent)
        return False

    def settle(self) -> None:
        if not self._dirty:
            return
        order, stack = [], list(reversed(self._children.get(None, [])))
        # Tasks whose parent is unknown to the run (should not happen) still get a lane.
        orphans = [r for p, kids in self._children.items() if p is not None and p not in self._by_tid
                   for r in kids]
        stack[:0] = reversed(orphans)
        while stack:
            row = stack.pop()
            order.append(row)
            stack.extend(reversed(self._children.get(row.tid, ())))
        self.rows = order
        self.index = {row.tid: i for i, row in enumerate(order)}
        self._dirty = False


def pixel_spans(seq, lo, hi, scale, offset, end_key):
    """Yield ``(x0, x1, item)`` for the items of *seq* (sorted, non-overlapping ``(t0, t1, ...)``)
    that overlap times *lo*..*hi*, merging items less than a pixel apart.

    Each yielded span costs O(log n) (bisect), so a task with 100,000 tiny steps zoomed out costs
    about one span per pixel column, not 100,000 rectangles.
    """
    n = len(seq)
    i = bisect_left(seq, lo, key=end_key)
    while i < n:
        item = seq[i]
        if item[0] > hi:
            break
        x0 = (max(item[0], lo) - offset) * scale
        x1 = (min(end_key(item), hi) - offset) * scale
        j = i + 1
        while j < n:
            k = bisect_right(seq, (x1 + 1.0) / scale + offset, lo=j, key=START)
            if k == j:
                break
            x1 = max(x1, (min(end_key(seq[k - 1]), hi) - offset) * scale)
            j = k
        yield x0, max(x1, x0 + 1.0), item
        i = j


def flat_pixel_spans(a, lo, hi, scale, offset, open_end=None):
    """``pixel_spans`` over a flat ``array('d')`` of ``t0, t1`` pairs (``Spans``/``Waits`` keep
    theirs so), without making a tuple per item looked at: ``[(x0, x1, i), ...]``, ``i`` the first
    item of each merged span.  A NaN ``t1`` (a wait still open) ends at ``open_end``.

    The timeline paints every lane on screen each frame of a live run: reading the floats in
    place is ~3x cheaper than ``pixel_spans`` through ``Spans.__getitem__``."""
    n = len(a) >> 1

    def end(k):
        e = a[2 * k + 1]
        if e != e:   # NaN: still open
            return open_end if open_end is not None else a[2 * k]
        return e

    # First item ending at or after lo (items are sorted and never overlap).
    i, j = 0, n
    while i < j:
        m = (i + j) >> 1
        if end(m) < lo:
            i = m + 1
        else:
            j = m
    out = []
    while i < n:
        t0 = a[2 * i]
        if t0 > hi:
            break
        e = end(i)
        x0 = ((t0 if t0 > lo else lo) - offset) * scale
        x1 = ((e if e < hi else hi) - offset) * scale
        first = i
        i += 1
        while i < n:
            # Merge the items that start within a pixel of x1, up to the last one starting so.
            limit = (x1 + 1.0) / scale + offset
            if a[2 * i] > limit:
                break
            k, j = i + 1, n
            while k < j:
                m = (k + j) >> 1
                if a[2 * m] <= limit:
                    k = m + 1
                else:
                    j = m
            e = end(k - 1)
            x = ((e if e < hi else hi) - offset) * scale
            if x > x1:
                x1 = x
            i = k
        out.append((x0, x1 if x1 > x0 + 1.0 else x0 + 1.0, first))
    return out


def ticks(view: tuple[float, float], left: float, width: float):
    """``(step, [(t, x), ...])``: axis ticks for the time range *view* drawn over *left*..+*width*."""
    t0, t1 = view
    # Labels at least ~90 px apart, on a 1-2-5 grid so they read as round numbers.
    step = nice_step((t1 - t0) * 90.0 / width)
    return step, [(k * step, left + (k * step - t0) * width / (t1 - t0))
                  for k in range(math.ceil(t0 / step), int(t1 / step) + 1)]


def describe_time(row, t, slop, now, table) -> list[str]:
    """Tooltip lines for what task *row* of *table* (a ``TaskTable``) was doing at loop time *t*
    (give or take *slop* s)."""
    blocks = table.blocks

    def name(tid):
        other = table.by_tid.get(tid)
        return f"'{other.name}'" if other is not None else f"task {tid}"

    out = []
    steps = row.steps
    i = bisect_left(steps, t - slop, key=END)
    if i < len(steps) and steps[i][0] <= t + slop:
        s0, s1 = steps[i]
        out.append(f"running {format_duration(s1 - s0)} (step {i + 1} of {len(steps)})")
    waits = row.waits
    i = bisect_left(waits, t - slop, key=wait_end)
    if i < len(waits) and waits[i][0] <= t + slop:
        w0, w1, kind, detail = waits[i][:4]
        span = (w1 if w1 is not None else (now if now is not None else t)) - w0
        out.append(f"waiting {format_duration(span)} on {detail} ({kind})")
    for req in row.cancel_requests:   # CancelRequested records
        if abs(req.t - t) <= 2 * slop:
            by = f" by {name(req.by)}" if req.by is not None else ""
            out.append(f"cancel requested ({req.cause}){by}" + (f": {req.detail}" if req.detail else "")
                       + (f" — message {cancel_message(req.cause, req.msg)!r}" if req.msg else ""))
    story = row.story
    if story is not None and story.landed is not None and abs(story.landed - t) <= 2 * slop:
        out.append("CancelledError landed here" + (f" (line {story.landed_at[1]})" if story.landed_at else ""))
    if row.ended is not None and abs(row.ended - t) <= 4 * slop:
        out.append(f"{OUTCOME_GLYPHS.get(row.state, '')} {row.state}: {row.summary or ''}".rstrip(": "))
    for ev in blocks:
        if ev.t0 - slop <= t <= ev.t0 + ev.duration + slop:
            who = name(ev.tid) if ev.tid is not None else "module code"
            out.append(f"\u26a0 loop blocked {format_duration(ev.duration)} by {who} at line {ev.lineno}")
    return out

