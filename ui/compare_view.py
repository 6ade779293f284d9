"""Two runs side by side: the pinned run above, the latest below, on one time axis, each labelled
with what ran, with the totals and the tasks whose outcome or duration differ called out.

Signals:
    taskPointed(str): a difference naming a task was clicked (the task's name).
    detachRequested(): "Open larger" was clicked (the window shows the comparison in a window of
        its own, for small screens).
"""
from __future__ import annotations

from asyncio_playground.replay import diff_runs
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QPushButton, QSplitter, QStyle, QToolButton, QVBoxLayout, QWidget)

from .timeline import TimelineWidget

_EMPTY = ("Pin a run (Pin run in the time bar), change the code or the speed, and run again: the "
          "two runs show here one above the other on the same time axis, with what differs.")


def _total(table) -> float | None:
    if table is None or table.started is None or table.finished is None:
        return None
    return table.finished - table.started


def _caption(which: str, label: str, table) -> str:
    total = _total(table)
    took = f"in {total:.2f} s" if total is not None else "still running"
    n = len(table.rows) if table is not None else 0
    outcome = (table.outcome or "live") if table is not None else ""
    return f"<b>{which}</b> — {outcome} {took}, {n} task{'s' * (n != 1)} · {label}"


def _split(label: str) -> tuple[str, str]:
    """("title", "the rest") of a label "title — the rest" (no title: ("", label))."""
    title, sep, rest = label.partition(" — ")
    return (title, rest) if sep else ("", label)


class CompareView(QWidget):
    """See the module docstring.

    Attributes:
        timelines: the two ``TimelineWidget`` (pinned, latest).
        differences: the list of what differs.
    """

    taskPointed = Signal(str)
    detachRequested = Signal()

    def __init__(self, parent: QWidget | None = None, *, detachable: bool = True) -> None:
        super().__init__(parent, objectName="compareView")
        self.summary = QLabel(_EMPTY, wordWrap=True, objectName="compareSummary")
        self.detach = QToolButton(autoRaise=True, objectName="compareDetach",
                                  toolButtonStyle=Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.detach.setText("Open larger")
        self.detach.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarMaxButton))
        self.detach.setToolTip("Show the comparison in a window of its own, with room for "
                               "every lane")
        self.detach.clicked.connect(self.detachRequested)
        self.detach.setVisible(False)
        self._detachable = detachable
        self.captions = (QLabel(textFormat=Qt.TextFormat.RichText, wordWrap=True),
                         QLabel(textFormat=Qt.TextFormat.RichText, wordWrap=True))
        self.timelines = (TimelineWidget(), TimelineWidget())
        self.differences = QListWidget(objectName="compareDifferences")
        self.differences.itemClicked.connect(self._clicked)
        # Too little room for two timelines (the views pane at 1024x700 is ~230 px tall): the
        # differences take the pane, and a full-size button opens the comparison larger.
        self.larger = QPushButton("Open larger to see both runs' timelines", objectName="compareLarger")
        self.larger.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarMaxButton))
        self.larger.clicked.connect(self.detachRequested)
        self.larger.setVisible(False)
        self.compact = False
        self._boxes: list[QWidget] = []
        split = QSplitter(Qt.Orientation.Vertical, childrenCollapsible=False)
        for caption, timeline in zip(self.captions, self.timelines):
            box = QWidget()
            self._boxes.append(box)
            lay = QVBoxLayout(box, spacing=0)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.addWidget(caption)
            lay.addWidget(timeline, 1)
            timeline.setMinimumHeight(70)
            split.addWidget(box)
        split.addWidget(self.differences)
        self.differences.setMinimumHeight(50)
        rows = self.differences.fontMetrics().height() + 4
        self.differences.setMaximumHeight(rows * 5)     # the timelines get the room
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 1)
        self._tables = (None, None)
        layout = QVBoxLayout(self, spacing=4)
        layout.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.detach, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        layout.addWidget(self.larger)
        layout.addWidget(split, 1)
        self._rows_h = rows
        self.set_runs(None, None, None, None)

    #: Below this height (px) two timelines show no lanes: the view goes compact.
    ROOMY = 380

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_room()

    def _fit_room(self) -> None:
        """Compact (the differences, and "Open larger") when two timelines would show no lanes."""
        shown = self._tables[0] is not None and self._tables[1] is not None
        compact = shown and self._detachable and self.height() < self.ROOMY
        self.compact = compact
        for box in self._boxes:
            box.setVisible(shown and not compact)
        self.larger.setVisible(compact)
        self.detach.setVisible(shown and self._detachable and not compact)
        self.differences.setMaximumHeight(16_777_215 if compact else self._rows_h * 5)

    def set_runs(self, label_a, table_a, label_b, table_b) -> list:
        """Show ``table_a`` (pinned, labelled ``label_a``) above ``table_b``; returns the
        differences (``replay.Difference``).  None for either: the empty state."""
        shown = table_a is not None and table_b is not None
        for caption, timeline in zip(self.captions, self.timelines):
            caption.setVisible(shown)
            timeline.setVisible(shown)
        self.differences.setVisible(shown)
        self.differences.clear()
        self._tables = (table_a, table_b)
        self.runs = (label_a, table_a, label_b, table_b)
        self._fit_room()
        if not shown:
            self.summary.setText(_EMPTY if table_a is None else
                                 f"Pinned: {label_a}.  Run again (F5) to compare the next run "
                                 "with it.")
            for timeline in self.timelines:
                timeline.set_table(None)
            return []
        (title_a, rest_a), (title_b, rest_b) = _split(label_a), _split(label_b)
        same = title_a == title_b
        for caption, which, title, rest, table, label in (
                (self.captions[0], "Pinned", title_a, rest_a, table_a, label_a),
                (self.captions[1], "Latest", title_b, rest_b, table_b, label_b)):
            caption.setText(_caption(which, rest if same else label, table))
            caption.setToolTip(label)
        span = max(_total(table_a) or 0.0, _total(table_b) or 0.0, 1e-3)
        for timeline, table in zip(self.timelines, (table_a, table_b)):
            timeline.set_table(table)
            timeline.refresh(None, live=False)
            timeline.set_visible_range(0.0, span * 1.04)   # one time axis for both
        diffs = diff_runs(table_a, table_b)
        ta, tb = _total(table_a), _total(table_b)
        about = f"{title_a}: " if same and title_a else ""
        if ta is not None and tb is not None and ta > 0:
            self.summary.setText(f"{about}the latest run took {tb:.2f} s, the pinned one {ta:.2f} s "
                                 f"({tb / ta:.2f}×); one time axis for both.")
        else:
            self.summary.setText(f"{about}one time axis for both runs.")
        if not diffs:
            QListWidgetItem("No task differs in outcome or (by more than 10 %) in duration.",
                            self.differences)
        for d in diffs:
            if d.what == "ran in one run only":
                text = (f"{d.name}: only in the {'pinned' if d.a else 'latest'} run "
                        f"({d.a or d.b})")
            else:
                text = f"{d.name} {d.what} {d.a} (pinned) → {d.b} (latest)"
            item = QListWidgetItem("⚠ " + text, self.differences)
            item.setData(Qt.ItemDataRole.UserRole, d.name)
            item.setToolTip(text)
        return diffs

    def _clicked(self, item) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        if name and name != "the run":
            for timeline, table in zip(self.timelines, self._tables):
                row = next((r for r in table.rows if r.name == name), None) if table else None
                timeline.highlight(row.tid if row is not None else -1)
            self.taskPointed.emit(name)


class CompareWindow(QDialog):
    """The comparison in a window of its own (non-modal): on a small screen the views pane has
    no room for two timelines."""

    def __init__(self, parent: QWidget | None, runs) -> None:
        super().__init__(parent, objectName="compareWindow")
        self.setWindowTitle("Compare runs — asyncio Playground")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.view = CompareView(self, detachable=False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        # No layout-imposed minimum on a top-level window (the offscreen platform warns about
        # the size hints it would forward; the main window does the same).
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetNoConstraint)
        self.view.set_runs(*runs)
        screen = parent.screen().availableGeometry() if parent is not None and parent.screen() \
            else None
        w, h = (min(1100, int(screen.width() * 0.92)), min(760, int(screen.height() * 0.9))) \
            if screen is not None and screen.width() > 0 else (1000, 680)
        self.resize(w, h)
