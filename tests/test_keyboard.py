"""The window by keyboard alone: menus and their shortcuts, focus that can leave the editor, a
visible focus ring, help and About (issue 13)."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from asyncio_playground.ui.menus import HelpDialog  # noqa: E402

ALT, CTRL, SHIFT = (Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier,
                    Qt.KeyboardModifier.ShiftModifier)
LESSON = "basics_02_concurrent_tasks"


def press(qtbot, window, key, modifiers=Qt.KeyboardModifier.NoModifier):
    """A key press where a user's would go: to the widget with the keyboard focus."""
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifiers)


def names(w):
    return {row.name: row.state for row in w.table.rows} if w.table else {}


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
    for _ in range(6):
        if w.current_path() == target:
            break
        press(qtbot, w, Qt.Key.Key_Down)
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
    for shown in ("F5", "Shift+F5", "Del", "Ctrl+=", "Ctrl+Tab, or Esc then Tab", "asyncio"):
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


def test_tab_leaves_the_editor_by_ctrl_tab_or_escape(qtbot, make_window):
    w = make_window()
    press(qtbot, w, Qt.Key.Key_3, ALT)                        # Go to → Editor
    assert w.editor.hasFocus()
    before = w.editor.toPlainText()
    w.editor.moveCursor(w.editor.textCursor().MoveOperation.Start)
    press(qtbot, w, Qt.Key.Key_Tab)                           # Tab indents...
    assert w.editor.hasFocus() and w.editor.toPlainText() == "    " + before
    press(qtbot, w, Qt.Key.Key_Tab, CTRL)                     # ...Ctrl+Tab leaves
    assert not w.editor.hasFocus()
    assert w.focus_ring.isVisible() and w.focus_ring.target is QApplication.focusWidget()
    press(qtbot, w, Qt.Key.Key_3, ALT)
    press(qtbot, w, Qt.Key.Key_Escape)
    press(qtbot, w, Qt.Key.Key_Tab)                           # Esc then Tab leaves too
    assert not w.editor.hasFocus()
    assert w.editor.toPlainText() == "    " + before            # neither Tab typed anything


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
