"""The playground's event loop: qasync's QEventLoop with asyncio's own scheduling rules put back.

Facts about stock qasync 0.28 that shaped this module (measured, see docs/design-facts.md):

* every callback, ``call_soon`` included, becomes its own Qt timer (``startTimer(int(delay*1000))``,
  a CoarseTimer).  That costs 3.5-6x plain asyncio's throughput, truncates sub-millisecond delays
  to 0 and wakes ``asyncio.sleep()`` up to 5% early (49 ms at 1 s).
* ``_before_run_forever``/``_after_run_forever`` are no-ops, so async generators are never
  registered with the loop and ``shutdown_asyncgens()`` cannot finalize them.
* its exception-handler and executor methods use private name-mangled state, so asyncio's
  ``get_exception_handler()`` and ``shutdown_default_executor()`` disagree with them.

So we keep what qasync is good at (running inside Qt's event dispatcher, QSocketNotifier based
readers and writers, the asyncio self-pipe for thread wake-ups) and replace its scheduling with
asyncio's: ``BaseEventLoop``'s own ``_ready`` deque and ``_scheduled`` heap, drained by ONE Qt
PreciseTimer.  The drain runs whole asyncio iterations (due timers, then the callbacks ready at the
start of the iteration, FIFO) for at most ``SLICE`` seconds and then returns to Qt, so the window
keeps painting while thousands of callbacks are ready.  Timers are armed with ``ceil`` of the
remaining milliseconds and only run once ``time() >= when``: never early.

Loop time is the learner's to control (``set_speed``, ``pause``, ``step``).  ``time()`` reads
``_clock``, which is ``time.monotonic`` itself until the first change (so an unused speed control
costs nothing), then a closure that scales the wall clock from an anchor.  Everything that asks
the loop what time it is (``sleep``, ``call_later``, ``asyncio.timeout``, ``wait_for``, the tracer)
therefore runs at the same rate, and asyncio's ordering is unchanged: timers still never fire
early in loop time.  Pausing freezes the clock and runs nothing; a step runs one handle that
counts (``loopstate.counts_as_step``) and, when nothing is ready, moves the clock to the next timer.
"""
from __future__ import annotations

import asyncio
import contextvars
import gc
import heapq
import math
import select
import sys
import threading
import time
import types
from asyncio import base_events, events, futures, runners

import qasync
from PySide6 import QtCore

from ._current import current_run, tracer_of
from ._schedule import note_step
from .loopstate import counts_as_step

__all__ = ["PlaygroundLoop", "new_event_loop", "run"]


def _resolve_lazy_executors() -> None:
    """Python 3.15 imports ``concurrent.futures``' executors lazily (PEP 810: ``lazy from .thread
    import ThreadPoolExecutor``), and reading ``concurrent.futures.ThreadPoolExecutor`` resolves
    the name -- unless shiboken6 is loaded: PySide6 6.12 replaces the module type's attribute
    lookup with one that hands out the unresolved ``lazy_import`` object itself, so asyncio's
    ``run_in_executor``/``to_thread`` (and a lesson's ``concurrent.futures.ThreadPoolExecutor()``)
    failed with "'lazy_import' object is not callable", plain asyncio included, in any process
    that had imported Qt.  When a probe module shows the lookup broken, resolve the executors now
    and store them in the module's namespace, where every later lookup finds the real class.
    (Lazy names read by the module's own code resolve as they should; no other lazy name of the
    standard library is public.)"""
    lazy = getattr(types, "LazyImportType", None)
    if lazy is None:
        return
    probe = types.ModuleType("_asyncio_playground_lazy_probe")
    exec(compile("lazy import types as resolved", "<lazy probe>", "exec"), vars(probe))
    if type(probe.resolved) is not lazy:
        return                        # the module type resolves lazy names: nothing to mend
    import concurrent.futures
    namespace = vars(concurrent.futures)
    for name, value in list(namespace.items()):
        if type(value) is lazy:
            try:
                namespace[name] = lazy.resolve(value)
            except ImportError:       # left lazy: using it raises the ImportError, as in Python
                pass


_resolve_lazy_executors()

_SET_RESULT_UNLESS_CANCELLED = futures._set_result_unless_cancelled
_EAGER_FACTORY = getattr(asyncio, "eager_task_factory", object())
# call_soon/call_at make their handles without Handle.__init__ (see call_soon), while Handle and
# TimerHandle have exactly the fields their __init__ sets on 3.11-3.15; a Python that changes
# them gets the real constructors.
_new_object = object.__new__
_INLINE_HANDLES = (
    tuple(events.Handle.__slots__) == ("_callback", "_args", "_cancelled", "_loop",
                                       "_source_traceback", "_repr", "__weakref__", "_context")
    and tuple(events.TimerHandle.__slots__) == ("_scheduled", "_when")
    and events.TimerHandle.__bases__ == (events.Handle,)
)

# How long one drain may run before Qt gets the thread back (paint, input, socket notifiers).
# 6 ms: with a frame's fold and paint (~4-6 ms) on top, a 16 ms timer in the window stays within
# 20 ms of its time at p99 while 10k traced tasks run (8 ms: p99 ~27 ms; bench/ui_load.py).
SLICE = 0.006
# Qt timers take an int of milliseconds; longer waits are re-armed when they fire.
_MAX_ARM_MS = 24 * 3600 * 1000
# "Skip idle" jumps the clock only after this much real quiet: a loopback reply or a thread's
# call_soon_threadsafe lands within it, and a jump must never overtake them.
SKIP_GRACE = 0.005
# While a run's module code runs outside the loop or a thread it started is alive, "skip idle"
# and a step waiting for them look again this often (ms).
_BUSY_POLL_MS = 10
# A step runs at most this many handles looking for one that counts (asyncio's plumbing is silent).
_STEP_LIMIT = 100_000

# current_run (imported above from _current, the bottom of the engine): the run a piece of code
# belongs to; tasks carry it in their context.  Set by the runner.


class PlaygroundError(RuntimeError):
    """Lesson code asked the playground loop for something that would break it."""


class _Pump(QtCore.QObject):
    """The single Qt timer that drives the loop (a QObject so it lives in the loop's thread)."""

    def __init__(self, loop: "PlaygroundLoop"):
        super().__init__()
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(loop._drain)
        self.start = self._timer.start
        self.stop = self._timer.stop


class PlaygroundLoop(qasync.QEventLoop):
    """An asyncio event loop that runs inside Qt's event dispatcher.

    Drive it with ``run_forever()``/``run_until_complete()`` (it spins its own ``QEventLoop``), or
    ``attach()`` it while someone else spins Qt (``app.exec()`` in the window, ``qtbot`` waits in
    GUI tests).

    Attributes:
        tracers: the instruments of the live runs (see ``_tracer.Instrument``): the loop calls
            their hooks, and only while there is one.
        tracing_hook: an instrument's ``run_batch`` while runs are live; ``None`` keeps the hot
            path free of tracing.
    """

    # The instance's attributes live in slots, not its __dict__: the ones this class sets and the
    # ones of asyncio's BaseEventLoop that the hot paths read (call_soon, call_at, the drain,
    # get_debug, create_task).  With ~65 attributes the __dict__ outgrew CPython's shared keys
    # (30): every attribute read on the loop became a dict lookup, 3.14+ no longer specializes
    # most of them at all, and method calls on the loop (self._arm(), loop.call_soon from Python)
    # were unspecialized on 3.11.  What is left in the __dict__ (~20 names of asyncio's and
    # qasync's) stays in CPython's fast inline values.  Nothing reads the loop's vars().
    # (With call_soon's inlined Handle, callgrind on 3.11, hops 500 tasks x 50: untraced 345 ->
    # 287 M instructions, traced 402 -> 343 M; docs/performance.md.)
    __slots__ = (
        # this class's
        "_app_ref", "_pump", "_armed_when", "_in_drain", "_module_call", "_attached", "_qloop",
        "_pending_base_exc", "current_traced", "last_sleep", "tracing_hook", "tracers",
        "_events_seen", "_watchdog", "_clock", "_timectl", "_speed", "_paused", "_skip_idle",
        "_idle_since", "_step_request", "_io_step", "step_count", "step_policy", "clock_listeners",
        "_executor_jobs", "_io_labels", "_io_handles", "_gc_threshold", "_old_agen_hooks",
        "_module_code",
        # asyncio's (BaseEventLoop) and qasync's that the hot paths read
        "_ready", "_scheduled", "_closed", "_debug", "_stopping", "_thread_id", "_task_factory",
        "_timer_cancelled_count", "_current_handle", "_clock_resolution", "_read_notifiers",
        "_write_notifiers", "_exception_handler", "slow_callback_duration",
    )

    def __init__(self, app: QtCore.QCoreApplication | None = None):
        app = app or QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])
        self._app_ref = app
        self._pump = None
        self._armed_when = math.inf   # loop time the pump is armed for (inf: not armed)
        self._in_drain = False
        self._module_call = False        # a module-code call is running here (is_running: False)
        self._module_code = []           # runs whose module thread is alive (Run._module_busy)
        self._attached = False
        self._qloop: QtCore.QEventLoop | None = None
        self._pending_base_exc: BaseException | None = None
        # The traced task whose step is running now (None outside traced steps).
        self.current_traced = None
        self.last_sleep = (None, None)   # (future, delay) of the latest asyncio.sleep()
        self.tracing_hook = None      # an instrument's run_batch while runs are live
        self.tracers: set = set()      # instruments of the live runs
        self._events_seen = 0            # their records at the last young collection
        self._watchdog = None
        # The clock (see the module docstring): monotonic until the learner changes something.
        self._clock = time.monotonic
        # Any of speed != 1, paused, skip idle: one flag, so the hot paths (every _arm, every
        # drain) pay one attribute lookup for all of them (bench/: three cost 1.5% of timer_hops).
        self._timectl = False
        self._speed = 1.0
        self._paused = False
        self._skip_idle = False
        self._idle_since = None          # real time since when nothing was ready (skip idle)
        self._step_request = None        # (until_task or None,) while a step is asked for
        # A step waiting for a socket or a thread (nothing ready, something in flight): the clock
        # runs, at the current speed, until something is ready or a timer is due; then the step
        # goes on, paused.  Jumping to the next timer instead would fire an httpx timeout before
        # the reply that was on its way.  (until_task or None,) while it waits.
        self._io_step = None
        self.step_count = 0              # steps taken (a test or a view can wait on it)
        # ready -> index of the handle to step (None: FIFO); the policy may return None to refuse
        # (nothing runs).  Every step's choice is recorded in its run's schedule (_schedule).
        self.step_policy = None
        self.clock_listeners: list = []  # called with no argument after speed/pause/step changes
        self._executor_jobs: dict = {}   # future -> (label, loop time started)
        self._io_labels: dict = {}       # ("read"|"write", fd) -> label of the callback
        self._io_handles: dict = {}      # ("read"|"write", fd) -> the Handle _add_reader returned
        super().__init__(app)
        self._pump = _Pump(self)

    # -- scheduling: asyncio's structures, one Qt timer --------------------------------------
    def call_soon(self, callback, *args, context=None):
        if self._closed:
            raise RuntimeError("Event loop is closed")   # (_check_closed, inlined)
        if self._debug or not _INLINE_HANDLES:
            if self._debug:
                self._check_thread()
                self._check_callback(callback, "call_soon")
            handle = events.Handle(callback, args, self, context)
            if handle._source_traceback:
                del handle._source_traceback[-1]
        else:
            # Handle(callback, args, self, context) with its __init__ inlined: the fields it sets
            # (the same in 3.11-3.15), no traceback out of debug mode.  The type call, __init__'s
            # frame and its loop.get_debug() call (with _check_closed's) were ~1,400 instructions
            # on 3.11 and ~1,300 on 3.15 of every task step (callgrind).
            handle = _new_object(events.Handle)
            handle._context = context if context is not None else contextvars.copy_context()
            handle._loop = self
            handle._callback = callback
            handle._args = args
            handle._cancelled = False
            handle._repr = None
            handle._source_traceback = None
        self._ready.append(handle)
        if self._armed_when > 0 and not self._in_drain:
            if self._thread_id is not None and self._thread_id != threading.get_ident():
                # Another thread (a script's module code cancelling a task or resolving a
                # future, as its main thread may under `python FILE`): Qt timers are the loop
                # thread's own, so wake that thread instead (the self-pipe), which then arms.
                self._write_to_self()
            else:
                self._arm()
        return handle

    def call_soon_threadsafe(self, callback, *args, context=None):
        # asyncio's own version: append to _ready and write to the self-pipe, whose
        # QSocketNotifier wakes the Qt thread, which then arms the pump through call_soon.
        handle = base_events.BaseEventLoop.call_soon_threadsafe(self, callback, *args, context=context)
        if handle._source_traceback:   # debug mode: the traceback ends at the caller, not here
            del handle._source_traceback[-1]
        return handle

    def call_later(self, delay, callback, *args, context=None):
        if delay is None:
            raise TypeError("delay must not be None")
        if callback is _SET_RESULT_UNLESS_CANCELLED:
            # asyncio.sleep(delay): remember the delay for the tracer's "sleep(0.5)" label,
            # which would otherwise have to read it from the suspended frame's locals.
            self.last_sleep = (args[0], delay)
        timer = self.call_at(self.time() + delay, callback, *args, context=context)
        if timer._source_traceback:   # debug mode: the traceback ends at the caller, not here
            del timer._source_traceback[-1]
        return timer

    def call_at(self, when, callback, *args, context=None):
        if when is None:
            raise TypeError("when cannot be None")
        if self._closed:
            raise RuntimeError("Event loop is closed")
        if self._debug or not _INLINE_HANDLES:
            if self._debug:
                self._check_thread()
                self._check_callback(callback, "call_at")
            timer = events.TimerHandle(when, callback, args, self, context)
            if timer._source_traceback:
                del timer._source_traceback[-1]
        else:
            timer = _new_object(events.TimerHandle)   # TimerHandle.__init__ inlined (as call_soon's)
            timer._context = context if context is not None else contextvars.copy_context()
            timer._loop = self
            timer._callback = callback
            timer._args = args
            timer._cancelled = False
            timer._repr = None
            timer._source_traceback = None
            timer._when = when
            timer._scheduled = False
        heapq.heappush(self._scheduled, timer)
        timer._scheduled = True
        if when < self._armed_when and not self._in_drain:
            self._arm()
        return timer

    def time(self):
        return self._clock()

    # -- loop time: speed, pause, step -------------------------------------------------------
    @property
    def speed(self) -> float:
        """Loop seconds per wall second (1.0: real time)."""
        return self._speed

    @property
    def paused(self) -> bool:
        """Paused by the learner (a step waiting for I/O, with the clock running, counts)."""
        return self._paused or self._io_step is not None

    @property
    def skip_idle(self) -> bool:
        return self._skip_idle

    def set_speed(self, speed: float, *, skip_idle: bool = False) -> None:
        """Run the clock at ``speed`` loop seconds per wall second from now on.  With ``skip_idle``
        the clock also jumps to the next timer whenever nothing is ready, no socket is watched and
        no executor job runs (after SKIP_GRACE of real quiet)."""
        speed = float(speed)
        if not (0 < speed < math.inf):
            raise ValueError(f"speed must be a positive number, not {speed!r}")
        now = self._clock()
        self._speed, self._skip_idle, self._idle_since = speed, bool(skip_idle), None
        self._retime(now)
        self._rearm()

    def pause(self) -> None:
        """Freeze the clock and run nothing until ``resume()``; ``step()`` runs one step at a time.
        Qt keeps running: the window paints, and what threads or sockets deliver waits, queued."""
        if self._paused:
            return
        now = self._clock()
        self._paused, self._io_step = True, None
        self._retime(now)
        self._rearm()

    def resume(self) -> None:
        """Continue exactly where ``pause()`` stopped, at the current speed."""
        if not self.paused:
            return
        now = self._clock()
        self._paused, self._step_request, self._idle_since, self._io_step = False, None, None, None
        self._retime(now)
        self._rearm()

    def step(self, until=None, *, jump: bool = True) -> None:
        """While paused: run one step (one task step of a run, or one plain callback of a run's
        code), then stay paused.  asyncio's plumbing before it (a sleep's timer, a future's done
        callbacks) runs along; when nothing is ready the clock moves to the next timer, with no
        wait in real time -- unless something may still arrive from outside the timers (a socket,
        an executor job, a run's module code or thread at work), which the step waits for in real
        time first (``jump=False``: no move; the step runs only what is ready).  With
        ``until`` (a task): run until that task has taken a step.
        Returns at once; the step runs on the next turn of Qt's event loop."""
        if not self.paused:
            raise RuntimeError("step() needs a paused loop: call pause() first")
        if self._io_step is not None:
            self._io_step = (until, jump)   # still waiting for I/O: the step goes on from there
            return
        self._step_request = (until, jump)
        if self._pump is not None and not self._closed and not self._in_drain:
            # (asked from inside a step's listener: the drain takes it, or arms for it)
            self._armed_when = 0.0
            self._pump.start(0)

    def advance_clock(self, seconds: float | None = None) -> float | None:
        """While paused: move the clock forward now, although steps may be ready -- as if the
        step just taken had been slow.  ``seconds`` None: to the next timer; else by that much.
        The timers then due fire: asyncio's own callbacks among them run at once (a sleep ends, a
        timeout cancels), so the steps they make ready join the ready queue, behind what is
        there; a lesson's own timer callbacks join it as steps.  Recorded in the live runs'
        schedules.  Returns the new loop time, or None (no timer to move to)."""
        if not self._paused or self._io_step is not None:
            raise RuntimeError("advance_clock() needs a paused loop: call pause() first")
        now = self._clock()
        if seconds is None:
            first = self._first_timer()
            if first is None or first._when == math.inf:
                return None
            when = max(first._when, now)
        else:
            seconds = float(seconds)
            if not (0 <= seconds < math.inf):
                raise ValueError(f"seconds must be a number >= 0, not {seconds!r}")
            when = now + seconds
        self._retime(when)
        from .loopstate import counts_as_step
        ready = self._ready
        before = len(ready)
        self._collect_due_timers(when)
        for handle in [ready.pop() for _ in range(len(ready) - before)][::-1]:
            if handle._cancelled:
                continue
            if counts_as_step(handle):
                ready.append(handle)
            else:
                ready.appendleft(handle)
                self._run_front()
        from ._schedule import note_advance
        note_advance(self, seconds, when - now)
        self._rearm()
        return when

    def loop_time_at(self, wall: float) -> float:
        """The loop time that was current at monotonic wall time ``wall`` (recent past)."""
        if self._clock is time.monotonic:
            return wall
        rate = 0.0 if self._paused else self._speed
        return self._clock() - (time.monotonic() - wall) * rate

    def _retime(self, now: float) -> None:
        """Loop time continues from ``now``: frozen if paused, else at the current speed."""
        self._timectl = (self._paused or self._skip_idle or self._speed != 1.0
                         or self._io_step is not None)
        mono = time.monotonic
        if self._paused:
            self._clock = lambda: now
            return
        r0 = mono()
        if self._speed == 1.0:
            offset = now - r0
            self._clock = (lambda: mono() + offset) if offset else mono
        else:
            speed = self._speed
            self._clock = lambda: now + (mono() - r0) * speed

    def _rearm(self) -> None:
        if not self._in_drain:
            self._armed_when = math.inf
            self._arm()
        for listener in list(self.clock_listeners):
            listener()

    def _io_waiting(self) -> bool:
        """Whether a watched socket has something for its callback now (a poll that does not
        wait, as asyncio's before a batch of ready callbacks)."""
        try:
            readable, writable, _ = select.select(list(self._read_notifiers or ()),
                                                  list(self._write_notifiers or ()), (), 0)
        except (OSError, ValueError):    # (an fd select cannot take: let Qt's loop look)
            return True
        return bool(readable or writable)

    def _watching(self) -> bool:
        """A socket of the program's is watched (not only the loop's own self-pipe)."""
        return len(self._read_notifiers or ()) > 1 or bool(self._write_notifiers)

    def _can_skip(self) -> bool:
        """Nothing could arrive from outside the timer heap: no socket watched but the loop's own
        self-pipe, no executor job running."""
        return not self._watching() and not self._executor_jobs

    def _awaits_outside(self) -> bool:
        """Something may still arrive from outside the timer heap: a watched socket, an executor
        job, a run's module code or thread at work.  A step then waits for it in real time."""
        return not self._can_skip() or bool(self._module_code) and self._runs_at_work()

    def _runs_at_work(self) -> bool:
        """A run's module code is running outside the loop (importing, computing, between two
        asyncio.run calls), or a thread it started is alive: what they post must not find the
        clock jumped past it (a wait_for's timeout fired before a thread's 0.3 s of work handed
        its result over).  Unlike a socket or an executor job, nothing tells the loop when they
        stop: skip idle, and a step waiting for them, look again every _BUSY_POLL_MS."""
        return any(run._module_busy or any(t.is_alive() for t, _daemon in run._threads)
                   for run in self._module_code)

    def _arm(self):
        """Arm the pump for the earliest thing to do (0 ms if callbacks are ready)."""
        if self._pump is None or self._closed:
            return
        if self._timectl:
            self._arm_controlled()
            return
        if self._ready:
            self._armed_when = 0.0
            self._pump.start(0)
            return
        scheduled = self._scheduled
        while scheduled and scheduled[0]._cancelled:
            self._timer_cancelled_count -= 1
            heapq.heappop(scheduled)._scheduled = False
        if not scheduled:
            self._armed_when = math.inf
            self._pump.stop()
            return
        when = scheduled[0]._when
        # ceil: Qt rounds nothing up for us, and a timer that fires a hair early only gets
        # re-armed for the remainder (the drain never runs a timer before its time).  Capped
        # before ceil: sleep(inf) is a timer that never comes, not an OverflowError.
        ms = min(max((when - self._clock()) * 1000.0, 0.0), _MAX_ARM_MS)
        self._armed_when = when
        self._pump.start(math.ceil(ms))

    def _arm_controlled(self):
        """``_arm`` while the learner controls time: paused, stepping, slowed, or skipping idle."""
        if self._paused:
            if self._step_request is None:
                # -1: call_soon/call_at see "nothing to arm" and leave the pump alone.
                self._armed_when = -1.0
                self._pump.stop()
            else:
                self._armed_when = 0.0
                self._pump.start(0)
            return
        if self._ready:
            self._idle_since = None
            self._armed_when = 0.0
            self._pump.start(0)
            return
        first = self._first_timer()
        if self._io_step is not None and self._module_code and self._runs_at_work():
            # A step waits for a run's module code or thread, which may end without posting
            # anything: look again in a moment (the drain ends the wait once they have stopped).
            self._armed_when = first._when if first is not None else math.inf
            self._pump.start(_BUSY_POLL_MS)
            return
        if first is None:
            self._armed_when = math.inf
            self._pump.stop()
            return
        when = first._when
        delay = when - self._clock()
        if self._skip_idle and delay > 0 and self._module_code and self._runs_at_work():
            self._idle_since = None   # no jump while they run; look again in a moment
            self._armed_when = when
            self._pump.start(min(math.ceil(delay / self._speed * 1000.0), _BUSY_POLL_MS))
            return
        if self._skip_idle and delay > 0 and self._can_skip():
            wall = time.monotonic()
            if self._idle_since is None:
                self._idle_since = wall
            quiet = wall - self._idle_since
            if quiet < SKIP_GRACE:
                self._armed_when = when
                self._pump.start(math.ceil((SKIP_GRACE - quiet) * 1000.0))
                return
            self._idle_since = None
            self._retime(when)   # the jump: nothing is ready and nothing can arrive
            delay = 0.0
        ms = min(max(delay / self._speed * 1000.0, 0.0), _MAX_ARM_MS)   # wall ms, as in _arm
        self._armed_when = when
        self._pump.start(math.ceil(ms))

    def _drain(self):
        """Run asyncio iterations for up to SLICE seconds, then hand the thread back to Qt."""
        self._armed_when = math.inf
        if self._closed or self._thread_id is None:
            # Not running (detached, or between two run_until_complete calls) while Qt still
            # spins: asyncio runs callbacks only in a running loop.  A task step run here has no
            # running loop: 3.14 refuses it ("loop ... is not the running loop") and the task
            # never finishes (qasync's 3.14 hang); 3.11 ran it with get_running_loop() failing.
            # What is ready waits: attach() and run_forever() arm the pump again.
            return
        self._in_drain = True
        ready = self._ready
        scheduled = self._scheduled
        popleft = ready.popleft
        clock = self._clock
        deadline = clock() + SLICE   # in loop time, which the tracer also reads
        if self.tracing_hook is not None:
            # Inside the slice's time: a young collection (up to ~10 ms with 100k tasks) shortens
            # this slice rather than adding to it, so the window's frames still come on time.
            self._collect_young()
        try:
            if self._timectl:
                first = self._first_timer() if self._io_step is not None and not ready else None
                if self._io_step is not None and (
                        ready or (first is not None and first._when <= clock())
                        or not self._awaits_outside()):
                    # What the waiting step waited for is here (or a timer is due, or what it
                    # waited for has stopped without a word): paused again, the step goes on.
                    self._step_request, self._io_step = self._io_step, None
                    self._paused = True
                    self._retime(clock())
                if self._paused:
                    # A listener that asks for the next step at once (a schedule replayed to
                    # its end, Step back) gets it in this turn, for up to SLICE of wall time:
                    # a turn of Qt's event loop per step was most of a replay's time.
                    end = None
                    while (request := self._step_request) is not None:
                        self._step_request = None
                        if self._step(*request) == "io":
                            self._io_step = request      # the clock runs until it is not idle
                            self._paused = False
                            self._retime(clock())
                            return
                        self.step_count += 1
                        for listener in list(self.clock_listeners):
                            listener()
                        if not self._paused or self._stopping:
                            break
                        if end is None:
                            end = time.perf_counter() + SLICE
                        elif time.perf_counter() >= end:
                            break
                    return
                if self._io_step is not None:
                    return    # waiting for I/O: nothing runs but what the I/O brings (above)
                deadline = clock() + SLICE * self._speed
            while True:
                # Due timers join the ready queue behind what is already there, as in
                # BaseEventLoop._run_once; "due" means when <= now, never earlier.
                if scheduled:
                    self._collect_due_timers(clock())
                ntodo = len(ready)
                if not ntodo:
                    break
                traced_batch = self.tracing_hook
                if traced_batch is not None:
                    traced_batch(self, ntodo, deadline)
                else:
                    for i in range(ntodo):
                        handle = popleft()
                        if handle._cancelled:
                            continue
                        handle._run()
                        if not i & 127 and clock() >= deadline:
                            break
                # Paused from inside a callback (a schedule starting its run): the frozen clock
                # would never reach the deadline, so stop here.
                if self._stopping or self._paused or clock() >= deadline:
                    break
                # asyncio polls its sockets before every batch of ready callbacks: while the
                # program watches one (a server, a client: not the loop's own self-pipe), Qt
                # delivers what arrived before the next batch, or a peer's hang-up could land after
                # the program had already moved on (a server's handler left pending at the end).
                if self._watching() and self._io_waiting():
                    break
        except Exception as exc:  # e.g. the watchdog's BlockedLoopError landing between callbacks
            self.call_exception_handler({"message": "exception in the playground loop",
                                         "exception": exc})
        except BaseException as exc:  # KeyboardInterrupt/SystemExit out of a callback
            self._pending_base_exc = exc
            self._stopping = True
        finally:
            self._in_drain = False
            if self._stopping and self._qloop is not None:
                self._qloop.exit()
            else:
                if self._attached:
                    self._stopping = False  # nothing to stop: Qt's owner decides
                self._arm()

    def _collect_young(self):
        """Keep the collector's young generation small while runs are live (see _gc_phase).

        The collector counts allocations minus deallocations, and the frozen objects a run
        frees (its finished tasks, their coroutines) count against the trace records it makes:
        at the end of a 100k-task run the young generation grew to ~10^6 objects between two
        collections (0.5 s pauses).  The records are most of what is young, so collect the young
        generation once _YOUNG_RECORDS of them (with the futures and handles that go with them:
        ~20,000 objects) have been made since the last look.
        """
        made = 0
        for tracer in self.tracers:
            made += len(tracer.events)
        if made - self._events_seen > _YOUNG_RECORDS or made < self._events_seen:
            self._events_seen = made
            gc.collect(0)

    def _step(self, until, jump=True):
        """One step (see step()), like a debugger's: bring the next handle that counts to the front
        of the ready queue (running asyncio's plumbing before it, moving the clock to the next
        timer when nothing is ready), run it, and run the plumbing that follows, so the handle that
        will count next is at the front when the step returns (``loopstate.next_step`` names it).
        The loop is paused: the clock moves only by the jumps made here."""
        ready = self._ready
        for _ in range(_STEP_LIMIT):
            found = self._bring_countable(counts_as_step, jump=jump)
            if found == "io":
                return "io"
            if not found:
                return False
            index = self.step_policy(ready) if self.step_policy is not None else 0
            if index is None:    # the policy refused (a schedule that does not fit): run nothing
                return False
            note_step(self, ready, index)     # the choice, in the schedule of its run
            if index:
                handle = ready[index]
                del ready[index]
                ready.appendleft(handle)
            handle = ready[0]
            this = until is None or counts_as_step(handle, until)
            self._run_front()
            if this:
                break
        self._bring_countable(counts_as_step, jump=False)
        return True

    def _bring_countable(self, counts_as_step, *, jump):
        """Run handles that do not count until one that does is at the front of the ready queue;
        with ``jump``, move the clock to the next timer when nothing is ready — unless a socket is
        watched, an executor job runs, or a run's module code or one of its threads is at work
        (``_runs_at_work``: main() may be on its way) — "io": let it arrive in real time first.
        False if none comes (nothing ready, nothing scheduled)."""
        ready = self._ready
        for _ in range(_STEP_LIMIT):
            if self._scheduled:
                self._collect_due_timers(self._clock())
            if ready:
                handle = ready[0]
                if not handle._cancelled and counts_as_step(handle):
                    return True
                self._run_front()
                continue
            if not jump:
                return False
            if self._awaits_outside():
                return "io"
            first = self._first_timer()
            if first is None or first._when == math.inf:
                return False
            self._retime(max(first._when, self._clock()))
        return False

    def _first_timer(self):
        """The earliest live timer (cancelled ones at the top of the heap are dropped), or None.
        (``_arm`` inlines the same loop: it runs once per timer.)"""
        scheduled = self._scheduled
        while scheduled and scheduled[0]._cancelled:
            self._timer_cancelled_count -= 1
            heapq.heappop(scheduled)._scheduled = False
        return scheduled[0] if scheduled else None

    def _run_front(self):
        """Run the handle at the front of the ready queue (traced when a run is live)."""
        hook = self.tracing_hook
        if hook is not None:
            hook(self, 1, math.inf)
        else:
            handle = self._ready.popleft()
            if not handle._cancelled:
                handle._run()

    def _collect_due_timers(self, now):
        scheduled = self._scheduled
        sched_count = len(scheduled)
        if (sched_count > base_events._MIN_SCHEDULED_TIMER_HANDLES and
                self._timer_cancelled_count / sched_count >
                base_events._MIN_CANCELLED_TIMER_HANDLES_FRACTION):
            keep = []
            for handle in scheduled:
                if handle._cancelled:
                    handle._scheduled = False
                else:
                    keep.append(handle)
            heapq.heapify(keep)
            self._scheduled = scheduled = keep
            self._timer_cancelled_count = 0
        ready_append = self._ready.append
        while scheduled:
            handle = scheduled[0]
            if handle._cancelled:
                self._timer_cancelled_count -= 1
                heapq.heappop(scheduled)._scheduled = False
                continue
            if handle._when > now:
                break
            heapq.heappop(scheduled)
            handle._scheduled = False
            ready_append(handle)

    # -- tracing ---------------------------------------------------------------------------------
    def create_task(self, coro, **kwargs):
        # The keywords as the caller gave them: 3.14+'s create_task hands them on to a task
        # factory as they are (a factory without `name` must not get name=None), and Task takes
        # eager_start=...; before 3.14 asyncio's create_task takes only name and context.
        if kwargs:
            context = kwargs.get("context")
            run = current_run.get() if context is None else context.get(current_run)
            # Keywords other than name and context: asyncio's create_task sorts them out, unless
            # it is eager_start alone on 3.14+.  (Counted, not a set made per call.)
            extra = len(kwargs) - ("name" in kwargs) - ("context" in kwargs)
            if extra and (extra > 1 or "eager_start" not in kwargs or sys.version_info < (3, 14)):
                return super().create_task(coro, **kwargs)
        else:
            context = None
            run = current_run.get()
        factory = self._task_factory
        if run is None or (factory is not None and factory is not _EAGER_FACTORY):
            return super().create_task(coro, **kwargs)
        if self._closed:
            self._check_closed()   # raises
        # asyncio.eager_task_factory (3.12+) is Task(..., eager_start=True): trace it as such,
        # as is create_task(..., eager_start=True) (3.14+; eager_start=False overrides the factory).
        eager = kwargs.get("eager_start", factory is not None)
        return run.tracer.new_task(coro, name=kwargs.get("name"), context=context, eager=bool(eager))

    def add_tracer(self, tracer):
        """A run started: drain through its instrument's ``run_batch`` and watch for blocks."""
        if not self.tracers:
            # The trace keeps one small tuple per step alive, so with the default thresholds
            # (700, 10, 10) the collector runs ~10x as often as untraced; and every older
            # collection walks all the run has made so far (100k tasks: pauses of 0.5 s).  While
            # runs are live, what survives a young collection is frozen (_gc_phase) and the
            # oldest generation is never collected on its own: each pause walks at most the
            # young generation's ~20,000 objects.  An explicit gc.collect() still sees everything.
            _install_gc_policy()
            self._gc_threshold = g0, g1, g2 = gc.get_threshold()
            gc.set_threshold(max(g0, _YOUNG), max(g1, 20), 1 << 30)
            _gc_runs[0] += 1
        self.tracers.add(tracer)
        self.tracing_hook = tracer.run_batch
        if self._watchdog is None:
            from ._watchdog import Watchdog
            self._watchdog = Watchdog(self)
        self._watchdog.start()

    def remove_tracer(self, tracer):
        if tracer not in self.tracers:
            return
        self.tracers.discard(tracer)
        if not self.tracers:
            self.tracing_hook = None
            gc.set_threshold(*self._gc_threshold)
            _gc_runs[0] -= 1
            if self._watchdog is not None:
                self._watchdog.stop()

    def call_exception_handler(self, context):
        # Surface errors that asyncio would only log (a never-retrieved task exception, a
        # failing callback) on the run they belong to.
        task = context.get("task") or context.get("future")
        tracer = tracer_of(task) if task is not None else None
        run = current_run.get()
        if run is None and context.get("handle") is not None:
            # A failing plain callback: Handle._run reports it outside the callback's context.
            run = getattr(context["handle"], "_context", {}).get(current_run)
        if tracer is None and run is not None:
            tracer = run.tracer
        if tracer is not None:
            tracer.loop_error(task if tracer_of(task) is tracer else None, context)
        return base_events.BaseEventLoop.call_exception_handler(self, context)

    # -- running -----------------------------------------------------------------------------
    def is_running(self):
        # False while a script's module code calls into the loop (call_in_loop): under `python
        # FILE` its loop is not running then, so a task made there starts later, never eagerly.
        return self._thread_id is not None and not self._module_call

    def _enter_running(self):
        self._check_closed()
        self._check_running()
        self._set_coroutine_origin_tracking(self._debug)
        self._old_agen_hooks = sys.get_asyncgen_hooks()
        self._thread_id = threading.get_ident()
        sys.set_asyncgen_hooks(firstiter=self._asyncgen_firstiter_hook,
                               finalizer=self._asyncgen_finalizer_hook)
        events._set_running_loop(self)

    def _leave_running(self):
        self._stopping = False
        self._thread_id = None
        events._set_running_loop(None)
        self._set_coroutine_origin_tracking(False)
        sys.set_asyncgen_hooks(*self._old_agen_hooks)

    def run_forever(self):
        """Run until stop(): spins a QEventLoop of our own, like asyncio's run_forever."""
        if self._attached:
            raise RuntimeError("This event loop is already running (attached to Qt)")
        self._enter_running()
        try:
            self._arm()
            if not self._stopping:
                self._qloop = QtCore.QEventLoop()
                self._qloop.exec()
            else:
                # stop() before run_forever(): asyncio runs exactly one iteration.
                QtCore.QCoreApplication.processEvents()
                self._drain_once()
        finally:
            self._qloop = None
            self._leave_running()
        exc, self._pending_base_exc = self._pending_base_exc, None
        if exc is not None:
            raise exc

    def _drain_once(self):
        if self._scheduled:
            self._collect_due_timers(self.time())
        for _ in range(len(self._ready)):
            handle = self._ready.popleft()
            if not handle._cancelled:
                handle._run()

    def run_until_complete(self, future):
        return base_events.BaseEventLoop.run_until_complete(self, future)

    def stop(self):
        if current_run.get() is not None:
            raise PlaygroundError(
                "a lesson cannot stop the playground's event loop; return from main() "
                "(or cancel your tasks) instead")
        self._stopping = True
        if self._qloop is not None and not self._in_drain and self._pump is not None:
            # Like asyncio, finish one more iteration (what is ready now) before returning.
            self._armed_when = 0.0
            self._pump.start(0)

    def close(self):
        if current_run.get() is not None:
            raise PlaygroundError(
                "a lesson cannot close the playground's event loop; the playground closes it")
        if self.is_running():
            raise RuntimeError("Cannot close a running event loop")
        if self._closed:
            return
        if self._pump is not None:
            try:
                self._pump.stop()
            except RuntimeError:  # Qt already tore the timer down (interpreter exit)
                pass
        # qasync's close disables its notifiers and signaller, then chains to SelectorEventLoop's
        # (self-pipe, selector) and BaseEventLoop's (queues, default executor).
        try:
            super().close()
        except RuntimeError:  # garbage-collected at interpreter exit, after Qt's objects
            if not self._closed:
                base_events.BaseEventLoop.close(self)
        self._pump = None

    def attach(self):
        """Mark the loop running in this thread while Qt is driven by someone else."""
        self._enter_running()
        self._attached = True
        self._arm()

    def detach(self):
        if not self._attached:
            return
        self._attached = False
        self._leave_running()

    # -- what the loop panel shows besides the queues -----------------------------------------
    # asyncio 3.15's transports pass the context their protocol's callbacks run in
    # (``_add_reader(fd, cb, *args, context=...)``); qasync's notifiers take none, so the
    # callback goes to them as ``context.run(cb, *args)``.
    def _add_reader(self, fd, callback, *args, context=None):
        if context is None:
            # asyncio's Handle copies the context it is made in; qasync's notifier would call
            # back in the loop's own (a server's accept, and the connection tasks it makes, were
            # outside the run that started the server: untraced).
            context = contextvars.copy_context()
        super()._add_reader(fd, context.run, callback, *args)
        self._io_labels[("read", fd)] = _label(callback, args)
        return self._io_handle("read", fd, callback, args, context)

    def _remove_reader(self, fd):
        self._io_labels.pop(("read", fd), None)
        self._io_handle("read", fd)
        return super()._remove_reader(fd)

    def _add_writer(self, fd, callback, *args, context=None):
        if context is None:
            context = contextvars.copy_context()     # (as _add_reader)
        super()._add_writer(fd, context.run, callback, *args)
        self._io_labels[("write", fd)] = _label(callback, args)
        return self._io_handle("write", fd, callback, args, context)

    def _remove_writer(self, fd):
        self._io_labels.pop(("write", fd), None)
        self._io_handle("write", fd)
        return super()._remove_writer(fd)

    def _io_handle(self, kind, fd, callback=None, args=(), context=None):
        """asyncio's selector bookkeeping, which qasync drops: ``_add_reader`` returns a Handle
        that is cancelled when the fd's callback is replaced or removed.  ``sock_recv`` and
        ``sock_connect`` rely on it: a cancelled call's done-callback removes the reader only if
        its own handle is still the live one, so a cancelled ``sock_recv`` no longer unregisters
        the next ``sock_recv`` on the same socket (which then never woke up)."""
        old = self._io_handles.pop((kind, fd), None)
        if old is not None:
            old.cancel()
        if callback is None:
            return None
        handle = self._io_handles[(kind, fd)] = events.Handle(callback, args, self, context)
        return handle

    def io_waiters(self) -> dict:
        """{("read"|"write", fd): label} of the sockets the loop watches (its self-pipe included)."""
        return dict(self._io_labels)

    def executor_jobs(self) -> list:
        """[(label, loop time started)] of the run_in_executor jobs not finished yet."""
        return list(self._executor_jobs.values())

    def run_in_executor(self, executor, func, *args):
        fut = base_events.BaseEventLoop.run_in_executor(self, executor, func, *args)
        jobs = self._executor_jobs
        jobs[fut] = (_label(func), self._clock())
        fut.add_done_callback(jobs.pop)
        return fut

    # -- asyncio's own versions of what qasync reimplements with private state -----------------
    set_default_executor = base_events.BaseEventLoop.set_default_executor
    set_exception_handler = base_events.BaseEventLoop.set_exception_handler
    default_exception_handler = base_events.BaseEventLoop.default_exception_handler
    get_debug = base_events.BaseEventLoop.get_debug
    set_debug = base_events.BaseEventLoop.set_debug

    # qasync's ``with loop:`` closes the loop with pending tasks' ``finally`` blocks unrun;
    # ours shuts down like asyncio.run does.
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self.is_closed() or self.is_running():
            return
        try:
            runners._cancel_all_tasks(self)
            self.run_until_complete(self.shutdown_asyncgens())
            self.run_until_complete(self.shutdown_default_executor())
        finally:
            self.close()


def _label(callback, args=()) -> str:
    """A callback in words: its qualified name (a ``Context.run`` wrapper: what it runs)."""
    if isinstance(getattr(callback, "__self__", None), contextvars.Context) and args:
        callback = args[0]    # the runner registers a lesson's reader as context.run(fn, ...)
    while hasattr(callback, "func") and hasattr(callback, "args"):   # functools.partial
        callback = callback.func
    name = getattr(callback, "__qualname__", None) or getattr(callback, "__name__", None)
    return name or type(callback).__name__


def _app() -> QtCore.QCoreApplication:
    return QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([sys.argv[0] if sys.argv else "asyncio-playground"])


# While runs are live: the young generation's threshold, and how many trace records a run may
# add before the loop collects the young generation itself (_collect_young).  Each pause walks
# what is young; 20,000 objects is ~5-10 ms here (docs/performance.md).
_YOUNG = 20_000
_YOUNG_RECORDS = 5_000
_gc_runs = [0]   # loops with live traced runs (the collector's policy below depends on it)


def _gc_phase(phase, info):
    """The collector's policy (a ``gc.callbacks`` entry, installed with the first loop).

    What is alive when the first loop is made (Qt's and the imported modules' objects) and what
    survives a collection while a traced run is live is frozen (``gc.freeze``): younger
    collections skip it, so a 100k-task run's pauses stay those of a young generation.  A full
    collection, ``gc.collect()`` or the oldest generation's own, thaws everything first: it sees
    every object, as in plain Python, and what survives it is frozen again.
    """
    if phase == "start":
        if info["generation"] == 2:
            gc.unfreeze()
    elif _gc_runs[0] or info["generation"] == 2:
        gc.freeze()


def _install_gc_policy() -> None:
    if _gc_phase not in gc.callbacks:
        gc.freeze()
        gc.callbacks.append(_gc_phase)


def new_event_loop() -> PlaygroundLoop:
    """A new playground loop (creates a windowless Qt application if there is none yet)."""
    _install_gc_policy()
    return PlaygroundLoop(_app())


def run(main, *, debug=None):
    """Like ``asyncio.run(main)``, on a playground loop."""
    with asyncio.Runner(debug=debug, loop_factory=new_event_loop) as runner:
        return runner.run(main)
