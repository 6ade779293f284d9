"""The block banner: a bar over the task table when a lesson blocked the event loop."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStyle, QWidget

from . import colors

SEVERE_S = 1.0   # from this long on the bar turns red: the window visibly froze
#: The one sentence a block teaches: why the whole window froze too.
EXPLANATION = ("While it ran, the lesson's code held the one thread that runs the event loop and "
               "also paints this window, so nothing else could run — not its other tasks, and not "
               "the window either.")
_STYLE = ("QFrame#blockBanner {{ background: {bg}; border: 1px solid {border}; border-radius: 4px; }}"
          " QFrame#blockBanner QLabel {{ color: {fg}; background: transparent; }}")


class BlockBanner(QFrame):
    """Hidden until ``show_block()``; says for how long, where and by which task the loop blocked,
    then, in one sentence, why the window froze with it.

    The icon is the style's own warning/critical icon (it renders on every platform, unlike an
    emoji glyph).  Light tints with dark text from the theme: a warning bar reads the same in light
    and dark palettes.

    Attributes:
        message: the last message shown ("Loop blocked for 1.2 s at line 14 by task 'blocker'").
        icon, label: the icon QLabel and the text QLabel.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("blockBanner")
        self.icon = QLabel(self)
        self.icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 5, 8, 5)
        layout.setSpacing(8)
        layout.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.label, 1)
        self.message = ""
        self.severe = False
        self.hide()

    def text(self) -> str:
        """What the banner says, as plain text (the message, then the explanation)."""
        return f"{self.message} {EXPLANATION}" if self.message else ""

    def show_block(self, duration: float, line: int | None = None, task: str | None = None,
                   where: str | None = None) -> str:
        """Show a block of `duration` s at `line` (of file `where`, if not the run's) by `task`."""
        text = f"Loop blocked for {duration:.1f} s"
        if line:
            text += f" at line {line}" + (f" of {where}" if where else "")
        if task:
            text += f" by task '{task}'"
        self.severe = duration >= SEVERE_S
        self.message = text
        self._style()
        icon = QStyle.StandardPixmap.SP_MessageBoxCritical if self.severe else QStyle.StandardPixmap.SP_MessageBoxWarning
        size = max(16, self.fontMetrics().height())
        self.icon.setPixmap(self.style().standardIcon(icon).pixmap(QSize(size, size), self.devicePixelRatioF()))
        self.label.setText(f"<b>{text}.</b> {EXPLANATION}")
        self.show()
        return text

    def _style(self) -> None:
        key = "banner-severe" if self.severe else "banner-warn"
        self.setStyleSheet(_STYLE.format(bg=colors.color(key).name(), border=colors.color(key + "-border").name(),
                                         fg=colors.color("banner-text").name()))
