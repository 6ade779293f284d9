"""The loop-health indicator: live event-loop lag in the status bar."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QWidget

PROBE_MS = 100      # how late a 100 ms timer fires is how long the loop was busy elsewhere
WINDOW = 5          # show the worst of the last 5 probes (0.5 s): spikes stay readable
WARN_MS, BAD_MS = 50, 200


class LoopHealthLabel(QLabel):
    """Measures loop lag with a PreciseTimer's lateness and shows it ("Loop lag 3 ms").

    The probe runs only while the label is visible; the first probe after it appears is dropped
    (it times the window's first paint, not the loop).

    Attributes:
        lag_ms: the worst lag of the last WINDOW probes, in ms (None before the first probe).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Loop lag –", parent)
        self.setToolTip("Event-loop lag: how late a 100 ms timer fires.  Over 50 ms the window "
                        "stutters; a blocked loop shows here first.")
        self.lag_ms: float | None = None
        self._samples: list[float] | None = None
        self._last = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(PROBE_MS)
        self._timer.timeout.connect(self._probe)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._last, self._samples = time.monotonic(), None
        self._timer.start()

    def hideEvent(self, event) -> None:  # noqa: N802
        super().hideEvent(event)
        self._timer.stop()

    def stop(self) -> None:
        self._timer.stop()

    def _probe(self) -> None:
        now = time.monotonic()
        lag = max(0.0, now - self._last - PROBE_MS / 1000)
        self._last = now
        if self._samples is None:
            self._samples = []
            return
        self._samples = (self._samples + [lag])[-WINDOW:]
        self.lag_ms = max(self._samples) * 1000
        self.setText(f"Loop lag {self.lag_ms:.0f} ms")
        color = "#e0443a" if self.lag_ms >= BAD_MS else "#c98a00" if self.lag_ms >= WARN_MS else ""
        self.setStyleSheet(f"color: {color}; font-weight: 600;" if color else "")
