"""Replay: a finished run on the scrubber, and any moment of it on screen — the table, the timeline,
the await view, the gutter, the console and the Loop tab as they were.

The replay and its scrub belong to the run (``ShownRun.replay``/``scrub``) and the moment to the
workspace (``Workspace.moment``): a lesson shown again comes back at the moment it was left at.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QTimer

from . import Feature


class ReplayFeature(Feature):
    """See the module docstring.  ``loop_panel`` and ``await_view`` are callables (built after the
    first paint); ``views`` is the tab widget the Loop tab sits in."""

    def __init__(self, parent, desk, runs, selection, time_bar, *, task_model, task_view, timeline,
                 await_view, loop_panel, views, console, editor) -> None:
        super().__init__(parent)
        self.desk, self.runs, self.selection, self.time_bar = desk, runs, selection, time_bar
        self.task_model, self.task_view, self.timeline = task_model, task_view, timeline
        self._await_view, self._loop_panel, self.views = await_view, loop_panel, views
        self.console, self.editor = console, editor
        self._scrub_shown = False
        self._console_shown = None   # (outputs written, end of run written) of the replayed console
        self._settle_timer = None
        self._await_stale = False
        self._loop_tab_hooked = False
        time_bar.momentChanged.connect(self.show_moment)
        time_bar.liveRequested.connect(lambda: self.show_moment(None))
        runs.finishedOnScreen.connect(lambda _outcome: self.offer())
        runs.shownChanged.connect(lambda _shown: self.forget())

    @property
    def replay(self):
        """The ``Replay`` of the finished run on screen (None: none offered)."""
        shown = self.runs.shown
        return shown.replay if shown is not None else None

    @property
    def scrub(self):
        shown = self.runs.shown
        return shown.scrub if shown is not None else None

    def forget(self) -> None:
        """Another run (or none) is on screen: no replay until it has ended."""
        self._scrub_shown, self._console_shown = False, None
        self.time_bar.set_replay(None)
        self._loop_panel().show_replay(None, None)

    def offer(self) -> None:
        """The run on screen has ended: offer it on the scrubber.

        A run opened from a file comes with its ``Replay`` (and the ``Scrub`` whose table the
        views were given); a run of this session gets one over its table as it ended (the index
        of its events is built when the scrubber is first moved)."""
        shown = self.runs.shown
        self.time_bar.run_ended()
        self._scrub_shown, self._console_shown = False, None
        if shown is None or not shown.finished or not shown.run.tracer.events:
            return
        if shown.replay is None:
            from asyncio_playground.replay import Replay
            shown.replay = Replay(shown.run.tracer.events, final=shown.table)
        if shown.scrub is not None:
            self._scrub_shown = shown.table is shown.scrub.table
        self.time_bar.set_replay(shown.replay)

    def show_workspace(self, ws) -> None:
        """``ws`` is on screen: offer its finished run, at the moment it was left at."""
        if ws is None or ws.last is None or not ws.last.finished:
            return
        moment = ws.moment
        self.offer()
        if moment is not None:
            self.time_bar.show_moment(moment)

    def show_moment(self, t: float | None) -> None:
        """Show the finished run on screen as it was at loop time ``t`` (None: as it ended).

        The views stay on one table, the replay's ``Scrub``, moved in place: a short move updates
        the rows with events in between; after a long jump the rows on screen are there at once
        and the rest follow in slices between frames (``_settle``), then the gutter, the await
        view and the loop panel.  No frame waits on 100,000 rows."""
        shown, ws = self.runs.shown, self.desk.current
        if shown is None or shown.replay is None:
            return
        scrub = shown.scrub
        if scrub is None or scrub.replay is not shown.replay:
            scrub = shown.scrub = shown.replay.scrub()
            self._scrub_shown = False
        table = scrub.table
        if not self._scrub_shown:       # from now on the views follow the scrub's table
            self._scrub_shown = True
            self.task_model.set_table(table)
            self.timeline.set_table(table)
            self._await_view().set_table(table)
        move = scrub.seek(t, first=self._tids_on_screen())
        ws.moment = t
        self.task_model.cancellable = t is None
        if move.removed:               # tasks not created yet at t: the views take the table again
            self.task_model.set_table(table)
            self.timeline.set_table(table)
        elif move.changed or move.added:
            self.task_model.apply(move.changed.union(move.added))
        self.timeline.refresh(t, live=False)
        self._show_outputs(t, table)
        if move.settled:
            self._settled(move.changed if not move.removed else None)
        else:
            self._await_stale = True
            if self._settle_timer is None:    # (not 0 ms: the frame's paint comes first)
                self._settle_timer = QTimer(self, interval=2)
                self._settle_timer.timeout.connect(self._settle)
            self._settle_timer.start()
        tid = self.selection.tid
        if tid is not None:
            self.timeline.highlight(tid)
            self.task_view.select_tid(tid)

    def _tids_on_screen(self) -> list[int]:
        """The tids of the task table's visible rows, the timeline's visible lanes and the
        selected task: what a long jump brings to the moment first."""
        tids = []
        view, model = self.task_view, self.task_model
        rows = model.rowCount()
        if rows:
            top = view.rowAt(0)
            bottom = view.rowAt(view.viewport().height() - 1)
            if top >= 0:
                bottom = rows - 1 if bottom < 0 else bottom
                tids.extend(model.tid_at(r) for r in range(top, bottom + 1))
        timeline = self.timeline
        for y in range(0, timeline.height(), max(1, timeline.LANE_H // 2)):
            tid = timeline.tid_at(QPoint(0, y))
            if tid >= 0:
                tids.append(tid)
        if self.selection.tid is not None:
            tids.append(self.selection.tid)
        return tids

    def _settle(self) -> None:
        """A slice of bringing the rest of the rows to the moment on screen (after a long jump)."""
        scrub = self.scrub
        if scrub is None or self.replay is None or scrub.replay is not self.replay:
            self._settle_timer.stop()
            return
        scrub.settle(0.006)
        if scrub.settled:
            self._settle_timer.stop()
            model = self.task_model
            n = model.rowCount()
            if n:                      # rows off screen changed too: one signal for them all
                model.dataChanged.emit(model.index(0, 0), model.index(n - 1, model.columnCount() - 1))
            self.timeline.update()
            self._settled(None)

    def _settled(self, changed) -> None:
        """Every row is at the moment: the await view (``changed``: the tids to look at; None:
        all), the gutter and the loop panel follow."""
        table, ws = self.scrub.table, self.desk.current
        t = ws.moment if ws is not None else None
        if self._await_stale:
            self._await_stale, changed = False, None
        self._await_view().refresh(changed)      # while hidden, it only notes what to redo
        runs = self.runs
        self.editor.set_markers(runs.markers_for(table))
        panel = self._loop_panel()
        if panel.isVisible():
            panel.show_replay(table, t)
        elif not self._loop_tab_hooked:   # not in front: it is shown the moment when it comes
            self._loop_tab_hooked = True
            self.views.currentChanged.connect(self._tab_shown)

    def _tab_shown(self, _index: int) -> None:
        """The Loop tab came in front during a replay: show it the moment on screen."""
        scrub, panel, ws = self.scrub, self._loop_panel(), self.desk.current
        if self.replay is None or scrub is None or not panel.isVisible():
            return
        if scrub.replay is self.replay and self._scrub_shown:
            panel.show_replay(scrub.table, ws.moment if ws is not None else None)

    def _show_outputs(self, t: float | None, table) -> None:
        """The console as it was at the moment: the run's outputs up to it (appended when the
        moment moved on, written again when it moved back)."""
        by_tid = self.runs.table.by_tid
        outputs = table.outputs
        ended = t is None and table.finished is not None
        state = (len(outputs), ended)
        shown = self._console_shown
        if shown == state:
            return
        if shown is not None and not shown[1] and shown[0] <= state[0]:
            self.runs.write_outputs(outputs[shown[0]:], by_tid)
        else:
            self.console.clear_output()
            self.runs.write_outputs(outputs, by_tid)
        if ended:
            self.console.end_of_run()
        self.console.flush()
        self._console_shown = state
