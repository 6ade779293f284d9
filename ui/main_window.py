"""The main window: a shell that lays out the panes and wires the features (``ui/features/``).

What belongs to one lesson lives in its workspace (``ui/workspace.py``); switching lessons swaps the
workspace, and each feature shows the new one (``_switch``).  Features never reach into each other's
widgets; every connection between them is made here ("attributes down, messages up").
"""
from __future__ import annotations

import importlib
from pathlib import Path

from PySide6.QtCore import QMargins, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QLabel, QLayout, QMainWindow, QSplitter, QToolBar,
                               QVBoxLayout, QWidget)

from .block_banner import BlockBanner
from .console import ConsoleWidget
from .desktop import app_icon
from .edits import EditStore
from .editor import CodeEditor
from .features.appearance import AppearanceFeature
from .features.comparing import CompareFeature
from .features.editing import EditingFeature, changed_lines  # noqa: F401 (changed_lines: public)
from .features.files import FilesFeature
from .features.findings import FindingsFeature
from .features.resources import ResourcesFeature
from .features.lessons import LessonsFeature
from .features.replaying import ReplayFeature
from .features.layout import WindowLayout
from .features.runs import RunsFeature
from .features.scheduling import SchedulingFeature
from .features.selection import SelectionFeature
from .features.timing import TimeFeature
from .focus_ring import FocusRing
from .legend import LegendWidget
from .lesson_browser import LessonBrowser
from .lesson_panel import LessonPanel
from .loop_health import LoopHealthLabel
from .menus import build_menus
from .run_controller import RunController
from .story_view import StoryView
from .task_model import TaskTableModel
from .task_view import TaskTableView
from .timeline import TimelineWidget
from .run_views import RunViews
from .workspace import Desk



class MainWindow(QMainWindow):
    """The asyncio Playground window.

    Signals:
        runStarted(object): a new Run started (it is `self.run`).
        runFinished(str): the current run ended with this outcome.
        ready(): a deferred window has painted, then built what it put off and loaded the lessons.

    Attributes:
        desk: the workspaces (one per lesson or opened file) and the one on screen.
        lessons, editing, runs, selection, timing, scheduling, replaying, compare, appearance,
            files, findings, resources:
            the features.
        controller: the `RunController` that runs the editor's code; `refresher` is its frame clock.
        browser, lesson_panel, editor, task_view, task_model, timeline, console, story, banner,
            legend, views, time_bar: the panes.
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
        self.desk = Desk(self)
        self._deferred, self._restored = deferred, False
        self._start_queued = self._paint_queued = self._started = False   # deferred: see showEvent
        self.setWindowTitle("asyncio Playground")
        if not deferred:     # deferred: once painted (the SVG icon engine loads in ~10 ms)
            self.setWindowIcon(app_icon())
        self._build_panes()
        self._build_features(lessons_dir)
        self._build_toolbars()
        self.menus = build_menus(self)
        self.appearance.act_themes, self.appearance.act_legend = self.act_themes, self.act_legend
        self.focus_ring = FocusRing(self)
        self._build_status()
        self._restore_settings()
        self._restored = True
        if not deferred:
            self.views.build()
            self._load_lessons()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.layout_keeper.shown()
        if self._deferred and not self._start_queued:
            # A deferred window finishes starting after its first paint (paintEvent queues it):
            # reading every lesson and compiling the highlighter's rules (~0.1 s) then happen with
            # the window on screen.  This timer only covers a window that never paints (minimised).
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
        self.views.build()
        self._load_lessons()
        self.setWindowIcon(app_icon())
        self.ready.emit()
        # What the first Run needs (the script runner, its shims, the watchdog: ~12 ms) is
        # imported while the window is idle, not inside the frame that starts the run.
        QTimer.singleShot(0, lambda: [importlib.import_module(f"asyncio_playground.{name}")
                                      for name in ("_runner", "_watchdog")])

    def _load_lessons(self) -> None:
        self.lessons.load(self.edits, self._settings.value("lastLesson"))

    @property
    def lessons_loaded(self) -> bool:
        return self.lessons.loaded

    # == the panes ====================================================================================
    def _build_panes(self) -> None:
        self.browser, self.lesson_panel, self.editor = LessonBrowser(), LessonPanel(), CodeEditor()
        self.console = ConsoleWidget()
        self.task_model = TaskTableModel(self)
        self.task_view = TaskTableView()
        self.task_view.setModel(self.task_model)
        self.timeline = TimelineWidget()
        self.controller = RunController(self._loop, self.task_model, self.timeline, self)
        self.refresher = self.controller.refresher
        self.banner, self.story, self.legend = BlockBanner(), StoryView(), LegendWidget()
        table_box = QWidget()
        box = QVBoxLayout(table_box, contentsMargins=QMargins(0, 0, 0, 0), spacing=4)
        for widget, stretch in ((self.banner, 0), (self.task_view, 1), (self.story, 0)):
            box.addWidget(widget, stretch)
        self.views = RunViews(self.timeline, self.legend, self._loop)
        self.views.built.connect(self._wire_later_views)

        vertical = Qt.Orientation.Vertical
        self.splitters: dict[str, QSplitter] = {}
        centre = self._splitter("centre", vertical, self.lesson_panel, self.editor)
        right = self._splitter("right", vertical, table_box, self.views, self.console)
        main = self._splitter("main", Qt.Orientation.Horizontal, self.browser, centre, right)
        main.setStretchFactor(0, 0)   # the browser keeps its width when the window grows
        # Minimums: no pane can be dragged down to where it stops being useful (the splitters
        # never collapse one); together they fit a 1024x700 screen.
        for widget, width, height in ((self.browser, 140, 0), (centre, 280, 0), (right, 380, 0),
                                      (self.lesson_panel, 0, 110), (self.editor, 0, 140),
                                      (table_box, 0, 110), (self.views, 0, 150), (self.console, 0, 56)):
            widget.setMinimumSize(width, height)
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

    def _wire_later_views(self) -> None:
        """The await, Loop and Compare views were built: connect them, and give the await view what
        the other views have (the text size, the library setting, the run on screen)."""
        views = self.views
        await_view, loop_panel, compare_view = (views.view(n, build=False) for n in
                                                ("await_view", "loop_panel", "compare_view"))
        self.findings.wire(views.view("findings_view", build=False))
        self.resources.wire(views.view("resources_view", build=False))
        await_view.taskSelected.connect(self.selection.select_task)
        loop_panel.taskSelected.connect(self.selection.select_task)
        loop_panel.runNextRequested.connect(self.timing.run_next)
        loop_panel.advanceRequested.connect(self.scheduling.advance)
        self.scheduling.update()          # the Loop tab lists the run's schedule from now on
        compare_view.taskPointed.connect(self.selection.point_task_by_name)
        compare_view.detachRequested.connect(self.compare.open_window)
        if self._restored:
            await_view.setFont(self.timeline.font())
            await_view.set_show_library(self.act_library.isChecked())
        await_view.set_table(self.runs.table)

    await_view = property(lambda self: self.views.await_view, doc="The await view (built on first use).")
    loop_panel = property(lambda self: self.views.loop_panel, doc="The Loop tab's panel (built on first use).")
    compare_view = property(lambda self: self.views.compare_view, doc="The Compare view (built on first use).")

    # == the features =================================================================================
    def _build_features(self, lessons_dir) -> None:
        desk, loop, c = self.desk, self._loop, self.controller
        self.state_label = QLabel("Ready")
        self.runs = RunsFeature(self, loop, desk, c, task_model=self.task_model, task_view=self.task_view,
                                timeline=self.timeline,
                                await_view=lambda: self.await_view, console=self.console,
                                banner=self.banner, editor=self.editor, state_label=self.state_label,
                                text_of=self.editor.toPlainText)
        self.editing = EditingFeature(self, desk, editor=self.editor, edits=self.edits, browser=self.browser)
        self.editing.cancelPointsChanged.connect(self.runs.set_cancel_points)
        self.editing.markersStale.connect(self.runs.update_markers)
        self.selection = SelectionFeature(self, desk, self.runs, task_view=self.task_view,
                                          timeline=self.timeline, await_view=lambda: self.await_view,
                                          story=self.story, editor=self.editor)
        self.timing = TimeFeature(self, loop, self.runs, self.selection, task_model=self.task_model,
                                  timeline=self.timeline, editor=self.editor,
                                  loop_panel=lambda: self.views.view("loop_panel", build=False))
        self.time_bar = self.timing.time_bar
        self.scheduling = SchedulingFeature(
            self, loop, desk, self.runs, console=self.console, banner=self.banner, editor=self.editor,
            text_of=self.editor.toPlainText,
            loop_panel=lambda: self.views.view("loop_panel", build=False),
            selected_name=self._selected_name, select_name=self._select_name)
        self.timing.busy = self.scheduling.busy
        self.timing.add_beside_step(self.scheduling.act_step_back)
        self.editing.cancelPointsChanged.connect(self.scheduling.cancel_points_changed)
        self.replaying = ReplayFeature(self, desk, self.runs, self.selection, self.time_bar,
                                       task_model=self.task_model, task_view=self.task_view,
                                       timeline=self.timeline, await_view=lambda: self.await_view,
                                       loop_panel=lambda: self.loop_panel, views=self.views,
                                       console=self.console, editor=self.editor)
        self.compare = CompareFeature(self, desk, self.runs, self.selection,
                                      compare_view=lambda: self.compare_view, views=self.views,
                                      text_of=self.editor.toPlainText, speed_text=self.timing.speed_text)
        self.lessons = LessonsFeature(self, desk, self.runs, browser=self.browser,
                                      lesson_panel=self.lesson_panel, lessons_dir=lessons_dir)
        self.files = FilesFeature(self, desk, self.runs, self.lessons, self.edits)
        self.findings = FindingsFeature(
            self, desk, self.runs, self.selection, self.time_bar, views=self.views, editor=self.editor, timeline=self.timeline,
            open_lesson=lambda slug: slug in self.lesson_paths() and self.open_path(self.lesson_paths()[slug]),
            lesson_titles=lambda: {lesson.slug: lesson.title for lesson in self.lessons.lessons})
        self.resources = ResourcesFeature(self, desk, self.runs, self.selection, self.time_bar,
                                          views=self.views, editor=self.editor,
                                          task_model=self.task_model)
        self.appearance = AppearanceFeature(
            self, self._settings, self.runs, title=self.lesson_panel.title, fixed=(self.editor, self.console),
            panes=lambda: [p for p in (self.browser, self.lesson_panel, self.task_view, self.timeline,
                                       self.legend, self.views.view('await_view', build=False), self.story, self.banner,
                                       self.views.tabBar()) if p is not None],
            editor=self.editor, library_views=lambda: [v for v in (self.task_model, self.timeline,
                                                         self.views.view('await_view', build=False))
                                   if v is not None], legend=self.legend)
        for feature in (self.runs, self.editing, self.selection, self.timing, self.scheduling,
                        self.replaying, self.compare, self.lessons, self.files, self.appearance,
                        self.findings, self.resources):
            feature.notice.connect(self._notice)
            feature.status.connect(self.statusBar().showMessage)
        self.lessons.opened.connect(self.desk.switch)
        desk.switched.connect(self._switch)
        self.runs.runStarted.connect(self.runStarted)
        self.runs.runFinished.connect(self.runFinished)
        self.task_view.cancelRequested.connect(self.runs.cancel_task)
        self.task_view.cancelWithMessage.connect(self.runs.cancel_task)
        self.lesson_panel.taskPointed.connect(self.selection.select_task)
        self.lesson_panel.momentPointed.connect(self.timeline.mark_time)
        self.lesson_panel.winRequested.connect(self.scheduling.play_winning)
        self.lesson_panel.fixedRequested.connect(lambda path: self.open_path(path))
        self.lessons.momentPointed.connect(self.timeline.mark_time)
        # The window's own API (the menus, the app, tests): the features' methods, by their old names.
        r, s, f, a = self.runs, self.selection, self.files, self.appearance
        self.act_run, self.act_stop, self.act_network, self.block_limit = \
            r.act_run, r.act_stop, r.act_network, r.block_limit
        self.run_current, self.stop, self.cancel_task = r.run_current, r.stop, r.cancel_task
        self.live_runs = self.controller.live_runs    # runs not finished yet (stopped ones unwinding)
        self.open_path, self.step_lesson = self.lessons.open_path, self.lessons.step_lesson
        self.lesson_paths, self.revert_to_original = self.lessons.lesson_paths, self.editing.revert_to_original
        self.act_revert, self.act_library, self.act_pin = self.editing.act_revert, a.act_library, self.compare.act_pin
        self.cancel_selected_task, self.cancel_selected_with_message = \
            s.cancel_selected_task, s.cancel_selected_with_message
        self.set_theme, self.scale_text, self.set_legend_visible = a.set_theme, a.scale_text, a.set_legend_visible
        self.export_trace, self.open_run, self.pin_run = f.export_trace, f.open_run, self.compare.pin_run
        self.export_trace_dialog, self.open_run_dialog = f.export_trace_dialog, f.open_run_dialog
        self.open_file_dialog, self.open_compare_window = f.open_file_dialog, self.compare.open_window

    def _selected_name(self) -> str | None:
        """The selected task's name (a Step back selects it again in the replayed run)."""
        table, tid = self.runs.table, self.selection.tid
        row = table.by_tid.get(tid) if table is not None and tid is not None else None
        return row.name if row is not None else None

    def _select_name(self, name: str) -> None:
        self.selection.point_task_by_name(name)

    def _switch(self, new, old) -> None:
        """Show workspace ``new`` (``old`` was on screen): each feature keeps what it holds for
        ``old`` and shows ``new``, the run first (it clears the console), then the code."""
        again = new is old
        if not again:
            self.lessons.leave(old)
            self.runs.show_workspace(new)
        self.editing.show_workspace(new)
        self.runs.update_markers()
        if not again:
            self.selection.show_workspace(new)
            self.replaying.show_workspace(new)
            self.compare.show_workspace(new)
            self.appearance.update_library_count()
        self.lessons.show_workspace(new, again)
        self.setWindowTitle(f"{new.title} — asyncio Playground")
        self._settings.setValue("lastLesson", new.path)

    # == toolbars, status bar, messages ===============================================================
    def _build_toolbars(self) -> None:
        f = self.files
        self.act_export, self.act_open, self.act_open_run = f.act_export, f.act_open, f.act_open_run
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
        self.addToolBarBreak()
        self.time_toolbar = self.timing.toolbar
        self.time_toolbar.addAction(self.act_pin)
        self.addToolBar(self.time_toolbar)

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.lag_label, self.network_label = LoopHealthLabel(), self.runs.network_label
        sb.addWidget(self.state_label, 1)
        sb.addPermanentWidget(self.network_label)
        sb.addPermanentWidget(self.lag_label)

    def _notice(self, text: str, kind: str = "info") -> None:
        self.console.message(text, kind)
        self.console.flush()   # now, not next frame: no run may be live to drive the console
        self.statusBar().showMessage(text, 8000)

    # == what the rest of the app and the tests read ==================================================
    run = property(lambda self: self.controller.run,
                   doc="The current (or last) `playground.Run`, None before the first Run.")
    table = property(lambda self: self.runs.table,
                     doc="The TaskTable on screen: the shown lesson's last run's (None: it has none).")

    def shown_run(self):
        """The run on screen: the shown lesson's last run (None when it has none)."""
        shown = self.runs.shown
        return shown.run if shown is not None else None

    def current_path(self) -> str | None:
        return self.desk.current.path if self.desk.current is not None else None

    def focus_pane(self, widget) -> None:
        """Give the keyboard focus to a pane (View → Go to, Alt+1…6)."""
        if widget is self.views:
            widget = self.views.currentWidget()
            widget = self.timeline if widget is not None and widget.isAncestorOf(self.timeline) else widget
        widget.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # == settings and closing =========================================================================
    def _restore_settings(self) -> None:
        self.layout_keeper = WindowLayout(self, self._settings, self.splitters, self.task_view)
        self.layout_keeper.restore()
        self.default_layout = self.layout_keeper.default_layout
        self.appearance.restore()
        self.runs.restore(self._settings)

    def save_settings(self) -> None:
        for part in (self.layout_keeper, self.appearance):
            part.save()
        self.runs.save(self._settings)
        if self.current_path():
            self._settings.setValue("lastLesson", self.current_path())
        self._settings.sync()

    def shutdown(self) -> list:
        """Stop every run; returns the runs whose cancellation still has to be awaited."""
        self.edits.flush()
        runs = self.controller.shutdown()
        self.lag_label.stop()
        self.time_bar.close_bar()
        self.scheduling.close_feature()
        panel = self.views.view("loop_panel", build=False)
        if panel is not None:
            panel.close_panel()
        return runs

    def closeEvent(self, event) -> None:  # noqa: N802
        # Runs are only *cancelled* here; ui.app.main() lets their finally blocks run after exec().
        self.save_settings()
        self.shutdown()
        super().closeEvent(event)
