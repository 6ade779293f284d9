"""The selected task: highlighted in the table, the timeline and the await view, its line tinted in
the editor, its cancellation story told under the table; Delete cancels it.

The selection belongs to the workspace (``Workspace.selected``): a lesson shown again comes back
with its task still selected.  The story follows the selected task's row: whenever a frame changes
that row (a Cancel click, Stop, its end), the story is told again, so it never says "never asked
to cancel" beside a row that says cancelled.
"""
from __future__ import annotations

from asyncio_playground.vocab import LIVE_STATES
from PySide6.QtCore import Signal

from . import Feature


class SelectionFeature(Feature):
    """See the module docstring.

    Signals:
        selected(object): the selected tid changed (None: nothing selected).
    """

    selected = Signal(object)

    def __init__(self, parent, desk, runs, *, task_view, timeline, await_view, story, editor) -> None:
        """``runs``: the ``RunsFeature`` (the run on screen); ``await_view`` a callable."""
        super().__init__(parent)
        self.desk, self.runs = desk, runs
        self.task_view, self.timeline, self._await_view = task_view, timeline, await_view
        self.story, self.editor = story, editor
        self._selecting = False
        task_view.taskSelected.connect(self.select_task)
        timeline.taskSelected.connect(self.select_task)
        runs.refresher.tasksChanged.connect(self._tasks_changed)
        runs.runStarted.connect(lambda _run: self.update_story())
        runs.finishedOnScreen.connect(lambda _outcome: self.update_story())

    @property
    def tid(self) -> int | None:
        ws = self.desk.current
        return ws.selected if ws is not None else None

    def select_task(self, tid: int) -> None:
        """A row or lane was selected: highlight it everywhere, and the line it waits on."""
        if self._selecting:  # select_tid/highlight echo the selection back: ignore the echo
            return
        self._selecting = True
        try:
            self.timeline.highlight(tid)
            self._await_view().highlight(tid)
            self.task_view.select_tid(tid)
            ws = self.desk.current
            if ws is not None:
                ws.selected = tid if tid >= 0 else None
            self.update_story()
            table = self.runs.table
            row = table.by_tid.get(tid) if table is not None else None
            self.editor.highlight_line(self.runs.line_of(row) if self.runs.showing_run_file() else None)
            if row is not None and row.state in LIVE_STATES and self.task_view.hasFocus():
                self.status.emit(f"'{row.name}' selected: Delete cancels it (Shift+Delete: with a "
                                 "message)", 5000)
            self.selected.emit(self.tid)
        finally:
            self._selecting = False

    def show_workspace(self, ws) -> None:
        """``ws`` is on screen (its run shown): select its task again, if it has one."""
        tid = ws.selected if ws is not None else None
        if tid is not None and self.runs.table is not None and tid in self.runs.table.by_tid:
            self.select_task(tid)
        else:
            if ws is not None:
                ws.selected = None
            self.story.show_story(None, None)
            self.selected.emit(None)

    def point_task_by_name(self, name: str) -> None:
        table = self.runs.table
        row = next((r for r in table.rows if r.name == name), None) if table is not None else None
        if row is not None:
            self.select_task(row.tid)

    def update_story(self) -> None:
        table, tid = self.runs.table, self.tid
        row = table.by_tid.get(tid) if table is not None and tid is not None else None
        if row is None:
            self.story.show_story(None, None)
            return
        shown = self.runs.shown
        self.story.show_story(row.name, table.cancel_story(tid, filename=shown.run.path))

    def _tasks_changed(self, changed) -> None:
        tid = self.tid
        if tid is not None and tid in changed and self.runs.live_on_screen():
            self.update_story()

    # == Delete, Shift+Delete =========================================================================
    def cancel_selected_task(self) -> bool:
        """Cancel the task selected in the table (Delete)."""
        return self.task_view.cancel_selected()

    def cancel_selected_with_message(self):
        """Ask for a message, then cancel the selected task with it (Shift+Delete)."""
        tid = self.task_view.selected_tid()
        table = self.runs.table
        row = table.by_tid.get(tid) if table is not None and tid >= 0 else None
        if row is None or row.state not in LIVE_STATES:
            self.status.emit("Select a live task in the table first", 5000)
            return None
        return self.task_view.ask_cancel_message(tid, row.name)
