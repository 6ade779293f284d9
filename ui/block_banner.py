"""The block banner: a yellow/red bar over the task table when a lesson blocked the event loop."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

SEVERE_S = 1.0   # from this long on the bar turns red: the window visibly froze
_STYLE = ("QLabel {{ background: {bg}; color: #1d1d1d; border: 1px solid {border};"
          " border-radius: 4px; padding: 5px 8px; font-weight: 600; }}")


class BlockBanner(QLabel):
    """Hidden until `show_block()`; says for how long, where and by which task the loop blocked.

    Fixed light colours with dark text on purpose: a warning bar reads the same in light and dark
    palettes.

    Attributes:
        message: the last message shown ("Loop blocked for 1.2 s at line 14 by task 'blocker'").
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.message = ""
        self.hide()

    def show_block(self, duration: float, line: int | None = None, task: str | None = None,
                   where: str | None = None) -> str:
        """Show a block of `duration` s at `line` (of file `where`, if not the run's) by `task`."""
        text = f"Loop blocked for {duration:.1f} s"
        if line:
            text += f" at line {line}" + (f" of {where}" if where else "")
        if task:
            text += f" by task '{task}'"
        severe = duration >= SEVERE_S
        self.setStyleSheet(_STYLE.format(bg="#f7b2ac" if severe else "#fde68a",
                                         border="#e0443a" if severe else "#e0b000"))
        self.message = text
        self.setText(("⛔ " if severe else "⚠ ") + text)
        self.show()
        return text
