"""Two runs side by side: the pinned run above, the latest below, on one time axis, each labelled
with what ran, with the totals and the tasks whose outcome or duration differ called out.

Signals:
    taskPointed(str): a difference naming a task was clicked (the task's name).
"""
from __future__ import annotations

from asyncio_playground.replay import compare
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QLabel, QListWidget, QListWidgetItem, QSplitter, QVBoxLayout,
                               QWidget)

from .timeline import TimelineWidget

_EMPTY = ("Pin a run (Pin run in the time bar), change the code or the speed, and run again: the "
          "two runs show here one above the other on the same time axis, with what differs.")


def _total(table) -> float | None:
    if table is None or table.started is None or table.finished is None:
        return None
    return table.finished - table.started


def _caption(which: str, label: str, table) -> str:
    total = _total(table)
    took = f"{total:.2f} s" if total is not None else "still running"
    n = len(table.rows) if table is not None else 0
    outcome = table.outcome or "live" if table is not None else ""
    return f"<b>{which}</b> — {label}: {outcome}, {took}, {n} task{'s' * (n != 1)}"


class CompareView(QWidget):
    """See the module docstring.

    Attributes:
        timelines: the two ``TimelineWidget`` (pinned, latest).
        differences: the list of what differs.
    """

    taskPointed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="compareView")
        self.summary = QLabel(_EMPTY, wordWrap=True, objectName="compareSummary")
        self.captions = (QLabel(textFormat=Qt.TextFormat.RichText),
                         QLabel(textFormat=Qt.TextFormat.RichText))
        self.timelines = (TimelineWidget(), TimelineWidget())
        self.differences = QListWidget(objectName="compareDifferences")
        self.differences.itemClicked.connect(self._clicked)
        split = QSplitter(Qt.Orientation.Vertical, childrenCollapsible=False)
        for caption, timeline in zip(self.captions, self.timelines):
            box = QWidget()
            lay = QVBoxLayout(box, spacing=0)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.addWidget(caption)
            lay.addWidget(timeline, 1)
            timeline.setMinimumHeight(70)
            split.addWidget(box)
        split.addWidget(self.differences)
        self.differences.setMinimumHeight(50)
        self._tables = (None, None)
        layout = QVBoxLayout(self, spacing=4)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        self.set_runs(None, None, None, None)

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
        if not shown:
            self.summary.setText(_EMPTY if table_a is None else
                                 f"Pinned: {label_a}.  Run again (F5) to compare the next run "
                                 "with it.")
            for timeline in self.timelines:
                timeline.set_table(None)
            return []
        self.captions[0].setText(_caption("Pinned", label_a, table_a))
        self.captions[1].setText(_caption("Latest", label_b, table_b))
        span = max(_total(table_a) or 0.0, _total(table_b) or 0.0, 1e-3)
        for timeline, table in zip(self.timelines, (table_a, table_b)):
            timeline.set_table(table)
            timeline.refresh(None, live=False)
            timeline.set_visible_range(0.0, span * 1.04)   # one time axis for both
        diffs = compare(table_a, table_b)
        ta, tb = _total(table_a), _total(table_b)
        if ta is not None and tb is not None and ta > 0:
            self.summary.setText(f"The latest run took {tb:.2f} s, the pinned one {ta:.2f} s "
                                 f"({tb / ta:.2f}×).  Both timelines share one time axis.")
        else:
            self.summary.setText("Both timelines share one time axis.")
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
