"""The watchdog: notices lesson code that blocks the event loop, records it, and stops runaways.

Facts this is built on (measured, see docs/design-facts.md):

* a thread cannot see "the loop is blocked" from the loop itself, so the loop thread bumps a
  heartbeat from a Qt timer every ``BEAT`` seconds and a watchdog thread watches the beat;
* ``sys._current_frames()`` from the watchdog thread shows where the loop thread is stuck, which
  gives the lesson's file:line;
* to interrupt: a signal sent to the main thread (``pthread_kill``) interrupts both pure-Python
  loops and ``time.sleep()``; ``PyThreadState_SetAsyncExc`` stops only the former, and only lands
  after a sleep returns, so it is the fallback when the loop is not on the main thread;
* the exception raised must be an ``Exception`` subclass: KeyboardInterrupt or SystemExit in a
  task unwind the whole loop.
"""
from __future__ import annotations

import ctypes
import signal
import sys
import threading
import time

from PySide6 import QtCore

from .events import Block
from ._tracer import tid_of, tracer_of

__all__ = ["BlockedLoopError", "Watchdog"]

BEAT = 0.02          # heartbeat period
THRESHOLD = 0.1      # a beat this late is a block worth recording
_SIGNAL = getattr(signal, "SIGUSR2", None)


class BlockedLoopError(Exception):
    """Raised inside lesson code that blocked the event loop for longer than the limit."""


BlockedLoopError.__module__ = "builtins"   # tracebacks say "BlockedLoopError: ...", no package path


class Watchdog:
    """Watches one loop while runs are live.  ``start()``/``stop()`` are called by the loop."""

    def __init__(self, loop):
        self.loop = loop
        self._beat = time.monotonic()
        self._timer: QtCore.QTimer | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._loop_thread = None
        self._old_handler = None
        self._pending: tuple | None = None   # (task, message) the signal handler should raise
        self.blocks: list[tuple] = []        # every block seen, also recorded in the run's tracer

    # -- lifecycle (loop thread) -------------------------------------------------------------
    def start(self):
        if self._thread is not None:
            return
        self._loop_thread = threading.get_ident()
        self._beat = time.monotonic()
        self._timer = QtCore.QTimer()
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_beat)
        self._timer.start(int(BEAT * 1000))
        if _SIGNAL is not None and threading.current_thread() is threading.main_thread():
            self._old_handler = signal.signal(_SIGNAL, self._on_signal)
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name="playground-watchdog", daemon=True)
        self._thread.start()

    def stop(self):
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None
        if self._old_handler is not None:
            signal.signal(_SIGNAL, self._old_handler)
            self._old_handler = None

    def _on_beat(self):
        self._beat = time.monotonic()

    # -- the watchdog thread ---------------------------------------------------------------------
    def _watch(self):
        block_start = None
        culprit = None
        interrupted = False
        while not self._stop.wait(BEAT):
            beat = self._beat
            lag = time.monotonic() - beat
            if lag < THRESHOLD:
                if block_start is not None:
                    self._record(block_start, beat - block_start, culprit)
                    block_start, culprit, interrupted = None, None, False
                continue
            if block_start is None or beat > block_start:
                block_start, culprit, interrupted = beat, self._find_culprit(), False
            elif culprit is None or culprit[1] is not self.loop.current_traced:
                # The block began in code that is no lesson's (the window's own work, say) or
                # in another task: look again, or a runaway that follows would go unnoticed.
                culprit, interrupted = self._find_culprit() or culprit, False
            limit = self._limit(culprit)
            if not interrupted and limit is not None and lag >= limit:
                culprit = self._find_culprit() or culprit   # where it is stuck *now*
                self._interrupt(culprit, lag)
                interrupted = True
        if block_start is not None:  # the run ended right after a block: still report it
            beat = self._beat
            end = beat if beat > block_start else time.monotonic()
            self._record(block_start, end - block_start, culprit)

    def _find_culprit(self):
        """(tracer, task, filename, lineno) of what the loop thread is running, or None."""
        loop = self.loop
        task = loop.current_traced
        tracers = [tracer_of(task)] if task is not None else list(loop.tracers)
        frame = sys._current_frames().get(self._loop_thread)
        files = {t.filename: t for t in tracers}
        while frame is not None:
            tracer = files.get(frame.f_code.co_filename)
            if tracer is not None:
                return tracer, task, frame.f_code.co_filename, frame.f_lineno
            frame = frame.f_back
        if task is not None:
            return tracer_of(task), task, None, None
        return None

    def _limit(self, culprit):
        if culprit is None:
            return None
        return culprit[0].block_limit

    def _record(self, t0, duration, culprit):
        if culprit is None:
            return
        tracer, task, filename, lineno = culprit
        self.blocks.append(Block("block", tid_of(task) if task is not None else None, t0, duration,
                                 filename, lineno))
        tracer.blocked(task, t0, duration, filename, lineno)

    def _interrupt(self, culprit, lag):
        tracer, task, filename, lineno = culprit
        where = f" at line {lineno}" if lineno else ""
        message = (f"stopped by the playground: blocked the event loop for {lag:.1f} s{where} "
                   f"(limit {self._limit(culprit):g} s)")
        self._pending = (task, message)
        if self._old_handler is not None:
            signal.pthread_kill(self._loop_thread, _SIGNAL)
        else:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._loop_thread),
                                                       ctypes.py_object(BlockedLoopError))

    # -- in the loop thread, between two bytecodes of the blocking code ---------------------------
    def _on_signal(self, signum, frame):
        pending, self._pending = self._pending, None
        if pending is None:
            return
        task, message = pending
        if task is not None and self.loop.current_traced is not task:
            return  # the block ended on its own just now; don't hit innocent code
        raise BlockedLoopError(message)
