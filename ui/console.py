"""The run's console: output lines tagged with the task that printed them."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFontDatabase, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from . import colors

MAX_LINES = 5000          # QPlainTextEdit drops the oldest blocks beyond this
MAX_LINE_CHARS = 200      # with MAX_LINES, keeps the console near 1 MB however chatty the lesson
FLUSH_MS = 33             # appended in batches, at most ~30 times a second, never per write
MAX_PENDING = 10_000      # lines kept between flushes (a print loop can outrun the frame)

class ConsoleWidget(QPlainTextEdit):
    """Read-only console.  `write(tag, stream, text)` buffers; lines appear at the next flush.

    Partial writes (`print(x, end="")`) are joined per tag until a newline arrives; stderr and
    messages of kind "error" are red.  `message(text, kind)` adds a line from the playground itself
    ("info", "warn", "error").

    Attributes:
        pending: lines waiting for the next flush (tests may call `flush()` directly).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setUndoRedoEnabled(False)
        self.setMaximumBlockCount(MAX_LINES)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(font.pointSizeF(), 10))
        self.setFont(font)
        self.setPlaceholderText("Output of the run appears here, each line tagged with its task.")
        self.pending: list[tuple[str | None, str, str]] = []   # (tag, kind, line)
        self._partial: dict[tuple[str | None, str], str] = {}
        self._dropped = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FLUSH_MS)
        self._timer.timeout.connect(self.flush)

    def write(self, tag: str | None, stream: str, text: str) -> None:
        """Output `text` written by task `tag` (None: module level) to `stream` (stdout/stderr)."""
        key = (tag, stream)
        text = self._partial.pop(key, "") + text
        *lines, rest = text.split("\n")
        if rest:
            self._partial[key] = rest
        kind = "stderr" if stream == "stderr" else "stdout"
        for line in lines:
            self._add(tag, kind, line)

    def message(self, text: str, kind: str = "info") -> None:
        """A line (or a traceback) from the playground itself."""
        for line in text.rstrip("\n").split("\n"):
            self._add(None, kind, line)

    def end_of_run(self) -> None:
        """Emit the unfinished last lines (no trailing newline) and flush."""
        for (tag, stream), rest in list(self._partial.items()):
            self._add(tag, "stderr" if stream == "stderr" else "stdout", rest)
        self._partial.clear()
        self.flush()

    def clear_output(self) -> None:
        self.pending.clear()
        self._partial.clear()
        self._dropped = 0
        self.clear()

    def _add(self, tag: str | None, kind: str, line: str) -> None:
        if len(line) > MAX_LINE_CHARS:
            line = line[:MAX_LINE_CHARS] + f" … (+{len(line) - MAX_LINE_CHARS} chars)"
        if len(self.pending) >= MAX_PENDING:
            self.pending.pop(0)
            self._dropped += 1
        self.pending.append((tag, kind, line))
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Append the pending lines in one edit block."""
        self._timer.stop()
        if not self.pending:
            return
        lines, self.pending = self.pending, []
        bar = self.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 4
        plain = QTextCharFormat()
        red = QTextCharFormat()
        red.setForeground(colors.color("stderr"))
        warn = QTextCharFormat()
        warn.setForeground(colors.color("warn"))
        info = QTextCharFormat()
        info.setForeground(colors.color("info"))
        info.setFontItalic(True)
        formats = {"stdout": plain, "stderr": red, "error": red, "warn": warn, "info": info}
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        if self._dropped:
            lines.insert(0, (None, "warn", f"… {self._dropped} lines skipped (output too fast)"))
            self._dropped = 0
        first = self.document().isEmpty()
        for tag, kind, line in lines:
            if not first:
                cursor.insertBlock()
            first = False
            if tag is not None:
                tf = QTextCharFormat()
                tf.setForeground(colors.tag_color(tag))
                tf.setFontWeight(600)
                cursor.insertText(f"[{tag}] ", tf)
            cursor.insertText(line, formats.get(kind, plain))
        cursor.endEditBlock()
        if at_bottom:
            bar.setValue(bar.maximum())
