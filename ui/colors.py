"""Colours and small formatting helpers shared by the task table and the timeline.

States and wait kinds are coloured by the words of ``asyncio_playground.vocab``: every word has a
colour and no colour names a word the tracer does not emit.

The state colours are mid-luminance on purpose: each must stay readable as a swatch and as a bar on
both a light and a dark window background, and none of them is the only carrier of meaning (the
table always shows the state as a word, the timeline marks the outcome with a glyph).
"""
from __future__ import annotations

from asyncio_playground.vocab import TaskState, WaitKind
from PySide6.QtGui import QColor

_STATE_HEX = {
    TaskState.PENDING: "#9aa0a6",    # grey: created, not stepped yet
    TaskState.RUNNING: "#e8a317",    # amber: on the CPU (DevTools' "scripting" yellow)
    TaskState.WAITING: "#4a90e2",    # blue: suspended at an await
    TaskState.DONE: "#2e9e4f",       # green
    TaskState.CANCELLED: "#9b7fd4",  # violet: distinct from grey "pending" and red "failed"
    TaskState.FAILED: "#e0443a",     # red
}
#: One colour per ``TaskState`` word (a test keeps the keys equal to the vocabulary).
STATE_COLORS = {state: QColor(hexa) for state, hexa in _STATE_HEX.items()}

#: Outcome glyphs: the timeline's end markers and its tooltips.
OUTCOME_GLYPHS = {TaskState.DONE: "\u2713", TaskState.FAILED: "\u2717", TaskState.CANCELLED: "\u2298"}

# Waiting spans are tinted by what the task waits on, all within the blue/teal/violet family of
# "waiting" so that a glance still reads "suspended" and never "running".
_WAIT_HEX = {
    WaitKind.SLEEP: "#4a90e2",
    WaitKind.TASK: "#2bb3a3",
    WaitKind.GATHER: "#2bb3a3",
    WaitKind.WAIT: "#2bb3a3",
    WaitKind.TIMEOUT: "#4a90e2",
    WaitKind.FUTURE: "#6c8ebf",
    WaitKind.IO: "#22a7d6",
    WaitKind.THREAD: "#7a8fa6",
    WaitKind.LOCK: "#8d6fd1",
    WaitKind.EVENT: "#8d6fd1",
    WaitKind.CONDITION: "#8d6fd1",
    WaitKind.SEMAPHORE: "#8d6fd1",
    WaitKind.BARRIER: "#8d6fd1",
    WaitKind.QUEUE: "#5c6bc0",
}
#: One colour per ``WaitKind`` word (a test keeps the keys equal to the vocabulary).
WAIT_COLORS = {kind: QColor(hexa) for kind, hexa in _WAIT_HEX.items()}
#: Loop-block band (the loop was stalled by synchronous code).
BLOCK_COLOR = QColor("#e0443a")
#: Cancel-request marker.
CANCEL_COLOR = STATE_COLORS[TaskState.CANCELLED]
#: The timeline's live "now" line: a hue no state uses.
NOW_COLOR = QColor("#d6336c")


def state_color(state: str) -> QColor:
    """The colour of *state* (grey for anything unknown)."""
    return STATE_COLORS.get(state, STATE_COLORS[TaskState.PENDING])


def blend(a: QColor, b: QColor, k: float = 0.5) -> QColor:
    """*k* of *a* mixed with 1-*k* of *b* (opaque): tints that follow the palette's background."""
    return QColor.fromRgbF(a.redF() * k + b.redF() * (1 - k), a.greenF() * k + b.greenF() * (1 - k),
                           a.blueF() * k + b.blueF() * (1 - k))


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
