"""Runs: Run, Stop, the network mode and the block limit; what the ``RunController`` reports, kept
with the workspace whose run it is, and shown when that workspace is on screen.

Facts that shaped this module:

* One run is live at a time (the controller's), but it belongs to a lesson: when the learner
  switches lessons mid-run, the run goes on off screen (its output, status and end are kept with
  its workspace) and the views detach from the controller's frame clock until its lesson is shown
  again, or a run of the shown lesson starts (which stops it, as Run does).
* The views (table, timeline, await view, console, banner, gutter) show the workspace's last run
  and nothing else: a lesson not run yet says "press Run", never another lesson's tasks.
"""
from __future__ import annotations

from pathlib import Path

from asyncio_playground.vocab import NetworkMode, TaskState
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QStyle

from ..markers import gutter_markers
from ..run_controller import NO_RUN_TEXT, norm_path
from ..workspace import ShownRun
from . import Feature

DEFAULT_BLOCK_LIMIT = 3.0   # seconds; issue 13: <= 3 s, so a blocked window never looks hung


def make_action(parent, text, slot=None, shortcuts=(), tip="", icon=None, **props) -> QAction:
    """A window-wide action with its shortcuts said in its tooltip."""
    a = QAction(text, parent, shortcutContext=Qt.ShortcutContext.WindowShortcut, **props)
    if icon is not None:
        a.setIcon(parent.style().standardIcon(icon))
    a.setShortcuts([QKeySequence(s) for s in shortcuts])
    keys = " / ".join(QKeySequence(s).toString(QKeySequence.SequenceFormat.NativeText) for s in shortcuts)
    a.setToolTip(f"{tip or text} ({keys})" if keys else (tip or text))
    if slot is not None:
        a.triggered.connect(slot)
    return a


class RunsFeature(Feature):
    """Starts and stops the shown lesson's runs and shows the shown workspace's last run.

    Signals:
        runStarted(object): a run started (the controller's ``run``).
        runFinished(str): the current run ended with this outcome (shown or not).
        shownChanged(object): the run on screen changed (a ``ShownRun``, or None): a new run, or
            another workspace's.
        finishedOnScreen(str): the run on screen ended (after the views took its last events).

    Attributes:
        act_run, act_stop, act_network: the actions; ``block_limit`` the spin box.
    """

    runStarted = Signal(object)
    runFinished = Signal(str)
    shownChanged = Signal(object)
    finishedOnScreen = Signal(str)

    def __init__(self, window, loop, desk, controller, *, task_model, task_view, timeline, await_view,
                 console, banner, editor, state_label, text_of) -> None:
        """``await_view`` is a callable (the await view is built after the first paint);
        ``text_of()`` returns the code to run (the editor's)."""
        super().__init__(window)
        self.loop, self.desk, self.controller = loop, desk, controller
        self.refresher = controller.refresher
        self.task_model, self.task_view, self.timeline = task_model, task_view, timeline
        self._await_view = await_view
        self.console, self.banner, self.editor, self.state_label = console, banner, editor, state_label
        self._text_of = text_of
        self._markers_stale = False
        self.more_markers = None        # () -> {line: (kind, tip)}: more for the gutter (findings)
        sp = QStyle.StandardPixmap
        self.act_run = make_action(window, "Run", self.run_current, ("F5", "Ctrl+R"),
                                   "Run the code in the editor (restarts a live run)", sp.SP_MediaPlay)
        self.act_stop = make_action(window, "Stop", self.stop, ("Shift+F5",),
                                    "Cancel every live task of the run", sp.SP_MediaStop, enabled=False)
        self.act_network = make_action(window, "Offline", None, checkable=True)
        self.act_network.toggled.connect(self._network_toggled)
        self.act_network.setToolTip(
            "Network mode.  Offline (default): HTTP requests of a lesson go to the playground's own "
            "demo API on 127.0.0.1, with predictable latency.  Live: lessons reach the real internet.")
        # 3 s: long enough to watch a block happen, short enough not to look like a hung app.
        self.block_limit = QDoubleSpinBox(decimals=1, minimum=0.5, maximum=120.0, singleStep=0.5,
                                          value=DEFAULT_BLOCK_LIMIT, suffix=" s")
        self.block_limit.setToolTip("Block limit: lesson code that blocks the event loop (and with it "
                                    "this window) this long is stopped (Ctrl+B)")
        self.network_label = QLabel()    # for the status bar: the mode, in words
        self._network_toggled()
        self._say_when_empty(NO_RUN_TEXT)
        c = controller
        self.refresher.tableStarted.connect(self._table_started)
        self.refresher.tasksChanged.connect(self._tasks_changed)
        c.emptyTextChanged.connect(lambda text: self.live_on_screen() and self._say_when_empty(text))
        c.runStarted.connect(self._run_started)
        c.loadFailed.connect(self._load_failed)
        c.output.connect(self._output)
        c.blocked.connect(self._blocked)
        c.loopError.connect(self._loop_error)
        c.status.connect(self._status)
        c.liveChanged.connect(self.act_stop.setEnabled)
        c.frameApplied.connect(self._after_frame)
        c.runFailed.connect(self._run_failed)
        c.action.connect(lambda text: self.notice.emit(text, "info"))
        c.runFinished.connect(self._run_finished)

    def restore(self, settings) -> None:
        """The network mode and the block limit, as remembered."""
        self.act_network.setChecked(settings.value("network", "offline") == "live")
        try:
            self.block_limit.setValue(float(settings.value("blockLimit", DEFAULT_BLOCK_LIMIT)))
        except (TypeError, ValueError):
            pass

    def save(self, settings) -> None:
        settings.setValue("network", "live" if self.act_network.isChecked() else "offline")
        settings.setValue("blockLimit", self.block_limit.value())

    # == what is on screen ============================================================================
    @property
    def shown(self) -> ShownRun | None:
        """The run on screen: the shown workspace's last run (None when it has none)."""
        ws = self.desk.current
        return ws.last if ws is not None else None

    @property
    def table(self):
        shown = self.shown
        return shown.table if shown is not None else None

    def live_on_screen(self) -> bool:
        """Whether the views show the controller's run (the one its refresher feeds)."""
        shown = self.shown
        return shown is not None and shown.table is self.refresher.table

    def in_shown_file(self, path) -> bool:
        """Whether ``path`` is the file of the run on screen."""
        shown = self.shown
        if shown is None or not path:
            return False
        run = shown.run
        if run is self.controller.run:
            return self.controller.in_run_file(path)
        return norm_path(path) == norm_path(run.tracer.filename or run.path)

    def showing_run_file(self) -> bool:
        """Whether the editor shows the file of the run on screen."""
        ws = self.desk.current
        return ws is not None and self.in_shown_file(ws.path)

    def show_workspace(self, ws) -> None:
        """Put ``ws``'s last run on screen, or the empty "press Run" state."""
        refresher, entry = self.refresher, ws.last if ws is not None else None
        attached = entry is not None and entry.table is refresher.table
        run = self.controller.run
        if not attached and run is not None and not run.done:
            self.status.emit(f"{Path(run.path).name} is still running (shown with its lesson; "
                             "Stop: Shift+F5)", 8000)
        refresher.model = self.task_model if attached else None
        refresher.timeline = self.timeline if attached else None
        self.task_model.cancellable = True
        self.banner.hide()
        self.console.clear_output()
        table = entry.table if entry is not None else None
        self.task_model.set_table(table)
        self.timeline.set_table(table)
        self._await_view().set_table(table)
        self._say_when_empty(self.controller.empty_text if attached else NO_RUN_TEXT)
        self.shownChanged.emit(entry)
        if table is None:
            self.state_label.setText("Ready: press Run (F5)")
            self.update_markers()
            return
        if not attached or table.finished is not None:
            self.timeline.refresh(None, live=False)
        self.state_label.setText(entry.status)
        self.write_outputs(table.outputs, table.by_tid)   # the run's output, as it was printed
        for ev in table.blocks:                            # and the blocks it was stopped for
            self.banner.show_block(ev.duration, ev.lineno, self._name(table, ev.tid), None)
        if table.finished is not None:
            error = getattr(entry.run, "error", None)
            if error:
                self.console.end_of_run()
                self.console.message(error, "error")
            else:
                self.console.end_of_run()
        self.console.flush()
        self.update_markers()

    def _say_when_empty(self, text: str) -> None:
        """What the task table and the timeline say while they have no task to show."""
        for view in (self.task_view, self.timeline):
            view.placeholder = text
        self.task_view.viewport().update()
        self.timeline.update()

    @staticmethod
    def _name(table, tid):
        row = table.by_tid.get(tid)
        return row.name if row is not None else None

    def write_outputs(self, outputs, by_tid) -> None:
        """Write a run's ``Output`` records to the console, tagged with their tasks."""
        for ev in outputs:
            row = by_tid.get(ev.tid)
            self.console.write(row.name if row is not None else None, ev.stream, ev.text)

    def update_markers(self) -> None:
        """Gutter markers: where tasks are suspended (with counts), raising lines, blocks, and the
        shown workspace's syntax error."""
        self._markers_stale = False
        self.editor.set_markers(self.markers_for(self.table))

    def markers_for(self, table) -> dict:
        """The gutter of the shown file for ``table`` (the run's, or a replayed moment's): what
        ``gutter_markers`` says, the findings' lines (``more_markers``), the syntax error."""
        ws = self.desk.current
        markers = {}
        if table is not None and self.showing_run_file():
            markers = gutter_markers(table, self.in_shown_file)
            if self.more_markers is not None:
                for line, marker in self.more_markers().items():
                    markers.setdefault(line, marker)
        if ws is not None and ws.error_marker is not None:
            markers[ws.error_marker[0]] = ("error", ws.error_marker[1])
        return markers

    def line_of(self, row) -> int | None:
        """The line of the shown run's file where ``row`` waits, or else raised; None if elsewhere."""
        if row is None:
            return None
        if row.waiting:
            _kind, _detail, filename, line = row.waiting
            if self.in_shown_file(filename):
                return line
        if row.state == TaskState.FAILED and row.exc and self.in_shown_file(row.exc.filename):
            return row.exc.lineno
        return None

    # == Run, Stop, Cancel ============================================================================
    def network(self) -> NetworkMode:
        return NetworkMode.LIVE if self.act_network.isChecked() else NetworkMode.OFFLINE

    def run_current(self) -> bool:
        """Run what is in the editor.  A live run is cancelled first (its tasks end cancelled).  A
        lesson this Python cannot run is refused, with the reason and what to install."""
        ws = self.desk.current
        if ws is None:
            return False
        why = _cannot_run(ws.lesson)
        if why:
            self.notice.emit(why, "error")
            self.state_label.setText(why.split(". To run it")[0])
            return False
        ws.error_marker = None
        self.banner.hide()
        self.editor.highlight_line(None)
        self.console.clear_output()
        started = self.controller.start(ws.path, self._text_of(), block_limit=self.block_limit.value(),
                                        network=self.network())
        if started:   # before the loop runs any of its tasks
            self.controller.run.set_cancel_points(ws.cancel_points)
        return started

    def set_cancel_points(self, points) -> None:
        """The shown file's cancel points changed: a live run of it follows them at once."""
        run = self.controller.run
        if run is not None and not run.done and self.showing_run_file():
            run.set_cancel_points(points)

    def stop(self) -> None:
        """Cancel every live task (Stop / Shift+F5), of the current run and earlier ones unwinding."""
        self.controller.stop()

    def cancel_task(self, tid: int, msg: str | None = None) -> bool:
        """Cancel exactly the task ``tid`` of the current run (a row's Cancel button)."""
        return self.controller.cancel_task(tid, msg)

    def _network_toggled(self, *_args) -> None:
        live = self.act_network.isChecked()
        self.act_network.setText("● Live network" if live else "○ Offline")
        self.network_label.setText("Network: live (real internet)" if live
                                   else "Network: offline (demo API on 127.0.0.1)")
        self.network_label.setToolTip(self.act_network.toolTip())

    # == what the controller reports ==================================================================
    def _table_started(self, table) -> None:
        refresher = self.refresher
        self.task_model.cancellable = True     # a replayed moment had turned the buttons off
        if refresher.model is None:   # detached while another lesson was shown: attach again
            refresher.model, refresher.timeline = self.task_model, self.timeline
            self.task_model.set_table(table)
            self.timeline.set_table(table)
        run = self.controller.run
        ws = self.desk.current if self.desk.current is not None and \
            norm_path(self.desk.current.path) == norm_path(run.path) else self.desk.get(run.path)
        if ws is None:
            return
        self.desk.set_last(ws, ShownRun(run, table))
        self._await_view().set_table(table)
        self.shownChanged.emit(ws.last)

    def _tasks_changed(self, changed) -> None:
        if self.live_on_screen():
            self._await_view().refresh(changed)

    def _status(self, text: str) -> None:
        ws = self.desk.owner_of(self.controller.run)
        if ws is not None:
            ws.last.status = text
        if self.live_on_screen():
            self.state_label.setText(text)

    def _run_started(self, run) -> None:
        self.update_markers()
        self.runStarted.emit(run)

    def _load_failed(self, problem) -> None:
        self.console.message(problem.message, "error")
        self.console.flush()
        ws = self.desk.current
        if problem.line and ws is not None:
            ws.error_marker = (problem.line, problem.message)
        self.update_markers()
        if problem.line:
            self.editor.go_to(problem.line, problem.column or 1)

    def _output(self, lines) -> None:
        if not self.live_on_screen():
            return
        write = self.console.write
        for task, stream, text in lines:
            write(task, stream, text)

    def _blocked(self, duration: float, line, task, where) -> None:
        if self.live_on_screen():
            self.console.message(self.banner.show_block(duration, line, task, where), "warn")

    def _loop_error(self, task, message: str, traceback: str) -> None:
        if self.live_on_screen():
            who = f"[{task}] " if task is not None else ""
            self.console.message(who + message + (f"\n{traceback}" if traceback else ""), "error")

    def _run_failed(self, error: str) -> None:
        if not self.live_on_screen():
            return
        self.console.end_of_run()
        self.console.message(error, "error")
        self.console.flush()

    def _run_finished(self, outcome: str) -> None:
        if self.live_on_screen():   # a run of a lesson no longer shown: kept, not shown
            self.console.end_of_run()
            self.update_markers()
            self.finishedOnScreen.emit(outcome)
        self.runFinished.emit(outcome)

    def _after_frame(self, n_events: int, slow: bool) -> None:
        """Once per frame: the gutter markers, at ~10 Hz (O(tasks) work) once events changed them."""
        if not self.live_on_screen():
            return
        self._markers_stale = self._markers_stale or n_events > 0
        if self._markers_stale and slow:
            self.update_markers()


def _cannot_run(lesson) -> str | None:
    """Why this interpreter cannot run ``lesson`` and what to install (None: it can)."""
    if lesson is None:
        return None
    from asyncio_playground.lessons import how_to_run, why_cannot_run
    why = why_cannot_run(lesson)
    return f"Not run: this lesson {why}. To run it, {how_to_run(lesson)}." if why else None
