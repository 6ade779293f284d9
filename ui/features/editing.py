"""Editing: the shown workspace's code in the editor, the learner's edits kept (``EditStore``),
Revert, and cancel points set by a click in the gutter."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStyle

from . import Feature
from .runs import make_action


def changed_lines(original: str, text: str) -> list[int]:
    """The 1-based lines of ``text`` that differ from ``original`` (a removed line counts as the
    line where it was)."""
    import difflib
    a, b = original.splitlines(), text.splitlines()
    out: list[int] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            out.extend(range(j1 + 1, max(j2, j1 + 1) + 1) if j2 > j1 else [j1 + 1])
    return sorted(set(out))


class EditingFeature(Feature):
    """See the module docstring.

    Signals:
        cancelPointsChanged(object): the shown file's cancel points are now this set of lines.
        markersStale(): the gutter's markers changed (a syntax error's mark went stale).

    Attributes:
        act_revert: Revert (its text says how many lines it would discard).
    """

    cancelPointsChanged = Signal(object)
    markersStale = Signal()

    def __init__(self, window, desk, *, editor, edits, browser) -> None:
        super().__init__(window)
        self.desk, self.editor, self.edits, self.browser = desk, editor, edits, browser
        self._loading = False
        self._revert_what = "your edits"
        self.act_revert = make_action(window, "Revert", self.revert_to_original, (),
                                      "Revert to original: drop your edits of this lesson",
                                      QStyle.StandardPixmap.SP_BrowserReload)
        editor.textChanged.connect(self._text_changed)
        editor.gutterClicked.connect(self.toggle_cancel_point)
        edits.failed.connect(lambda msg: self.notice.emit(msg, "warn"))

    def text(self) -> str:
        return self.editor.toPlainText()

    def show_workspace(self, ws) -> None:
        """Put ``ws``'s code in the editor: the learner's edits if kept, else the original."""
        self.edits.flush()
        text, message = self.edits.load(ws.slug, ws.original)
        self._loading = True
        self.editor.setPlainText(text)
        self.editor.set_cancel_points(ws.cancel_points)
        self._loading = False
        self._update_revert(text, ws.original)
        if message or text != ws.original:
            self.notice.emit(message or "Restored your edits of this lesson (Revert brings back the "
                             "original)", "warn" if message else "info")

    def _text_changed(self) -> None:
        ws = self.desk.current
        if self._loading or ws is None:
            return
        text = self.editor.toPlainText()
        self.edits.schedule(ws.slug, text, ws.original)
        self._update_revert(text, ws.original)
        if ws.error_marker is not None:  # the marked syntax error is stale once the user edits
            ws.error_marker = None
            self.markersStale.emit()

    def revert_to_original(self) -> None:
        """Drop the edits of the current lesson and show its original code (Ctrl+Z undoes it)."""
        ws = self.desk.current
        if ws is None:
            return
        what = self._revert_what        # before the insert below recounts it
        cursor = self.editor.textCursor()
        cursor.select(cursor.SelectionType.Document)
        cursor.insertText(ws.original)   # undoable (Ctrl+Z brings the edit back)
        self.edits.revert(ws.slug)       # after the insert: drops the save it just scheduled
        self._update_revert(ws.original, ws.original)
        self.status.emit(f"Reverted to the original lesson: discarded {what} (Ctrl+Z in the editor "
                         "brings them back)", 8000)

    def _update_revert(self, text: str, original: str) -> None:
        """Revert's text says what it would discard; the browser marks the lesson as edited."""
        changed = changed_lines(original, text)
        edited = text != original
        n = len(changed)
        lines = ", ".join(map(str, changed[:8])) + ("…" if n > 8 else "")
        self._revert_what = (f"your edits to {n} line{'s' * (n != 1)} ({lines})" if n else "your edits")
        self.act_revert.setEnabled(edited)
        self.act_revert.setText(f"Revert ({n} changed line{'s' * (n != 1)})" if edited else "Revert")
        tip = (f"Revert to the original lesson: discards {self._revert_what}; Ctrl+Z in the editor "
               "brings them back" if edited else "Nothing to revert: the lesson is as shipped")
        self.act_revert.setToolTip(tip)
        self.act_revert.setStatusTip(tip)
        ws = self.desk.current
        if ws is not None:
            self.browser.set_edited(ws.path, edited)

    def toggle_cancel_point(self, line: int) -> None:
        """Set or clear a cancel point on ``line`` of the shown file (a click in the gutter): a
        task of the run that suspends there is cancelled on arrival."""
        ws = self.desk.current
        if ws is None:
            return
        ws.cancel_points.symmetric_difference_update({line})
        self.editor.set_cancel_points(ws.cancel_points)
        self.cancelPointsChanged.emit(set(ws.cancel_points))
        self.notice.emit(f"Cancel point set on line {line}: a task that suspends there is cancelled "
                         "on arrival" if line in ws.cancel_points else
                         f"Cancel point on line {line} removed", "info")
