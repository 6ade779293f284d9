"""The main window: wires the lesson browser, lesson panel, editor, task table, timeline and console.

Siblings never reach into each other; every connection between them is made here ("attributes down,
messages up").  The engine is used through its public API only: `playground.Run`, its `tracer`, and
`playground.TaskTable` (see docs/engine-api.md).
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from pathlib import Path

import asyncio_playground as playground
from asyncio_playground import lessons
from PySide6.QtCore import QMargins, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDoubleSpinBox, QFileDialog, QLabel, QLayout, QMainWindow, QSplitter, QStyle,
                               QToolBar, QVBoxLayout, QWidget)

from .block_banner import BlockBanner
from .console import ConsoleWidget
from .editor import CodeEditor
from .edits import EditStore
from .lesson_browser import LessonBrowser
from .lesson_panel import LessonPanel
from .loop_health import LoopHealthLabel
from .markers import gutter_markers
from .refresher import FrameRefresher
from .task_model import TaskTableModel
from .task_view import TaskTableView
from .timeline import TimelineWidget

_SPLITTERS = ("main", "centre", "right")


@functools.lru_cache(maxsize=512)   # called per task row per frame; a run has few distinct files
def _norm(path) -> str:
    return os.path.normcase(os.path.abspath(str(path))) if path else ""


class MainWindow(QMainWindow):
    """The asyncio Playground window.

    Signals:
        runStarted(object): a new Run started (it is `self.run`).
        runFinished(str): the current run ended with this outcome.

    Attributes:
        run: the current (or last) `playground.Run`, None before the first Run.
        table: the `playground.TaskTable` the views show (the current run's).
        browser, lesson_panel, editor, task_view, task_model, timeline, console: the children.
        edits: the EditStore keeping the user's edits per lesson.
        act_run, act_stop, act_network, act_export, act_open, act_revert: the toolbar actions.
    """

    runStarted = Signal(object)
    runFinished = Signal(str)

    def __init__(self, loop, *, edits: EditStore | None = None, settings: QSettings | None = None,
                 lessons_dir=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loop = loop
        self._settings = settings if settings is not None else QSettings()
        self.edits = edits if edits is not None else EditStore(parent=self)
        self.run = None
        self._started: list = []        # runs that started and may still be unwinding
        self._seen = {"outputs": 0, "blocks": 0, "errors": 0}
        self._run_file = ""                             # normalised path of the run's file
        self._load_error: tuple[int, str] | None = None  # (line, message) of a syntax error
        self._doc = None                # (path, slug, original text, lesson)
        self._loading = self._selecting = self._markers_stale = False
        self._finished_run = None
        self.setWindowTitle("asyncio Playground")
        self._build_widgets()
        self._build_actions()
        self._build_status()
        self._connect()
        self._lessons = lessons.discover(lessons_dir)
        self.browser.set_lessons(lessons.groups(self._lessons))
        self._restore_settings()

    # == construction =================================================================================
    def _build_widgets(self) -> None:
        self.browser = LessonBrowser()
        self.lesson_panel = LessonPanel()
        self.editor = CodeEditor()
        self.console = ConsoleWidget()
        self.task_model = TaskTableModel(self)
        self.task_view = TaskTableView()
        self.task_view.setModel(self.task_model)
        self.timeline = TimelineWidget()
        self.refresher = FrameRefresher(self.task_model, self.timeline, self)
        self.banner = BlockBanner()
        self.splitters: dict[str, QSplitter] = {}
        table_box = QWidget()
        box = QVBoxLayout(table_box, contentsMargins=QMargins(0, 0, 0, 0), spacing=4)
        box.addWidget(self.banner)
        box.addWidget(self.task_view, 1)

        vertical = Qt.Orientation.Vertical
        centre = self._splitter("centre", vertical, self.lesson_panel, self.editor)
        right = self._splitter("right", vertical, table_box, self.timeline, self.console)
        main = self._splitter("main", Qt.Orientation.Horizontal, self.browser, centre, right)
        main.setStretchFactor(0, 0)   # the browser keeps its width when the window grows
        self.setCentralWidget(main)
        # No layout-imposed minimum size on the top-level window: Qt would forward it to the
        # platform window (propagateSizeHints), which the offscreen platform answers with a warning.
        self.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)

    def _splitter(self, name: str, orientation, *children) -> QSplitter:
        splitter = QSplitter(orientation, objectName=f"{name}Splitter", childrenCollapsible=False)
        for i, child in enumerate(children):
            splitter.addWidget(child)
            splitter.setStretchFactor(i, 1)
        self.splitters[name] = splitter
        return splitter

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        style = self.style()

        def action(text, icon, slot, shortcuts=(), tip="", **props):
            a = QAction(text, self, shortcutContext=Qt.ShortcutContext.WindowShortcut, **props)
            if icon is not None:
                a.setIcon(style.standardIcon(icon))
            a.setShortcuts([QKeySequence(s) for s in shortcuts])
            keys = " / ".join(QKeySequence(s).toString(QKeySequence.SequenceFormat.NativeText) for s in shortcuts)
            a.setToolTip(f"{tip or text} ({keys})" if keys else (tip or text))
            a.triggered.connect(slot)
            return a

        self.act_run = action("Run", sp.SP_MediaPlay, self.run_current, ("F5", "Ctrl+R"),
                              "Run the code in the editor (restarts a live run)")
        self.act_stop = action("Stop", sp.SP_MediaStop, self.stop, ("Shift+F5",),
                               "Cancel every live task of the run", enabled=False)
        self.act_network = action("Offline", None, self._network_toggled, checkable=True)
        self.act_network.setToolTip(
            "Network mode.  Offline (default): HTTP requests of a lesson go to the playground's own "
            "demo API on 127.0.0.1, with predictable latency.  Live: lessons reach the real internet.")
        self.act_export = action("Export trace…", sp.SP_DialogSaveButton, self.export_trace_dialog, (),
                                 "Save the run as Chrome Trace JSON (opens in Perfetto / chrome://tracing)")
        self.act_open = action("Open file…", sp.SP_DirOpenIcon, self.open_file_dialog, ("Ctrl+O",),
                               "Open any Python script from disk")
        self.act_revert = action("Revert", sp.SP_BrowserReload, self.revert_to_original, (),
                                 "Revert to original: drop your edits of this lesson")
        self.block_limit = QDoubleSpinBox(decimals=1, minimum=0.5, maximum=120.0, singleStep=0.5,
                                          value=5.0, suffix=" s")
        self.block_limit.setToolTip("Block limit: code that blocks the event loop this long is stopped")
        self.toolbar = tb = QToolBar("Main", objectName="mainToolbar", movable=False)
        tb.setIconSize(QSize(18, 18))
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for item in (self.act_run, self.act_stop, None, self.act_network, QLabel("  Block limit "),
                     self.block_limit, None, self.act_open, self.act_revert, self.act_export):
            if item is None:
                tb.addSeparator()
            elif isinstance(item, QAction):
                tb.addAction(item)
            else:
                tb.addWidget(item)
        self.addToolBar(tb)

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.state_label, self.lag_label, self.network_label = QLabel("Ready"), LoopHealthLabel(), QLabel()
        sb.addWidget(self.state_label, 1)
        sb.addPermanentWidget(self.network_label)
        sb.addPermanentWidget(self.lag_label)
        self._network_toggled()

    def _connect(self) -> None:
        self.browser.lessonSelected.connect(self.open_path)
        self.editor.textChanged.connect(self._text_changed)
        self.task_view.cancelRequested.connect(self.cancel_task)
        self.task_view.taskSelected.connect(self._select_task)
        self.timeline.taskSelected.connect(self._select_task)
        self.edits.failed.connect(lambda msg: self._notice(msg, "warn"))
        self.refresher.frameApplied.connect(self._after_frame)
        self.refresher.finished.connect(self._finish)

    # == lessons and edits ============================================================================
    def lesson_paths(self) -> dict[str, str]:  # slug -> path of every bundled lesson
        return {lesson.slug: str(lesson.path) for lesson in self._lessons}

    def open_path(self, path: str) -> bool:
        """Show the lesson or script at `path` (any .py file) in the panel and the editor."""
        path = str(path)
        known = {_norm(l.path): l for l in self._lessons}
        try:
            lesson = known.get(_norm(path)) or lessons.load(path)
            original = Path(path).read_text(encoding="utf-8", errors="replace")
        except (OSError, ValueError) as exc:  # unreadable, a directory, NUL bytes...
            self._notice(f"Could not open {path}: {exc}", "error")
            return False
        slug = lesson.slug
        if _norm(path) not in known:  # a file from disk: its own edit slot, and a browser entry
            slug = f"file-{lesson.slug}-{hashlib.sha1(_norm(path).encode()).hexdigest()[:8]}"
            self.browser.add_path(path, lesson.title)
        self.edits.flush()
        text, message = self.edits.load(slug, original)
        self._doc = (path, slug, original, lesson)
        self._loading = True
        self.editor.setPlainText(text)
        self._loading = False
        self._load_error = None
        self._update_markers()
        self.lesson_panel.set_lesson(lesson)
        self.browser.select_path(path)
        self.act_revert.setEnabled(text != original)
        self.setWindowTitle(f"{lesson.title} — asyncio Playground")
        self._settings.setValue("lastLesson", path)
        if message or text != original:
            self._notice(message or "Restored your edits of this lesson (Revert brings back the original)",
                         "warn" if message else "info")
        return True

    def current_path(self) -> str | None:
        return self._doc[0] if self._doc else None

    def _text_changed(self) -> None:
        if self._loading or self._doc is None:
            return
        _path, slug, original, _lesson = self._doc
        text = self.editor.toPlainText()
        self.edits.schedule(slug, text, original)
        self.act_revert.setEnabled(text != original)
        if self._load_error is not None:  # the marked syntax error is stale once the user edits
            self._load_error = None
            self._update_markers()

    def revert_to_original(self) -> None:
        """Drop the edits of the current lesson and show its original code (Ctrl+Z undoes it)."""
        if self._doc is None:
            return
        _path, slug, original, _lesson = self._doc
        cursor = self.editor.textCursor()
        cursor.select(cursor.SelectionType.Document)
        cursor.insertText(original)      # undoable (Ctrl+Z brings the edit back)
        self.edits.revert(slug)          # after the insert: drops the save it just scheduled
        self.act_revert.setEnabled(False)
        self.statusBar().showMessage("Reverted to the original lesson", 4000)

    # == runs =========================================================================================
    def run_current(self) -> bool:
        """Run what is in the editor.  A live run is cancelled first (its tasks end cancelled)."""
        if self._doc is None:
            return False
        self.stop()
        self.edits.flush()
        run = playground.Run(self._doc[0], source=self.editor.toPlainText(), loop=self._loop,
                             network="live" if self.act_network.isChecked() else "offline",
                             block_limit=self.block_limit.value())
        self.run = run
        self._seen = dict.fromkeys(self._seen, 0)
        self._run_file = _norm(run.tracer.filename or self.current_path())
        self._load_error = None
        self.banner.hide()
        self.editor.highlight_line(None)
        self.console.clear_output()
        self.refresher.start(run)          # a fresh TaskTable in the model and the timeline
        try:
            run.start()
        except playground.LoadError as exc:
            self.refresher.stop()
            self._show_load_error(exc)
            return False
        self._started = [r for r in self._started if not r.done] + [run]
        self.act_stop.setEnabled(True)
        self.state_label.setText("Running…")
        self._update_markers()
        self.runStarted.emit(run)
        return True

    @property
    def table(self):
        """The TaskTable on screen (the current run's), None before the first run."""
        return self.refresher.table

    def _show_load_error(self, exc) -> None:
        line, col = getattr(exc, "lineno", None), getattr(exc, "offset", None)
        if not line:  # no attributes: the message names file:line:col
            m = re.search(r":(\d+)(?::(\d+))?", str(exc))
            line, col = (int(m.group(1)), int(m.group(2) or 1)) if m else (None, None)
        self.console.message(str(exc), "error")
        self.console.flush()
        self.state_label.setText(f"Syntax error at line {line}, column {col or 1} — nothing ran" if line
                                 else f"Nothing ran: {exc}")
        if line:
            self._load_error = (line, str(exc))
            self._update_markers()
            self.editor.go_to(line, col or 1)

    def stop(self) -> None:
        """Cancel every live task (Stop / Shift+F5): the current run's, and those of earlier runs still
        unwinding (the engine may miss a stop that lands before a run's main() task exists)."""
        for run in self.live_runs():
            run.stop()
        if self.run is not None and self.run in self.live_runs():
            self.state_label.setText("Stopping…")

    def cancel_task(self, tid: int) -> bool:
        """Cancel exactly the task `tid` of the current run (a row's Cancel button)."""
        return bool(self.run is not None and self.run.cancel_task(tid))

    def live_runs(self) -> list:
        """Runs not finished yet (the current one and stopped ones still unwinding)."""
        return [r for r in self._started if not r.done]

    def shutdown(self) -> list:
        """Stop every run; returns the runs whose cancellation still has to be awaited."""
        self.edits.flush()
        for run in self.live_runs():
            run.stop()
        self.lag_label.stop()
        return self.live_runs()

    def _after_frame(self, n_events: int) -> None:
        """Once per refresher frame: console lines, block banner; gutter and status at ~10 Hz."""
        table, slow_tick = self.table, self.refresher.refreshes % 6 == 1   # O(tasks) work: not 60 Hz
        # Names by tid come from table.by_tid: building a {tid: name} dict here was O(tasks)
        # every frame (15 s of GUI time over a 100k-task run, bench/ui_load.py).
        by_tid = table.by_tid

        def name(tid):
            row = by_tid.get(tid)
            return row.name if row is not None else None

        for ev in table.outputs[self._seen["outputs"]:]:
            self.console.write(name(ev[1]), ev[3], ev[4])
        self._seen["outputs"] = len(table.outputs)
        for _, tid, _t0, duration, filename, line in table.blocks[self._seen["blocks"]:]:
            other = Path(filename).name if filename and _norm(filename) != self._run_file else None
            self.console.message(self.banner.show_block(duration, line, name(tid), other), "warn")
        self._seen["blocks"] = len(table.blocks)
        for ev in table.errors[self._seen["errors"]:]:
            who = f"[{name(ev[1])}] " if ev[1] in by_tid else ""
            self.console.message(who + str(ev[3]) + (f"\n{ev[4][2]}" if ev[4] else ""), "error")
        self._seen["errors"] = len(table.errors)
        self._markers_stale = self._markers_stale or n_events > 0
        if self._markers_stale and slow_tick:
            self._update_markers()
        if not self.run.done and slow_tick:
            live = len(self.run.tracer.live)   # the engine's live set: O(1), not O(tasks)
            elapsed = self._loop.time() - (table.started or self._loop.time())
            self.state_label.setText(f"Running — {live} live task{'s' * (live != 1)}, {elapsed:.1f} s")

    def _finish(self) -> None:
        run, table = self.run, self.table
        if self._finished_run is run:   # an extra frame after the end
            return
        self._finished_run = run
        self.act_stop.setEnabled(bool(self.live_runs()))   # earlier runs may still be unwinding
        self.console.end_of_run()
        outcome = run.outcome or table.outcome or "completed"
        text = outcome.capitalize() + (f" in {table.finished - table.started:.2f} s"
                                       if table.finished and table.started else "")
        if run.error:
            text += f" — {run.error.strip().splitlines()[-1]}"
            self.console.message(run.error, "error")
            self.console.flush()
        self.state_label.setText(text)
        self._update_markers()
        self.runFinished.emit(outcome)

    # == markers, selection, status ===================================================================
    def _update_markers(self) -> None:
        """Gutter markers: where tasks are suspended (with counts), raising lines, blocks."""
        self._markers_stale = False
        markers = {}
        if self.table is not None and self._showing_run_file():
            markers = gutter_markers(self.table, lambda path: _norm(path) == self._run_file)
        if self._load_error is not None:
            markers[self._load_error[0]] = ("error", self._load_error[1])
        self.editor.set_markers(markers)

    def _select_task(self, tid: int) -> None:
        """A row or lane was selected: highlight it everywhere, and the line it waits on."""
        if self._selecting:  # select_tid/highlight echo the selection back: ignore the echo
            return
        self._selecting = True
        try:
            self.timeline.highlight(tid)
            self.task_view.select_tid(tid)
            row = self.table.by_tid.get(tid) if self.table is not None else None
            self.editor.highlight_line(self._line_of(row) if self._showing_run_file() else None)
        finally:
            self._selecting = False

    def _showing_run_file(self) -> bool:
        return self._doc is not None and _norm(self._doc[0]) == self._run_file

    def _line_of(self, row) -> int | None:
        """The line of the run's file where `row` waits, or else raised; None if elsewhere."""
        if row is not None and row.waiting and _norm(row.waiting[2]) == self._run_file:
            return row.waiting[3]
        if row is not None and row.state == "failed" and row.exc and _norm(row.exc[3]) == self._run_file:
            return row.exc[4]
        return None

    def _notice(self, text: str, kind: str = "info") -> None:
        self.console.message(text, kind)
        self.console.flush()   # now, not next frame: no run may be live to drive the console
        self.statusBar().showMessage(text, 8000)

    def _network_toggled(self, *_args) -> None:
        live = self.act_network.isChecked()
        self.act_network.setText("● Live network" if live else "○ Offline")
        self.network_label.setText("Network: live (real internet)" if live
                                   else "Network: offline (demo API on 127.0.0.1)")
        self.network_label.setToolTip(self.act_network.toolTip())

    # == files ========================================================================================
    def _file_dialog(self, title: str, save: bool, slot, default: str = "") -> QFileDialog:
        # Non-modal on purpose: exec() would nest an event loop under the running lesson's tasks.
        dialog = QFileDialog(self, title, default, "Python files (*.py);;All files (*)" if not save
                             else "Chrome trace (*.json);;All files (*)", defaultSuffix="json" if save else "")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile if save else QFileDialog.FileMode.ExistingFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(slot)
        dialog.open()
        return dialog

    def open_file_dialog(self) -> QFileDialog:
        start = str(Path(self.current_path()).parent) if self.current_path() else ""
        return self._file_dialog("Open a Python script", False, self.open_path, start)

    def export_trace_dialog(self) -> QFileDialog | None:
        if self.run is None or not self.run.tracer.events:   # never started (a syntax error)
            self.statusBar().showMessage("Nothing to export yet: run something first", 5000)
            return None
        name = f"{self._doc[1] if self._doc else 'run'}-trace.json"
        return self._file_dialog("Export trace", True, self.export_trace, str(Path.home() / name))

    def export_trace(self, path: str) -> bool:
        """Write the current run's Chrome Trace JSON to `path`."""
        if self.run is None or not self.run.tracer.events:
            return False
        try:
            Path(path).write_text(json.dumps(playground.chrome_trace(self.run.tracer)), encoding="utf-8")
        except (OSError, TypeError, ValueError) as exc:
            self._notice(f"Could not export the trace: {exc}", "error")
            return False
        self.statusBar().showMessage(f"Trace written to {path} (open it in ui.perfetto.dev)", 8000)
        return True

    # == settings and closing =========================================================================
    def _restore_settings(self) -> None:
        s = self._settings
        if s.value("geometry") is None or not self.restoreGeometry(s.value("geometry")):
            self.resize(1400, 900)
        self.default_layout()
        for name in _SPLITTERS:
            if s.value(f"splitter/{name}") is not None:
                self.splitters[name].restoreState(s.value(f"splitter/{name}"))
        self.act_network.setChecked(s.value("network", "offline") == "live")
        self._network_toggled()
        try:
            self.block_limit.setValue(float(s.value("blockLimit", 5.0)))
        except (TypeError, ValueError):
            pass
        last = s.value("lastLesson")
        paths = self.browser.paths()
        if not (last and Path(str(last)).is_file() and self.open_path(str(last))) and paths:
            self.open_path(paths[0])

    def default_layout(self) -> None:
        """Splitter proportions for the current window size (before any remembered ones)."""
        w, h = max(self.width(), 900), max(self.height(), 600)
        browser = 215
        right = int((w - browser) * 0.5)
        self.splitters["main"].setSizes([browser, w - browser - right, right])
        self.splitters["centre"].setSizes([int(h * 0.36), int(h * 0.64)])
        self.splitters["right"].setSizes([int(h * f) for f in (0.34, 0.40, 0.26)])

    def save_settings(self) -> None:
        s = self._settings
        s.setValue("geometry", self.saveGeometry())
        for name in _SPLITTERS:
            s.setValue(f"splitter/{name}", self.splitters[name].saveState())
        s.setValue("network", "live" if self.act_network.isChecked() else "offline")
        s.setValue("blockLimit", self.block_limit.value())
        if self.current_path():
            s.setValue("lastLesson", self.current_path())
        s.sync()

    def closeEvent(self, event) -> None:  # noqa: N802
        # Runs are only *cancelled* here; ui.app.main() lets their finally blocks run after exec().
        self.save_settings()
        self.shutdown()
        super().closeEvent(event)
