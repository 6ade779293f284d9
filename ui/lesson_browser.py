"""The lesson browser: lessons grouped by topic, with a filter box."""
from __future__ import annotations

import re
from pathlib import PurePath

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFontMetrics, QPalette
from PySide6.QtWidgets import (QLineEdit, QStyledItemDelegate, QTreeWidget, QTreeWidgetItem, QVBoxLayout,
                               QWidget)

_PATH = Qt.ItemDataRole.UserRole
_TITLE = Qt.ItemDataRole.UserRole + 1    # the title without the "edited" mark
_TIP = Qt.ItemDataRole.UserRole + 2

_EMPHASIS = re.compile(r"(\*\*|\*|__|`)(?=\S)(.+?)(?<=\S)\1")


def plain_title(title: str) -> str:
    """A lesson's title as the list shows it: its Markdown emphasis and code marks dropped (the
    lesson's own heading renders them; the list showed "wait until *your* predicate holds")."""
    return _EMPHASIS.sub(r"\2", title)


class _Wrapping(QStyledItemDelegate):
    """Rows as tall as their wrapped title.  A QTreeView with word wrap still sizes its rows for
    one line (its size hint does not know the column's width left of the indentation), and the
    style then elides what does not fit: this hint wraps the title to that width."""

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self._tree = tree

    def sizeHint(self, option, index) -> QSize:  # noqa: N802
        size = super().sizeHint(option, index)
        depth = 1 if index.parent().isValid() else 0
        tree = self._tree
        width = tree.viewport().width() - tree.indentation() * (depth + 1) - 10
        font = index.data(Qt.ItemDataRole.FontRole)
        metrics = QFontMetrics(font) if font is not None else option.fontMetrics
        text = str(index.data() or "")
        wrapped = metrics.boundingRect(QRect(0, 0, max(width, 40), 10_000),
                                       int(Qt.TextFlag.TextWordWrap), text)
        return QSize(size.width(), max(size.height(), wrapped.height() + 4))


class LessonBrowser(QWidget):
    """A tree of lessons under their group headings; typing in the filter hides non-matches.

    Keyboard: in the filter, Down moves into the results (the first match highlighted), Enter
    opens the first match and moves to it, Esc clears the filter.  In the tree, arrow keys open
    the lesson they move to, Enter opens the highlighted one.  Reaching the tree by keyboard
    never opens a lesson by itself: when the open lesson is filtered out, the first match is
    highlighted instead, for Enter (or an arrow key) to open.

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
        # Titles wrap instead of being cut: a learner picks a lesson by its title, and at 1024 px
        # the pane is ~170 px wide (rows are not uniform then; the tree is ~60 rows, no cost).
        self.tree.setWordWrap(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.tree.setUniformRowHeights(False)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setItemDelegate(_Wrapping(self.tree))
        # Per pixel: per item, rows of different heights leave scrollToItem short of the last
        # line (an item just below the viewport counted as shown).
        self.tree.setVerticalScrollMode(QTreeWidget.ScrollMode.ScrollPerPixel)
        self.tree.viewport().installEventFilter(self)   # a new width: the rows wrap again
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.setSpacing(6)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree)
        self.filter_edit.textChanged.connect(self.set_filter)
        self.filter_edit.returnPressed.connect(self.open_first_match)
        self.filter_edit.installEventFilter(self)
        self.tree.installEventFilter(self)
        self.tree.currentItemChanged.connect(self._current_changed)
        self.tree.itemActivated.connect(self._activated)
        self._quiet = False
        # The path the window shows: it calls select_path once a lesson opened (not when opening
        # failed, so Enter on that lesson tries again).
        self._shown: str | None = None

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
                title = plain_title(lesson.title)
                item = QTreeWidgetItem(g, [title])
                item.setData(0, _PATH, str(lesson.path))
                missing = _missing(lesson)
                if missing:
                    # Still selectable (its text is worth reading), greyed, with the reason.
                    item.setForeground(0, self.palette().brush(QPalette.ColorGroup.Disabled,
                                                               QPalette.ColorRole.Text))
                    item.setToolTip(0, f"{title}\n{lesson.path.name}\n"
                                       f"Needs {', '.join(missing)} to run")
                else:
                    item.setToolTip(0, f"{title}\n{lesson.path.name}")
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
        # The filter applies to it too: a group the filter hid before would otherwise hide a
        # matching file, and a file that does not match would show under a live filter.
        self.set_filter(self.filter_edit.text())

    def select_path(self, path: str) -> bool:
        """Make `path` the current item without emitting lessonSelected."""
        item = self._item_for(path)
        if item is None:
            return False
        self._shown = str(path)
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

    def _visible_items(self) -> list[QTreeWidgetItem]:
        """The lesson items the filter shows, top to bottom (an item under a hidden group is not
        on screen, whatever its own flag says)."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            g = self.tree.topLevelItem(i)
            if not g.isHidden():
                out += [g.child(j) for j in range(g.childCount()) if not g.child(j).isHidden()]
        return out

    def visible_paths(self) -> list[str]:
        """The paths of the lessons the filter shows, top to bottom."""
        return [item.data(0, _PATH) for item in self._visible_items()]

    def visible_titles(self) -> list[str]:
        return [item.data(0, _TITLE) or item.text(0) for item in self._visible_items()]

    def set_filter(self, text: str) -> None:
        """Show lessons (and opened files) whose title, group or file name contains every word of
        `text` (case-insensitive)."""
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            g = self.tree.topLevelItem(i)
            shown = 0
            for j in range(g.childCount()):
                item = g.child(j)
                # The file name, not the whole path: the folders are the same for every lesson
                # (and for an opened file say little), so "main" would match them all.
                name = PurePath(item.data(0, _PATH) or "").name
                hay = f"{g.text(0)} {item.data(0, _TITLE) or item.text(0)} {name}".lower()
                match = all(w in hay for w in words)
                item.setHidden(not match)
                shown += match
            g.setHidden(shown == 0)

    # -- keyboard --------------------------------------------------------------------------------
    def open_first_match(self) -> bool:
        """Open the first lesson the filter shows and put the keyboard focus on it (Enter in the
        filter); False when nothing matches.  An empty filter opens nothing: Ctrl+K then Enter
        only moves to the open lesson, it does not jump to the first one."""
        items = self._visible_items()
        if not items:
            return False
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.filter_edit.text().strip():
            self._open(items[0])
        else:
            self._into_results()
        return True

    def _open(self, item: QTreeWidgetItem) -> None:
        """Make `item` current and open it, unless the window shows it already."""
        if self.tree.currentItem() is not item:
            self.tree.setCurrentItem(item)     # _current_changed opens it
        else:
            self._activated(item)
        self.tree.scrollToItem(item)

    def _highlight(self, item: QTreeWidgetItem) -> None:
        """Make `item` current without opening it (Enter or an arrow key does)."""
        self._quiet = True
        self.tree.setCurrentItem(item, 0, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._quiet = False
        self.tree.scrollToItem(item)

    def _into_results(self) -> None:
        """The focus enters the tree by keyboard: keep the current lesson if the filter shows
        it, else highlight the first match (a group heading or a hidden item would leave the
        arrow keys nowhere useful)."""
        current = self.tree.currentItem()
        items = self._visible_items()
        if items and current not in items:
            self._highlight(items[0])

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Resize and obj is self.tree.viewport() \
                and event.oldSize().width() != event.size().width():
            self.tree.scheduleDelayedItemsLayout()
        elif obj is self.filter_edit and event.type() == QEvent.Type.KeyPress \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            key = event.key()
            if key == Qt.Key.Key_Down:
                items = self._visible_items()
                if items:
                    self._highlight(items[0])
                    self.tree.setFocus(Qt.FocusReason.TabFocusReason)
                return True
            if key == Qt.Key.Key_Escape and self.filter_edit.text():
                self.filter_edit.clear()
                current = self.tree.currentItem()
                if current is not None:
                    self.tree.scrollToItem(current)
                return True
        elif obj is self.tree and event.type() == QEvent.Type.KeyPress \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.tree.currentItem() is not None:
            # Here rather than itemActivated: some styles (macOS) do not activate on Enter.
            self._activated(self.tree.currentItem())
            return True
        elif obj is self.tree and event.type() == QEvent.Type.FocusIn \
                and event.reason() in (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason,
                                       Qt.FocusReason.ShortcutFocusReason):
            self._into_results()
        return super().eventFilter(obj, event)

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

    def _activated(self, item: QTreeWidgetItem) -> None:
        """Enter (or a double-click) on a lesson: open it if the window does not show it yet (it
        was only highlighted, or opening it failed)."""
        path = item.data(0, _PATH)
        if path and path != self._shown:
            self.lessonSelected.emit(path)


def _missing(lesson) -> list[str]:
    """What this Python lacks to run ``lesson`` (``lessons.missing_needs``; [] if unknown)."""
    from asyncio_playground.lessons import missing_needs
    try:
        return missing_needs(lesson)
    except (AttributeError, TypeError):
        return []
