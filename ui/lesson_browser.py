"""The lesson browser: lessons grouped by topic, with a filter box."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

_PATH = Qt.ItemDataRole.UserRole
_TITLE = Qt.ItemDataRole.UserRole + 1    # the title without the "edited" mark
_TIP = Qt.ItemDataRole.UserRole + 2


class LessonBrowser(QWidget):
    """A tree of lessons under their group headings; typing in the filter hides non-matches.

    Signals:
        lessonSelected(str): the path of the lesson the user picked.

    Attributes:
        filter_edit: the QLineEdit filtering titles and groups.
        tree: the QTreeWidget (groups are top-level items, lessons their children).
    """

    lessonSelected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter lessons…")
        self.filter_edit.setClearButtonEnabled(True)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(14)
        self.tree.setUniformRowHeights(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.setSpacing(6)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree)
        self.filter_edit.textChanged.connect(self.set_filter)
        self.tree.currentItemChanged.connect(self._current_changed)
        self._quiet = False

    def set_lessons(self, grouped) -> None:
        """`grouped`: [(group, [lesson, ...]), ...] as from `playground.lessons.groups()`."""
        self._quiet = True
        self.tree.clear()
        for group, lessons in grouped:
            g = QTreeWidgetItem(self.tree, [group])
            g.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = g.font(0)
            font.setBold(True)
            g.setFont(0, font)
            for lesson in lessons:
                item = QTreeWidgetItem(g, [lesson.title])
                item.setData(0, _PATH, str(lesson.path))
                missing = _missing(lesson)
                if missing:
                    # Still selectable (its text is worth reading), greyed, with the reason.
                    item.setForeground(0, self.palette().brush(QPalette.ColorGroup.Disabled,
                                                               QPalette.ColorRole.Text))
                    item.setToolTip(0, f"{lesson.title}\n{lesson.path.name}\n"
                                       f"Needs {', '.join(missing)} to run")
                else:
                    item.setToolTip(0, f"{lesson.title}\n{lesson.path.name}")
        self.tree.expandAll()
        self._quiet = False
        self.set_filter(self.filter_edit.text())

    def add_path(self, path: str, title: str, group: str = "Opened files") -> None:
        """List a file opened from disk under `group` (once)."""
        if self._item_for(path) is not None:
            return
        groups = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        g = next((it for it in groups if it.text(0) == group), None)
        if g is None:
            g = QTreeWidgetItem(self.tree, [group])
            g.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = g.font(0)
            font.setBold(True)
            g.setFont(0, font)
            g.setExpanded(True)
        item = QTreeWidgetItem(g, [title])
        item.setData(0, _PATH, path)
        item.setToolTip(0, path)

    def select_path(self, path: str) -> bool:
        """Make `path` the current item without emitting lessonSelected."""
        item = self._item_for(path)
        if item is None:
            return False
        self._quiet = True
        self.tree.setCurrentItem(item)
        self.tree.scrollToItem(item)
        self._quiet = False
        return True

    def paths(self) -> list[str]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            g = self.tree.topLevelItem(i)
            out += [g.child(j).data(0, _PATH) for j in range(g.childCount())]
        return out

    def set_edited(self, path: str, edited: bool) -> bool:
        """Mark the lesson at ``path`` as edited by the user (italic, "✎ " before its title, the
        tooltip says so), or as shipped."""
        item = self._item_for(path)
        if item is None:
            return False
        title = item.data(0, _TITLE) or item.text(0)
        item.setData(0, _TITLE, title)
        font = item.font(0)
        font.setItalic(edited)
        item.setFont(0, font)
        item.setText(0, f"\u270e {title}" if edited else title)   # in front: a narrow pane elides the end
        tip = item.data(0, _TIP) or item.toolTip(0)
        item.setData(0, _TIP, tip)
        item.setToolTip(0, tip + ("\nYou edited this lesson (Lessons → Revert brings back the original)"
                                  if edited else ""))
        return True

    def is_edited(self, path: str) -> bool:
        item = self._item_for(path)
        return item is not None and item.font(0).italic()

    def visible_paths(self) -> list[str]:
        """The paths of the lessons the filter shows, top to bottom."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            g = self.tree.topLevelItem(i)
            out += [g.child(j).data(0, _PATH) for j in range(g.childCount()) if not g.child(j).isHidden()]
        return out

    def visible_titles(self) -> list[str]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            g = self.tree.topLevelItem(i)
            out += [g.child(j).data(0, _TITLE) or g.child(j).text(0) for j in range(g.childCount())
                    if not g.child(j).isHidden()]
        return out

    def set_filter(self, text: str) -> None:
        """Show lessons whose title or group contains every word of `text` (case-insensitive)."""
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            g = self.tree.topLevelItem(i)
            shown = 0
            for j in range(g.childCount()):
                item = g.child(j)
                hay = f"{g.text(0)} {item.text(0)} {item.data(0, _PATH)}".lower()
                match = all(w in hay for w in words)
                item.setHidden(not match)
                shown += match
            g.setHidden(shown == 0)

    def _item_for(self, path: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            g = self.tree.topLevelItem(i)
            for j in range(g.childCount()):
                if g.child(j).data(0, _PATH) == str(path):
                    return g.child(j)
        return None

    def _current_changed(self, item: QTreeWidgetItem | None, _prev) -> None:
        if self._quiet or item is None:
            return
        path = item.data(0, _PATH)
        if path:
            self.lessonSelected.emit(path)


def _missing(lesson) -> list[str]:
    """What this Python lacks to run ``lesson`` (``lessons.missing_needs``; [] if unknown)."""
    from asyncio_playground.lessons import missing_needs
    try:
        return missing_needs(lesson)
    except (AttributeError, TypeError):
        return []
