"""The views of the run on screen, in tabs: the timeline (with the legend under it), the findings,
the resources, who awaits whom, the Loop tab and Compare.

Only the timeline is on screen at start-up: the other views are empty pages until ``build()`` puts
them in — right after a deferred window's first paint, when a tab is picked, or when a view is
asked for — so the window's first paint does not wait on them.
"""
from __future__ import annotations

from PySide6.QtCore import QMargins, Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

# The tabs built later: (attribute, title, tooltip).
_LATER_TABS = (
    ("findings_view", "Findings", "What the run showed that you should know — a hang, a task that "
                                  "was never awaited, a swallowed cancel… — with why it matters, "
                                  "the fix and the lesson that teaches it"),
    ("resources_view", "Resources", "Every Lock, Semaphore, Event, Condition, Barrier and Queue "
                                    "of the run: its state, who holds it, who waits on it in the "
                                    "order they will get in — live and at a replayed moment"),
    ("await_view", "Who awaits whom", "For every pending task, what it awaits now: tasks under their "
                                      "awaiter, a gather's or TaskGroup's children under it"),
    ("loop_panel", "Loop", "Inside the loop: its own queues — what is ready (FIFO), the timers, the "
                           "sockets it watches, the jobs in executor threads"),
    ("compare_view", "Compare", "The lesson's pinned run and its latest one, one above the other on "
                                "one time axis, with the tasks whose outcome or duration differ"),
)


class RunViews(QTabWidget):
    """See the module docstring.

    Signals:
        built(): the await view, the Loop panel and the Compare view exist now (once).
    """

    built = Signal()

    def __init__(self, timeline, legend, loop, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="runViews", documentMode=True)
        self._loop = loop
        box = QWidget(objectName="timelineBox")
        layout = QVBoxLayout(box, contentsMargins=QMargins(0, 0, 0, 0), spacing=0)
        layout.addWidget(timeline, 1)
        layout.addWidget(legend)
        self.addTab(box, "Timeline")
        self._views: dict[str, QWidget] = {}
        self._pages: dict[str, QWidget] | None = {}
        for name, title, tip in _LATER_TABS:
            page = QWidget()
            self.setTabToolTip(self.addTab(page, title), tip)
            self._pages[name] = page
        self.currentChanged.connect(lambda _i: self.build())

    def build(self) -> None:
        """Build the await, Loop and Compare views in place of their empty pages (once)."""
        pages = self._pages
        if not pages:
            return
        self._pages = None     # first: a swap below that moves the current tab re-enters here
        from .await_view import AwaitView
        from .compare_view import CompareView
        from .findings_view import FindingsView
        from .loop_panel import LoopPanel
        from .resources_view import ResourcesView
        self._views = {"findings_view": FindingsView(), "resources_view": ResourcesView(),
                       "await_view": AwaitView(),
                       "loop_panel": LoopPanel(self._loop), "compare_view": CompareView()}
        current = self.currentIndex()
        for name, page in pages.items():
            i = self.indexOf(page)
            title, tip = self.tabText(i), self.tabToolTip(i)
            self.removeTab(i)
            self.insertTab(i, self._views[name], title)
            self.setTabToolTip(i, tip)
            page.deleteLater()
        self.setCurrentIndex(current)
        self.built.emit()

    def view(self, name: str, build: bool = True):
        """The view called ``name`` ("await_view", "loop_panel", "compare_view"); built now if it
        is not yet (``build``), else None until it is."""
        if build:
            self.build()
        return self._views.get(name)

    @property
    def findings_view(self):
        return self.view("findings_view")

    @property
    def resources_view(self):
        return self.view("resources_view")

    @property
    def await_view(self):
        return self.view("await_view")

    @property
    def loop_panel(self):
        return self.view("loop_panel")

    @property
    def compare_view(self):
        return self.view("compare_view")
