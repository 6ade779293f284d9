"""The main window: lays out and wires the lesson browser, lesson panel, editor, task table, timeline,
console and the run controller.

Siblings never reach into each other; every connection between them is made here ("attributes down,
messages up").  Runs (start, stop, cancel, restart, their events, the status after) belong to the
`RunController` (`controller`); the window passes it the editor's code and shows what it reports.
"""
from __future__ import annotations

import importlib
from pathlib import Path

from asyncio_playground.vocab import LIVE_STATES, NetworkMode, TaskState
from PySide6.QtCore import QMargins, QPoint, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (QApplication, QDoubleSpinBox, QFileDialog, QLabel, QLayout, QMainWindow,
                               QSplitter, QStyle, QTabWidget, QToolBar, QVBoxLayout, QWidget)

from .block_banner import BlockBanner
from .console import ConsoleWidget
from .editor import CodeEditor
from .desktop import app_icon
from .edits import EditStore
from .focus_ring import FocusRing
from .legend import LegendWidget
from .lesson_browser import LessonBrowser
from .lesson_panel import LessonPanel
from .loop_health import LoopHealthLabel
from .markers import gutter_markers
from .menus import HelpDialog, about_box, build_menus
from .run_controller import RunController, norm_path as _norm
from .story_view import StoryView
from .task_model import TaskTableModel
from .task_view import TaskTableView
from .time_bar import TimeBar
from .timeline import TimelineWidget
from . import colors, lazy_module

# Imported on first use: the lessons load after the window's first paint (``deferred``).
lessons = lazy_module("asyncio_playground.lessons")
hashlib = lazy_module("hashlib")

_SPLITTERS = ("main", "centre", "right")
# Tabs of the run views that are not on screen at start-up: (attribute, title, tooltip).  A
# deferred window paints with empty pages there and builds the views right after (_build_later_tabs).
_LATER_TABS = (
    ("await_view", "Who awaits whom", "For every pending task, what it awaits now: tasks under their "
                                      "awaiter, a gather's or TaskGroup's children under it"),
    ("loop_panel", "Loop", "Inside the loop: its own queues — what is ready (FIFO), the timers, the "
                           "sockets it watches, the jobs in executor threads"),
    ("compare_view", "Compare", "A pinned run and the latest one, one above the other on one time "
                                "axis, with the tasks whose outcome or duration differ"),
)
DEFAULT_BLOCK_LIMIT = 3.0   # seconds; issue 13: <= 3 s, so a blocked window never looks hung


def _read_python(path) -> str:
    """A Python file's text, decoded as Python decodes source (a BOM, a ``# coding:`` cookie);
    undecodable bytes become U+FFFD rather than refusing to show the file."""
    import importlib.util
    data = Path(path).read_bytes()
    try:
        return importlib.util.decode_source(data)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return data.decode("utf-8", errors="replace")


class _SavedRun:
    """A run read back from a file, shaped like the parts of ``playground.Run`` the window reads
    (``path``, ``source``, ``tracer.events``/``filename``/``live``, ``done``)."""

    done = True

    def __init__(self, path: str, source: str, events: list) -> None:
        from types import SimpleNamespace
        self.path, self.source = path, source
        self.tracer = SimpleNamespace(events=events, filename=path, live={})


def changed_lines(original: str, text: str) -> list[int]:
    """The 1-based lines of ``text`` that differ from ``original`` (a removed line counts as the
    line where it was)."""
    import difflib
    a, b = original.splitlines(), text.splitlines()
    out: list[int] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            out.extend(range(j1 + 1, max(j2, j1 + 1) + 1) if j2 > j1 else [j1 + 1])
    return sorted(set(out))


class MainWindow(QMainWindow):
    """The asyncio Playground window.

    Signals:
        runStarted(object): a new Run started (it is `self.run`).
        runFinished(str): the current run ended with this outcome.
        ready(): a deferred window has painted, then built what it put off and loaded the lessons.

    Attributes:
        run: the current (or last) `playground.Run`, None before the first Run (the controller's).
        table: the `playground.TaskTable` the views show (the current run's).
        controller: the `RunController` that runs the editor's code; `refresher` is its frame clock.
        browser, lesson_panel, editor, task_view, task_model, timeline, console: the children.
        edits: the EditStore keeping the user's edits per lesson.
        act_run, act_stop, act_network, act_export, act_open, act_revert: the toolbar actions.
    """

    runStarted = Signal(object)
    runFinished = Signal(str)
    ready = Signal()

    def __init__(self, loop, *, edits: EditStore | None = None, settings: QSettings | None = None,
                 lessons_dir=None, deferred: bool = False, parent: QWidget | None = None) -> None:
        """``deferred``: paint first, then build the tabs not on screen, find the lessons and open
        the last one, set the window icon, and emit ``ready`` (the app does; ``lessons_loaded``
        is True after).  Otherwise all of that happens here."""
        super().__init__(parent)
        self._loop = loop
        self._settings = settings if settings is not None else QSettings()
        self.edits = edits if edits is not None else EditStore(parent=self)
        self._error_marker: tuple[int, str] | None = None  # (line, message) of a syntax error
        self._doc = None                # (path, slug, original text, lesson)
        self._revert_what = "your edits"
        self._loading = self._selecting = self._markers_stale = False
        self._selected: int | None = None    # the selected task's tid
        self._points: dict[str, set[int]] = {}   # normalised path -> its cancel points
        # Each lesson's last run: normalised path -> [run, table, status text].  The views show
        # the shown lesson's (``_shown``), never another lesson's.
        self._last_runs: dict[str, list] = {}
        self._shown: list | None = None
        self._deferred, self._restored = deferred, False
        self._start_queued = self._paint_queued = self._started = False   # deferred: see showEvent
        self.setWindowTitle("asyncio Playground")
        if not deferred:     # deferred: once painted (the SVG icon engine loads in ~10 ms)
            self.setWindowIcon(app_icon())
        self._build_widgets()
        self._build_actions()
        self._build_time()
        self.menus = build_menus(self)
        self.focus_ring = FocusRing(self)
        self._build_status()
        self._connect()
        self._lessons_dir, self._lessons, self.lessons_loaded = lessons_dir, [], False
        self._restore_settings()
        self._restored = True
        if not deferred:
            self._load_lessons()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if self._deferred and not self._start_queued:
            # A deferred window finishes starting after its first paint (paintEvent queues it):
            # reading every lesson and compiling the highlighter's rules (~0.1 s) then happen with
            # the window on screen.  A timer queued here would run before that paint (Qt paints
            # once the platform exposes the window), so this one only covers a window that never
            # paints (shown minimised, say).
            self._start_queued = True
            QTimer.singleShot(500, self._finish_start)

    def paintEvent(self, event) -> None:  # noqa: N802
        super().paintEvent(event)
        if self._deferred and not self._paint_queued:
            self._paint_queued = True     # once: the window's children paint in this same pass
            QTimer.singleShot(0, self._finish_start)

    def _finish_start(self) -> None:
        """What a deferred window does once it has painted (once): the tabs not on screen, the
        lessons, the window icon; then ``ready``."""
        if self._started:
            return
        self._started = True
        self._build_later_tabs()
        self._load_lessons()
        self.setWindowIcon(app_icon())
        self.ready.emit()
        # What the first Run needs (the script runner, its shims, the watchdog: ~12 ms) is
        # imported while the window is idle, not inside the frame that starts the run.
        QTimer.singleShot(0, self._warm_up)

    @staticmethod
    def _warm_up() -> None:
        for name in ("asyncio_playground._runner", "asyncio_playground._watchdog"):
            importlib.import_module(name)

    def _load_lessons(self) -> None:
        """Find the lessons, list them, and open the last lesson shown (or the first)."""
        if self.lessons_loaded:
            return
        self.lessons_loaded = True
        self._lessons = lessons.discover(self._lessons_dir)
        self.browser.set_lessons(lessons.groups(self._lessons))
        for lesson in self._lessons:     # edits kept from earlier sessions show in the browser
            if self.edits.has_edit(lesson.slug):
                self.browser.set_edited(str(lesson.path), True)
        last = self._settings.value("lastLesson")
        paths = self.browser.paths()
        if not (last and Path(str(last)).is_file() and self.open_path(str(last))) and paths:
            self.open_path(paths[0])

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
        self.controller = RunController(self._loop, self.task_model, self.timeline, self)
        self.refresher = self.controller.refresher
        self.banner = BlockBanner()
        self.splitters: dict[str, QSplitter] = {}
        table_box = QWidget()
        box = QVBoxLayout(table_box, contentsMargins=QMargins(0, 0, 0, 0), spacing=4)
        box.addWidget(self.banner)
        box.addWidget(self.task_view, 1)
        self.story = StoryView()
        box.addWidget(self.story)

        # The timeline and the await view share a slot: two views of the same run.  The legend
        # sits under the timeline (it explains the table's state dots too).
        self.legend = LegendWidget()
        timeline_box = QWidget(objectName="timelineBox")
        tbox = QVBoxLayout(timeline_box, contentsMargins=QMargins(0, 0, 0, 0), spacing=0)
        tbox.addWidget(self.timeline, 1)
        tbox.addWidget(self.legend)
        self.views = QTabWidget(objectName="runViews", documentMode=True)
        self.views.addTab(timeline_box, "Timeline")
        # The other tabs: empty pages until _build_later_tabs puts their views in (at once, or for
        # a deferred window after its first paint, or when a tab or view is asked for first).
        self._await_view = None
        self._later_tabs: dict[str, QWidget] | None = {}
        for name, title, tip in _LATER_TABS:
            page = QWidget()
            self.views.setTabToolTip(self.views.addTab(page, title), tip)
            self._later_tabs[name] = page
        self.views.currentChanged.connect(lambda _i: self._build_later_tabs())
        if not self._deferred:
            self._build_later_tabs()
        self.refresher.tableStarted.connect(self._table_started)
        self.refresher.tasksChanged.connect(self._tasks_changed)

        vertical = Qt.Orientation.Vertical
        centre = self._splitter("centre", vertical, self.lesson_panel, self.editor)
        right = self._splitter("right", vertical, table_box, self.views, self.console)
        main = self._splitter("main", Qt.Orientation.Horizontal, self.browser, centre, right)
        main.setStretchFactor(0, 0)   # the browser keeps its width when the window grows
        # Minimums: no pane can be dragged down to where it stops being useful (the splitters
        # never collapse one); together they fit a 1024x700 screen.
        self.browser.setMinimumWidth(140)
        centre.setMinimumWidth(280)
        right.setMinimumWidth(380)
        self.lesson_panel.setMinimumHeight(110)
        self.editor.setMinimumHeight(140)
        table_box.setMinimumHeight(110)
        self.views.setMinimumHeight(150)
        self.console.setMinimumHeight(56)
        placeholder = "No run of this lesson yet: press Run (F5) to watch its tasks here."
        self.task_view.placeholder = self.timeline.placeholder = placeholder
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

    def _build_later_tabs(self) -> None:
        """Build the await, Loop and Compare views and put them in place of their empty pages
        (once).  Built after the settings were restored, the await view gets the text size and
        the library-task setting here (scale_text and _library_toggled skip it until then)."""
        pages = self._later_tabs
        if not pages:
            return
        self._later_tabs = None     # first: a swap below that moves the current tab re-enters here
        from .await_view import AwaitView
        from .compare_view import CompareView
        from .loop_panel import LoopPanel
        self._await_view = AwaitView()
        self._await_view.taskSelected.connect(self._select_task)
        if self._restored:
            self._await_view.setFont(self.timeline.font())     # scale_text's, as on the timeline
            self._await_view.set_show_library(self.act_library.isChecked())
        self._loop_panel = LoopPanel(self._loop)
        self._loop_panel.taskSelected.connect(self._select_task)
        self._compare_view = CompareView()
        self._compare_view.taskPointed.connect(self._point_task_by_name)
        self._compare_view.detachRequested.connect(self.open_compare_window)
        views, current = self.views, self.views.currentIndex()
        for name, page in pages.items():
            i = views.indexOf(page)
            title, tip = views.tabText(i), views.tabToolTip(i)
            views.removeTab(i)
            views.insertTab(i, getattr(self, f"_{name}"), title)
            views.setTabToolTip(i, tip)
            page.deleteLater()
        views.setCurrentIndex(current)

    @property
    def await_view(self):
        """The "Who awaits whom" tab's ``AwaitView`` (built now if the window has not built it yet)."""
        if self._later_tabs:
            self._build_later_tabs()
        return self._await_view

    @property
    def loop_panel(self):
        """The Loop tab's ``LoopPanel`` (built now if the window has not built it yet)."""
        if self._later_tabs:
            self._build_later_tabs()
        return self._loop_panel

    @property
    def compare_view(self):
        """The Compare tab's ``CompareView`` (built now if the window has not built it yet)."""
        if self._later_tabs:
            self._build_later_tabs()
        return self._compare_view

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
        self.act_export = action("Save run…", sp.SP_DialogSaveButton, self.export_trace_dialog, (),
                                 "Save the run to replay it later (File → Open run…): Chrome Trace "
                                 "JSON that Perfetto and chrome://tracing open too")
        self.act_open = action("Open file…", sp.SP_DirOpenIcon, self.open_file_dialog, ("Ctrl+O",),
                               "Open any Python script from disk")
        self.act_revert = action("Revert", sp.SP_BrowserReload, self.revert_to_original, (),
                                 "Revert to original: drop your edits of this lesson")
        self.act_library = action("Library tasks", None, self._library_toggled, checkable=True)
        self.act_library.setToolTip(
            "Show the tasks that libraries (httpx, anyio…) create for their own ends, such as anyio "
            "racing connections for httpx.  Hidden by default: each sits under the lesson task "
            "that caused it, and its cancels say 'library'.")
        # 3 s: long enough to watch a block happen, short enough not to look like a hung app.
        self.block_limit = QDoubleSpinBox(decimals=1, minimum=0.5, maximum=120.0, singleStep=0.5,
                                          value=DEFAULT_BLOCK_LIMIT, suffix=" s")
        self.block_limit.setToolTip("Block limit: lesson code that blocks the event loop (and with it "
                                    "this window) this long is stopped (Ctrl+B)")
        self.toolbar = tb = QToolBar("Main", objectName="mainToolbar", movable=False)
        tb.setIconSize(QSize(18, 18))
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for item in (self.act_run, self.act_stop, None, self.act_network, QLabel("  Block limit "),
                     self.block_limit, None, self.act_library, None, self.act_open, self.act_revert,
                     self.act_export):
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
        self.editor.gutterClicked.connect(self.toggle_cancel_point)
        self.task_view.cancelRequested.connect(self.cancel_task)
        self.task_view.cancelWithMessage.connect(self.controller.cancel_task)
        self.task_view.taskSelected.connect(self._select_task)
        self.timeline.taskSelected.connect(self._select_task)
        self.edits.failed.connect(lambda msg: self._notice(msg, "warn"))
        c = self.controller
        c.runStarted.connect(self._run_started)
        c.loadFailed.connect(self._load_failed)
        c.output.connect(self._output)
        c.blocked.connect(self._blocked)
        c.loopError.connect(self._loop_error)
        c.status.connect(self._status)
        c.liveChanged.connect(self.act_stop.setEnabled)
        c.frameApplied.connect(self._after_frame)
        c.runFailed.connect(self._run_failed)
        c.action.connect(lambda text: self._notice(text, "info"))
        c.runFinished.connect(self._run_finished)
        # The lesson panel says what a run of its lesson showed and compares the prediction.
        c.runStarted.connect(self.lesson_panel.run_started)
        c.runFinished.connect(lambda outcome: self.lesson_panel.run_finished(self.run, self.table, outcome))
        self.lesson_panel.taskPointed.connect(self._select_task)
        self.lesson_panel.momentPointed.connect(self.timeline.mark_time)

    # == lessons and edits ============================================================================
    def lesson_paths(self) -> dict[str, str]:  # slug -> path of every bundled lesson
        return {lesson.slug: str(lesson.path) for lesson in self._lessons}

    def open_path(self, path: str) -> bool:
        """Show the lesson or script at `path` (any .py file) in the panel and the editor."""
        path = str(path)
        known = {_norm(l.path): l for l in self._lessons}
        try:
            lesson = known.get(_norm(path)) or lessons.load(path)
            original = _read_python(path)
        except (OSError, ValueError) as exc:  # unreadable, a directory, NUL bytes...
            self._notice(f"Could not open {path}: {exc}", "error")
            return False
        slug = lesson.slug
        if _norm(path) not in known:  # a file from disk: its own edit slot, and a browser entry
            slug = f"file-{lesson.slug}-{hashlib.sha1(_norm(path).encode()).hexdigest()[:8]}"
            self.browser.add_path(path, lesson.title)
        self.edits.flush()
        text, message = self.edits.load(slug, original)
        switched = self._doc is None or _norm(self._doc[0]) != _norm(path)
        self._doc = (path, slug, original, lesson)
        if switched:
            self._show_lesson_run(path)
        self._loading = True
        self.editor.setPlainText(text)
        self.editor.set_cancel_points(self._points.get(_norm(path), ()))
        self._loading = False
        self._error_marker = None
        self._update_markers()
        self.lesson_panel.set_lesson(lesson)
        shown = self._shown
        if switched and shown is not None and shown[1].finished is not None:
            # Its last run ended while another lesson was on screen (or was opened from a
            # file): say again what that run showed.
            self.lesson_panel.run_finished(shown[0], shown[1], shown[1].outcome or "completed")
        self.browser.select_path(path)
        self._update_revert(text, original)
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
        self._update_revert(text, original)
        if self._error_marker is not None:  # the marked syntax error is stale once the user edits
            self._error_marker = None
            self._update_markers()

    def revert_to_original(self) -> None:
        """Drop the edits of the current lesson and show its original code (Ctrl+Z undoes it)."""
        if self._doc is None:
            return
        _path, slug, original, _lesson = self._doc
        what = self._revert_what        # before the insert below recounts it
        cursor = self.editor.textCursor()
        cursor.select(cursor.SelectionType.Document)
        cursor.insertText(original)      # undoable (Ctrl+Z brings the edit back)
        self.edits.revert(slug)          # after the insert: drops the save it just scheduled
        self._update_revert(original, original)
        self.statusBar().showMessage(f"Reverted to the original lesson: discarded {what} "
                                     "(Ctrl+Z in the editor brings them back)", 8000)

    def _update_revert(self, text: str, original: str) -> None:
        """Revert's text says what it would discard; the browser marks the lesson as edited."""
        changed = changed_lines(original, text)
        edited = text != original
        n = len(changed)
        lines = ", ".join(map(str, changed[:8])) + ("…" if n > 8 else "")
        self._revert_what = (f"your edits to {n} line{'s' * (n != 1)} ({lines})" if n else "your edits")
        self.act_revert.setEnabled(edited)
        self.act_revert.setText(f"Revert ({n} changed line{'s' * (n != 1)})" if edited else "Revert")
        tip = (f"Revert to the original lesson: discards {self._revert_what}; Ctrl+Z in the editor "
               "brings them back" if edited else "Nothing to revert: the lesson is as shipped")
        self.act_revert.setToolTip(tip)
        self.act_revert.setStatusTip(tip)
        if self._doc is not None:
            self.browser.set_edited(self._doc[0], edited)

    # == runs (the RunController's; the window shows what it reports) ================================
    @property
    def run(self):
        """The current (or last) `playground.Run`, None before the first Run."""
        return self.controller.run

    @property
    def table(self):
        """The TaskTable on screen: the shown lesson's last run's (None when it has none)."""
        return self._shown[1] if self._shown is not None else None

    def shown_run(self):
        """The run on screen: the shown lesson's last run (None when it has none)."""
        return self._shown[0] if self._shown is not None else None

    def _live_on_screen(self) -> bool:
        """Whether the views show the controller's run (the one its refresher feeds)."""
        return self._shown is not None and self._shown[1] is self.refresher.table

    def _show_lesson_run(self, path: str) -> None:
        """Put the last run of the lesson at ``path`` on screen, or the empty "press Run" state.

        A run of another lesson still live goes on off screen: the views are detached from the
        controller's frame clock (its output, status and end are kept with its lesson) until that
        lesson is shown again or a run of the shown lesson starts (which stops it, as Run does)."""
        refresher = self.refresher
        entry = self._last_runs.get(_norm(path))
        attached = entry is not None and entry[1] is refresher.table
        run = self.controller.run
        if not attached and run is not None and not run.done:
            # The run goes on, off screen: its lesson shows it again (live) when picked again.
            self.statusBar().showMessage(f"{Path(run.path).name} is still running (shown with its lesson; "
                                         "Stop: Shift+F5)", 8000)
        refresher.model = self.task_model if attached else None
        refresher.timeline = self.timeline if attached else None
        self._shown = entry
        self._selected = None
        self._error_marker = None
        self._replay = None
        self.time_bar.set_replay(None)
        self.loop_panel.show_replay(None, None)
        self.task_model.cancellable = True
        self.banner.hide()
        self.story.show_story(None, None)
        self.console.clear_output()
        table = entry[1] if entry is not None else None
        self.task_model.set_table(table)
        self.timeline.set_table(table)
        self.await_view.set_table(table)
        if table is None:
            self.state_label.setText("Ready: press Run (F5)")
            return
        if not attached or table.finished is not None:
            self.timeline.refresh(None, live=False)
        self.state_label.setText(entry[2])
        self._write_outputs(table.outputs, table.by_tid)   # the run's output, as it was printed
        if table.finished is not None:
            self.console.end_of_run()
            self._offer_replay()
        self.console.flush()
        self._update_library_count()

    def run_current(self) -> bool:
        """Run what is in the editor.  A live run is cancelled first (its tasks end cancelled)."""
        if self._doc is None:
            return False
        self.edits.flush()
        self._error_marker = None
        self.banner.hide()
        self.editor.highlight_line(None)
        self.console.clear_output()
        started = self.controller.start(
            self._doc[0], self.editor.toPlainText(), block_limit=self.block_limit.value(),
            network=NetworkMode.LIVE if self.act_network.isChecked() else NetworkMode.OFFLINE)
        if started:   # before the loop runs any of its tasks
            self.run.set_cancel_points(self.editor.cancel_points())
        return started

    def toggle_cancel_point(self, line: int) -> None:
        """Set or clear a cancel point on ``line`` of the shown file (a click in the gutter): a
        task of the run that suspends there is cancelled on arrival."""
        if self._doc is None:
            return
        key = _norm(self._doc[0])
        points = set(self._points.get(key, ()))
        points.symmetric_difference_update({line})
        self._points[key] = points
        self.editor.set_cancel_points(points)
        run = self.run
        if run is not None and not run.done and self._showing_run_file():
            run.set_cancel_points(points)
        self._notice(f"Cancel point set on line {line}: a task that suspends there is cancelled on "
                     "arrival" if line in points else f"Cancel point on line {line} removed")

    def stop(self) -> None:
        """Cancel every live task (Stop / Shift+F5), of the current run and earlier ones unwinding."""
        self.controller.stop()

    def cancel_task(self, tid: int) -> bool:
        """Cancel exactly the task `tid` of the current run (a row's Cancel button)."""
        return self.controller.cancel_task(tid)

    def live_runs(self) -> list:
        """Runs not finished yet (the current one and stopped ones still unwinding)."""
        return self.controller.live_runs()

    def shutdown(self) -> list:
        """Stop every run; returns the runs whose cancellation still has to be awaited."""
        self.edits.flush()
        runs = self.controller.shutdown()
        self.lag_label.stop()
        self.time_bar.close_bar()
        self.loop_panel.close_panel()
        return runs

    def _table_started(self, table) -> None:
        refresher = self.refresher
        self.task_model.cancellable = True     # a replayed moment had turned the buttons off
        self._replay = None
        if refresher.model is None:   # detached while another lesson was shown: attach again
            refresher.model, refresher.timeline = self.task_model, self.timeline
            self.task_model.set_table(table)
            self.timeline.set_table(table)
        run = self.controller.run
        self._shown = self._last_runs[_norm(self._doc[0] if self._doc else run.path)] = [run, table, "Running…"]
        self.await_view.set_table(table)

    def _tasks_changed(self, changed) -> None:
        if self._live_on_screen():
            self.await_view.refresh(changed)
            if self._next_tid is not None and self._loop.paused:
                # The step's events arrive a frame after the step: mark the next task again.
                marked = self.refresher.table.mark_running(self._next_tid)
                if marked:
                    self.task_model.apply(marked)

    def _status(self, text: str) -> None:
        run = self.controller.run
        for entry in self._last_runs.values():
            if entry[0] is run:
                entry[2] = text
        if self._live_on_screen():
            self.state_label.setText(text)

    def _run_started(self, run) -> None:
        self._selected = None
        self.story.show_story(None, None)
        self._update_markers()
        self.runStarted.emit(run)

    def _load_failed(self, problem) -> None:
        self.console.message(problem.message, "error")
        self.console.flush()
        if problem.line:
            self._error_marker = (problem.line, problem.message)
        self._update_markers()
        if problem.line:
            self.editor.go_to(problem.line, problem.column or 1)

    def _output(self, lines) -> None:
        if not self._live_on_screen():
            return
        write = self.console.write
        for task, stream, text in lines:
            write(task, stream, text)

    def _blocked(self, duration: float, line, task, where) -> None:
        if not self._live_on_screen():
            return
        self.console.message(self.banner.show_block(duration, line, task, where), "warn")

    def _loop_error(self, task, message: str, traceback: str) -> None:
        if not self._live_on_screen():
            return
        who = f"[{task}] " if task is not None else ""
        self.console.message(who + message + (f"\n{traceback}" if traceback else ""), "error")

    def _run_failed(self, error: str) -> None:
        if not self._live_on_screen():
            return
        self.console.end_of_run()
        self.console.message(error, "error")
        self.console.flush()

    def _run_finished(self, outcome: str) -> None:
        if not self._live_on_screen():   # a run of a lesson no longer shown: it is kept, not shown
            self.runFinished.emit(outcome)
            return
        self.console.end_of_run()
        self._update_markers()
        self._update_story()
        self._update_library_count()
        self.runFinished.emit(outcome)

    def _after_frame(self, n_events: int, slow: bool) -> None:
        """Once per frame: the gutter markers, at ~10 Hz (O(tasks) work) once events changed them,
        and the selected task's cancellation story."""
        if not self._live_on_screen():
            return
        self._markers_stale = self._markers_stale or n_events > 0
        if self._markers_stale and slow:
            self._update_markers()
        if slow and n_events:
            self._update_story()
            self._update_library_count()

    def _library_toggled(self, *_args) -> None:
        show = self.act_library.isChecked()
        self.task_model.set_show_library(show)
        self.timeline.set_show_library(show)
        if self._await_view is not None:     # else _build_later_tabs applies it
            self._await_view.set_show_library(show)
        self._update_library_count()

    def _update_library_count(self) -> None:
        n = len(self.table.library_tids) if self.table is not None else 0
        shown = "shown" if self.act_library.isChecked() else "hidden"
        self.act_library.setText(f"Library tasks ({n} {shown})" if n else "Library tasks")

    def _update_story(self) -> None:
        table, tid = self.table, self._selected
        row = table.by_tid.get(tid) if table is not None and tid is not None else None
        if row is None:
            self.story.show_story(None, None)
            return
        run_file = self.shown_run().path if self.shown_run() is not None else None
        self.story.show_story(row.name, table.cancel_story(tid, filename=run_file))

    # == time: pause, step, replay ======================================================================
    def _build_time(self) -> None:
        """The time bar (speed, Pause, Step, the replay scrubber) on a toolbar row of its own."""
        self.time_bar = TimeBar(self._loop)
        self.time_toolbar = QToolBar("Time", objectName="timeToolbar", movable=False)
        self.time_toolbar.addWidget(self.time_bar)
        self.act_pin = QAction("Pin run", self, checkable=True,
                               shortcutContext=Qt.ShortcutContext.WindowShortcut)
        self.act_pin.setShortcut(QKeySequence("Ctrl+P"))
        self.act_pin.setToolTip("Pin the run on screen; the next run shows beside it on one time "
                                "axis, in the Compare tab, with what differs (Ctrl+P)")
        self.act_pin.toggled.connect(self.pin_run)
        self.time_toolbar.addAction(self.act_pin)
        self._pinned = None            # (label, table) of the pinned run
        self.act_open_run = QAction("Open run…", self, shortcutContext=Qt.ShortcutContext.WindowShortcut)
        self.act_open_run.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.act_open_run.setToolTip("Open a saved run (File → Save run, or `run --trace`) to "
                                     "replay it, with the code that ran (Ctrl+Shift+O)")
        self.act_open_run.triggered.connect(self.open_run_dialog)
        self.addToolBarBreak()
        self.addToolBar(self.time_toolbar)
        self._replay = None            # the shown finished run's playground.replay.Replay
        self._next_tid = None          # paused: the task the loop runs next (shown as running)
        self._shown_label = "run"      # what the finished run on screen ran (for Compare)
        self.time_bar.set_selected(self._selected_task)
        self.time_bar.momentChanged.connect(self.show_moment)
        self.time_bar.liveRequested.connect(lambda: self.show_moment(None))
        self.time_bar.nextStepChanged.connect(self._next_step_changed)
        c = self.controller
        c.runStarted.connect(lambda run: self.time_bar.run_started(self._loop.time()))
        c.runStarted.connect(lambda run: self._speed_caveats())
        self.time_bar.speed.currentIndexChanged.connect(lambda _i: self._speed_caveats())
        self.time_bar.act_pause.triggered.connect(lambda: self._speed_caveats())
        c.runFinished.connect(self._offer_replay)
        c.runFinished.connect(self._compare_latest)

    def _speed_caveats(self) -> None:
        """Say plainly what the loop's speed and Pause cannot govern in the live run's code."""
        from asyncio_playground.loopstate import unscaled_uses
        run, loop = self.controller.run, self._loop
        if run is None or run.done or (loop.speed == 1.0 and not loop.paused):
            return
        notes = [f"line {line} {what}" for line, what in unscaled_uses(run.source or "")]
        if self.act_network.isChecked():
            notes.append("Live network: the internet answers at its own speed")
        if not notes:
            return
        mode = "paused" if loop.paused else f"at {self.time_bar.speed.currentText()}"
        shown = "; ".join(notes[:3]) + (f"; and {len(notes) - 3} more" if len(notes) > 3 else "")
        self._notice(f"Loop time is {mode}, but not everything follows it: {shown}.", "warn")

    def _selected_task(self):
        """The selected task of the live run (a ``Task``), for Step task; None if there is none."""
        run, tid = self.controller.run, self._selected
        if run is None or run.done or tid is None or not self._live_on_screen():
            return None
        return run.tracer.live.get(tid)

    def _next_step_changed(self, nxt) -> None:
        """Paused: the task the loop will run next shows as running, its line tinted."""
        table = self.refresher.table if self._live_on_screen() else None
        if table is None:
            return
        tid = self._next_tid = nxt.tid if nxt is not None and nxt.kind == "task" else None
        changed = table.mark_running(tid)
        if changed:
            self.task_model.apply(changed)
            self.timeline.refresh(self._loop.time(), live=True)
        if nxt is not None and nxt.line and self._in_shown_file(nxt.filename):
            self.editor.highlight_line(nxt.line)
        self.time_bar.update_actions()

    def _run_label(self) -> str:
        """What ran, in words: the lesson's title, whether it was edited, and when it ran."""
        import time as _time
        if self._doc is None:
            return "run"
        _path, _slug, original, lesson = self._doc
        edited = self.editor.toPlainText() != original
        n = len(changed_lines(original, self.editor.toPlainText())) if edited else 0
        what = f"edited ({n} line{'s' * (n != 1)} changed)" if edited else "as shipped"
        speed = "" if self._loop.speed == 1.0 and not self._loop.skip_idle else \
            f", speed {self.time_bar.speed.currentText()}"
        return f"{lesson.title} — {what}{speed}, {_time.strftime('%H:%M:%S')}"

    def pin_run(self, pinned: bool = True) -> bool:
        """Pin the finished run on screen for comparison (False: unpin); returns whether pinned."""
        table = self.table
        if pinned and (table is None or table.finished is None):
            self.statusBar().showMessage("Pin a finished run: run the lesson first", 5000)
            self.act_pin.setChecked(False)
            return False
        self._pinned = (self._shown_label, table) if pinned else None
        self.act_pin.blockSignals(True)
        self.act_pin.setChecked(pinned)
        self.act_pin.blockSignals(False)
        if pinned:
            self.compare_view.set_runs(self._shown_label, table, None, None)
            self.statusBar().showMessage("Run pinned: run again (F5) to compare the next run "
                                         "with it in the Compare tab", 6000)
        else:
            self.compare_view.set_runs(None, None, None, None)
        return pinned

    def _compare_latest(self, _outcome: str = "") -> None:
        if not self._live_on_screen():
            return
        self._shown_label = self._run_label()
        if self._pinned is None or self._pinned[1] is self.table:
            return
        self.compare_view.set_runs(self._pinned[0], self._pinned[1], self._shown_label, self.table)
        self.views.setCurrentWidget(self.compare_view)

    def open_compare_window(self):
        """The comparison in a window of its own (non-modal), sized for two timelines."""
        from .compare_view import CompareWindow
        window = CompareWindow(self, self.compare_view.runs)
        window.view.taskPointed.connect(self._point_task_by_name)
        window.show()
        return window

    def _point_task_by_name(self, name: str) -> None:
        table = self.table
        row = next((r for r in table.rows if r.name == name), None) if table is not None else None
        if row is not None:
            self._select_task(row.tid)

    def _write_outputs(self, outputs, by_tid) -> None:
        """Write a finished run's ``Output`` records to the console, tagged with their tasks."""
        for ev in outputs:
            row = by_tid.get(ev.tid)
            self.console.write(row.name if row is not None else None, ev.stream, ev.text)

    def _offer_replay(self, _outcome: str = "") -> None:
        """The run on screen has ended: offer it on the scrubber.

        A run opened from a file comes with its ``Replay`` (and the ``Scrub`` whose table the
        views were given); a run of this session gets one over its table as it ended (the index
        of its events is built when the scrubber is first moved)."""
        run, table = self.shown_run(), self.table
        self.time_bar.run_ended()
        self._scrub, self._scrub_shown, self._console_shown = None, False, None
        if run is None or table is None or table.finished is None or not run.tracer.events:
            return
        from asyncio_playground.replay import Replay
        replay = getattr(run, "replay", None)
        if replay is None:
            replay = Replay(run.tracer.events, final=table)
        scrub = getattr(run, "scrub", None)
        if scrub is not None:
            self._scrub, self._scrub_shown = scrub, table is scrub.table
        self._replay = replay
        self.time_bar.set_replay(self._replay)

    def show_moment(self, t: float | None) -> None:
        """Show the finished run on screen as it was at loop time ``t`` (None: as it ended): the
        table, the timeline, the await view, the gutter, the console and the loop panel.

        The views stay on one table, the replay's ``Scrub``, moved in place: a short move updates
        the rows with events in between; after a long jump the rows on screen are there at once
        and the rest follow in slices between frames (``_settle_moment``), then the gutter, the
        await view and the loop panel.  No frame waits on 100,000 rows."""
        replay, entry = self._replay, self._shown
        if replay is None or entry is None:
            return
        scrub = self._scrub
        if scrub is None or scrub.replay is not replay:
            scrub = self._scrub = replay.scrub()
            self._scrub_shown = False
        table = scrub.table
        if not self._scrub_shown:       # from now on the views follow the scrub's table
            self._scrub_shown = True
            self.task_model.set_table(table)
            self.timeline.set_table(table)
            self.await_view.set_table(table)
        move = scrub.seek(t, first=self._tids_on_screen())
        self._moment_t = t
        self.task_model.cancellable = t is None
        if move.removed:               # tasks not created yet at t: the views take the table again
            self.task_model.set_table(table)
            self.timeline.set_table(table)
        elif move.changed or move.added:
            self.task_model.apply(move.changed.union(move.added))
        self.timeline.refresh(t, live=False)
        self._show_outputs(t, table)
        if move.settled:
            self._moment_settled(move.changed if not move.removed else None)
        else:
            self._await_stale = True
            if self._settle_timer is None:    # (not 0 ms: the frame's paint comes first)
                self._settle_timer = QTimer(self, interval=2)
                self._settle_timer.timeout.connect(self._settle_moment)
            self._settle_timer.start()
        if self._selected is not None:
            self.timeline.highlight(self._selected)
            self.task_view.select_tid(self._selected)

    # Defaults for the replay state show_moment keeps (set per run by _offer_replay).
    _scrub = None
    _scrub_shown = False
    _console_shown = None      # (outputs written, end of run written) of the replayed console
    _settle_timer = None
    _await_stale = False
    _moment_t = None
    _loop_tab_hooked = False

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
        if self._selected is not None:
            tids.append(self._selected)
        return tids

    def _settle_moment(self) -> None:
        """A slice of bringing the rest of the rows to the moment on screen (after a long jump)."""
        scrub = self._scrub
        if scrub is None or self._replay is None or scrub.replay is not self._replay:
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
            self._moment_settled(None)

    def _moment_settled(self, changed) -> None:
        """Every row is at the moment: the await view (``changed``: the tids to look at; None:
        all), the gutter and the loop panel follow."""
        table, t = self._scrub.table, self._moment_t
        if self._await_stale:
            self._await_stale, changed = False, None
        self.await_view.refresh(changed)      # while hidden, it only notes what to redo
        markers = gutter_markers(table, self._in_shown_file) if self._showing_run_file() else {}
        self.editor.set_markers(markers)
        panel = self.loop_panel
        if panel.isVisible():
            panel.show_replay(table, t)
        elif not self._loop_tab_hooked:   # not in front: it is shown the moment when it comes
            self._loop_tab_hooked = True
            self.views.currentChanged.connect(self._replay_tab_shown)

    def _replay_tab_shown(self, _index: int) -> None:
        """The Loop tab came in front during a replay: show it the moment on screen."""
        scrub, panel = self._scrub, self._loop_panel
        if self._replay is None or scrub is None or panel is None or not panel.isVisible():
            return
        if scrub.replay is self._replay and self._scrub_shown:
            panel.show_replay(scrub.table, self._moment_t)

    def _show_outputs(self, t: float | None, table) -> None:
        """The console as it was at the moment: the run's outputs up to it (appended when the
        moment moved on, written again when it moved back)."""
        entry = self._shown
        outputs = table.outputs
        ended = t is None and table.finished is not None
        state = (len(outputs), ended)
        shown = self._console_shown
        if shown == state:
            return
        if shown is not None and not shown[1] and shown[0] <= state[0]:
            self._write_outputs(outputs[shown[0]:], entry[1].by_tid)
        else:
            self.console.clear_output()
            self._write_outputs(outputs, entry[1].by_tid)
        if ended:
            self.console.end_of_run()
        self.console.flush()
        self._console_shown = state

    # == markers, selection, status ===================================================================
    def _update_markers(self) -> None:
        """Gutter markers: where tasks are suspended (with counts), raising lines, blocks."""
        self._markers_stale = False
        markers = {}
        if self.table is not None and self._showing_run_file():
            markers = gutter_markers(self.table, self._in_shown_file)
        if self._error_marker is not None:
            markers[self._error_marker[0]] = ("error", self._error_marker[1])
        self.editor.set_markers(markers)

    def _select_task(self, tid: int) -> None:
        """A row or lane was selected: highlight it everywhere, and the line it waits on."""
        if self._selecting:  # select_tid/highlight echo the selection back: ignore the echo
            return
        self._selecting = True
        try:
            self.timeline.highlight(tid)
            self.await_view.highlight(tid)
            self.task_view.select_tid(tid)
            self._selected = tid if tid >= 0 else None
            self.time_bar.update_actions()   # Step task follows the selection
            self._update_story()
            row = self.table.by_tid.get(tid) if self.table is not None else None
            self.editor.highlight_line(self._line_of(row) if self._showing_run_file() else None)
            if row is not None and row.state in LIVE_STATES and self.task_view.hasFocus():
                self.statusBar().showMessage(f"'{row.name}' selected: Delete cancels it "
                                             "(Shift+Delete: with a message)", 5000)
        finally:
            self._selecting = False

    def _showing_run_file(self) -> bool:
        """Whether the editor shows the file of the run on screen."""
        return self._doc is not None and self._in_shown_file(self._doc[0])

    def _in_shown_file(self, path) -> bool:
        run = self.shown_run()
        if run is None or not path:
            return False
        if run is self.controller.run:
            return self.controller.in_run_file(path)
        return _norm(path) == _norm(run.tracer.filename or run.path)

    def _line_of(self, row) -> int | None:
        """The line of the run's file where `row` waits, or else raised; None if elsewhere."""
        if row is None:
            return None
        in_run_file = self._in_shown_file
        if row.waiting:
            _kind, _detail, filename, line = row.waiting
            if in_run_file(filename):
                return line
        if row.state == TaskState.FAILED and row.exc and in_run_file(row.exc.filename):
            return row.exc.lineno
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

    # == menus, help, presentation ===================================================================
    def cancel_selected_task(self) -> bool:
        """Cancel the task selected in the table (Delete)."""
        return self.task_view.cancel_selected()

    def cancel_selected_with_message(self):
        """Ask for a message, then cancel the selected task with it (Shift+Delete)."""
        tid = self.task_view.selected_tid()
        row = self.table.by_tid.get(tid) if self.table is not None and tid >= 0 else None
        if row is None or row.state not in LIVE_STATES:
            self.statusBar().showMessage("Select a live task in the table first", 5000)
            return None
        return self.task_view.ask_cancel_message(tid, row.name)

    def focus_pane(self, widget) -> None:
        """Give the keyboard focus to a pane (View → Go to, Alt+1…6)."""
        if widget is self.views:
            widget = self.views.currentWidget()
            widget = self.timeline if widget is not None and widget.isAncestorOf(self.timeline) else widget
        widget.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def step_lesson(self, step: int) -> bool:
        """Open the next (+1) or previous (-1) lesson of the browser's visible list."""
        paths = self.browser.visible_paths()
        if not paths:
            return False
        current = self.current_path()
        i = paths.index(current) if current in paths else -1
        return self.open_path(paths[(i + step) % len(paths)] if i >= 0 else paths[0])

    def show_help(self) -> HelpDialog:
        """The shortcuts list and the docs (F1), non-modal."""
        dialog = self.findChild(HelpDialog)
        if dialog is None:
            dialog = HelpDialog(self, list(self.menus.values()))
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def show_about(self):
        return about_box(self)

    def open_docs(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from .menus import ASYNCIO_DOCS
        QDesktopServices.openUrl(QUrl(ASYNCIO_DOCS))

    def set_legend_visible(self, visible: bool) -> None:
        self.legend.setVisible(bool(visible))
        self.act_legend.setChecked(bool(visible))
        self._settings.setValue("legend", bool(visible))

    def set_theme(self, mode: str) -> bool:
        """Light, dark or the system's ("system", "light", "dark"; remembered); returns whether it
        is dark now."""
        mode = mode if mode in colors.THEMES else "system"
        self._theme = mode
        dark = colors.apply_theme(QApplication.instance(), mode)
        self.act_themes[mode].setChecked(True)
        self._settings.setValue("theme", mode)
        return dark

    def _system_scheme_changed(self, *_args) -> None:
        if self._theme == "system":
            self.set_theme("system")

    def scale_text(self, step: int, reset: bool = False) -> float:
        """Presentation mode: every pane's text one step larger (+1) or smaller (-1), or back to
        normal (``reset``); remembered.  Returns the scale now."""
        steps = 0 if reset else max(-3, min(10, self._text_steps + step))
        self._text_steps = steps
        self._settings.setValue("textSteps", steps)
        scale = 1.15 ** steps
        base = QApplication.font()
        size = base.pointSizeF() if base.pointSizeF() > 0 else 10.0
        ui_font = QFont(base)
        ui_font.setPointSizeF(size * scale)
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        fixed.setPointSizeF(max(fixed.pointSizeF(), 10.0) * scale)
        for pane in (self.browser, self.lesson_panel, self.task_view, self.timeline, self.legend,
                     self._await_view, self.story, self.banner, self.views.tabBar()):
            if pane is not None:   # the await view until a deferred window builds it (then: this font)
                pane.setFont(ui_font)
        title = QFont(ui_font)
        title.setPointSizeF(ui_font.pointSizeF() * 1.35)
        title.setBold(True)
        self.lesson_panel.title.setFont(title)   # set explicitly by the panel: scaled with the rest
        self.editor.setFont(fixed)
        self.console.setFont(fixed)
        if steps:
            self.statusBar().showMessage(f"Text size {scale:.0%} (Ctrl+0: normal)", 3000)
        return scale

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
        run = self.shown_run()
        if run is None or not run.tracer.events:   # never started (a syntax error)
            self.statusBar().showMessage("Nothing to export yet: run something first", 5000)
            return None
        name = f"{self._doc[1] if self._doc else 'run'}-run.json"
        return self._file_dialog("Save run", True, self.export_trace, str(Path.home() / name))

    def export_trace(self, path: str) -> bool:
        """Save the run on screen (the shown lesson's last) to `path`: a Chrome Trace JSON that
        Perfetto opens and that carries what replay needs (File → Open run…)."""
        from asyncio_playground.replay import save_run
        run = self.shown_run()
        if run is None or not run.tracer.events:
            return False
        try:
            save_run(run.tracer.events, path, source=getattr(run, "source", None),
                     filename=run.tracer.filename or run.path, label=self._shown_label)
        except (OSError, TypeError, ValueError) as exc:
            self._notice(f"Could not save the run: {exc}", "error")
            return False
        self.statusBar().showMessage(f"Run saved to {path}: File → Open run… replays it; "
                                     "ui.perfetto.dev opens it too", 8000)
        return True

    def open_run_dialog(self) -> QFileDialog:
        dialog = QFileDialog(self, "Open a saved run", str(Path.home()),
                             "Saved runs (*.json);;All files (*)")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(self.open_run)
        dialog.open()    # non-modal: exec() would nest an event loop under a live run
        return dialog

    def open_run(self, path: str) -> bool:
        """Open a saved run: its code in the editor (the file it ran as, if that still holds the
        same text; else a copy beside the edits), and the run on screen, ready to replay."""
        from asyncio_playground.replay import Replay, ReplayError, load_run, relocate
        try:
            saved = load_run(path)
        except ReplayError as exc:
            self._notice(str(exc), "error")
            return False
        if saved.source is None:
            self._notice(f"{Path(path).name} carries no source code to show", "error")
            return False
        original = saved.filename or ""
        target = Path(original) if original else None
        try:
            same = target is not None and target.is_file() and \
                target.read_text(encoding="utf-8") == saved.source
        except (OSError, UnicodeDecodeError):
            same = False
        if not same:
            folder = self.edits.directory.parent / "saved-runs"
            name = Path(original).name if original.endswith(".py") else "run.py"
            target = folder / f"{Path(path).stem}-{name}"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                target.write_text(saved.source, encoding="utf-8")
            except OSError as exc:
                self._notice(f"Could not keep the run's code in {folder}: {exc}", "error")
                return False
        events = relocate(saved.events, original, str(target)) if not same else saved.events
        try:
            replay = Replay(events)    # the run as it ended (``final``), and any moment of it
        except ReplayError as exc:
            self._notice(f"{Path(path).name}: {exc}", "error")
            return False
        shown = _SavedRun(str(target), saved.source, events)
        # The views are given the scrub's table (the run as it ended, moved in place by the
        # scrubber) from the start: no second table for them to take on the first move.
        shown.replay, shown.scrub = replay, replay.scrub()
        status = f"Saved run: {saved.label} (Python {saved.python or '?'})"
        if self.controller.live_runs():
            self.controller.stop("Opened a saved run")
        entry = self._last_runs[_norm(str(target))] = [shown, shown.scrub.table, status]
        if _norm(str(target)) == _norm(self.current_path() or ""):
            self._doc = None       # reopen: show the saved run in place of the last one
        self._shown_label = saved.label
        opened = self.open_path(str(target))
        entry[1] = replay.final    # the window's table of the run: as it ended, never moved
        if not opened:
            return False
        self.statusBar().showMessage(f"Opened {Path(path).name}: drag the scrubber or press "
                                     "Replay", 8000)
        return True

    # == settings and closing =========================================================================
    def _restore_settings(self) -> None:
        s = self._settings
        if s.value("geometry") is None or not self.restoreGeometry(s.value("geometry")):
            # 1400x900, or the whole screen on a smaller one (a 1024x768 laptop, say).
            screen = self.screen().availableGeometry() if self.screen() is not None else None
            if screen is not None and screen.width() > 0 and screen.height() > 0:
                self.resize(min(1400, screen.width()), min(900, screen.height()))
            else:
                self.resize(1400, 900)
        self.default_layout()
        self.task_view.set_user_widths(s.value("taskTable/widths", "{}"))
        for name in _SPLITTERS:
            if s.value(f"splitter/{name}") is not None:
                self.splitters[name].restoreState(s.value(f"splitter/{name}"))
        self._theme = str(s.value("theme", "system"))
        self.set_theme(self._theme)
        hints = QApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):   # Qt 6.5+: follow the desktop's light/dark switch
            hints.colorSchemeChanged.connect(self._system_scheme_changed)
        try:
            self._text_steps = int(s.value("textSteps", 0))
        except (TypeError, ValueError):
            self._text_steps = 0
        self.scale_text(0)
        self.set_legend_visible(str(s.value("legend", "true")).lower() != "false")
        self.act_library.setChecked(str(s.value("libraryTasks", "false")).lower() == "true")
        self._library_toggled()
        self.act_network.setChecked(s.value("network", "offline") == "live")
        self._network_toggled()
        try:
            self.block_limit.setValue(float(s.value("blockLimit", DEFAULT_BLOCK_LIMIT)))
        except (TypeError, ValueError):
            pass

    def default_layout(self) -> None:
        """Splitter proportions for the current window size (before any remembered ones)."""
        w, h = max(self.width(), 900), max(self.height(), 600)
        browser = 215 if w >= 1300 else 170
        right = int((w - browser) * (0.5 if w >= 1300 else 0.56))
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
        s.setValue("libraryTasks", self.act_library.isChecked())
        s.setValue("taskTable/widths", self.task_view.user_widths_json())
        if self.current_path():
            s.setValue("lastLesson", self.current_path())
        s.sync()

    def closeEvent(self, event) -> None:  # noqa: N802
        # Runs are only *cancelled* here; ui.app.main() lets their finally blocks run after exec().
        self.save_settings()
        self.shutdown()
        super().closeEvent(event)
