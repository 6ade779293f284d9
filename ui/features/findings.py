"""Findings: what the run on screen showed that a learner should know, in the Findings tab, on the
editor's gutter and, for the selected one, on the timeline — live, while the run goes on, and at
any replayed moment.

The engine finds them by folding the run's records (``asyncio_playground.Findings``); the fold of a
run is kept with it (``ShownRun.finder``), fed every frame while the run is live -- at most
``FOLD_BUDGET`` of the GUI thread a frame: a run that logs faster than that is folded a few frames
behind and caught up when it slows down or ends (a 10,000-task run logs ~150,000 records a second,
a millisecond of fold per ~1,000; a record's cost varies with what it touches, so the records
folded between two looks at the clock follow what the last ones cost, ``_chunk``), and what is
left in more such slices between the frames until it has caught up (``_fold_live``); the slow
frame's list and gutter read what was folded, not folding again -- shown on slow frames (~10 Hz),
and made from the whole log at once for a run that ended off screen or was opened from a file.  A
live run that stands still (no record for a second) gets the hang doctor's word before it is
stopped.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from . import Feature

#: A live run with no new record for this long (wall seconds, counted in slow frames) is asked
#: whether it stands still for good (``Findings.stuck``).
QUIET_FRAMES = 10
#: Wall seconds of the GUI thread the live fold may take in one frame (then it waits for the next).
FOLD_BUDGET = 0.003
#: Records folded between two looks at the clock: as many as the rest of the budget allows at what
#: the last ones cost (``_chunk``), from ``_MIN_CHUNK`` to ``_MAX_CHUNK`` (a stretch of the log
#: may cost 30x the one before it); ``_CHUNK`` for a fold given no budget at all.
_CHUNK = 1000
_MIN_CHUNK = 50
_MAX_CHUNK = 250
#: Seconds a record took to fold, lately (an average over the chunks folded within a budget).
_cost = [0.0]
_TITLE = "Findings"


def _chunk(left: float) -> int:
    """Records to fold next with ``left`` seconds of the budget left, at what they cost lately."""
    cost = _cost[0]
    if cost <= 0:
        return _MAX_CHUNK
    return max(_MIN_CHUNK, min(_MAX_CHUNK, int(left / cost)))


class FindingsFeature(Feature):
    """See the module docstring.  ``views``: the ``RunViews`` whose Findings tab it fills (built
    after the first paint: ``wire`` is called then)."""

    def __init__(self, parent, desk, runs, selection, time_bar, *, views, editor, timeline,
                 open_lesson, lesson_titles) -> None:
        """``open_lesson(slug)`` opens a lesson; ``lesson_titles()`` gives {slug: title}."""
        super().__init__(parent)
        self._lesson_titles = lesson_titles
        self.desk, self.runs, self.selection, self.views = desk, runs, selection, views
        self.editor, self.timeline, self._open_lesson = editor, timeline, open_lesson
        self._quiet = 0
        self._stuck: list = []        # the hang doctor's findings for the live run standing still
        self._folded = None           # the run's fold this frame made (show what it folded)
        self._behind = None           # a live run's fold not caught up yet (``_fold_live``)
        self._on_gutter: list | None = None   # the findings the gutter got last (``markers``)
        self._more = QTimer(self, singleShot=True, interval=0)
        self._more.timeout.connect(self._fold_more)
        runs.controller.frameApplied.connect(self._frame)
        runs.shownChanged.connect(lambda _shown: self._reset_and_show())
        runs.finishedOnScreen.connect(lambda _outcome: self.show())
        runs.more_markers = self.markers
        # A replayed moment: the list follows (the replay feature redraws the gutter, with these).
        time_bar.momentChanged.connect(lambda _t: self.show(markers=False))
        time_bar.liveRequested.connect(lambda: self.show(markers=False))

    def wire(self, view) -> None:
        """The Findings view was built: its selection and lesson links reach the window."""
        view.findingSelected.connect(self.go_to)
        view.lessonRequested.connect(self._open_lesson)
        self.show()

    # == the fold =====================================================================================
    @staticmethod
    def fold(shown, budget: float | None = None) -> list:
        """Fold what ``shown``'s run logged since the last call -- ``budget``: only as much as
        that many wall seconds allow (at least ``_MIN_CHUNK`` records; 0: one chunk of
        ``_CHUNK``), the rest next time; None: all of it --
        and return every finding so far, in the order a reader wants them (a hang first when Stop
        ended the run)."""
        if shown is None or not getattr(shown.run, "tracer", None):
            return []
        finder = shown.finder
        if finder is None:
            import asyncio_playground as playground
            run = shown.run
            finder = shown.finder = playground.Findings(getattr(run, "source", None),
                                                        run.tracer.filename or run.path)
        events = shown.run.tracer.events
        n = len(events)
        if budget is None:
            if shown.folded < n:
                finder.apply(events[shown.folded:n])
                shown.folded = n
        else:
            clock = time.perf_counter
            now = clock()
            deadline = now + budget
            while shown.folded < n:
                # (no budget at all: one chunk of _CHUNK, a step of the fold)
                end = min(shown.folded + (_chunk(deadline - now) if budget > 0 else _CHUNK), n)
                finder.apply(events[shown.folded:end])
                took, now = now, clock()
                took = (now - took) / (end - shown.folded)
                _cost[0] = took if not _cost[0] else (_cost[0] + took) / 2
                shown.folded = end
                if now >= deadline:
                    break
        return finder.report()

    def _frame(self, n_events: int, slow: bool) -> None:
        """Once per frame of the controller's run: fold what it logged (on screen or not: its
        lesson shows them when picked again; within ``FOLD_BUDGET`` while it is live), and on
        slow frames show them and watch for a run standing still."""
        run = self.runs.controller.run
        ws = self.desk.owner_of(run)
        if ws is None:
            return
        if not slow and not run.done:
            if ws.last is not None and ws.last.folded < len(run.tracer.events):
                self._fold_live(ws.last)
            return
        self._quiet = 0 if n_events or run.done else self._quiet + 1
        still = self._quiet >= QUIET_FRAMES and not run.done and not self.runs.loop.paused
        # An ended run is folded whole; a quiet one too (what is left of its log is little).
        if still or run.done:
            self.fold(ws.last, None)
        else:
            self._fold_live(ws.last)
        stuck = ws.last.finder.stuck(self.runs.loop.time()) if still else []
        if stuck and not self._stuck:
            self.status.emit(f"The run stands still: {stuck[0].why}  (Findings tab)", 10000)
        self._stuck = stuck
        if ws is self.desk.current and self.runs.live_on_screen():
            self._folded = ws.last    # the list and the gutter read what this frame folded
            try:
                # the gutter (O(tasks) to redraw) again only if the findings changed since it
                # read them: the frame's own gutter update (runs) reads them too
                self.show(markers=None)
            finally:
                self._folded = None

    def _fold_live(self, shown) -> None:
        """Fold ``FOLD_BUDGET`` of a live run's log now, and what is left in more such slices
        between the frames (a 0 ms timer), until the fold has caught up: the same work as one
        fold of the frame's records, in pieces the window's other events come between."""
        self.fold(shown, FOLD_BUDGET)
        if shown.folded < len(shown.run.tracer.events):
            self._behind = shown
            if not self._more.isActive():
                self._more.start()

    def _fold_more(self) -> None:
        shown, self._behind = self._behind, None
        run = self.runs.controller.run
        ws = self.desk.owner_of(run) if run is not None else None
        if shown is None or ws is None or ws.last is not shown or run.done:
            return     # (the frames fold an ended run whole)
        self._fold_live(shown)

    # == on screen ====================================================================================
    def _reset_and_show(self) -> None:
        self._quiet, self._stuck = 0, []
        self.show()

    def shown_findings(self, fold: bool = True) -> list:
        """The findings of the run on screen, up to the replayed moment if there is one
        (``fold`` False: of what a live run's frames folded so far)."""
        shown = self.runs.shown
        if shown is None:
            return []
        live = self.runs.live_on_screen()
        if (self._folded is shown or not fold and live and not shown.finished) \
                and shown.finder is not None:
            found = shown.finder.report()
        else:
            found = (self.fold(shown, FOLD_BUDGET if live and not shown.finished else None)
                     if shown.finished or shown.finder is not None else [])
        if live:
            found = [f for f in self._stuck if f not in found] + found
        ws = self.desk.current
        t = ws.moment if ws is not None else None
        return [f for f in found if f.t is None or f.t <= t] if t is not None else found

    def show(self, markers: bool | None = True) -> None:
        """The findings in the tab, and (``markers``) on the gutter; None: on the gutter if they
        are not those it shows."""
        shown = self.runs.shown
        view = self.views.view("findings_view", build=False)
        found = self.shown_findings()
        if view is not None:
            if found:
                view.set_lesson_titles(self._lesson_titles())
            view.set_findings(found if shown is not None else None,
                              finished=shown is not None and shown.finished,
                              origin=shown.table.started if shown is not None else None)
            i = self.views.indexOf(view)
            self.views.setTabText(i, f"{_TITLE} ({len(found)})" if found else _TITLE)
        if markers or markers is None and self._on_gutter != found:
            self.runs.update_markers()

    def markers(self) -> dict:
        """``{line: ("finding", tooltip)}`` for the gutter: each finding's line in the shown file."""
        out: dict = {}
        # (the gutter is redrawn after every frame of a live run: the frame folded already)
        found = self.shown_findings(fold=False)
        self._on_gutter = found
        for f in found:
            if f.line and self.runs.in_shown_file(f.filename):
                tip = out.get(f.line, ("", ""))[1]
                out[f.line] = ("finding", (tip + "\n" if tip else "") + f"Finding: {f.title} — {f.why}")
        return out

    def go_to(self, finding) -> None:
        """A finding was picked: its line in the editor, its task selected, its moment marked."""
        if finding.line and self.runs.in_shown_file(finding.filename):
            self.editor.go_to(finding.line)
        if finding.tid is not None and self.runs.table is not None and finding.tid in self.runs.table.by_tid:
            self.selection.select_task(finding.tid)
        self.timeline.mark_time(finding.t, finding.title)
