"""The theme: every colour the window paints, light and dark, and the small formatting helpers shared
by the task table and the timeline.

States and wait kinds are coloured by the words of ``asyncio_playground.vocab``: every word has a
colour and no colour names a word the tracer does not emit.  None of them is the only carrier of
meaning: the table always shows the state as a word, the timeline marks outcomes with a glyph, and
the legend (``ui/legend.py``) puts the word next to each swatch.

Three uses of a state colour, each checked for WCAG contrast in both themes
(``tests/test_theme.py``):

* the *fill* (``state_color``): swatches, bars, dots;
* text written *on* the fill (``on_state``): black or white, whichever reads (>= 4.5:1);
* the colour used *as text* on the window's base (``state_ink``): the fill darkened (light theme) or
  lightened (dark theme) until it reads on the base at >= 4.5:1.

``apply_theme(app, mode)`` switches the whole application ("system", "light" or "dark"): it sets
the palette and updates the colour tables here in place (``STATE_COLORS``, ``WAIT_COLORS`` and the
single colours keep their identity, so a view holding one sees the switch).
"""
from __future__ import annotations

from asyncio_playground.vocab import TaskState, WaitKind
from PySide6.QtGui import QColor, QPalette

THEMES = ("system", "light", "dark")

# -- the palettes -------------------------------------------------------------------------------------
# Fusion's roles, light then dark.  Text / base and placeholder text / base are >= 4.5:1 in both.
_PALETTE_HEX = {
    "Window": ("#f3f3f3", "#2b2d30"),
    "WindowText": ("#1d1d1d", "#e6e6e6"),
    "Base": ("#ffffff", "#1e1f22"),
    "AlternateBase": ("#f5f6f7", "#26282b"),
    "Text": ("#1d1d1d", "#e6e6e6"),
    "PlaceholderText": ("#5f6368", "#9ea2a8"),
    "Button": ("#f0f0f0", "#3a3d41"),
    "ButtonText": ("#1d1d1d", "#e6e6e6"),
    "BrightText": ("#ffffff", "#ffffff"),
    "Highlight": ("#2f6fd0", "#2d63c0"),
    "HighlightedText": ("#ffffff", "#ffffff"),
    "ToolTipBase": ("#ffffe1", "#3a3d41"),
    "ToolTipText": ("#1d1d1d", "#e6e6e6"),
    "Link": ("#1a5fb4", "#8cb4ff"),
    "LinkVisited": ("#6b3fa0", "#c0a3f0"),
    "Light": ("#ffffff", "#4a4d52"),
    "Midlight": ("#e3e3e3", "#3f4246"),
    "Mid": ("#b8b8b8", "#55585d"),
    "Dark": ("#8a8a8a", "#17181a"),
    "Shadow": ("#4a4a4a", "#0d0d0e"),
}
_DISABLED_TEXT = ("#8a8a8a", "#7a7d82")

# -- states and waits ------------------------------------------------------------------------------
# Mid-luminance fills: readable as a swatch or a bar on a light and a dark background, and black
# text on each of them reads at >= 4.5:1.  (light, dark)
_STATE_HEX = {
    TaskState.PENDING: ("#9aa0a6", "#9aa0a6"),    # grey: created, not stepped yet
    TaskState.RUNNING: ("#e8a317", "#f0b429"),    # amber: on the CPU (DevTools' "scripting" yellow)
    TaskState.WAITING: ("#4a90e2", "#5a9cf0"),    # blue: suspended at an await
    TaskState.DONE: ("#2e9e4f", "#3fb760"),       # green
    TaskState.CANCELLED: ("#9b7fd4", "#a88ce0"),  # violet: distinct from grey "pending" and red "failed"
    TaskState.FAILED: ("#e0443a", "#ef5a50"),     # red
}

#: Outcome glyphs: the timeline's end markers and its tooltips.
OUTCOME_GLYPHS = {TaskState.DONE: "\u2713", TaskState.FAILED: "\u2717", TaskState.CANCELLED: "\u2298"}

# Waiting spans are tinted by what the task waits on, all within the blue/teal/violet family of
# "waiting" so that a glance still reads "suspended" and never "running".  Kinds that share a
# colour share a legend entry (WAIT_GROUPS).
_WAIT_HEX = {
    WaitKind.SLEEP: ("#4a90e2", "#5a9cf0"),
    WaitKind.TIMEOUT: ("#4a90e2", "#5a9cf0"),
    WaitKind.TASK: ("#2bb3a3", "#35c4b3"),
    WaitKind.GATHER: ("#2bb3a3", "#35c4b3"),
    WaitKind.WAIT: ("#2bb3a3", "#35c4b3"),
    WaitKind.FUTURE: ("#6c8ebf", "#7f9fcf"),
    WaitKind.IO: ("#22a7d6", "#3bb5e0"),
    WaitKind.THREAD: ("#7a8fa6", "#8ea1b6"),
    WaitKind.LOCK: ("#8d6fd1", "#9e84dc"),
    WaitKind.EVENT: ("#8d6fd1", "#9e84dc"),
    WaitKind.CONDITION: ("#8d6fd1", "#9e84dc"),
    WaitKind.SEMAPHORE: ("#8d6fd1", "#9e84dc"),
    WaitKind.BARRIER: ("#8d6fd1", "#9e84dc"),
    WaitKind.QUEUE: ("#5c6bc0", "#7482d0"),
}

#: The wait kinds that share a colour, as the legend lists them (every WaitKind once).
WAIT_GROUPS = (
    (WaitKind.SLEEP, WaitKind.TIMEOUT),
    (WaitKind.TASK, WaitKind.GATHER, WaitKind.WAIT),
    (WaitKind.LOCK, WaitKind.EVENT, WaitKind.CONDITION, WaitKind.SEMAPHORE, WaitKind.BARRIER),
    (WaitKind.QUEUE,),
    (WaitKind.IO,),
    (WaitKind.THREAD,),
    (WaitKind.FUTURE,),
)

# Other colours: (light, dark).
_OTHER_HEX = {
    "block": ("#e0443a", "#ef5a50"),       # loop-block band (synchronous code stalled the loop)
    "now": ("#d6336c", "#f06595"),         # the timeline's live "now" line: a hue no state uses
    # console
    "stderr": ("#c62828", "#ff6b6b"),
    "warn": ("#8a5300", "#f0b429"),
    "info": ("#5f6368", "#9ea2a8"),
    # editor gutter markers (text on them is white; see on_marker)
    "marker-wait": ("#2265b0", "#2265b0"),
    "marker-cancel": ("#6d4fb8", "#7b5cc4"),
    "marker-error": ("#c22a2a", "#c62828"),
    "marker-block": ("#9a5f00", "#9a5f00"),
    "marker-finding": ("#a3177a", "#b0308a"),
    # banners (fixed light tints with dark text: a warning reads the same in both themes)
    "banner-text": ("#1d1d1d", "#1d1d1d"),
    "banner-warn": ("#fde68a", "#fde68a"),
    "banner-warn-border": ("#c79200", "#c79200"),
    "banner-severe": ("#f7b2ac", "#f7b2ac"),
    "banner-severe-border": ("#e0443a", "#e0443a"),
    # the keyboard focus ring
    "focus": ("#2f6fd0", "#7fb0ff"),
    # editor line backgrounds (#AARRGGBB: tints over the base)
    "current-line": ("#0c000000", "#12ffffff"),
    "selected-line": ("#373c82f0", "#465aa0ff"),
}

# Console tags: a stable hue per task name, so "fetch-A" keeps its colour across runs.
_TAG_HUES = (210, 140, 30, 280, 0, 180, 330, 60, 250, 100)

#: One colour per ``TaskState`` word, for the active theme (a test keeps the keys equal to the
#: vocabulary).  Updated in place by ``apply_theme``.
STATE_COLORS = {state: QColor(light) for state, (light, _dark) in _STATE_HEX.items()}
#: One colour per ``WaitKind`` word, for the active theme.  Updated in place by ``apply_theme``.
WAIT_COLORS = {kind: QColor(light) for kind, (light, _dark) in _WAIT_HEX.items()}
#: Loop-block band.
BLOCK_COLOR = QColor(_OTHER_HEX["block"][0])
#: Cancel-request marker (the cancelled state's colour).
CANCEL_COLOR = QColor(_STATE_HEX[TaskState.CANCELLED][0])
#: The timeline's live "now" line.
NOW_COLOR = QColor(_OTHER_HEX["now"][0])

_dark = False


# -- contrast --------------------------------------------------------------------------------------
def luminance(color: QColor) -> float:
    """WCAG 2 relative luminance of an opaque colour."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG 2 contrast ratio of two opaque colours (1 to 21)."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def readable_on(background: QColor, color: QColor, ratio: float = 4.5) -> QColor:
    """*color* darkened (on a light background) or lightened (on a dark one) just enough to
    reach *ratio* against *background*."""
    out = QColor(color)
    light_bg = luminance(background) > 0.18
    for _ in range(40):
        if contrast(out, background) >= ratio:
            break
        out = blend(QColor("black") if light_bg else QColor("white"), out, 0.08)
    return out


# -- the active theme ------------------------------------------------------------------------------
def is_dark() -> bool:
    """Whether the active theme is the dark one."""
    return _dark


def color(name: str) -> QColor:
    """One of the other named colours (``"stderr"``, ``"marker-wait"``, ``"focus"``…) in the active
    theme."""
    return QColor(_OTHER_HEX[name][1 if _dark else 0])


def palette(dark: bool) -> QPalette:
    """The application palette of the light or the dark theme."""
    pal = QPalette()
    k = 1 if dark else 0
    for role, pair in _PALETTE_HEX.items():
        pal.setColor(getattr(QPalette.ColorRole, role), QColor(pair[k]))
    for role in ("WindowText", "Text", "ButtonText"):
        pal.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role), QColor(_DISABLED_TEXT[k]))
    return pal


def base_color(dark: bool | None = None) -> QColor:
    """The text background of a theme (the active one by default)."""
    return QColor(_PALETTE_HEX["Base"][1 if (_dark if dark is None else dark) else 0])


def system_prefers_dark() -> bool:
    """Whether the desktop asks for a dark colour scheme (Qt 6.5+; False when it cannot say)."""
    from PySide6.QtGui import QGuiApplication
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is None:
        return False
    from PySide6.QtCore import Qt
    return scheme() == Qt.ColorScheme.Dark


def set_dark(dark: bool) -> None:
    """Switch the colour tables to the dark (or light) theme, in place."""
    global _dark
    _dark = bool(dark)
    k = 1 if dark else 0
    for state, pair in _STATE_HEX.items():
        STATE_COLORS[state] = QColor(pair[k])
    for kind, pair in _WAIT_HEX.items():
        WAIT_COLORS[kind] = QColor(pair[k])
    CANCEL_COLOR.setRgb(QColor(_STATE_HEX[TaskState.CANCELLED][k]).rgb())
    NOW_COLOR.setRgb(QColor(_OTHER_HEX["now"][k]).rgb())
    BLOCK_COLOR.setRgb(QColor(_OTHER_HEX["block"][k]).rgb())


def resolve(mode: str) -> bool:
    """Whether theme *mode* ("system", "light", "dark") means dark here and now."""
    return mode == "dark" or (mode not in ("light", "dark") and system_prefers_dark())


def apply_theme(app, mode: str = "system") -> bool:
    """Give *app* the palette of theme *mode* and switch the colour tables; returns whether it is
    dark.  Widgets follow through their PaletteChange events."""
    dark = resolve(mode)
    set_dark(dark)
    app.setPalette(palette(dark))
    return dark


# -- lookups ------------------------------------------------------------------------------------------
def state_color(state: str) -> QColor:
    """The fill colour of *state* (grey for anything unknown)."""
    return STATE_COLORS.get(state, STATE_COLORS[TaskState.PENDING])


def wait_color(kind: str) -> QColor:
    """The fill colour of a waiting span on *kind* (a future's for anything unknown)."""
    return WAIT_COLORS.get(kind, WAIT_COLORS[WaitKind.FUTURE])


def marker_color(kind: str) -> QColor:
    """The editor gutter's colour for a marker kind ("wait", "cancel", "error", "block", "finding"); white text
    reads on it."""
    return color(f"marker-{kind}" if f"marker-{kind}" in _OTHER_HEX else "marker-wait")


def tag_color(name: str) -> QColor:
    """The console's colour for task *name*'s tag: stable across runs, readable on the base."""
    import hashlib
    hue = _TAG_HUES[int(hashlib.md5(name.encode()).hexdigest()[:6], 16) % len(_TAG_HUES)]
    tint = QColor.fromHsl(hue, 150 if _dark else 170, 170 if _dark else 95)
    return readable_on(base_color(), tint)


def on_fill(fill: QColor) -> QColor:
    """Black or white, whichever reads better on *fill*."""
    black, white = QColor("#000000"), QColor("#ffffff")
    return black if contrast(black, fill) >= contrast(white, fill) else white


def on_state(state: str) -> QColor:
    """The colour of text written on *state*'s fill (>= 4.5:1)."""
    return on_fill(state_color(state))


_inks: dict = {}


def state_ink(state: str, background: QColor | None = None) -> QColor:
    """*state*'s colour used as text on *background* (the theme's base by default), >= 4.5:1."""
    if background is not None:
        return readable_on(background, state_color(state))
    key = (state, _dark)
    ink = _inks.get(key)
    if ink is None:
        ink = _inks[key] = readable_on(base_color(), state_color(state))
    return ink


def blend(a: QColor, b: QColor, k: float = 0.5) -> QColor:
    """*k* of *a* mixed with 1-*k* of *b* (opaque): tints that follow the palette's background."""
    return QColor.fromRgbF(a.redF() * k + b.redF() * (1 - k), a.greenF() * k + b.greenF() * (1 - k),
                           a.blueF() * k + b.blueF() * (1 - k))


# -- formatting -------------------------------------------------------------------------------------
def format_duration(seconds: float) -> str:
    """Human duration with a precision that suits its size: ``0.3 ms``, ``12 ms``, ``1.25 s``."""
    if seconds < 0:
        seconds = 0.0
    if seconds < 0.001:
        return f"{seconds * 1e6:.0f} \u00b5s"
    if seconds < 0.01:
        return f"{seconds * 1e3:.1f} ms"
    if seconds < 1.0:
        return f"{seconds * 1e3:.0f} ms"
    if seconds < 60.0:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(seconds, 60.0)
    return f"{int(minutes)} m {rest:04.1f} s"
