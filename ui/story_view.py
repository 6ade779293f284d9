"""The cancellation story of the selected task, in words, under the task table."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy

from asyncio_playground.vocab import TaskState

from . import colors, lazy_module

html = lazy_module("html")    # imported once a story is told (not for the window's first paint)

# Short: one line even in a narrow pane (the label sits under the table, where height is scarce).
_PLACEHOLDER = "Select a task to read its cancellation story."
_PLACEHOLDER_TIP = "The story says who cancelled the task, why, where CancelledError landed and what ran after."


class StoryView(QLabel):
    """One line (wrapping) that tells the selected task's cancellation, or says how to get one.

    The window calls ``show_story(name, text)`` when the selection changes and on slow frames
    (the story grows while the task unwinds); ``text`` is ``TaskTable.cancel_story(...)`` or None.

    Attributes:
        story: the text shown now (None: the placeholder or "never cancelled").
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("cancelStory")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Never squeezed below its text (the table above gives way instead).
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setContentsMargins(4, 2, 4, 2)
        self.story = None
        self._shown = None
        self.show_story(None, None)

    def changeEvent(self, event) -> None:  # noqa: N802
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and self._shown is not None:
            # Rich text resolves its colours when set: set it again in the new palette's.
            shown, self._shown = self._shown, None
            self.show_story(*shown)

    def show_story(self, name: str | None, text: str | None) -> None:
        """Show task ``name``'s story ``text`` (None: it was never asked to cancel)."""
        if (name, text) == self._shown:
            return
        self._shown = (name, text)
        self.story = text
        mark = colors.state_ink(TaskState.CANCELLED).name()
        if name is None:
            muted = self.palette().color(QPalette.ColorRole.PlaceholderText).name()
            self.setText(f"<span style='color: {muted}'>{_PLACEHOLDER}</span>")
            self.setToolTip(_PLACEHOLDER_TIP)
        elif text is None:
            self.setText(f"<b>{html.escape(name)}</b>: never asked to cancel.")
            self.setToolTip("")
        else:
            steps = " <span style='color: %s'>→</span> " % mark
            self.setText(f"<span style='color: {mark}'>\u2298</span> <b>{html.escape(name)}</b>: "
                         + steps.join(html.escape(part) for part in text.split(" → ")))
            self.setToolTip(f"{name}: {text}")
