"""The window's menu bar (File, Run, View, Lessons, Help), the shortcuts list and the About box.

The window keeps its actions (``act_*``); this module only arranges them in menus, adds the ones
that live nowhere else, and builds the two help windows.  Both open non-modally (``show()`` /
``open()``): a modal ``exec()`` would nest an event loop under a running lesson's tasks.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QTextBrowser, QVBoxLayout

from . import lazy_module

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

html = lazy_module("html")    # the help windows' text only (not for the window's first paint)

ASYNCIO_DOCS = "https://docs.python.org/3/library/asyncio.html"
_REPO = Path(__file__).resolve().parent.parent

#: Keys that are not menu actions, said once for the shortcuts list.
OTHER_KEYS = (
    ("Lesson filter (Ctrl+K)", "Down", "move into the matching lessons (the first one highlighted)"),
    ("Lesson filter (Ctrl+K)", "Enter", "open the first matching lesson"),
    ("Lesson filter (Ctrl+K)", "Esc", "clear the filter"),
    ("Lesson list", "Up / Down", "open the lesson above / below"),
    ("Lesson list", "Enter", "open the highlighted lesson"),
    ("Editor", "Tab / Shift+Tab", "reached by keyboard (Tab, Alt+3): move the focus on, the text "
                                  "is not touched; once you type or click in the text: indent / "
                                  "dedent (4 spaces).  The corner of the editor says which"),
    ("Editor", "Esc", "Tab moves the focus again (until you type)"),
    ("Editor", "Ctrl+Tab / Ctrl+Shift+Tab", "leave the editor, in either mode"),
    ("Editor", "Click a line number", "set a cancel point on that line"),
    ("Task table", "Up / Down", "select a task"),
    ("Task table", "Delete", "cancel the selected task"),
    ("Task table", "Shift+Delete", "cancel the selected task with a message"),
    ("Timeline", "+ / -", "zoom in / out (mouse: wheel)"),
    ("Timeline", "Left / Right", "pan (mouse: drag)"),
    ("Timeline", "F", "fit the whole run (mouse: double-click, or the Fit button)"),
    ("Timeline", "Up / Down", "select the lane above / below"),
    ("Anywhere", "Tab / Shift+Tab", "move the focus to the next / previous pane (the task table "
                                    "too; the editor as above)"),
)


def keys_text(action: QAction) -> str:
    return " / ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())


def _docs_links() -> list[tuple[str, str]]:
    links = [("asyncio — Asynchronous I/O (Python documentation)", ASYNCIO_DOCS)]
    readme = _REPO / "README.md"
    if readme.is_file():
        links.append(("asyncio Playground README (this checkout)", readme.as_uri()))
    authoring = _REPO / "docs" / "authoring.md"
    if authoring.is_file():
        links.append(("Writing your own lessons (docs/authoring.md)", authoring.as_uri()))
    return links


def versions() -> list[tuple[str, str]]:
    """(component, version) for the About box: the app, Python, Qt, PySide6, qasync."""
    import platform
    from importlib import metadata

    import PySide6
    from PySide6.QtCore import qVersion

    def dist(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"
    return [("asyncio Playground", dist("asyncio-playground")),
            ("Python", f"{platform.python_version()} ({platform.python_implementation()}, {sys.platform})"),
            ("Qt", qVersion()), ("PySide6", PySide6.__version__), ("qasync", dist("qasync"))]


def guards_html() -> str:
    """Which of the guards that end a runaway lesson work on this system (the README's list)."""
    from asyncio_playground import guards_off
    off = guards_off()
    if not off:
        return ("<p><b>Guards:</b> all on here: the block limit, the memory limit, Stop and "
                "--timeout, and ending the processes a lesson starts.</p>")
    return ("<p><b>Guards that are off on this system:</b></p><ul>"
            + "".join(f"<li>{html.escape(line)}</li>" for line in off) + "</ul>")


def about_html() -> str:
    rows = "".join(f"<tr><td><b>{html.escape(k)}</b>&nbsp;&nbsp;</td><td>{html.escape(v)}</td></tr>"
                   for k, v in versions())
    return ("<h3>asyncio Playground</h3><p>Learn asyncio by watching it run: every task of a lesson, "
            f"live, on the real event loop.</p><table>{rows}</table>{guards_html()}")


def shortcuts_html(menus: list[QMenu]) -> str:
    """Every menu action that has a shortcut, by menu, then the keys that are not menu actions."""
    parts = ["<h3>Keyboard shortcuts</h3>"]
    for menu in menus:
        rows = []
        for action in _walk(menu):
            keys = keys_text(action)
            if keys:
                rows.append(f"<tr><td><b>{html.escape(keys)}</b>&nbsp;&nbsp;</td>"
                            f"<td>{html.escape(_label(action))}</td></tr>")
        if rows:
            parts.append(f"<h4>{html.escape(menu.title().replace('&', ''))}</h4><table>{''.join(rows)}</table>")
    groups: dict[str, list] = {}
    for where, keys, what in OTHER_KEYS:
        groups.setdefault(where, []).append(f"<tr><td><b>{html.escape(keys)}</b>&nbsp;&nbsp;</td>"
                                            f"<td>{html.escape(what)}</td></tr>")
    for where, rows in groups.items():
        parts.append(f"<h4>{html.escape(where)}</h4><table>{''.join(rows)}</table>")
    parts.append("<h3>Documentation</h3><ul>" + "".join(
        f"<li><a href='{html.escape(url)}'>{html.escape(title)}</a></li>" for title, url in _docs_links())
        + "</ul>")
    return "".join(parts)


def _label(action: QAction) -> str:
    """What the shortcuts list calls an action: its help label (``data()``), else its text."""
    data = action.data()
    return data if isinstance(data, str) and data else action.text().replace("&", "")


def _walk(menu: QMenu):
    for action in menu.actions():
        if action.menu() is not None:
            yield from _walk(action.menu())
        elif not action.isSeparator():
            yield action


class HelpDialog(QDialog):
    """The shortcuts list and links to the docs, non-modal (F1)."""

    def __init__(self, parent, menus: list[QMenu]) -> None:
        super().__init__(parent)
        self.setObjectName("helpDialog")
        self.setWindowTitle("Keyboard shortcuts and help — asyncio Playground")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(True)
        self.text.setHtml(shortcuts_html(menus))
        from PySide6.QtWidgets import QDialogButtonBox   # here: its class (enums) costs ~1 ms to load
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(560, 620)


def show_help(window, menus: dict[str, QMenu]) -> HelpDialog:
    """The shortcuts list and the docs (F1), non-modal: shown again if already open."""
    dialog = window.findChild(HelpDialog) or HelpDialog(window, list(menus.values()))
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def open_docs() -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices
    QDesktopServices.openUrl(QUrl(ASYNCIO_DOCS))


def about_box(parent) -> QMessageBox:
    from PySide6.QtWidgets import QMessageBox   # here: its class (enums) costs ~1 ms to load
    box = QMessageBox(parent)
    box.setObjectName("aboutBox")
    box.setWindowTitle("About asyncio Playground")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_html())
    box.setIcon(QMessageBox.Icon.Information)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def build_menus(w) -> dict[str, QMenu]:
    """Arrange the window's actions in its menu bar; adds the actions that live only there (as
    ``w.act_*``).  Returns the menus by name."""

    def action(text, slot, shortcuts=(), tip="", context=Qt.ShortcutContext.WindowShortcut, **props):
        a = QAction(text, w, shortcutContext=context, **props)
        a.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        a.triggered.connect(slot)
        return a

    bar = w.menuBar()
    menus: dict[str, QMenu] = {}

    # -- File --
    m = menus["file"] = bar.addMenu("&File")
    # Ctrl+S is where people press "save"; Ctrl+E, its first key, still works.
    w.act_export.setShortcuts([QKeySequence("Ctrl+S"), QKeySequence("Ctrl+E")])
    w.act_export.setToolTip(f"{w.act_export.toolTip()} ({keys_text(w.act_export)})")
    w.act_quit = action("&Quit", w.close, ("Ctrl+Q",), "Close the window (a live run is cancelled)")
    sched = w.scheduling
    for a in (w.act_open, w.act_open_run, w.act_export, sched.act_save_schedule, None, w.act_quit):
        m.addSeparator() if a is None else m.addAction(a)

    # -- Run --
    m = menus["run"] = bar.addMenu("&Run")
    # Delete and Shift+Delete cancel only while the task table has the focus (the editor keeps
    # its own Delete key).
    table_keys = Qt.ShortcutContext.WidgetWithChildrenShortcut
    w.act_cancel_task = action("&Cancel selected task", w.cancel_selected_task, ("Delete",),
                               "Cancel the task selected in the table (focus the table first: Alt+4)",
                               context=table_keys)
    w.act_cancel_message = action("Cancel selected task with &message…", w.cancel_selected_with_message,
                                  ("Shift+Delete",), "cancel(msg): the message becomes the CancelledError's "
                                  "argument", context=table_keys)
    w.task_view.addAction(w.act_cancel_task)
    w.task_view.addAction(w.act_cancel_message)
    w.act_block_limit = action("&Block limit…", lambda: (w.block_limit.setFocus(), w.block_limit.selectAll()),
                               ("Ctrl+B",), "Set how long lesson code may block the loop before it is stopped")
    w.act_network.setShortcuts([QKeySequence("Ctrl+Shift+N")])
    w.act_network.setData("Network: offline (demo API) / live")   # its text shows the state
    for a in (w.act_run, w.act_stop, None, w.act_cancel_task, w.act_cancel_message, None,
              w.time_bar.act_pause, w.time_bar.act_step, sched.act_step_back, w.time_bar.act_step_task,
              sched.act_advance, w.act_pin, None,
              w.act_network, w.act_block_limit):
        m.addSeparator() if a is None else m.addAction(a)

    # -- View --
    m = menus["view"] = bar.addMenu("&View")
    w.act_zoom_in = action("&Larger text", lambda: w.scale_text(+1), ("Ctrl+=", "Ctrl++"),
                           "Presentation mode: larger text in every pane")
    w.act_zoom_out = action("&Smaller text", lambda: w.scale_text(-1), ("Ctrl+-",))
    w.act_zoom_reset = action("&Normal text size", lambda: w.scale_text(0, reset=True), ("Ctrl+0",))
    theme = m.addMenu("&Theme")
    w.theme_group = QActionGroup(w)
    w.act_themes = {}
    for mode, label in (("system", "Follow the &system"), ("light", "&Light"), ("dark", "&Dark")):
        a = action(label, lambda _checked=False, mode=mode: w.set_theme(mode), checkable=True)
        w.theme_group.addAction(a)
        theme.addAction(a)
        w.act_themes[mode] = a
    w.act_library.setShortcuts([QKeySequence("Ctrl+Shift+L")])
    w.act_legend = action("Le&gend", w.set_legend_visible, checkable=True,
                          tip="The legend of colours and marks under the timeline")
    w.act_legend.setChecked(True)
    w.act_fit = action("&Fit timeline", w.timeline.fit, ("Ctrl+Shift+F",), "Show the whole run in the timeline")
    w.act_fit_columns = action("Fit table &columns", w.task_view.fit_to_content, (),
                               "Size the table's columns to their content again (forget widths set by hand)")
    go = QMenu("&Go to", m)
    w.act_goto = {}
    for key, (label, target) in enumerate((("Lessons", w.browser.tree), ("Lesson text and quiz", w.lesson_panel.scroll),
                                           ("Editor", w.editor), ("Task table", w.task_view),
                                           ("Timeline / awaits", w.views), ("Console", w.console)), start=1):
        a = action(label, lambda _checked=False, t=target: w.focus_pane(t), (f"Alt+{key}",))
        go.addAction(a)
        w.act_goto[label] = a
    for a in (w.act_zoom_in, w.act_zoom_out, w.act_zoom_reset, None, theme.menuAction(), None,
              w.act_library, w.act_legend, w.appearance.act_wrap, w.act_fit, w.act_fit_columns, None,
              go.menuAction()):
        m.addSeparator() if a is None else m.addAction(a)

    # -- Lessons --
    m = menus["lessons"] = bar.addMenu("&Lessons")
    w.act_next = action("&Next lesson", lambda: w.step_lesson(+1), ("Ctrl+PgDown",))
    w.act_prev = action("&Previous lesson", lambda: w.step_lesson(-1), ("Ctrl+PgUp",))
    w.act_filter = action("&Find a lesson…", lambda: (w.browser.filter_edit.setFocus(), w.browser.filter_edit.selectAll()),
                          ("Ctrl+K",), "Type to filter the lessons")
    for a in (w.act_next, w.act_prev, w.act_filter, None, w.act_revert):
        m.addSeparator() if a is None else m.addAction(a)

    # -- Help --
    m = menus["help"] = bar.addMenu("&Help")
    w.act_help = action("&Keyboard shortcuts and help", lambda: show_help(w, menus), ("F1", "Ctrl+/"))
    w.act_docs = action("&asyncio documentation", open_docs, (), ASYNCIO_DOCS)
    w.act_about = action("&About asyncio Playground", lambda: about_box(w))
    for a in (w.act_help, w.act_docs, None, w.act_about):
        m.addSeparator() if a is None else m.addAction(a)
    return menus
