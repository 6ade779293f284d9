"""Lessons: finding them, opening a lesson or any script from disk as a workspace, the browser, and
the lesson panel (its text, the prediction, what the last run showed, the quiz) kept per lesson."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal

from .. import lazy_module
from ..run_controller import norm_path
from ..workspace import Workspace
from . import Feature

# Imported on first use: the lessons load after the window's first paint (``deferred``).
lessons = lazy_module("asyncio_playground.lessons")
hashlib = lazy_module("hashlib")


def read_python(path) -> str:
    """A Python file's text, decoded as Python decodes source (a BOM, a ``# coding:`` cookie);
    undecodable bytes become U+FFFD rather than refusing to show the file."""
    import importlib.util
    data = Path(path).read_bytes()
    try:
        return importlib.util.decode_source(data)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return data.decode("utf-8", errors="replace")


class LessonsFeature(Feature):
    """See the module docstring.

    Signals:
        opened(object): a workspace is about to be shown (the window switches to it).
        momentPointed(object, str): mark this loop time on the timeline (a restored prediction's
            first divergence from the run).

    Attributes:
        lessons: the bundled lessons found (empty until ``load``).
        loaded: whether ``load`` ran.
    """

    opened = Signal(object)
    momentPointed = Signal(object, str)

    def __init__(self, parent, desk, runs, *, browser, lesson_panel, lessons_dir=None) -> None:
        super().__init__(parent)
        self.desk, self.runs, self.browser, self.panel = desk, runs, browser, lesson_panel
        self._lessons_dir = lessons_dir
        self.lessons: list = []
        self.loaded = False
        browser.lessonSelected.connect(self.open_path)
        runs.runStarted.connect(lesson_panel.run_started)
        runs.finishedOnScreen.connect(self._finished)

    def load(self, edits, last: str | None) -> None:
        """Find the lessons, list them, and open ``last`` (the lesson shown last) or the first."""
        if self.loaded:
            return
        self.loaded = True
        self.lessons = lessons.discover(self._lessons_dir)
        self.browser.set_lessons(lessons.groups(self.lessons))
        for lesson in self.lessons:     # edits kept from earlier sessions show in the browser
            if edits.has_edit(lesson.slug):
                self.browser.set_edited(str(lesson.path), True)
        paths = self.browser.paths()
        if not (last and Path(str(last)).is_file() and self.open_path(str(last))) and paths:
            self.open_path(paths[0])

    def lesson_paths(self) -> dict[str, str]:
        """slug -> path of every bundled lesson."""
        return {lesson.slug: str(lesson.path) for lesson in self.lessons}

    def open_path(self, path: str) -> bool:
        """Show the lesson or script at ``path`` (any .py file): its workspace, made on first use."""
        ws = self.workspace_for(path)
        if ws is None:
            return False
        self.opened.emit(ws)
        return True

    def workspace_for(self, path) -> Workspace | None:
        """The workspace of the file at ``path``, made on first use (None: it cannot be read; a
        ``notice`` said why).  Its original text is read again: the file may have changed."""
        path = str(path)
        ws = self.desk.get(path)
        try:
            original = read_python(path)
            if ws is None:
                ws = self._workspace(path, original)
        except (OSError, ValueError) as exc:  # unreadable, a directory, NUL bytes...
            self.notice.emit(f"Could not open {path}: {exc}", "error")
            return None
        ws.original = original
        return ws

    def _workspace(self, path: str, original: str) -> Workspace:
        known = {norm_path(lesson.path): lesson for lesson in self.lessons}
        lesson = known.get(norm_path(path)) or lessons.load(path)
        slug = lesson.slug
        if norm_path(path) not in known:  # a file from disk: its own edit slot, and a browser entry
            slug = f"file-{lesson.slug}-{hashlib.sha1(norm_path(path).encode()).hexdigest()[:8]}"
            self.browser.add_path(path, lesson.title)
        return self.desk.add(Workspace(path, slug, original, lesson))

    def step_lesson(self, step: int) -> bool:
        """Open the next (+1) or previous (-1) lesson of the browser's visible list."""
        paths = self.browser.visible_paths()
        if not paths:
            return False
        ws = self.desk.current
        current = ws.path if ws is not None else None
        i = paths.index(current) if current in paths else -1
        return self.open_path(paths[(i + step) % len(paths)] if i >= 0 else paths[0])

    # == the lesson panel, per workspace ==============================================================
    def leave(self, ws) -> None:
        """``ws`` leaves the screen: keep what the learner did in its panel."""
        if ws is not None and hasattr(self.panel, "state"):
            ws.panel = self.panel.state()

    def show_workspace(self, ws, again: bool) -> None:
        """Show ``ws``'s lesson in the panel as the learner left it (``again``: it was already on
        screen, and stays as it is)."""
        self.browser.select_path(ws.path)
        if again:
            return
        if ws.panel is not None:
            self.panel.set_lesson(ws.lesson, ws.panel)
        else:
            self.panel.set_lesson(ws.lesson)
        last = ws.last
        if last is not None and last.finished:
            # Its last run may have ended while another lesson was on screen (or was opened from a
            # file): say what it showed (a run the restored state explained already is not
            # checked again).
            self.panel.run_finished(last.run, last.table, last.table.outcome or "completed")
        comparison = self.panel.prediction.state().comparison
        if comparison is not None and not comparison.ok:   # where prediction and run differ
            self.momentPointed.emit(comparison.t, "your prediction and the run differ")
        else:
            self.momentPointed.emit(None, "")

    def _finished(self, outcome: str) -> None:
        shown = self.runs.shown
        if shown is not None:
            self.panel.run_finished(shown.run, shown.table, outcome)
