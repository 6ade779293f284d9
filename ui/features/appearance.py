"""Appearance: light or dark, presentation mode (every pane's text larger), the legend, and whether
library tasks show.  All remembered in the settings."""
from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from .. import colors
from . import Feature
from .runs import make_action


class AppearanceFeature(Feature):
    """See the module docstring.

    ``panes()`` returns the widgets whose text presentation mode scales (the await view only once
    built); ``title`` is the lesson panel's title label (bigger than the rest); ``fixed`` the
    panes in a fixed-width font (editor, console).

    Attributes:
        act_library: Library tasks (checkable; its text counts them).
        act_wrap: Wrap long lines (the editor's; checkable).
        act_themes: {mode: action}, filled in by the menus (``set_theme`` checks the right one).
    """

    def __init__(self, window, settings, runs, *, panes, title, fixed, library_views, legend, editor) -> None:
        super().__init__(window)
        self.settings, self.runs = settings, runs
        self._panes, self._title, self._fixed = panes, title, fixed
        self._library_views, self.legend = library_views, legend
        self.theme = "system"
        self.text_steps = 0
        self.act_themes: dict = {}
        self.act_legend = None    # the menus make it
        self.editor = editor
        self.act_wrap = make_action(window, "&Wrap long lines", self.set_wrap, (),
                                    "Wrap the editor's long lines at its edge (else it scrolls "
                                    "sideways)", checkable=True, checked=True)
        self.act_library = make_action(window, "Library tasks", self._library_toggled, checkable=True)
        self.act_library.setToolTip(
            "Show the tasks that libraries (httpx, anyio…) create for their own ends, such as anyio "
            "racing connections for httpx.  Hidden by default: each sits under the lesson task "
            "that caused it, and its cancels say 'library'.")
        runs.shownChanged.connect(lambda _shown: self.update_library_count())
        runs.finishedOnScreen.connect(lambda _outcome: self.update_library_count())
        runs.controller.frameApplied.connect(self._after_frame)

    def restore(self) -> None:
        s = self.settings
        self.theme = str(s.value("theme", "system"))
        self.set_theme(self.theme)
        hints = QApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):   # Qt 6.5+: follow the desktop's light/dark switch
            hints.colorSchemeChanged.connect(self._system_scheme_changed)
        try:
            self.text_steps = int(s.value("textSteps", 0))
        except (TypeError, ValueError):
            self.text_steps = 0
        self.scale_text(0)
        self.set_legend_visible(str(s.value("legend", "true")).lower() != "false")
        self.set_wrap(str(s.value("wrapLines", "true")).lower() != "false")
        self.act_library.setChecked(str(s.value("libraryTasks", "false")).lower() == "true")
        self._library_toggled()

    def save(self) -> None:
        self.settings.setValue("libraryTasks", self.act_library.isChecked())

    def set_wrap(self, wrap: bool) -> None:
        """The editor wraps long lines (remembered)."""
        self.editor.set_wrap(bool(wrap))
        self.act_wrap.setChecked(bool(wrap))
        self.settings.setValue("wrapLines", bool(wrap))

    def set_legend_visible(self, visible: bool) -> None:
        self.legend.setVisible(bool(visible))
        if self.act_legend is not None:
            self.act_legend.setChecked(bool(visible))
        self.settings.setValue("legend", bool(visible))

    def set_theme(self, mode: str) -> bool:
        """Light, dark or the system's ("system", "light", "dark"; remembered); returns whether it
        is dark now."""
        mode = mode if mode in colors.THEMES else "system"
        self.theme = mode
        dark = colors.apply_theme(QApplication.instance(), mode)
        if mode in self.act_themes:
            self.act_themes[mode].setChecked(True)
        self.settings.setValue("theme", mode)
        return dark

    def _system_scheme_changed(self, *_args) -> None:
        if self.theme == "system":
            self.set_theme("system")

    def scale_text(self, step: int, reset: bool = False) -> float:
        """Presentation mode: every pane's text one step larger (+1) or smaller (-1), or back to
        normal (``reset``); remembered.  Returns the scale now."""
        steps = 0 if reset else max(-3, min(10, self.text_steps + step))
        self.text_steps = steps
        self.settings.setValue("textSteps", steps)
        scale = 1.15 ** steps
        base = QApplication.font()
        size = base.pointSizeF() if base.pointSizeF() > 0 else 10.0
        ui_font = QFont(base)
        ui_font.setPointSizeF(size * scale)
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        fixed.setPointSizeF(max(fixed.pointSizeF(), 10.0) * scale)
        for pane in self._panes():
            pane.setFont(ui_font)
        title = QFont(ui_font)
        title.setPointSizeF(ui_font.pointSizeF() * 1.35)
        title.setBold(True)
        self._title.setFont(title)   # set explicitly by the panel: scaled with the rest
        for pane in self._fixed:
            pane.setFont(fixed)
        if steps:
            self.status.emit(f"Text size {scale:.0%} (Ctrl+0: normal)", 3000)
        return scale

    def _library_toggled(self, *_args) -> None:
        show = self.act_library.isChecked()
        for view in self._library_views():
            view.set_show_library(show)
        self.update_library_count()

    def update_library_count(self) -> None:
        table = self.runs.table
        n = len(table.library_tids) if table is not None else 0
        shown = "shown" if self.act_library.isChecked() else "hidden"
        self.act_library.setText(f"Library tasks ({n} {shown})" if n else "Library tasks")

    def _after_frame(self, n_events: int, slow: bool) -> None:
        if slow and n_events and self.runs.live_on_screen():
            self.update_library_count()
