"""The window by keyboard alone: menus and their shortcuts, the lesson filter, Tab through every
pane (the editor and the task table never trap it), a visible focus ring, help and About
(issue 13)."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QAction, QKeySequence, QShortcut  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox  # noqa: E402

from asyncio_playground.ui.menus import HelpDialog  # noqa: E402

ALT, CTRL, SHIFT = (Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier,
                    Qt.KeyboardModifier.ShiftModifier)
PATH_ROLE = Qt.ItemDataRole.UserRole      # where the browser keeps an item's path
LESSON = "basics_02_concurrent_tasks"
SIBLINGS = "cancel_06_taskgroup_siblings"    # the one lesson whose name says "sibling"
BARRIER = "coord_05_barrier"                 # the one lesson whose title says "barrier"


def press(qtbot, window, key, modifiers=Qt.KeyboardModifier.NoModifier):
    """A key press where a user's would go: to the widget with the keyboard focus."""
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifiers)


def names(w):
    return {row.name: row.state for row in w.table.rows} if w.table else {}


def focused():
    return QApplication.focusWidget()


def highlighted(w):
    """The path of the lesson the tree's cursor is on (None: a group heading or nothing)."""
    item = w.browser.tree.currentItem()
    return item.data(0, PATH_ROLE) if item is not None else None


def on_screen(w, path):
    """Whether the browser shows the entry of ``path`` (not hidden, nor inside a hidden group)."""
    tree = w.browser.tree
    for item in tree.findItems("", Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive):
        if item.data(0, PATH_ROLE) == path:
            tree.scrollToItem(item)
            return not tree.visualItemRect(item).isEmpty()
    return False


def start_run(qtbot, w, slug=LESSON):
    """Run a lesson (F5) and wait until its table has rows to move between."""
    assert w.open_path(w.lesson_paths()[slug])
    with qtbot.waitSignal(w.runStarted, timeout=3000):
        press(qtbot, w, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: w.task_model.rowCount() >= 3, timeout=3000)


# The offscreen platform warns about a top-level dialog's size hints and raise(); real ones don't.
@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints", "This plugin does not support raise")
def test_pick_run_cancel_and_help_without_the_mouse(qtbot, make_window):
    w = make_window()
    target = w.lesson_paths()[LESSON]
    press(qtbot, w, Qt.Key.Key_K, CTRL)                       # Lessons → Find a lesson…
    assert w.browser.filter_edit.hasFocus()
    qtbot.keyClicks(w.browser.filter_edit, "concurrently create")   # words of its title
    press(qtbot, w, Qt.Key.Key_Tab)                           # into the lesson tree
    assert w.browser.tree.hasFocus()
    for _ in range(6):                                        # (the first match is highlighted)
        if highlighted(w) == target:
            break
        press(qtbot, w, Qt.Key.Key_Down)
    press(qtbot, w, Qt.Key.Key_Return)
    assert w.current_path() == target, w.browser.visible_titles()
    with qtbot.waitSignal(w.runStarted, timeout=3000):
        press(qtbot, w, Qt.Key.Key_F5)                        # Run
    qtbot.waitUntil(lambda: names(w).get("fetch-A") == "waiting", timeout=3000)
    press(qtbot, w, Qt.Key.Key_4, ALT)                        # View → Go to → Task table
    assert w.task_view.hasFocus()
    assert w.focus_ring.isVisible() and w.focus_ring.geometry().contains(
        w.task_view.mapTo(w, w.task_view.rect().center()))
    fetch_a = next(r.tid for r in w.table.rows if r.name == "fetch-A")
    for _ in range(6):
        if w.task_view.selected_tid() == fetch_a:
            break
        press(qtbot, w, Qt.Key.Key_Down)
    assert w.task_view.selected_tid() == fetch_a
    assert "'fetch-A' selected: Delete cancels it" in w.statusBar().currentMessage()   # it says so
    press(qtbot, w, Qt.Key.Key_Delete)                        # Run → Cancel selected task
    qtbot.waitUntil(lambda: names(w)["fetch-A"] == "cancelled", timeout=3000)
    assert "Cancel: cancelled 'fetch-A'" in w.console.toPlainText()
    press(qtbot, w, Qt.Key.Key_F1)                            # Help
    dialog = w.findChild(HelpDialog)
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=2000)
    text = dialog.text.toPlainText()
    for shown in ("F5", "Shift+F5", "Del", "Ctrl+=", "Ctrl+S", "Ctrl+Tab / Ctrl+Shift+Tab", "asyncio"):
        assert shown in text, shown
    dialog.close()
    qtbot.waitUntil(lambda: w.run.done, timeout=5000)


def test_every_menu_action_shows_its_shortcut(qtbot, make_window):
    w = make_window()
    assert [m.title().replace("&", "") for m in w.menus.values()] == ["File", "Run", "View", "Lessons", "Help"]
    for action in (w.act_run, w.act_stop, w.act_open, w.act_export, w.act_quit, w.act_cancel_task,
                   w.act_zoom_in, w.act_zoom_out, w.act_help, w.act_next, w.act_filter, w.act_fit):
        assert action.shortcuts(), action.text()
        assert any(action in m.actions() or any(action in sub.menu().actions() for sub in m.actions()
                                                 if sub.menu()) for m in w.menus.values()), action.text()
    # The Delete key belongs to the table only: in the editor it still deletes text.
    assert w.act_cancel_task.shortcutContext() == Qt.ShortcutContext.WidgetWithChildrenShortcut
    w.editor.setFocus()
    w.editor.setPlainText("abc")
    w.editor.moveCursor(w.editor.textCursor().MoveOperation.Start)
    press(qtbot, w, Qt.Key.Key_Delete)
    assert w.editor.toPlainText() == "bc"


def test_tabbing_through_the_editor_never_edits_it(qtbot, make_window):
    """Reached by keyboard, the editor is a stop on Tab's way; typing or a click makes Tab indent,
    Esc makes it move on again, Ctrl+Tab always leaves; the corner of the editor says which."""
    w = make_window()
    ed = w.editor
    before = ed.toPlainText()
    press(qtbot, w, Qt.Key.Key_3, ALT)                        # Go to → Editor
    assert ed.hasFocus()
    press(qtbot, w, Qt.Key.Key_Down)                          # reading: arrows keep the mode
    press(qtbot, w, Qt.Key.Key_Tab)                           # on to the next pane...
    assert focused() is w.task_view and ed.toPlainText() == before   # ...and nothing typed
    assert w.focus_ring.isVisible() and w.focus_ring.target is w.task_view
    assert not ed.tab_hint.isVisible()                        # the hint shows while focused
    press(qtbot, w, Qt.Key.Key_3, ALT)
    assert ed.tab_moves_focus and ed.tab_hint.isVisible()     # the mode is never silent
    assert ed.tab_hint.text().startswith("Tab moves focus")
    press(qtbot, w, Qt.Key.Key_Tab)
    assert focused() is w.task_view
    press(qtbot, w, Qt.Key.Key_Backtab, SHIFT)                # back into the editor
    assert ed.hasFocus() and ed.tab_moves_focus
    press(qtbot, w, Qt.Key.Key_Backtab, SHIFT)                # and out the other side
    assert not ed.hasFocus() and ed.toPlainText() == before

    press(qtbot, w, Qt.Key.Key_3, ALT)
    press(qtbot, w, Qt.Key.Key_Home, CTRL)
    qtbot.keyClicks(ed, "#")                                  # typing: editing now
    assert not ed.tab_moves_focus and ed.tab_hint.text().startswith("Tab indents")
    press(qtbot, w, Qt.Key.Key_Tab)                           # Tab indents
    assert ed.hasFocus() and ed.toPlainText() == "#   " + before
    press(qtbot, w, Qt.Key.Key_Escape)                        # Esc: Tab moves the focus again
    assert ed.tab_moves_focus and ed.tab_hint.text().startswith("Tab moves focus")
    press(qtbot, w, Qt.Key.Key_Tab)
    assert not ed.hasFocus()
    assert w.focus_ring.isVisible() and w.focus_ring.target is focused()

    press(qtbot, w, Qt.Key.Key_3, ALT)                        # by keyboard: a stop again...
    assert ed.tab_moves_focus
    qtbot.mouseClick(ed.viewport(), Qt.MouseButton.LeftButton, pos=ed.viewport().rect().center())
    assert not ed.tab_moves_focus                             # ...until a click in the text
    press(qtbot, w, Qt.Key.Key_Tab)
    assert ed.hasFocus() and len(ed.toPlainText()) > len("#   " + before)
    press(qtbot, w, Qt.Key.Key_Tab, CTRL)                     # Ctrl+Tab leaves while editing
    assert not ed.hasFocus()


def test_tab_leaves_the_task_table(qtbot, make_window):
    """Tab and Shift+Tab go on to the next and previous panes; arrows move between rows."""
    w = make_window()
    start_run(qtbot, w)
    press(qtbot, w, Qt.Key.Key_4, ALT)                        # Go to → Task table
    assert focused() is w.task_view
    press(qtbot, w, Qt.Key.Key_Down)
    row = w.task_view.currentIndex().row()
    press(qtbot, w, Qt.Key.Key_Down)                          # arrows still walk the rows
    assert w.task_view.currentIndex().row() == row + 1
    press(qtbot, w, Qt.Key.Key_Tab)
    assert w.views.isAncestorOf(focused()), focused()         # the timeline's pane is next
    press(qtbot, w, Qt.Key.Key_Backtab, SHIFT)
    assert focused() is w.task_view and w.task_view.currentIndex().row() == row + 1
    before = w.editor.toPlainText()
    press(qtbot, w, Qt.Key.Key_Backtab, SHIFT)
    assert focused() is w.editor                              # the editor is the previous pane
    press(qtbot, w, Qt.Key.Key_Tab)                           # and Tab from it comes back
    assert focused() is w.task_view and w.editor.toPlainText() == before


def test_ctrl_k_then_down_or_enter_opens_a_match(qtbot, make_window):
    w = make_window()
    first = w.current_path()
    siblings, barrier = w.lesson_paths()[SIBLINGS], w.lesson_paths()[BARRIER]
    press(qtbot, w, Qt.Key.Key_K, CTRL)
    qtbot.keyClicks(focused(), "sibling")                    # a word of its file name
    assert w.browser.visible_paths() == [siblings]
    press(qtbot, w, Qt.Key.Key_Return)                        # Enter opens the only match...
    assert w.current_path() == siblings
    assert focused() is w.browser.tree and highlighted(w) == siblings   # ...and goes to it

    press(qtbot, w, Qt.Key.Key_K, CTRL)
    assert focused() is w.browser.filter_edit
    press(qtbot, w, Qt.Key.Key_Escape)                        # Esc clears the filter
    assert w.browser.filter_edit.text() == "" and w.browser.visible_paths() == w.browser.paths()
    assert on_screen(w, first) and w.current_path() == siblings

    qtbot.keyClicks(focused(), "barrier")
    press(qtbot, w, Qt.Key.Key_Down)                          # Down: into the results...
    assert focused() is w.browser.tree and highlighted(w) == barrier
    assert w.current_path() == siblings                       # ...highlighted, not opened yet
    press(qtbot, w, Qt.Key.Key_Return)                        # Enter on it opens it
    assert w.current_path() == barrier

    press(qtbot, w, Qt.Key.Key_K, CTRL)
    qtbot.keyClicks(focused(), "no lesson says this")
    press(qtbot, w, Qt.Key.Key_Down)
    press(qtbot, w, Qt.Key.Key_Return)                        # nothing matches: nothing happens
    assert focused() is w.browser.filter_edit and w.current_path() == barrier


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints", "This plugin does not support raise")
def test_filter_finds_opened_files(qtbot, make_window, tmp_path):
    """Files opened from disk sit under "Opened files"; the filter matches them like lessons,
    also when the filter had hidden that group before the file was opened."""
    notes, race = tmp_path / "notes.py", tmp_path / "sibling_race.py"
    notes.write_text('"""Notes."""\nimport asyncio\n')
    race.write_text('"""Two tasks race."""\nimport asyncio\n')
    w = make_window()
    assert w.open_path(str(notes))
    press(qtbot, w, Qt.Key.Key_K, CTRL)
    qtbot.keyClicks(focused(), "sibling")
    assert not on_screen(w, str(notes))                       # the group is hidden now
    press(qtbot, w, Qt.Key.Key_O, CTRL)                       # File → Open file…
    dialog = next(d for d in w.findChildren(QFileDialog) if d.isVisible())
    dialog.selectFile(str(race))          # (typed paths pop up a completer that offscreen Qt cannot grab for)
    dialog.accept()
    assert w.current_path() == str(race)
    assert on_screen(w, str(race)), "an opened file whose name matches the filter is hidden"
    assert str(race) in w.browser.visible_paths()
    assert not on_screen(w, str(notes))

    press(qtbot, w, Qt.Key.Key_K, CTRL)
    qtbot.keyClicks(focused(), "notes")                      # retyped: the other file
    assert w.browser.visible_paths() == [str(notes)] and on_screen(w, str(notes))
    press(qtbot, w, Qt.Key.Key_Return)                        # and Enter opens it
    assert w.current_path() == str(notes)


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_ctrl_s_saves_the_run(qtbot, make_window):
    w = make_window()
    owners = [a for a in w.findChildren(QAction) if QKeySequence("Ctrl+S") in a.shortcuts()]
    owners += [s for s in w.findChildren(QShortcut) if s.key() == QKeySequence("Ctrl+S")]
    assert owners == [w.act_export]                           # no other action claims Ctrl+S
    assert w.act_export.shortcuts()[0] == QKeySequence("Ctrl+S")   # the one menus show
    assert QKeySequence("Ctrl+E") in w.act_export.shortcuts()
    qtbot.mouseClick(w.editor.viewport(), Qt.MouseButton.LeftButton)   # typing in the editor
    assert w.editor.hasFocus()
    with qtbot.waitSignal(w.act_export.triggered, timeout=1000):
        press(qtbot, w, Qt.Key.Key_S, CTRL)
    assert "Nothing to export yet" in w.statusBar().currentMessage()   # no run yet: it says so
    start_run(qtbot, w)
    qtbot.waitUntil(lambda: w.run.done, timeout=5000)
    with qtbot.waitSignal(w.act_export.triggered, timeout=1000):
        press(qtbot, w, Qt.Key.Key_S, CTRL)
    dialog = next(d for d in w.findChildren(QFileDialog) if d.isVisible())   # the Save run dialog
    assert dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    dialog.close()


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
def test_about_names_the_versions(qtbot, make_window):
    import PySide6
    w = make_window()
    w.act_about.trigger()
    box = w.findChild(QMessageBox, "aboutBox")
    qtbot.waitUntil(lambda: box.isVisible(), timeout=2000)
    text = box.text()
    for word in ("asyncio Playground", "Python", "Qt", "PySide6", PySide6.__version__, "qasync"):
        assert word in text, word
    # Which guards work on this system (the README's list by system): each one that is off is
    # named; on Linux, where all work, the box says so.
    from asyncio_playground import guards_off
    import html
    off = guards_off()
    assert all(html.escape(line) in text for line in off)
    assert ("Guards that are off" in text) == bool(off) and ("all on here" in text) == (not off)
    box.close()


def test_next_and_previous_lesson(qtbot, make_window):
    w = make_window()
    paths = w.browser.visible_paths()
    w.open_path(paths[0])
    press(qtbot, w, Qt.Key.Key_PageDown, CTRL)
    assert w.current_path() == paths[1]
    press(qtbot, w, Qt.Key.Key_PageUp, CTRL)
    press(qtbot, w, Qt.Key.Key_PageUp, CTRL)
    assert w.current_path() == paths[-1]                      # wraps around
