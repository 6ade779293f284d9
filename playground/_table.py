"""The fold: tracer events -> one ``TaskRow`` per task, the shape the window, CLI and exporter read.

Rows keep their steps and waits in flat arrays (``Spans``/``Waits``): a 100k-task run has ~400k
steps, and the window keeps them all for the timeline.
"""
from __future__ import annotations

import re
from array import array

__all__ = ["CancelStory", "LIVE_STATES", "Spans", "TaskRow", "TaskTable", "Waits"]

from .events import ExcInfo
from .vocab import LIVE_STATES, AfterCancel, cancel_message


class Spans:
    """Append-only ``(t0, t1)`` pairs, stored flat in one ``array('d')``.

    16 bytes a pair instead of ~64 for a list of tuples: a 100k-task run has ~400k steps, and
    the window keeps them for the timeline.  Indexing builds the tuple on demand, so bisect and
    ``for s0, s1 in spans`` work as on a list.
    """

    __slots__ = ("_a",)

    def __init__(self):
        self._a = array("d")

    @classmethod
    def of(cls, a: array) -> "Spans":
        """Spans over the flat ``array('d')`` ``a`` (t0, t1, t0, t1…), kept as is (no copy): how
        a replayed moment shares or slices a run's spans (``replay``)."""
        spans = cls.__new__(cls)
        spans._a = a
        return spans

    def append(self, pair):
        self._a.append(pair[0])
        self._a.append(pair[1])

    def __len__(self):
        return len(self._a) >> 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        a = self._a
        return a[2 * i], a[2 * i + 1]

    def __iter__(self):
        a = self._a
        return zip(a[0::2], a[1::2])

    def __bool__(self):
        return bool(self._a)

    def __repr__(self):
        return f"Spans({list(self)!r})"


_NAN = float("nan")
_WAIT_INFO: dict = {}   # (kind, detail) -> that tuple, shared by every wait alike


class Waits:
    """Append-only ``(t0, t1 or None, kind, detail)`` waits; only the last may still be open."""

    __slots__ = ("_t", "_info")

    def __init__(self):
        self._t = array("d")
        self._info: list[tuple] = []

    @classmethod
    def of(cls, t: array, info: list) -> "Waits":
        """Waits over ``t`` (t0, t1 pairs; NaN: still open) and ``info`` ((kind, detail) each),
        kept as they are (no copy): how a replayed moment shares or slices a run's waits."""
        waits = cls.__new__(cls)
        waits._t = t
        waits._info = info
        return waits

    def open(self, t0, kind, detail):
        self._t.append(t0)
        self._t.append(_NAN)
        key = (kind, detail)
        self._info.append(_WAIT_INFO.setdefault(key, key) if len(_WAIT_INFO) < 50_000 else key)

    def close_last(self, t1):
        """End the open wait, if there is one, at ``t1``."""
        t = self._t
        if t and t[-1] != t[-1]:  # NaN: still open
            t[-1] = t1

    def __len__(self):
        return len(self._info)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        t = self._t
        t1 = t[2 * i + 1]
        kind, detail = self._info[i]
        return t[2 * i], (None if t1 != t1 else t1), kind, detail

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self):
        return bool(self._info)

    def __repr__(self):
        return f"Waits({list(self)!r})"


_CAUSE_WORDS = {
    "button": "cancelled by a Cancel click", "stop": "cancelled by Stop",
    "task": "cancelled by task {by}", "callback": "cancelled by a loop callback",
    "taskgroup": "cancelled by its TaskGroup", "timeout": "cancelled by a timeout",
    "gather": "cancelled by its gather", "awaiter": "cancelled because its awaiter was",
    "shutdown": "cancelled at the end of the run (it was still pending)",
    "library": "cancelled by library code",
}
_AFTER_WORDS = {
    "reraised": "ended cancelled (re-raised)", "swallowed": "swallowed it, ended {state}",
    "uncancelled": "called uncancel(), ended {state}",
    "raised": "raised another exception, ended {state}",
    "taken-back": "{by} took the cancel back and raised {error} in its place, ended {state}",
}
_TAKERS = {"timeout": ("the timeout", "TimeoutError"),
           "taskgroup": ("its TaskGroup", "the group's errors")}


def _place(place, filename) -> str:
    file, line = place
    if file == filename:
        return f"line {line}"
    return f"{file.rsplit('/', 1)[-1]}:{line}" if file else f"line {line}"


def _ms(seconds) -> str:
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} µs"
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


# A cancel point (a gutter click: the task is cancelled on arrival at that line) is recorded as the
# playground's own cancel, cause ``button``, with this detail (``Tracer._waiting``).
_CANCEL_POINT = re.compile(r"cancel point at line (\d+)")


def _cause_words(table, req, filename) -> str:
    point = _CANCEL_POINT.fullmatch(req.detail) if req.cause == "button" and req.detail else None
    if point is not None:   # not "a Cancel click": nobody clicked, the point did it
        where = (_place((req.filename, req.lineno), filename) if req.lineno
                 else f"line {point.group(1)}")
        text = f"cancelled by the cancel point at {where}"
        return text + (f" with message {req.msg!r}" if req.msg else "")
    by = table.by_tid.get(req.by) if req.by is not None else None
    text = _CAUSE_WORDS.get(req.cause, f"cancelled ({req.cause})").format(
        by=f"'{by.name}'" if by else "?")
    if by is not None and req.cause != "task":
        name = by.name
        if req.cause == "library" and "." in name:   # anyio names tasks by dotted qualname
            top, last = name.split(".", 1)[0], name.rsplit(".", 1)[-1]
            name = f"{last}, in {top}"
        text += f" ('{name}')"
    if req.detail:
        text += f": {req.detail}"
    if req.lineno:
        text += f", asked at {_place((req.filename, req.lineno), filename)}"
    if req.msg:
        text += f" with message {cancel_message(req.cause, req.msg)!r}"
    return text


class CancelStory:
    """What a cancellation did to one task, folded from its cancel, step, uncancel and end records.

    Attributes:
        requested: time of the latest cancel request not yet landed (None once it landed).
        landed: time of the step in which CancelledError landed (None: not yet, or never).
        landed_at: ``(file, line)`` where the task was suspended when it landed; None when it landed
            before the task's first step (the coroutine never started).
        landing_step: ``(t0, t1)`` of that step: the cleanup (except/finally) ran in it.
        uncancelled_by, uncancelled: the ``CancelCause`` word and time of the last ``uncancel()``
            since it landed.
        after: an ``AfterCancel`` word once the task ended (None while it lives).
        cleanup: ``(t0, t1)`` from the landing to the end of the cleanup (None until known).
    """

    __slots__ = ("requested", "landed_at", "landing_step", "uncancelled_by", "uncancelled",
                 "after", "cleanup")

    def __init__(self, requested):
        self.requested = requested
        self.landed_at = self.landing_step = None
        self.uncancelled_by = self.uncancelled = self.after = self.cleanup = None

    @property
    def landed(self) -> float | None:
        return self.landing_step[0] if self.landing_step is not None else None

    def __repr__(self):
        return (f"<CancelStory landed={self.landed} at={self.landed_at} after={self.after} "
                f"cleanup={self.cleanup}>")


def awaiters_list(who) -> list[int]:
    """The awaiter tids a ``TaskTable._awaiters`` value holds (None, one tid, or a dict)."""
    if who is None:
        return []
    return list(who) if who.__class__ is dict else [who]


class TaskRow:
    """The latest known state of one task, folded from the events."""

    __slots__ = ("tid", "name", "coro", "parent", "depth", "created", "first_start", "ended", "state",
                 "waiting", "targets", "summary", "exc", "steps", "waits", "cancel_requests", "story")

    def __init__(self, tid, t, parent, name, coro, depth):
        self.tid = tid
        self.name = name
        self.coro = coro
        self.parent = parent
        self.depth = depth
        self.created = t
        self.first_start = None
        self.ended = None
        self.state = "pending"
        self.waiting = None   # (kind, detail, file, line)
        self.targets = ()     # tids of the run's tasks the current wait is on (Wait.targets)
        self.summary = None
        self.exc = None
        self.steps = Spans()          # (t0, t1) running slices
        self.waits = Waits()          # (t0, t1 or None, kind, detail)
        self.cancel_requests = ()     # CancelRequested records; a list once there is one
        self.story = None             # a CancelStory once a cancel was requested

    @property
    def live(self) -> bool:
        return self.state in LIVE_STATES

    def __repr__(self):
        return f"<TaskRow {self.tid} {self.name!r} {self.state}>"


class TaskTable:
    """Folds tracer events into one ``TaskRow`` per task (rows in creation order)."""

    def __init__(self):
        self.rows: list[TaskRow] = []
        self.by_tid: dict[int, TaskRow] = {}
        self.failed: list[int] = []          # tids that ended failed, in order
        # (file, line) -> {tid: None} of the tasks suspended there now (insertion-ordered), kept
        # as events arrive so the editor's gutter needn't walk every task each time it redraws.
        self.waiting_lines: dict[tuple, dict[int, None]] = {}
        # tid -> the tasks whose current wait lists it in its targets (the reverse of
        # TaskRow.targets), kept as events arrive: awaited_by() is a lookup.  One awaiter is
        # kept as its tid, more as {awaiter tid: None} in the order they began to wait: a gather
        # of 100,000 children made a dict per child (~20 MiB while it waited).
        self._awaiters: dict[int, int | dict[int, None]] = {}
        # tids of the tasks a library created for its own ends (httpx's, anyio's): the window
        # folds them away by default.
        self.library_tids: set[int] = set()
        # (file, line) -> {tid: None} of the tasks in which CancelledError landed there.
        self.landed_lines: dict[tuple, dict[int, None]] = {}
        self.outputs: list[tuple] = []
        self.blocks: list[tuple] = []
        self.errors: list[tuple] = []
        self.started = None
        self.finished = None
        self.outcome = None
        self.message = None
        self.last_time = None
        self._running_mark = None    # (row, its state before) while mark_running shows it

    def apply(self, events) -> set[int]:
        """Fold ``events`` (records of :mod:`.events`) in; returns the tids that changed."""
        changed = set()
        by_tid = self.by_tid
        for ev in events:
            kind = ev[0]   # the record's tag; the branches unpack the fields by name
            if kind == "step":
                _, tid, t0, t1 = ev
                row = by_tid[tid]
                if row.story is not None and row.story.requested is not None:
                    self._landed(row, t0, t1)
                if row.waiting is not None:
                    self._unwait(row)
                    if row.targets:
                        self._unawait(row)
                row.steps.append((t0, t1))
                if row.first_start is None:
                    row.first_start = t0
                row.waits.close_last(t0)
                row.state = "pending"
                row.waiting = None
                self.last_time = t1
                changed.add(tid)
            elif kind == "wait":
                if len(ev) == 8:
                    _, tid, t, wait_kind, detail, filename, lineno, targets = ev
                else:   # a record from before Wait.targets existed
                    _, tid, t, wait_kind, detail, filename, lineno = ev
                    targets = ()
                row = by_tid[tid]
                if row.waiting is not None:
                    self._unwait(row)
                    if row.targets:
                        self._unawait(row)
                row.state = "waiting"
                row.waiting = (wait_kind, detail, filename, lineno)
                if targets:
                    targets = row.targets = tuple(targets)   # a list when read back from JSON
                    awaiters = self._awaiters
                    for target in targets:
                        who = awaiters.get(target)
                        if who is None:
                            awaiters[target] = tid
                        elif who.__class__ is dict:
                            who[tid] = None
                        elif who != tid:
                            awaiters[target] = {who: None, tid: None}
                key = (filename, lineno)
                tids = self.waiting_lines.get(key)
                if tids is None:
                    tids = self.waiting_lines[key] = {}
                tids[tid] = None
                row.waits.open(t, wait_kind, detail)
                changed.add(tid)
            elif kind == "task":
                tid, t, parent_tid, name, coro = ev[1], ev[2], ev[3], ev[4], ev[5]
                if len(ev) > 6 and ev[6]:
                    self.library_tids.add(tid)
                parent = by_tid.get(parent_tid)
                row = TaskRow(tid, t, parent_tid, name, coro, parent.depth + 1 if parent else 0)
                self.rows.append(row)
                by_tid[tid] = row
                changed.add(tid)
            elif kind == "end":
                _, tid, t, state, summary, exc = ev
                if exc is not None and exc.__class__ is not ExcInfo:   # read back from JSON
                    exc = ExcInfo(*exc)
                row = by_tid[tid]
                if row.waiting is not None:
                    self._unwait(row)
                    if row.targets:
                        self._unawait(row)
                row.state, row.summary, row.exc, row.ended = state, summary, exc, t
                if row.story is not None and row.story.landed is not None:
                    self._after_cancel(row)
                if state == "failed":
                    self.failed.append(tid)
                row.waiting = None
                row.waits.close_last(t)
                changed.add(tid)
            elif kind == "cancel":
                row = by_tid[ev.tid]
                if not row.cancel_requests:
                    row.cancel_requests = []
                row.cancel_requests.append(ev)
                if row.ended is None:
                    if row.story is None:
                        row.story = CancelStory(ev.t)
                    elif row.story.requested is None:
                        row.story.requested = ev.t
                changed.add(ev.tid)
            elif kind == "uncancel":
                # Recorded during the step that runs it, so before that step's own record.
                row = by_tid[ev.tid]
                if row.story is not None:
                    row.story.uncancelled_by, row.story.uncancelled = ev.source, ev.t
                changed.add(ev.tid)
            elif kind == "name":
                by_tid[ev.tid].name = ev.name
                changed.add(ev.tid)
            elif kind == "output":
                self.outputs.append(ev)
            elif kind == "block":
                self.blocks.append(ev)
            elif kind == "error":
                self.errors.append(ev)
                if ev.tid in by_tid:
                    changed.add(ev.tid)
            elif kind == "run":
                if ev.phase == "start":
                    self.started = ev.t
                else:
                    self.finished, self.outcome, self.message = ev.t, ev.outcome, ev.message
        return changed

    def _landed(self, row, t0, t1):
        """The first step that starts after a cancel request is where CancelledError lands."""
        story = row.story
        if t0 < story.requested:   # the step that asked (a task cancelling itself) goes on
            return
        story.requested = None
        story.landing_step = (t0, t1)
        story.landed_at = row.waiting[2:4] if row.waiting is not None else None
        if story.landed_at is not None:
            self.landed_lines.setdefault(story.landed_at, {})[row.tid] = None
        story.after = story.cleanup = None
        if story.uncancelled is not None and story.uncancelled < t0:   # an earlier landing's
            story.uncancelled_by = story.uncancelled = None

    @staticmethod
    def _after_cancel(row):
        story = row.story
        if row.state == "cancelled":
            story.after = AfterCancel.RERAISED
        elif story.uncancelled_by == "task":
            story.after = AfterCancel.UNCANCELLED
        elif story.uncancelled_by in _TAKERS:
            # asyncio.timeout's or a TaskGroup's own cancel, taken back when it raised TimeoutError
            # (or the group's exceptions) out of its block: whether the task then caught that
            # error or not, it did not swallow a cancel (pitfalls_09's "reraises" main, 3.11+).
            story.after = AfterCancel.TAKEN_BACK
        elif row.state == "failed":
            story.after = AfterCancel.RAISED      # e.g. asyncio.timeout's TimeoutError
        else:
            story.after = AfterCancel.SWALLOWED
        # The cleanup ran from the landing to the end when the task ended with it; a task that
        # went on after swallowing it cleaned up within the landing step.
        ended_with_it = story.after is AfterCancel.RERAISED or story.after is AfterCancel.RAISED \
            or (story.after is AfterCancel.TAKEN_BACK and row.state == "failed")
        end = row.ended if ended_with_it else story.landing_step[1]
        story.cleanup = (story.landed, end)

    def _unwait(self, row):
        key = (row.waiting[2], row.waiting[3])
        tids = self.waiting_lines.get(key)
        if tids is not None:
            tids.pop(row.tid, None)
            if not tids:
                del self.waiting_lines[key]

    def _unawait(self, row):
        """``row``'s wait on its targets is over: drop it from the reverse index."""
        awaiters = self._awaiters
        tid = row.tid
        for target in row.targets:
            who = awaiters.get(target)
            if who is None:
                continue
            if who.__class__ is dict:
                who.pop(tid, None)
                if len(who) < 2:
                    if who:
                        awaiters[target] = next(iter(who))
                    else:
                        del awaiters[target]
            elif who == tid:
                del awaiters[target]
        row.targets = ()

    def awaited_by(self, tid) -> list[int]:
        """The tids of the tasks waiting on task ``tid`` now (awaiting it, a gather or a TaskGroup
        it is a child of, an ``asyncio.wait`` over it), in the order they began to wait.

        A child that has ended stays awaited until its awaiter wakes up: a gather's awaiter waits
        on every child until the last one is done.
        """
        return awaiters_list(self._awaiters.get(tid))

    def await_chain(self, tid) -> list[int]:
        """Task ``tid``'s await chain: the tasks that wait on it, transitively, up to the root
        awaiters (outermost first), then ``tid`` itself, then what it waits on, transitively
        (depth first, in ``targets`` order).  Each tid appears once, even in a cycle of tasks
        awaiting each other; an unknown tid gives ``[]``.
        """
        by_tid = self.by_tid
        if tid not in by_tid:
            return []
        awaiters = self._awaiters
        seen = {tid}
        up = []
        frontier = [tid]
        while frontier:   # breadth first: nearer awaiters first, reversed below
            nxt = []
            for t in frontier:
                for a in awaiters_list(awaiters.get(t)):
                    if a not in seen:
                        seen.add(a)
                        up.append(a)
                        nxt.append(a)
            frontier = nxt
        up.reverse()
        down = []
        stack = list(reversed(by_tid[tid].targets))   # reversed: the first target comes out first
        while stack:
            t = stack.pop()
            if t in seen:
                continue
            seen.add(t)
            down.append(t)
            row = by_tid.get(t)
            if row is not None and row.targets:
                stack.extend(reversed(row.targets))
        return up + [tid] + down

    def cancel_story(self, tid, *, filename: str | None = None) -> str | None:
        """The cancellation of task ``tid`` in words (None: nobody asked it to cancel).

        "cancelled by TaskGroup because 'check-size' raised ValueError: too large at line 27 →
        CancelledError landed at line 17 → the cleanup ran 0.1 ms → ended cancelled (re-raised)".
        Lines in ``filename`` (the run's file) are named by number alone.
        """
        row = self.by_tid.get(tid)
        if row is None or not row.cancel_requests:
            return None
        first = row.cancel_requests[0]
        parts = [_cause_words(self, first, filename)]
        story = row.story
        if story is not None and story.landed is not None:
            parts.append("CancelledError landed " + (
                f"at {_place(story.landed_at, filename)}" if story.landed_at else
                "before the task's first line ran"))
            if story.cleanup is not None:
                from ._cleanup import describe
                blocks = describe(*story.landed_at) if story.landed_at else ""
                took = story.cleanup[1] - story.cleanup[0]
                # No loop time passed (the clock stands still while paused and stepping; Windows'
                # monotonic clock ticks every ~16 ms): "ran 0 µs" would claim a measurement.
                what = f"its cleanup{f' ({blocks})' if blocks else ''}"
                parts.append(f"{what} ran {_ms(took)}" if took > 0 else
                             f"{what} finished while the loop's clock stood still (no loop time passed)")
            if story.after is not None:
                by, error = _TAKERS.get(story.uncancelled_by, ("", ""))
                parts.append(_AFTER_WORDS[story.after].format(state=row.state, by=by,
                                                              error=error))
            else:
                parts.append(self._cleanup_underway(row, story) or "still running")
        elif row.state in LIVE_STATES:
            parts.append("CancelledError has not landed yet")
        else:
            parts.append(f"it had already finished ({row.state})")
        if len(row.cancel_requests) > 1:
            parts.append(f"{len(row.cancel_requests)} cancel requests in all")
        return " → ".join(parts)

    def _cleanup_underway(self, row, story) -> str:
        """A live task whose CancelledError landed and which now waits inside its cleanup (a
        ``finally`` that awaits, an ``async with`` exit): since when, and that it has not finished
        ("" when it does not wait inside one: it may have caught the cancel and gone on)."""
        if story.landed_at is None or row.state != "waiting" or row.waiting is None:
            return ""
        from ._cleanup import cleanup_blocks, describe
        file, line = row.waiting[2], row.waiting[3]
        if file != story.landed_at[0] or not line or not any(
                a <= line <= b for _what, a, b in cleanup_blocks(*story.landed_at)):
            return ""
        blocks = describe(*story.landed_at)
        since = f" since t = {story.landed - self.started:.3f} s" if self.started is not None else ""
        return f"its cleanup ({blocks}) running{since}, waiting at line {line}: not finished yet"

    def __len__(self):
        return len(self.rows)

    def row(self, tid) -> TaskRow:
        return self.by_tid[tid]

    def live_tids(self) -> list[int]:
        return [r.tid for r in self.rows if r.state in LIVE_STATES]

    def mark_running(self, tid: int | None) -> set[int]:
        """Show task ``tid`` as running: the loop is paused just before its step, as a debugger
        shows the thread it stopped in (``loopstate.next_step``).  None clears the mark.  The
        task's next events overwrite it as they would any state.  Returns the tids that changed."""
        changed = set()
        old = self._running_mark
        if old is not None:
            row, before = old
            if row.state == "running":
                row.state = before
                changed.add(row.tid)
            self._running_mark = None
        row = self.by_tid.get(tid) if tid is not None else None
        if row is not None and row.state in ("pending", "waiting"):
            self._running_mark = (row, row.state)
            row.state = "running"
            changed.add(row.tid)
        return changed
