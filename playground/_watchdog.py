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

A block is recorded once, when it ends, and interrupted at most once per ``block_limit`` of it
(code that catches the ``BlockedLoopError`` and blocks on is interrupted again a limit later), and
only while the loop thread is in the lesson's code: a traced task's step, a frame of the run's
file, or a plain callback the lesson scheduled (``loop.call_soon(time.sleep, 1)``: found by its
``Handle._run`` frame, whose handle's context names the run).  The playground's own work (formatting
a 100,000-frame traceback after a deep recursion, say) may be slow, but interrupting it would only
break the playground.  A block by a plain callback with no frame in the run's file (a builtin such
as ``time.sleep``) is recorded without a line and named in the run's output.
"""
from __future__ import annotations

import ctypes
import functools
import os
import reprlib
import signal
import sys
import threading
import time
import weakref
import _weakrefset
from asyncio import events as _aio_events

from PySide6 import QtCore

from .events import Block
from ._current import ENGINE_DIRS, current_run, tid_of, tracer_of

_HANDLE_RUN = _aio_events.Handle._run.__code__   # a plain callback runs inside this frame

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
        self._pending: tuple | None = None   # (task, handle, message) the signal handler should raise
        self._again = False                  # the handler put it back: send the signal again
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
        next_interrupt = None   # lag at which the block may be interrupted (again)
        while not self._stop.wait(BEAT):
            if self._again:                  # the last interrupt landed in a weakref callback
                self._again = False
                if self._pending is not None:
                    signal.pthread_kill(self._loop_thread, _SIGNAL)
            beat = self._beat
            lag = time.monotonic() - beat
            if lag < THRESHOLD:
                if block_start is not None:
                    self._record(block_start, beat - block_start, culprit)
                    block_start, culprit, next_interrupt = None, None, None
                continue
            if block_start is None or beat > block_start:
                block_start, culprit, next_interrupt = beat, self._find_culprit(), None
            elif culprit is None or culprit[1] is not self.loop.current_traced:
                # The block began in code that is no lesson's (the window's own work, say) or
                # in another task: look again, or a runaway that follows would go unnoticed.
                culprit = self._find_culprit() or culprit
            limit = self._limit(culprit)
            if limit is None:
                continue
            if next_interrupt is None:
                next_interrupt = limit
            if lag >= next_interrupt:
                now = self._find_culprit()   # where it is stuck *now*
                if now is not None:          # never interrupt the playground's own code
                    culprit = now
                    self._interrupt(culprit, lag)
                    next_interrupt = lag + limit   # once per limit, however long the block
        if block_start is not None:  # the run ended right after a block: still report it
            beat = self._beat
            end = beat if beat > block_start else time.monotonic()
            self._record(block_start, end - block_start, culprit)

    def _find_culprit(self):
        """(tracer, task, filename, lineno, callback) of the lesson code the loop thread runs
        now, or None when it runs none (the playground's or Qt's own code).  ``callback``: the
        ``Handle`` of a plain callback the run scheduled, when that is what runs (else None)."""
        loop = self.loop
        task = loop.current_traced
        tracers = [tracer_of(task)] if task is not None else list(loop.tracers)
        frame = sys._current_frames().get(self._loop_thread)
        files = {t.filename: t for t in tracers}
        found = None
        while frame is not None:
            code = frame.f_code
            if found is None:
                tracer = files.get(code.co_filename)
                if tracer is not None:
                    found = (tracer, task, code.co_filename, frame.f_lineno)
                    if task is not None:
                        return (*found, None)
            if code is _HANDLE_RUN and task is None:
                handle = frame.f_locals.get("self")
                tracer = _run_tracer(handle, loop)
                if tracer is not None:
                    if found is not None and found[0] is tracer:
                        return (*found, handle)
                    return tracer, None, None, None, handle
                if found is not None:
                    return (*found, None)
                return None   # someone else's callback (the playground's, the window's)
            frame = frame.f_back
        if found is not None:
            return (*found, None)
        if task is not None:
            return tracer_of(task), task, None, None, None
        return None

    def _limit(self, culprit):
        if culprit is None:
            return None
        return culprit[0].block_limit

    def _record(self, t0, duration, culprit):
        if culprit is None:
            return
        tracer, task, filename, lineno, handle = culprit
        self.blocks.append(Block("block", tid_of(task) if task is not None else None, t0, duration,
                                 filename, lineno))
        tracer.blocked(task, t0, duration, filename, lineno)
        if handle is not None and filename is None:
            # No line of the lesson to point at (a builtin like time.sleep): say which callback.
            run = _run_of(handle)
            note = getattr(run, "_note", None)
            if note is not None:
                text = (f"the loop was blocked for {duration * getattr(self.loop, 'speed', 1.0):.2f} s by "
                        f"the callback {callback_label(handle)}, scheduled with call_soon/call_later "
                        f"(nothing else ran meanwhile)")
                try:
                    self.loop.call_soon_threadsafe(note, text)
                except RuntimeError:  # the loop closed meanwhile
                    pass

    def _interrupt(self, culprit, lag):
        tracer, task, filename, lineno, handle = culprit
        where = f" at line {lineno}" if lineno else ""
        if handle is not None and not lineno:
            where = f" in the callback {callback_label(handle)}"
        message = (f"stopped by the playground: blocked the event loop for {lag:.1f} s{where} "
                   f"(limit {self._limit(culprit):g} s)")
        self.interrupt(task, handle, BlockedLoopError, message)

    def interrupt(self, task, handle, exc_type, message):
        """Raise ``exc_type(message)`` in the loop thread, in the lesson code it runs now: the
        step of ``task`` (or the plain callback ``handle``).  The landing rule (``_on_signal``):
        never in asyncio's or the playground's own code.  The watchdog's BlockedLoopError and
        the memory limit's RunMemoryError (``_memory``) both land through here."""
        self._pending = (task, handle, message, exc_type)
        if self._old_handler is not None:
            signal.pthread_kill(self._loop_thread, _SIGNAL)
        else:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._loop_thread),
                                                       ctypes.py_object(exc_type))

    # -- in the loop thread, between two bytecodes of the blocking code ---------------------------
    def _on_signal(self, signum, frame):
        pending, self._pending = self._pending, None
        if pending is None:
            return
        task, handle, message, exc_type = pending
        if task is not None and self.loop.current_traced is not task:
            return  # the block ended on its own just now; don't hit innocent code
        if (task is not None and frame is not None
                and frame.f_code.co_filename.startswith(_NOT_LESSON_DIRS)):
            # The signal landed in asyncio's or the playground's own code (the task's step is
            # ending: C Task code calling loop.call_soon to schedule its done callbacks, say).  An
            # exception there would lose those callbacks and leave the run waiting forever (seen
            # as a rare hang of the deep-recursion test); the lesson's code is no longer running.
            return
        if frame is not None and frame.f_code.co_filename in _CALLBACK_FILES:
            # A weakref callback CPython runs from C when an object of the lesson's dies
            # (WeakSet._remove): an exception raised there is only printed ("Exception ignored")
            # and the runaway would spin on for another limit.  The lesson's code is right below
            # it: land once the callback has returned (the watchdog thread sends the signal again
            # at its next beat; sent from here, it would land in this handler at once).
            self._pending = pending
            self._again = True
            return
        if task is None and handle is not None:
            while frame is not None and not (frame.f_code is _HANDLE_RUN and frame.f_locals.get("self") is handle):
                frame = frame.f_back
            if frame is None:
                return  # that callback has returned
        raise exc_type(message)


_NOT_LESSON_DIRS = (*ENGINE_DIRS, os.path.dirname(os.path.abspath(_aio_events.__file__)) + os.sep)
#: Code CPython calls from C in the middle of any code when an object dies (weakref callbacks):
#: an exception raised there cannot reach the code below it.
_CALLBACK_FILES = frozenset({weakref.__file__, _weakrefset.__file__})


def _run_of(handle):
    context = getattr(handle, "_context", None)
    return context.get(current_run) if context is not None else None


def _run_tracer(handle, loop):
    """The tracer of the live run whose code scheduled ``handle``, or None."""
    tracer = getattr(_run_of(handle), "tracer", None)
    return tracer if tracer in loop.tracers else None


_short = reprlib.Repr()
_short.maxstring, _short.maxother, _short.maxargs = 40, 40, 4


def callback_label(handle) -> str:
    """``time.sleep(0.3)``: what a plain callback calls, short."""
    callback, args = handle._callback, tuple(handle._args or ())
    while isinstance(callback, functools.partial):
        args = tuple(callback.args) + args
        callback = callback.func
    name = getattr(callback, "__qualname__", None) or getattr(callback, "__name__", None) or repr(callback)
    module = getattr(callback, "__module__", None)
    if module and module not in ("builtins", "__main__") and not module.startswith("asyncio_playground"):
        name = f"{module}.{name}"
    return f"{name}({', '.join(_short.repr(a) for a in args)})"
