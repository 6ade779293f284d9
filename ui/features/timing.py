"""Time control: the time bar (speed, Pause, Step, Step back, Step task), what the loop runs next
while paused, the learner's pick of the next step (the Loop tab), and what the loop's clock cannot
govern in the live run's code, said plainly.  (Step back itself, and the run's schedule, are
``scheduling``'s: this module puts its button beside Step.)"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QToolBar, QToolButton

from ..time_bar import TimeBar
from . import Feature


class TimeFeature(Feature):
    """See the module docstring.

    Attributes:
        time_bar: the ``TimeBar``; ``toolbar`` the toolbar row it sits on (with Pin run).
        next_tid: paused: the task the loop runs next (shown as running), else None.
        busy: a callable, True while the window replays a run to a step (Step back): the
            learner's picks wait until it is there (``scheduling`` sets it).
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
        self.busy = lambda: False
        bar = self.time_bar
        bar.set_selected(self._selected_task)
        bar.nextStepChanged.connect(self._next_step_changed)
        bar.speed.currentIndexChanged.connect(lambda _i: self.speed_caveats())
        bar.act_pause.triggered.connect(lambda: self.speed_caveats())
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

    def add_beside_step(self, action) -> QToolButton:
        """Put a button for ``action`` on the time bar right after Step (Step back)."""
        bar = self.time_bar
        button = QToolButton(defaultAction=action, autoRaise=True, iconSize=QSize(16, 16),
                             toolButtonStyle=Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        layout = bar.layout()
        at = next((i + 1 for i in range(layout.count())
                   if isinstance(layout.itemAt(i).widget(), QToolButton)
                   and layout.itemAt(i).widget().defaultAction() is bar.act_step), layout.count())
        layout.insertWidget(at, button)
        return button

    def run_next(self, tid: int) -> bool:
        """The learner picked task ``tid``'s step to run next (the Loop tab, while paused).  The
        choice is recorded in the run's schedule (the engine records every step taken while
        paused), which the Loop tab lists."""
        from asyncio_playground.loopstate import run_next
        if not self.loop.paused:
            return False
        if self.busy():
            self.status.emit("Stepping back: pick again once the run is there", 3000)
            return False
        table = self.runs.table
        row = table.by_tid.get(tid) if table is not None else None
        name = f"'{row.name}'" if row is not None else f"task {tid}"
        instead = run_next(self.loop, tid)
        if instead is None:
            self.status.emit(f"{name} has no step ready to run", 5000)
            return False
        self.notice.emit(f"You ran {name} next" + (f" (asyncio's order would have run the {instead} "
                                                   "first)" if instead else " (asyncio's choice too)"),
                         "info")
        return True

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
