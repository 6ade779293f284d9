"""Start-up (issue 14): the app's window paints first, then builds the tabs that are not on screen
(Who awaits whom, Loop, Compare), loads the lessons and sets its icon (``MainWindow(deferred=True)``,
as ``ui.app.main`` makes it, then ``ready``).  What it puts off must then work exactly as in a
window built in one go (every other test uses one)."""
import json
import os
import subprocess
import sys
import textwrap

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QEvent, QObject, QSettings, Qt  # noqa: E402
from test_window import CREATE_TASK_LESSON, click_action, click_lesson, rows  # noqa: E402

from asyncio_playground.ui.await_view import AwaitView  # noqa: E402
from asyncio_playground.ui.compare_view import CompareView  # noqa: E402
from asyncio_playground.ui.findings_view import FindingsView  # noqa: E402
from asyncio_playground.ui.edits import EditStore  # noqa: E402
from asyncio_playground.ui.loop_panel import LoopPanel  # noqa: E402
from asyncio_playground.ui.main_window import MainWindow  # noqa: E402
from asyncio_playground.ui.resources_view import ResourcesView  # noqa: E402

TABS = ["Timeline", "Findings", "Resources", "Who awaits whom", "Loop", "Compare"]


@pytest.fixture
def deferred_window(qtbot, gui_loop, tmp_path):
    """A deferred window on a private settings file (``values`` preset in it), not shown yet."""

    def stop_runs(w):
        runs = w.shutdown()
        qtbot.waitUntil(lambda: all(r.done for r in runs), timeout=5000)

    def make(**values):
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        for key, value in values.items():
            settings.setValue(key, value)
        w = MainWindow(gui_loop, edits=EditStore(tmp_path / "data"), settings=settings, deferred=True)
        qtbot.addWidget(w, before_close_func=stop_runs)
        w.resize(1400, 900)
        return w

    return make


class _FirstPaint(QObject):
    """Notes what the window had at its first paint."""

    def __init__(self, window):
        super().__init__()
        self.window, self.seen = window, None
        window.installEventFilter(self)

    def eventFilter(self, obj, event):  # noqa: N802
        if self.seen is None and obj is self.window and event.type() == QEvent.Type.Paint:
            w = self.window
            self.seen = {"lessons_loaded": w.lessons_loaded, "icon": not w.windowIcon().isNull(),
                         "tabs": [w.views.tabText(i) for i in range(w.views.count())],
                         "pages": [type(w.views.widget(i)) for i in range(w.views.count())]}
        return False


def _tabs(w):
    return [(w.views.tabText(i), w.views.tabToolTip(i), type(w.views.widget(i)))
            for i in range(w.views.count())]


def test_the_window_paints_before_it_loads_lessons_or_builds_what_is_not_on_screen(qtbot, deferred_window):
    w = deferred_window()
    probe = _FirstPaint(w)
    assert not w.lessons_loaded and w.browser.paths() == [] and w.current_path() is None
    with qtbot.waitSignal(w.ready, timeout=5000):
        w.show()
    seen = probe.seen
    assert seen is not None, "the window never painted"
    assert not seen["lessons_loaded"] and not seen["icon"]
    assert seen["tabs"] == TABS                               # the tab row is whole at once
    assert not {AwaitView, LoopPanel, CompareView} & set(seen["pages"])   # empty pages there
    assert w.lessons_loaded and not w.windowIcon().isNull()
    assert len(w.browser.paths()) >= 47 and w.current_path() == w.browser.paths()[0]
    assert w.editor.toPlainText().strip()


def test_the_put_off_tabs_are_those_of_a_window_built_in_one_go(qtbot, deferred_window, make_window):
    w = deferred_window()
    with qtbot.waitSignal(w.ready, timeout=5000):
        w.show()
    assert w.views.currentIndex() == 0
    tabs = _tabs(w)
    assert [t[0] for t in tabs] == TABS
    assert [t[2] for t in tabs[1:]] == [FindingsView, ResourcesView, AwaitView, LoopPanel, CompareView]
    assert [w.views.widget(i) for i in (1, 2, 3, 4, 5)] == [w.views.findings_view, w.views.resources_view,
                                                            w.await_view, w.loop_panel, w.compare_view]
    assert tabs == _tabs(make_window())                       # titles, tooltips, views: the same


@pytest.mark.parametrize("index", [1, 2, 3, 4, 5])
def test_a_put_off_tab_opened_before_the_window_is_ready_shows_its_view(qtbot, deferred_window, index):
    w = deferred_window()
    w.views.setCurrentIndex(index)                            # before show: nothing built yet
    assert w.views.currentIndex() == index
    assert type(w.views.currentWidget()) is {1: FindingsView, 2: ResourcesView, 3: AwaitView,
                                             4: LoopPanel, 5: CompareView}[index]
    assert w.views.currentWidget() is (w.views.findings_view, w.views.resources_view, w.await_view,
                                       w.loop_panel, w.compare_view)[index - 1]
    assert [w.views.tabText(i) for i in range(w.views.count())] == TABS
    with qtbot.waitSignal(w.ready, timeout=5000):
        w.show()
    assert w.views.currentIndex() == index and w.lessons_loaded


def test_the_put_off_views_get_the_settings_and_show_a_run(qtbot, gui_loop, deferred_window):
    w = deferred_window(libraryTasks="true", textSteps=2)
    with qtbot.waitSignal(w.ready, timeout=5000):
        w.show()
    # Restored before the await view existed: it gets them when built, as the other panes did.
    assert w.act_library.isChecked() and w.await_view.await_model.show_library
    assert w.await_view.font().pointSizeF() == pytest.approx(w.timeline.font().pointSizeF())
    assert w.await_view.font().pointSizeF() > w.font().pointSizeF()
    w.views.setCurrentWidget(w.await_view)
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    finished = []
    w.runFinished.connect(finished.append)
    click_action(qtbot, w, w.act_run)
    qtbot.waitUntil(lambda: rows(w).get("fetch-A") == "waiting", timeout=5000)
    qtbot.waitUntil(lambda: w.await_view.await_model.rowCount() > 0, timeout=3000)
    w.views.setCurrentWidget(w.loop_panel)
    qtbot.waitUntil(lambda: any("fetch-" in e for e in w.loop_panel.entries("timers")), timeout=3000)
    qtbot.waitUntil(lambda: bool(finished), timeout=8000)
    assert finished == ["completed"]
    # The Compare tab: pin this run, run again, open the tab: the comparison is there.
    qtbot.keyClick(w, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert w.act_pin.isChecked()
    click_action(qtbot, w, w.act_run)
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=8000)
    bar = w.views.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(w.views.indexOf(w.compare_view)).center())
    assert w.views.currentWidget() is w.compare_view
    cv = w.compare_view     # too short a pane for two timelines: "Open larger" offered at once
    assert cv.runs[3] is w.table and cv.compact and cv.larger.isVisible()


def test_the_app_paints_first_and_is_whole_once_ready(tmp_path):
    """ui.app.main() end to end: the window paints before the lessons load, then the app has its
    icon, the collector (off while the window is built) runs again, and closing exits 0."""
    driver = textwrap.dedent("""\
        import gc, json, sys
        from PySide6.QtCore import QEvent, QObject, QTimer
        from PySide6.QtWidgets import QApplication
        app = QApplication(["asyncio-playground"])
        from asyncio_playground.ui import app as ui_app
        from asyncio_playground.ui.main_window import MainWindow
        seen = {}

        class Paint(QObject):
            def eventFilter(self, obj, event):
                if event.type() == QEvent.Type.Paint and "loaded_at_paint" not in seen:
                    seen["loaded_at_paint"] = obj.lessons_loaded
                    seen["gc_at_paint"] = gc.isenabled()
                return False

        paint = Paint()

        def hook():
            w = next(w for w in app.topLevelWidgets() if isinstance(w, MainWindow))
            w.installEventFilter(paint)
            def ready():
                seen.update(ready=True, loaded=w.lessons_loaded, gc=gc.isenabled(),
                            icon=not app.windowIcon().isNull())
                QTimer.singleShot(0, w.close)
            w.ready.connect(ready)

        QTimer.singleShot(0, hook)    # the window exists and is shown; it has not painted yet
        code = ui_app.main()
        seen["gc_after"] = gc.isenabled()
        print("SEEN", json.dumps(seen), flush=True)
        sys.exit(code)
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ASYNCIO_PLAYGROUND_DATA=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"), HOME=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", driver], env=env, capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("SEEN "))
    assert json.loads(line[5:]) == {"loaded_at_paint": False, "gc_at_paint": False, "ready": True,
                                    "loaded": True, "gc": True, "icon": True, "gc_after": True}
