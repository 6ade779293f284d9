"""CodeEditor and its Pygments highlighter, offscreen."""
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QPalette, QColor  # noqa: E402
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget  # noqa: E402

from asyncio_playground.ui.editor import CodeEditor  # noqa: E402

SOURCE = '''import asyncio

async def fetch(source):
    """Pretend to fetch.

    async def not_code(): pass
    """
    await asyncio.sleep(1)
    return source  # done
'''


def formats_of(editor, line):
    """[(start, length, colour name)] the highlighter applied to a 1-based line."""
    block = editor.document().findBlockByNumber(line - 1)
    return [(r.start, r.length, r.format.foreground().color().name()) for r in block.layout().formats()]


def colour_at(editor, line, col):
    for start, length, colour in formats_of(editor, line):
        if start <= col < start + length:
            return colour
    return None


@pytest.fixture
def editor(qtbot):
    ed = CodeEditor()
    qtbot.addWidget(ed)
    ed.resize(600, 400)
    ed.setPlainText(SOURCE)
    ed.show()
    return ed


def test_keywords_and_docstring_coloured(editor):
    kw = colour_at(editor, 3, 0)            # "async"
    doc_line = colour_at(editor, 6, 4)       # inside the docstring: not a keyword colour
    assert kw is not None
    assert doc_line is not None and doc_line != kw
    assert colour_at(editor, 9, 20) is not None  # the comment


def test_multiline_string_opened_later_rehighlights_following_lines(editor, qtbot):
    code_colour = colour_at(editor, 8, 4)    # "await" keyword
    cursor = editor.textCursor()
    cursor.setPosition(editor.document().findBlockByNumber(7).position())
    cursor.insertText('x = """\n')          # opens a string that swallows the rest
    # line 9 is now "    await asyncio.sleep(1)", inside the string
    inside = colour_at(editor, 9, 4)
    assert inside != code_colour
    assert inside == colour_at(editor, 8, 4)  # same colour as the string's opening line
    cursor.insertText('"""\n')               # closes it again: the code is code again
    assert colour_at(editor, 10, 4) == code_colour


def test_tab_inserts_four_spaces_and_enter_keeps_indent(editor, qtbot):
    editor.setPlainText("")
    qtbot.keyClick(editor, Qt.Key.Key_Tab)
    assert editor.toPlainText() == "    "
    editor.setPlainText("")
    qtbot.keyClicks(editor, "def f():")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.keyClicks(editor, "pass")
    assert editor.toPlainText() == "def f():\n    pass"
    qtbot.keyClick(editor, Qt.Key.Key_Home)
    qtbot.keyClick(editor, Qt.Key.Key_Backtab)
    assert editor.toPlainText() == "def f():\npass"


def test_markers_and_highlight(editor):
    editor.set_markers({8: ("wait", "2 tasks waiting here"), 9: ("error", "ValueError: bad")})
    assert editor.markers()[8][0] == "wait"
    editor.highlight_line(8)
    assert editor.textCursor().blockNumber() == 7
    # error line and highlighted line show up as extra selections (plus the current line)
    lines = {s.cursor.blockNumber() for s in editor.extraSelections()}
    assert {7, 8} <= lines
    img = editor.grab()  # paints the gutter with both markers without error
    assert not img.isNull()
    editor.set_markers({})
    assert editor.markers() == {}


def test_dark_palette_switches_style(editor):
    light_kw = colour_at(editor, 3, 0)
    pal = editor.palette()
    pal.setColor(QPalette.ColorRole.Base, QColor("#1e1e1e"))
    pal.setColor(QPalette.ColorRole.Text, QColor("#dddddd"))
    editor.setPalette(pal)
    assert editor.highlighter.dark
    assert colour_at(editor, 3, 0) != light_kw


@pytest.fixture
def between(qtbot):
    """An editor between two line edits in an active window: (before, editor, after)."""
    host = QWidget()
    qtbot.addWidget(host)
    before, ed, after = QLineEdit(host), CodeEditor(host), QLineEdit(host)
    layout = QVBoxLayout(host)
    for w in (before, ed, after):
        layout.addWidget(w)
    ed.setPlainText(SOURCE)
    host.resize(600, 500)
    with qtbot.waitExposed(host):
        host.show()
    host.activateWindow()
    qtbot.waitUntil(host.isActiveWindow, timeout=2000)
    before.setFocus()
    yield before, ed, after     # (a yield keeps `host` alive: qtbot holds its widgets weakly)


def key(qtbot, k, modifiers=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(QApplication.focusWidget(), k, modifiers)


@pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")   # offscreen only
def test_tab_passes_through_until_the_user_edits(qtbot, between):
    before, ed, after = between
    key(qtbot, Qt.Key.Key_Tab)                    # tabbing through: the editor is one stop
    assert ed.hasFocus()
    key(qtbot, Qt.Key.Key_PageDown)               # reading does not switch the mode
    key(qtbot, Qt.Key.Key_Tab)
    assert after.hasFocus() and ed.toPlainText() == SOURCE
    key(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert ed.hasFocus() and ed.tab_moves_focus   # the mode is said: hint, status tip, screen reader
    assert ed.tab_hint.isVisible() and "Tab moves focus" in ed.accessibleDescription()
    key(qtbot, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    assert before.hasFocus() and ed.toPlainText() == SOURCE

    key(qtbot, Qt.Key.Key_Tab)
    with qtbot.waitSignal(ed.tabModeChanged) as changed:
        key(qtbot, Qt.Key.Key_Return)             # any edit: editing now
    assert changed.args == [False] and "Tab indents" in ed.tab_hint.text()
    text = ed.toPlainText()
    key(qtbot, Qt.Key.Key_Tab)
    assert ed.hasFocus() and len(ed.toPlainText()) > len(text)
    key(qtbot, Qt.Key.Key_Escape)
    assert ed.tab_moves_focus and "Tab moves focus" in ed.statusTip()
    key(qtbot, Qt.Key.Key_Tab)
    assert after.hasFocus() and not ed.tab_hint.isVisible()

    qtbot.mouseClick(ed.viewport(), Qt.MouseButton.LeftButton)   # clicked in: editing
    assert ed.hasFocus() and not ed.tab_moves_focus
    ed.setReadOnly(True)                          # nothing to indent: Tab always moves on
    assert ed.tab_moves_focus
    key(qtbot, Qt.Key.Key_Tab)
    assert after.hasFocus()
