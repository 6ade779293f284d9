"""CodeEditor and its Pygments highlighter, offscreen."""
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QPalette, QColor  # noqa: E402

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
