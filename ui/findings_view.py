"""The Findings tab: what the run on screen showed that a learner should know — a row per finding
(its short name, the task, the line, when), and for the selected one why it matters, what to write
instead, and the lesson that teaches it.

Signals:
    findingSelected(object): a finding was picked (a click, or the keyboard): the window shows its
        line, its task and its moment.
    lessonRequested(str): the learner followed a finding's lesson link (the lesson's slug).
"""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QLabel, QListWidget, QListWidgetItem, QSplitter, QTextBrowser,
                               QVBoxLayout, QWidget)

from .rich_text import markdown_html

_EMPTY = "Nothing to report yet: run the lesson, and what went wrong in the run shows here."
_NONE = "This run showed nothing to worry about: no hang, no lost task, no swallowed cancel."
_ROLE = Qt.ItemDataRole.UserRole


def row_text(finding, origin: float | None = None) -> str:
    """One line for a finding: ``never awaited — line 12, 'main', at 0.20 s`` (the time counted
    from ``origin``, the run's start, as the clock and the table count it)."""
    where = [f"line {finding.line}"] if finding.line else []
    if finding.task:
        where.append(f"'{finding.task}'")
    if finding.t is not None and origin is not None:
        where.append(f"at {finding.t - origin:.2f} s")
    return f"⚠ {finding.title}" + (f" — {', '.join(where)}" if where else "")


class FindingsView(QWidget):
    """See the module docstring.

    Attributes:
        list: the QListWidget of findings (one item per finding, the finding in its UserRole).
        detail: the QTextBrowser with the selected finding's why, fix and lesson.
        findings: the findings shown.
    """

    findingSelected = Signal(object)
    lessonRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="findingsView")
        self.findings: list = []
        self._titles: dict[str, str] = {}     # lesson slug -> title, for the links
        self.summary = QLabel(_EMPTY, wordWrap=True, objectName="findingsSummary")
        self.list = QListWidget(objectName="findingsList")
        self.list.currentItemChanged.connect(self._current_changed)
        # A browser, not a label: the why of a long finding scrolls instead of being cut.
        self.detail = QTextBrowser(objectName="findingDetail", openLinks=False)
        self.detail.anchorClicked.connect(lambda url: self._link(url.toString()))
        self.detail.setFrameShape(QFrame.Shape.StyledPanel)
        split = QSplitter(Qt.Orientation.Vertical, childrenCollapsible=False)
        split.addWidget(self.list)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self, spacing=4)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        self.set_findings(None)

    def set_lesson_titles(self, titles: dict[str, str]) -> None:
        """What each lesson link says (slug -> title)."""
        self._titles = dict(titles)

    def set_findings(self, findings, *, finished: bool = False, origin: float | None = None) -> None:
        """Show ``findings`` (None: no run on screen); ``finished``: the run has ended (an empty
        list then says the run showed nothing); ``origin``: the loop time the run started at.  The
        selection stays on the same finding when it is still listed."""
        current = self.selected()
        findings = list(findings or ())
        if findings == self.findings and self.list.count() == len(findings):
            self._say(findings is not None, finished)
            return
        self.findings = findings
        self.list.blockSignals(True)
        self.list.clear()
        for finding in findings:
            item = QListWidgetItem(row_text(finding, origin), self.list)
            item.setData(_ROLE, finding)
            item.setToolTip(finding.why)
        # Nothing selected until the learner picks one (a pick then always shows its place); the
        # detail says the first meanwhile.
        self.list.setCurrentRow(findings.index(current) if current in findings else -1)
        self.list.blockSignals(False)
        self._show_detail(self.selected() or (findings[0] if findings else None))
        self._say(True, finished)

    def _say(self, shown: bool, finished: bool) -> None:
        n = len(self.findings)
        if n:
            self.summary.setText(f"{n} thing{'s' * (n != 1)} this run showed that you should know "
                                 "(select one: its line, its task and its moment show).")
        else:
            self.summary.setText(_NONE if finished else _EMPTY)
        self.list.setVisible(bool(n))
        self.detail.setVisible(bool(n))

    def selected(self):
        item = self.list.currentItem()
        return item.data(_ROLE) if item is not None else None

    def select(self, finding) -> bool:
        """Select ``finding`` (as a click would)."""
        for i in range(self.list.count()):
            if self.list.item(i).data(_ROLE) == finding:
                self.list.setCurrentRow(i)
                return True
        return False

    def _current_changed(self, item, _previous) -> None:
        finding = item.data(_ROLE) if item is not None else None
        self._show_detail(finding)
        if finding is not None:
            self.findingSelected.emit(finding)

    def _show_detail(self, finding) -> None:
        if finding is None:
            self.detail.clear()
            return
        esc = html.escape
        parts = [f"<b>{esc(finding.title)}</b>", markdown_html(finding.why),
                 markdown_html(f"**Fix:** {finding.fix}")]
        kind_why = getattr(finding.kind, "why", "")
        if kind_why and kind_why != finding.why:
            parts.append(f"<p><i>Why it matters:</i></p>{markdown_html(kind_why)}")
        if finding.lesson:
            title = self._titles.get(finding.lesson, finding.lesson)
            parts.append(f"<p>Lesson: <a href='lesson:{esc(finding.lesson)}'>{esc(title)}</a></p>")
        self.detail.setHtml("".join(parts))

    def _link(self, href: str) -> None:
        if href.startswith("lesson:"):
            self.lessonRequested.emit(href[len("lesson:"):])
