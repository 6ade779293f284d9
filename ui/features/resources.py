"""Resources: the run's Locks, Semaphores, Events, Conditions, Barriers and Queues in the Resources
tab, and in the task table's "Waiting on" column the object a task waits on, who holds it and the
task's place in line — live, paused, stepping and at a replayed moment.

The engine folds them from the run's records (``asyncio_playground.ResourceTable``); the fold of a
run is kept with it (``ShownRun.resources``), fed once per frame while the run is live (a run
that makes no such object logs no record of them: the fold then only skips records), and made
from the whole log at once for a run that ended off screen or was opened from a file.  The tab
is filled only while it is in front (and when it comes to the front), at most on slow frames
(~10 Hz) while the run is live: 100,000 tasks through one Semaphore change it every frame.
"""
from __future__ import annotations

from ..resources_view import ordinal, what
from . import Feature

_TITLE = "Resources"
#: Wait kinds whose object the fold knows (the task table's "Waiting on" names it).
OBJECT_WAITS = frozenset({"lock", "semaphore", "event", "condition", "barrier", "queue"})


class ResourcesFeature(Feature):
    """See the module docstring.  ``views``: the ``RunViews`` whose Resources tab it fills (built
    after the first paint: ``wire`` is called then)."""

    def __init__(self, parent, desk, runs, selection, time_bar, *, views, editor, task_model) -> None:
        super().__init__(parent)
        self.desk, self.runs, self.selection, self.views = desk, runs, selection, views
        self.editor, self.task_model, self.time_bar = editor, task_model, time_bar
        self._dirty = False     # the fold changed since the tab was last filled
        self._words: dict = {}  # tid -> wait_words(row), for ``_words_for``
        self._words_for = None  # (run on screen, its fold, records folded, the moment)
        task_model.wait_words = self.wait_words
        runs.controller.frameApplied.connect(self._frame)
        views.currentChanged.connect(lambda _i: self._tab_shown())
        runs.shownChanged.connect(lambda _shown: self.show())
        runs.finishedOnScreen.connect(lambda _outcome: self.show())
        time_bar.momentChanged.connect(lambda _t: self.show())
        time_bar.liveRequested.connect(self.show)

    def wire(self, view) -> None:
        """The Resources view was built (the await view with it): its picks reach the editor and
        the task selection; the await view names the objects its tasks wait on."""
        view.objectSelected.connect(self.go_to)
        view.taskSelected.connect(self._select_task)
        view.lanes.momentPicked.connect(self._pick_moment)
        await_view = self.views.view("await_view", build=False)
        if await_view is not None:
            await_view.await_model.wait_words = self.wait_words
        self.show()

    # == the fold =====================================================================================
    @staticmethod
    def fold(shown):
        """Fold what ``shown``'s run logged since the last call; returns its ``ResourceTable``
        (None without a run on screen) and whether anything changed."""
        if shown is None or not getattr(shown.run, "tracer", None):
            return None, False
        table = shown.resources
        if table is None:
            import asyncio_playground as playground
            table = shown.resources = playground.ResourceTable()
        events = shown.run.tracer.events
        changed = False
        if shown.res_folded < len(events):
            changed = bool(table.apply(events[shown.res_folded:]))
            shown.res_folded = len(events)
        return table, changed

    def _frame(self, n_events: int, slow: bool) -> None:
        run = self.runs.controller.run
        ws = self.desk.owner_of(run)
        if ws is None or ws.last is None:
            return
        table, changed = self.fold(ws.last)
        self._dirty = self._dirty or changed
        if ws is not self.desk.current or not self.runs.live_on_screen() or not (slow or run.done):
            return
        view = self.views.view("resources_view", build=False)
        if not self._dirty:
            if view is not None and view.isVisible() and table is not None and table.rows:
                self._lanes(view, table, ws.last)   # nothing changed, but time went on
            return
        self._dirty = False
        self.task_model.refresh_column(self.task_model.WAIT_COL)
        await_view = self.views.view("await_view", build=False)
        if await_view is not None and await_view.isVisible():
            await_view.viewport().update()     # its cells read the words when painted
        if view is not None and view.isVisible():
            self.show()
        elif view is not None and table is not None:
            self._title(view, sum(1 for row in table.rows if not row.library))

    def _tab_shown(self) -> None:
        view = self.views.view("resources_view", build=False)
        if view is not None and self.views.currentWidget() is view:
            self.show()

    # == on screen ====================================================================================
    def _moment(self):
        ws = self.desk.current
        return ws.moment if ws is not None else None

    def show(self) -> None:
        await_view = self.views.view("await_view", build=False)
        if await_view is not None and await_view.isVisible():
            await_view.viewport().update()         # a moment, another run: the words change
        shown = self.runs.shown
        view = self.views.view("resources_view", build=False)
        table, _ = self.fold(shown)
        if view is None:
            return
        t = self._moment()
        states = table.at(t) if table is not None else None
        tasks = shown.table if shown is not None else None
        view.set_states(states, name_of=self._namer(tasks),
                        origin=tasks.started if tasks is not None else None,
                        finished=shown is not None and shown.finished, moment=t)
        self._lanes(view, table, shown, states if t is None else None)
        self._title(view, len(states or ()))

    def _lanes(self, view, table, shown, states=None) -> None:
        """The lanes under the table: the whole run so far, the moment on screen marked."""
        tasks = shown.table if shown is not None else None
        end = None
        if tasks is not None:
            # a live run's lanes reach its loop's "now" (its last step may be long past: all asleep)
            end = tasks.finished if tasks.finished is not None else \
                self.runs.loop.time() if self.runs.live_on_screen() else tasks.last_time
        if states is None and table is not None:
            states = table.at(None)
        view.lanes.set_lanes(table, states, tasks.started if tasks is not None else None, end,
                             moment=self._moment())

    def _title(self, view, n: int) -> None:
        i = self.views.indexOf(view)
        text = f"{_TITLE} ({n})" if n else _TITLE
        if self.views.tabText(i) != text:
            self.views.setTabText(i, text)

    @staticmethod
    def _namer(tasks):
        def name_of(tid):
            row = tasks.by_tid.get(tid) if tasks is not None else None
            return row.name if row is not None else f"task {tid}"
        return name_of

    def wait_words(self, row) -> tuple[str, str] | None:
        """For the task table: what ``row`` (a waiting task) waits on, short and in full —
        ``("Lock 'db_lock' · held by 'writer' · 2nd in line", "Lock 'db_lock', held by 'writer'
        since 0.31 s; 2nd in line")`` — or None when it is not one of the run's objects."""
        waiting = row.waiting
        if waiting is None or waiting[0] not in OBJECT_WAITS:
            return None
        shown = self.runs.shown
        table = shown.resources if shown is not None else None
        if table is None:
            return None
        # The words change only with the fold and the moment: a cell painted again, measured for
        # the column's width, or asked for its tooltip before the next frame's records reads
        # them from here (an object's state at 100,000 tasks costs 15-100 us a cell).
        moment = self._moment()
        key = (shown, table, shown.res_folded, moment)
        if key != self._words_for:
            self._words_for, self._words = key, {}
        words = self._words.get(row.tid, self)
        if words is self:
            words = self._words[row.tid] = self._wait_words(shown, table, row.tid, moment)
        return words

    def _wait_words(self, shown, table, tid: int, moment):
        found = table.waiting_on(tid, moment)
        if found is None:
            return None
        state, place = found
        name_of = self._namer(shown.table)
        origin = shown.table.started or 0.0
        short, full = [what(state)], [what(state)]
        in_line = len(state.waiters) > 1
        if in_line:
            short.append(f"{ordinal(place)} in line")
        holders = state.holders
        if len(holders):
            first = holders[0]
            who = "module code" if first.tid is None else f"'{name_of(first.tid)}'"
            more = f" and {len(holders) - 1} more" if len(holders) > 1 else ""
            if state.kind != "semaphore":    # a Semaphore's holders: the tab and the tooltip
                short.append(f"held by {who}")
            full.append(f"held by {who}{more} since {first.since - origin:.2f} s")
        elif state.kind == "queue":
            short.append(state.state)
            full.append(state.state)
        return " · ".join(short), ", ".join(full) + (f"; {ordinal(place)} in line" if in_line else "")

    # == picks ========================================================================================
    def go_to(self, state) -> None:
        """An object was picked: the line that made it, in the editor."""
        if state.line and self.runs.in_shown_file(state.filename):
            self.editor.go_to(state.line)

    def _pick_moment(self, t: float) -> None:
        """A click on a lane: that moment, when the run on screen can be replayed (it ended)."""
        shown = self.runs.shown
        if shown is not None and shown.finished and self.time_bar.slider.isVisible():
            self.time_bar.show_moment(t)
        else:
            self.status.emit("The run is live: click a lane once it has ended to see that moment.",
                             4000)

    def _select_task(self, tid: int) -> None:
        table = self.runs.table
        if table is not None and tid in table.by_tid:
            self.selection.select_task(tid)
