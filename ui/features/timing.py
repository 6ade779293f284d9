"""Time control: the time bar (speed, Pause, Step, Step task), what the loop runs next while paused,
and what the loop's clock cannot govern in the live run's code, said plainly."""
from __future__ import annotations

from PySide6.QtWidgets import QToolBar

from ..time_bar import TimeBar
from . import Feature


class TimeFeature(Feature):
    """See the module docstring.

    Attributes:
        time_bar: the ``TimeBar``; ``toolbar`` the toolbar row it sits on (with Pin run).
        next_tid: paused: the task the loop runs next (shown as running), else None.
    """

    def __init__(self, window, loop, runs, selection, *, task_model, timeline, editor,
                 loop_panel=lambda: None) -> None:
        """``loop_panel()``: the Loop tab's panel once built (None before)."""
        super().__init__(window)
        self.loop_panel = loop_panel
        self.loop, self.runs, self.selection = loop, runs, selection
        self.task_model, self.timeline, self.editor = task_model, timeline, editor
        self.time_bar = TimeBar(loop)
        self.toolbar = QToolBar("Time", objectName="timeToolbar", movable=False)
        self.toolbar.addWidget(self.time_bar)
        self.next_tid = None
        bar = self.time_bar
        bar.set_selected(self._selected_task)
        bar.nextStepChanged.connect(self._next_step_changed)
        bar.speed.currentIndexChanged.connect(lambda _i: self.speed_caveats())
        bar.act_pause.triggered.connect(lambda: self.speed_caveats())
        bar.act_step.triggered.connect(self._stepping)
        runs.shownChanged.connect(lambda _shown: self._show_schedule())
        runs.runStarted.connect(lambda _run: bar.run_started(loop.time()))
        runs.runStarted.connect(lambda _run: self.speed_caveats())
        runs.refresher.tasksChanged.connect(self._tasks_changed)
        runs.shownChanged.connect(self._shown_changed)
        selection.selected.connect(lambda _tid: bar.update_actions())   # Step task follows it

    def speed_caveats(self) -> None:
        """Say plainly what the loop's speed and Pause cannot govern in the live run's code."""
        from asyncio_playground.loopstate import unscaled_uses
        run, loop = self.runs.controller.run, self.loop
        if run is None or run.done or (loop.speed == 1.0 and not loop.paused):
            return
        notes = [f"line {line} {what}" for line, what in unscaled_uses(run.source or "")]
        if self.runs.act_network.isChecked():
            notes.append("Live network: the internet answers at its own speed")
        if not notes:
            return
        mode = "paused" if loop.paused else f"at {self.time_bar.speed.currentText()}"
        shown = "; ".join(notes[:3]) + (f"; and {len(notes) - 3} more" if len(notes) > 3 else "")
        self.notice.emit(f"Loop time is {mode}, but not everything follows it: {shown}.", "warn")

    def run_next(self, tid: int) -> bool:
        """The learner picked task ``tid``'s step to run next (the Loop tab, while paused)."""
        from asyncio_playground.loopstate import run_next
        if not self.loop.paused:
            return False
        table = self.runs.table
        row = table.by_tid.get(tid) if table is not None else None
        name = f"'{row.name}'" if row is not None else f"task {tid}"
        instead = run_next(self.loop, tid)
        if instead is None:
            self.status.emit(f"{name} has no step ready to run", 5000)
            return False
        self._record(f"step of {row.name if row is not None else tid}", instead or None)
        self.notice.emit(f"You ran {name} next" + (f" (asyncio's order would have run the {instead} "
                                                   "first)" if instead else " (asyncio's choice too)"),
                         "info")
        return True

    def _stepping(self) -> None:
        """Step (F10) is about to run asyncio's choice: note what it is, in the run's schedule."""
        from asyncio_playground.loopstate import next_step
        if self.loop.paused and self.runs.live_on_screen():
            nxt = next_step(self.loop)
            if nxt is not None:
                self._record(nxt.label, None)

    def _record(self, label: str, fifo: str | None) -> None:
        shown = self.runs.shown
        if shown is not None:
            shown.schedule.append((label, fifo))
            self._show_schedule()

    def _show_schedule(self) -> None:
        panel = self.loop_panel()
        if panel is not None:
            shown = self.runs.shown
            panel.set_schedule(shown.schedule if shown is not None else [])

    def speed_text(self) -> str:
        """The speed in words when it is not 1× ("", "¼×", "Skip idle")."""
        loop = self.loop
        return "" if loop.speed == 1.0 and not loop.skip_idle else self.time_bar.speed.currentText()

    def _shown_changed(self, shown) -> None:
        """Another run (or none) is on screen: the clock reads its time, or none."""
        if shown is None:
            self.time_bar.show_no_run()
        elif self.runs.live_on_screen():
            self.time_bar.show_live_run()

    def _selected_task(self):
        """The selected task of the live run (a ``Task``), for Step task; None if there is none."""
        run, tid = self.runs.controller.run, self.selection.tid
        if run is None or run.done or tid is None or not self.runs.live_on_screen():
            return None
        return run.tracer.live.get(tid)

    def _next_step_changed(self, nxt) -> None:
        """Paused: the task the loop will run next shows as running, its line tinted."""
        table = self.runs.refresher.table if self.runs.live_on_screen() else None
        if table is None:
            return
        tid = self.next_tid = nxt.tid if nxt is not None and nxt.kind == "task" else None
        changed = table.mark_running(tid)
        if changed:
            self.task_model.apply(changed)
            self.timeline.refresh(self.loop.time(), live=True)
        if nxt is not None and nxt.line and self.runs.in_shown_file(nxt.filename):
            self.editor.highlight_line(nxt.line)
        self.time_bar.update_actions()

    def _tasks_changed(self, _changed) -> None:
        if self.next_tid is not None and self.loop.paused and self.runs.live_on_screen():
            # The step's events arrive a frame after the step: mark the next task again.
            marked = self.runs.refresher.table.mark_running(self.next_tid)
            if marked:
                self.task_model.apply(marked)
