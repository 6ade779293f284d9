"""The time bar: the loop's speed, Pause/Resume, Step, Step task, the loop clock, what runs next,
and, once a run has ended, the scrubber that replays it.

It acts on the loop itself (``set_speed``, ``pause``, ``step``: the engine's public API) and says
what it did through signals; the window decides what a moment of a replay shows.

Signals:
    momentChanged(float): the scrubber (or playback) moved to this loop time of the replayed run.
    liveRequested(): the scrubber went back to the end: show the run as it ended.
    nextStepChanged(object): what Step would run next (a ``loopstate.NextStep``), or None when
        the loop is not paused.
"""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QPainter
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QProxyStyle, QSizePolicy, QSlider,
                               QStyle, QToolButton, QWidget)

from . import lazy_module

loopstate = lazy_module("asyncio_playground.loopstate")   # needed once the loop is paused

#: (label, loop seconds per wall second, skip idle) in the order the menu lists them.
SPEEDS = (("1/20×", 0.05, False), ("1/10×", 0.1, False), ("¼×", 0.25, False), ("½×", 0.5, False),
          ("1×", 1.0, False), ("2×", 2.0, False), ("10×", 10.0, False), ("Skip idle", 1.0, True))
_ONE_X = 4
_SCRUB_STEPS = 1000
_PLAY_MS = 33
#: The clock when the shown lesson has no run to count from (nothing to measure yet).
NO_TIME = "t = —"


class _JumpToClickStyle(QProxyStyle):
    """The scrubber's style: a left click on the track jumps the handle to where it was clicked
    (and a drag goes on from there), as a media scrubber does, instead of Qt's page step toward it."""

    def styleHint(self, hint, option=None, widget=None, data=None):
        if hint == QStyle.StyleHint.SH_Slider_AbsoluteSetButtons:
            return Qt.MouseButton.LeftButton.value
        return super().styleHint(hint, option, widget, data)


def _where(nxt) -> str:
    if nxt is None:
        return ""
    line = f" at line {nxt.line}" if nxt.line else ""
    if nxt.kind == "task":
        return f"Next: {nxt.label}{line}"
    if nxt.kind == "timer":
        return f"Next: the clock jumps to the next timer ({nxt.label})"
    if nxt.kind == "callback":
        return f"Next: callback {nxt.label}"
    if nxt.kind == "plumbing":
        return "Next: asyncio's own callbacks, then the task they wake"
    return "Next: nothing is ready — the run waits on sockets or threads"


class _ElidedLabel(QLabel):
    """A one-line label that ends in "…" when the bar is too narrow for it (the whole text is its
    tooltip): clipped, "Next: the clock jumps to the next timer (sleep of bo" at 1024 px."""

    def paintEvent(self, event):  # noqa: N802 (Qt's virtual)
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment()), text)


class TimeBar(QWidget):
    """See the module docstring.

    Attributes:
        act_pause, act_step, act_step_task: the actions (with their shortcuts) for the menus.
        speed: the speed combo box.  slider: the replay scrubber (hidden while a run is live).
    """

    momentChanged = Signal(float)
    liveRequested = Signal()
    nextStepChanged = Signal(object)

    def __init__(self, loop, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="timeBar")
        self.loop = loop
        self._origin: float | None = None     # loop time the shown run started (None: no run shown)
        self._live_origin: float | None = None  # loop time the live run started (None: none is live)
        self._selected = None                 # callable -> the selected task (or None)
        self._replay = None                   # a playground.replay.Replay while one is shown
        self._moment: float | None = None
        style = self.style()
        sp = QStyle.StandardPixmap

        def action(text, icon, slot, shortcut, tip):
            a = QAction(text, self, shortcutContext=Qt.ShortcutContext.WindowShortcut)
            a.setIcon(style.standardIcon(icon))
            a.setShortcut(QKeySequence(shortcut))
            key = QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)
            a.setToolTip(f"{tip} ({key})")
            a.triggered.connect(slot)
            return a

        self.act_pause = action("Pause", sp.SP_MediaPause, self.toggle_pause, "F8",
                                "Pause the loop's clock: no task runs until Resume or Step; "
                                "the window stays live")
        self.act_pause.setCheckable(True)
        self.act_step = action("Step", sp.SP_MediaSeekForward, self.step, "F10",
                               "Run one task step (or one callback of the lesson), then pause "
                               "again; when nothing is ready the clock jumps to the next timer")
        self.act_step_task = action("Step task", sp.SP_MediaSkipForward, self.step_task, "F11",
                                    "Run until the selected task has taken its next step")
        layout = QHBoxLayout(self, spacing=4)
        layout.setContentsMargins(4, 0, 4, 0)
        for act in (self.act_pause, self.act_step, self.act_step_task):
            button = QToolButton(defaultAction=act, autoRaise=True, iconSize=QSize(16, 16),
                                 toolButtonStyle=Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            layout.addWidget(button)
        layout.addWidget(QLabel(" Speed "))
        self.speed = QComboBox(objectName="speedBox")
        for label, _speed, _skip in SPEEDS:
            self.speed.addItem(label)
        self.speed.setCurrentIndex(_ONE_X)
        self.speed.setToolTip("How fast the loop's clock runs: sleep, call_later, timeouts and "
                              "wait_for all follow it, so asyncio's order never changes.  Skip "
                              "idle jumps to the next timer whenever nothing is ready.  After a "
                              "run, the replay plays at this speed.")
        self.speed.currentIndexChanged.connect(self._speed_chosen)
        layout.addWidget(self.speed)
        self.clock = QLabel(objectName="loopClock")
        self.clock.setToolTip("Loop time since the run started (lesson time: it runs slower, "
                              "faster or not at all as the speed and Pause say)")
        self.clock.setMinimumWidth(self.fontMetrics().horizontalAdvance("t = 00.000 of 00.000 s") + 8)
        layout.addWidget(self.clock)
        self.play = QToolButton(autoRaise=True, objectName="replayPlay",
                                toolButtonStyle=Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.play.setIcon(style.standardIcon(sp.SP_MediaPlay))
        self.play.setText("Replay")
        self.play.setToolTip("Play the finished run back from the scrubber's moment, at the "
                             "chosen speed")
        self.play.setCheckable(True)
        self.play.toggled.connect(self._play_toggled)
        layout.addWidget(self.play)
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="replaySlider")
        self.slider.setRange(0, _SCRUB_STEPS)
        self.slider.setValue(_SCRUB_STEPS)
        self.slider.setMinimumWidth(120)
        # A click on the track jumps there.  The proxy follows the app's style (Fusion in the app);
        # it is the slider's child, so it lives as long as the slider.
        self._slider_style = _JumpToClickStyle(self.slider.style().name())
        self._slider_style.setParent(self.slider)
        self.slider.setStyle(self._slider_style)
        self.slider.setToolTip("Replay: drag to see the finished run at any moment — the table, "
                               "timeline, await view, gutter and console show that moment")
        self.slider.valueChanged.connect(self._scrubbed)
        layout.addWidget(self.slider, 1)
        self.next_label = _ElidedLabel(objectName="nextStep")
        self.next_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.next_label, 2)
        self._tick = QTimer(self, interval=100)
        self._tick.timeout.connect(self._ticked)
        self._player = QTimer(self, interval=_PLAY_MS)
        self._player.timeout.connect(self._play_frame)
        loop.clock_listeners.append(self._clock_changed)
        self.destroyed.connect(lambda *_: self._forget_loop(loop))
        self.set_replay(None)
        self._clock_changed()

    @staticmethod
    def _forget_loop(loop) -> None:
        loop.clock_listeners[:] = [f for f in loop.clock_listeners
                                   if getattr(f, "__self__", None) is None
                                   or f.__self__.__class__ is not TimeBar]

    def close_bar(self) -> None:
        """Stop listening to the loop and stop the timers (the window is closing)."""
        self._tick.stop()
        self._player.stop()
        try:
            self.loop.clock_listeners.remove(self._clock_changed)
        except ValueError:
            pass

    # == what the window tells the bar ==================================================================
    def set_selected(self, selected) -> None:
        """``selected()`` returns the selected task of the live run (or None): for Step task."""
        self._selected = selected
        self.update_actions()

    def run_started(self, origin: float) -> None:
        """A run started at loop time ``origin``: the clock counts from it; no replay."""
        self.set_replay(None)
        self._origin = self._live_origin = origin
        self._tick.start()
        self._update_clock()

    def run_ended(self) -> None:
        """The live run ended: the clock stops.  It reads nothing until ``set_replay`` offers the
        ended run (the window does, when that run is the one on screen)."""
        self._tick.stop()
        self._live_origin = None
        if self._replay is None:
            self._origin = None
        self._update_clock()

    def show_no_run(self) -> None:
        """The shown lesson has no run (never run here): the clock reads ``t = —``, whether or not
        a run of another lesson is live off screen."""
        self.set_replay(None)
        self._origin = None
        self._tick.stop()
        self._update_clock()

    def show_live_run(self) -> None:
        """The shown lesson's run is the live one again: the clock counts from its start and ticks
        (a no-op when no run is live)."""
        if self._live_origin is None:
            return
        self.set_replay(None)
        self._origin = self._live_origin
        self._tick.start()
        self._update_clock()

    def set_replay(self, replay) -> None:
        """Offer ``replay`` (a finished run's ``Replay``) on the scrubber; None hides it."""
        self._player.stop()
        self.play.setChecked(False)
        self._replay = replay
        self._moment = None
        shown = replay is not None and replay.end > replay.start
        self.slider.setVisible(shown)
        self.play.setVisible(shown)
        self.slider.blockSignals(True)
        self.slider.setValue(_SCRUB_STEPS)
        self.slider.blockSignals(False)
        if replay is not None:
            self._origin = replay.start
        elif self._live_origin is None:
            # No run to count from: a lesson shown before any run of it (or after another
            # lesson's run) must not read the time since some other run started.
            self._origin = None
        self._update_clock()

    @property
    def replay(self):
        """The finished run's ``Replay`` on the scrubber (None: none is offered)."""
        return self._replay

    @property
    def moment(self) -> float | None:
        """The replayed loop time on screen, None when the run is shown as it ended (or live)."""
        return self._moment

    def show_moment(self, t: float | None) -> None:
        """Move the scrubber to loop time ``t`` (None: the end) and announce it."""
        replay = self._replay
        if replay is None:
            return
        if t is None or t >= replay.end:
            if self.slider.value() != _SCRUB_STEPS:
                self.slider.setValue(_SCRUB_STEPS)
            elif self._moment is not None:
                # A moment within half a step of the end already put the slider there: no
                # valueChanged comes, and the moment would stay shown as if it were the end.
                self._scrubbed(_SCRUB_STEPS)
            return
        span = replay.end - replay.start
        value = round((t - replay.start) / span * _SCRUB_STEPS)
        if value == self.slider.value():
            self._announce(t)
        else:
            self.slider.blockSignals(True)
            self.slider.setValue(max(0, min(_SCRUB_STEPS, value)))
            self.slider.blockSignals(False)
            self._announce(t)

    # == Pause, Step, speed ==============================================================================
    def toggle_pause(self) -> None:
        if self.loop.paused:
            self.loop.resume()
        else:
            self.loop.pause()

    def step(self) -> None:
        if self.loop.paused:
            self.loop.step()

    def step_task(self) -> None:
        task = self._selected() if self._selected is not None else None
        if self.loop.paused and task is not None and not task.done():
            self.loop.step(until=task)

    def _speed_chosen(self, index: int) -> None:
        _label, speed, skip = SPEEDS[index]
        self.loop.set_speed(speed, skip_idle=skip)

    def select_speed(self, label: str) -> None:
        """Choose the speed whose label is ``label`` ("¼×", "Skip idle"...)."""
        for i, (text, _speed, _skip) in enumerate(SPEEDS):
            if text == label:
                self.speed.setCurrentIndex(i)
                return
        raise ValueError(f"no speed {label!r}")

    def _clock_changed(self) -> None:
        paused = self.loop.paused
        self.act_pause.setChecked(paused)
        self.act_pause.setText("Resume" if paused else "Pause")
        self.act_pause.setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MediaPlay if paused else QStyle.StandardPixmap.SP_MediaPause))
        nxt = loopstate.next_step(self.loop) if paused else None
        self.next_label.setText(_where(nxt) if paused else "")
        self.next_label.setToolTip(self.next_label.text())
        self.update_actions()
        self._update_clock()
        self.nextStepChanged.emit(nxt)

    def update_actions(self) -> None:
        paused = self.loop.paused
        self.act_step.setEnabled(paused)
        task = self._selected() if self._selected is not None else None
        self.act_step_task.setEnabled(paused and task is not None and not task.done())

    def _ticked(self) -> None:
        if not getattr(self.loop, "tracers", True):
            # No run is live any more (it ended off screen, where nobody calls run_ended): the
            # clock stops at its last reading instead of counting on from that run's start.
            self._tick.stop()
            self._live_origin = None
            return
        self._update_clock()

    def _update_clock(self) -> None:
        if self._moment is not None:
            t = self._moment
        elif self._replay is not None:
            t = self._replay.end
        else:
            t = self.loop.time()
        text = f"t = {t - self._origin:.3f} s" if self._origin is not None else NO_TIME
        if self._moment is not None and self._replay is not None:
            text = f"t = {t - self._origin:.3f} of {self._replay.end - self._origin:.3f} s"
        if self.loop.paused and self._replay is None:
            text += " (paused)"
        self.clock.setText(text)

    # == replay ===================================================================================
    def _scrubbed(self, value: int) -> None:
        replay = self._replay
        if replay is None:
            return
        if value >= _SCRUB_STEPS:
            self._moment = None
            self._update_clock()
            self.liveRequested.emit()
            return
        self._announce(replay.start + (replay.end - replay.start) * value / _SCRUB_STEPS)

    def _announce(self, t: float) -> None:
        self._moment = t
        self._update_clock()
        self.momentChanged.emit(t)

    def _play_toggled(self, on: bool) -> None:
        if not on:
            self._player.stop()
            return
        if self._replay is None:
            self.play.setChecked(False)
            return
        if self._moment is None:     # at the end: play from the start
            self._announce(self._replay.start)
        self._player.start()

    def _play_frame(self) -> None:
        replay = self._replay
        if replay is None or self._moment is None:
            self.play.setChecked(False)
            return
        _label, speed, _skip = SPEEDS[self.speed.currentIndex()]
        t = self._moment + _PLAY_MS / 1000.0 * speed
        if t >= replay.end:
            self.play.setChecked(False)
            self.show_moment(None)
            return
        self.show_moment(t)
