"""Runs: one execution of one file, in a fresh namespace, traced, on the playground loop.

The module's top-level code runs in a thread of its own (see _shims for why); every coroutine it
hands to ``asyncio.run`` becomes a traced task on the loop.  All of a run's tasks carry the run in
their context (``current_run``), which is how the loop knows whom to trace, how output written by a
task reaches the right run, and how two runs alive at once never mix.

This module is the run's lifecycle (start, the module thread, ``main()``, the end); the rest is
one concern per module:

* ``_load``: reading and compiling the file (``LoadError``);
* ``_script_env``: what ``python FILE`` gives a script (``sys.argv``, ``sys.path``, ``__main__``);
* ``_streams``: the run's stdin, stdout and stderr;
* ``_audit``: the offline guard and the subprocesses the run starts (an audit hook);
* ``_memory``: the memory limit (``RunMemoryError``);
* ``_escalation``: every run ends (``GRACE``, ``ABANDON``, force-stops);
* ``_undo``: what the run started or changed, undone at its end;
* ``_tracebacks``: tracebacks without the playground's frames;
* ``_current`` (the bottom of the engine): which run is current, whose a task is.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import ctypes
import sys
import threading
import time
from pathlib import Path

from . import _script_env
from ._audit import install_audit_hook
from ._current import current_run, tid_of
from ._escalation import ABANDON, GRACE, POLL, Escalation, Interrupted, drop_interrupt
from ._load import LoadError, compile_lesson, module_mentions, read_source, remember_source  # noqa: F401
from ._loop import PlaygroundLoop
from ._memory import MB, MemoryWatch, RunMemoryError, default_memory_limit  # noqa: F401
from ._shims import make_builtins
from ._streams import ConsoleInput, EmptyInput, install_routers, uninstall_routers
from ._tracebacks import exception_headline, strip_engine_frames, user_traceback  # noqa: F401
from ._tracer import Tracer
from ._undo import TERMINATE_WAIT, Changes  # noqa: F401
from .events import RunEnded, RunStarted
from .vocab import CancelCause, NetworkMode

__all__ = ["ABANDON", "GRACE", "LoadError", "Run", "RunMemoryError", "default_memory_limit"]

# Also importable from here, as before the split: MB, TERMINATE_WAIT, compile_lesson,
# exception_headline, read_source, remember_source, user_traceback.


class Run:
    """One execution of one file.  See docs/engine-api.md.

    Attributes:
        tracer: the run's event log.
        outcome: None while live, then "completed", "failed" or "cancelled".
        error: traceback text (or message) when the run failed.
        exit_code: the code ``sys.exit()`` asked for (anywhere in the lesson's code), else None.
        interrupted: the lesson's own code raised KeyboardInterrupt.
        notes: what the playground had to do to end the run (force-stopped tasks, abandoned
            module code, subprocesses ended, threads still running...), also written to the
            run's stderr as ``playground: ...`` lines.
        stdin_reader: what ``input()``/``sys.stdin`` read in the run's code.
    """

    def __init__(self, path=None, source: str | None = None, *, loop: PlaygroundLoop,
                 network: str = "offline", block_limit: float | None = 5.0, echo=None,
                 argv=None, stdin=None, memory_limit: int | None | str = "auto"):
        if path is None and source is None:
            raise ValueError("Run needs a path or source")
        self.argv = [str(a) for a in argv or ()]   # the module code sees sys.argv == [path, *argv]
        self._argv0 = str(path) if path is not None else "<playground>"   # as given, like python's
        self.path = str(Path(path).resolve()) if path is not None else "<playground>"
        self.source = source
        self.loop = loop
        self.network = NetworkMode.parse(network)   # "ofline" raises, never means "no guard"
        self.echo = echo
        self.tracer = Tracer(loop, self.path, block_limit=block_limit, on_fatal=self._fatal)
        self.outcome: str | None = None
        self.error: str | None = None
        self.error_headline: str | None = None   # the error in one line (exception_headline)
        self.exit_code: int | None = None
        self.interrupted = False
        self.notes: list[str] = []
        # stdin: None (the window) reads end of file; a stream (the CLI's sys.stdin) is read
        # interruptibly.
        self.stdin_reader = EmptyInput(self) if stdin is None else ConsoleInput(stdin, self)
        # Bytes the run may add to the process's resident memory ("auto": half the machine's
        # memory; None: no limit).  A sampler thread watches it while the run is live.
        self.memory_limit = default_memory_limit() if memory_limit == "auto" else memory_limit
        self._memory: MemoryWatch | None = None
        self._context = contextvars.copy_context()
        self._context.run(current_run.set, self)
        self._plain_context = contextvars.copy_context()   # for the playground's own helpers
        self._plain_context.run(current_run.set, None)
        self._done: asyncio.Future | None = None
        self._thread: threading.Thread | None = None
        self._started_main = False
        self._module_uses_main = False      # module-level code names main (calls or runs it)
        self._awaiting_main = False
        self._main_wait = None                # (task, result, shutdown) the module thread awaits
        self._forever_wait = None             # the Event run_forever() in module code waits on
        self._forever_exc: BaseException | None = None   # a fatal exception for that run_forever()
        self._fatal_shutdown = False          # a fatal exception's asyncio.run() shutdown is on
        self._fatal_tasks: list = []          # tasks a SystemExit/KeyboardInterrupt escaped
        # Headless (the CLI): keep those tasks until dispose(), so that asyncio's "Task exception
        # was never retrieved" comes after the traceback the run ends with, as at the end of
        # `python FILE`.  Otherwise they are let go when the run ends.
        self.hold_unretrieved = False
        self._held: list = []                 # handles module code scheduled, for its next run_*
        self._module_running = False
        # The module thread runs code of its own, outside the loop (not waiting in a run_* call):
        # "skip idle" must not jump the loop's clock then, what that code posts would come late.
        self._module_busy = False
        self._module_lock = threading.Lock()
        self._stopping = False
        self._stopped_by_user = False
        self._escalation = Escalation(self)
        self._waited: list = []               # futures the module thread waits on
        self._fatal_exc: BaseException | None = None
        self._noted: set = set()
        self._threads: list = []              # (thread, asked to be a daemon) the code started
        self._changes = Changes(self)
        self._popens = self._changes.popens            # subprocess.Popen objects the code made
        self.loop_changes = self._changes.loop_changes  # ("read"|"write", fd) it registered
        self._main_module = None              # the script's __main__ (_script_env)
        self._policy = None                   # its asyncio policy's state (_shims.Policy)
        self._asyncio_runner = None           # its asyncio.Runner (for anyio's backend)
        self._asyncio_submodules: dict = {}   # asyncio.runners & co., as the script imports them
        self._demo = None
        self._httpx = None

    # -- public API ----------------------------------------------------------------------------
    def start(self):
        """Load the file and start it.  Raises LoadError (with nothing started) if it can't run."""
        if self.source is None:
            self.source = read_source(self.path)
        code = compile_lesson(self.source, self.path)
        self._module_uses_main = module_mentions(self.source, "main")
        self._done = self.loop.create_future()
        install_audit_hook()
        self._changes.save()
        self.loop.add_tracer(self.tracer)
        install_routers()
        self._main_module = _script_env.main_module(self.path, make_builtins(self))
        _script_env.enter(self.path, [self._argv0, *self.argv], self._main_module)
        self.tracer.record(RunStarted("run", self.loop.time(), "start", self.path))
        namespace = self._main_module.__dict__
        # "MainThread": what the script's module code runs in under `python FILE` (its
        # `threading.current_thread().name`, asyncio's "no current event loop in thread ...").
        self._thread = threading.Thread(target=self._context.run, args=(self._module, code, namespace),
                                        name="MainThread", daemon=True)
        self._module_running = True
        self._module_busy = True
        self.loop._module_code.append(self)
        self._thread.start()
        self._memory = MemoryWatch(self, self.memory_limit)
        self._memory.start()

    @property
    def memory_peak(self) -> int:
        """The most the run added to the process's resident memory, in bytes, as sampled."""
        return self._memory.peak if self._memory is not None else 0

    @property
    def block_limit(self) -> float | None:
        """Seconds the run's code may block the loop before it is interrupted (None: never)."""
        return self.tracer.block_limit

    @block_limit.setter
    def block_limit(self, seconds: float | None) -> None:
        self.tracer.block_limit = seconds

    @property
    def done(self) -> bool:
        return self.outcome is not None

    def cancel_task(self, tid: int, msg: str | None = None, *,
                    cause: CancelCause = CancelCause.BUTTON) -> bool:
        """Cancel exactly the task ``tid`` (a Cancel click: recorded with cause ``button``)."""
        task = self.tracer.live.get(tid)
        if task is None or task.done():
            return False
        return self.tracer.cancel(task, msg, cause)

    def set_cancel_points(self, lines) -> None:
        """Cancel, on arrival, any task of the run that suspends at one of ``lines`` (line numbers
        of the run's file): recorded with cause ``button`` and that line.  Takes effect at once,
        for the run's next suspensions."""
        self.tracer.cancel_points = frozenset((self.path, int(line)) for line in lines)

    def stop(self, msg: str | None = None, *, interrupt_module: bool = True) -> None:
        """Cancel every live task of the run (the module code sees CancelledError, or
        KeyboardInterrupt where it runs plain Python); cause ``stop``.  The run then ends for sure:
        GRACE seconds later what is still alive is force-stopped (see the module docstring)."""
        if self.done:
            return
        if threading.get_ident() != self.loop._thread_id and self.loop.is_running():
            self.loop.call_soon_threadsafe(self.stop, msg, context=self._plain_context)
            return
        self._stopping = True
        if interrupt_module:
            self._stopped_by_user = True   # the run ends "cancelled" even if its code then completes
        for task in list(self.tracer.live.values()):
            if not task.done():
                self.tracer.cancel(task, msg, CancelCause.STOP)
        for fut in self._waited:
            fut.cancel()    # loop.run_until_complete(a_plain_future) from module code
        if interrupt_module:
            self._interrupt_module()
        if self._done is not None:
            self._escalation.start()

    async def wait(self) -> str:
        if self._done is None:
            raise RuntimeError("the run has not been started")
        await asyncio.shield(self._done)
        return self.outcome

    def httpx_module(self):
        if self._httpx is None:
            import httpx
            try:
                from . import _offline, _demoapi
            except ImportError:  # the demo API is optional for the engine itself
                self._httpx = httpx
            else:
                if self._demo is None:
                    # Its latencies are in loop time: slowed down or paused, the lesson's
                    # requests take as long as they would have on its clock (docs/demoapi.md).
                    loop = self.loop
                    self._demo = _demoapi.DemoAPI(
                        speed=lambda: 0.0 if getattr(loop, "paused", False) else getattr(loop, "speed", 1.0))
                self._httpx = _offline.httpx_module(self._demo, self.network)
        return self._httpx

    # -- for the shims: the lesson's loop, threads and stdin --------------------------------------
    def call_in_loop(self, fn, *args, **kwargs):
        """``fn(*args, **kwargs)`` on the loop's thread, from any thread; waits for its result.
        The call carries the caller's context (the run's, from the module thread)."""
        if threading.get_ident() == self.loop._thread_id:
            return fn(*args, **kwargs)
        done = concurrent.futures.Future()
        # Module code runs while, under `python FILE`, its loop is not running: what its call
        # schedules (a call_soon callback, a new task's first step) waits for the next run_*.
        hold = self._thread is not None and threading.current_thread() is self._thread

        def call():
            if not done.set_running_or_notify_cancel():
                return
            ready = self.loop._ready
            before = len(ready)
            self.loop._module_call = hold
            try:
                done.set_result(fn(*args, **kwargs))
            except BaseException as exc:   # KeyboardInterrupt too: it belongs to the caller
                done.set_exception(exc)
            finally:
                self.loop._module_call = False
                if hold and len(ready) > before:
                    self._hold_new(before)

        self.loop.call_soon_threadsafe(call)
        return self._wait_future(done)

    def _hold_new(self, before: int) -> None:
        """Take the run's handles appended to the ready queue past ``before`` out of it, to run
        when the module code next runs the loop (``_release_held``)."""
        ready = self.loop._ready
        tail = [ready.pop() for _ in range(len(ready) - before)][::-1]
        for handle in tail:
            context = getattr(handle, "_context", None)
            if context is not None and context.get(current_run) is self:
                self._held.append(handle)
            else:
                ready.append(handle)

    def has_held(self) -> bool:
        return bool(self._held)

    def hold_call(self, callback, args) -> None:
        """``callback(*args)``, in the current context, with what module code scheduled, for its
        next run_* (a timer of module code that came due while module code was not running the
        loop: ``LoopProxy._gated``)."""
        self._held.append(asyncio.Handle(callback, args, self.loop, context=contextvars.copy_context()))

    def _release_held(self, *, run_them: bool = True) -> None:
        """The module code runs the loop (run_until_complete, run_forever, asyncio.run): what it
        scheduled before runs now, first, in order.  At the run's end (``run_them`` False) only
        the tasks' first steps go back, so their cancellation can end them; plain callbacks that
        no run_* call ever ran are dropped, as Python never runs them."""
        held, self._held = self._held, []
        for handle in held:
            owner = getattr(handle._callback, "__self__", None)
            if run_them or (owner is not None and tid_of(owner) is not None):   # a task's step
                self.loop._ready.append(handle)
            else:
                handle.cancel()
        if held:
            self.loop._write_to_self()   # (arms the loop, from its own thread too)

    def _wait_future(self, fut: concurrent.futures.Future):
        # A timed wait in a loop, never one long block: an interrupt from stop() lands between
        # two waits (a thread blocked in a lock cannot be interrupted).
        mine = threading.current_thread() is self._thread
        if mine:
            self._module_busy = False
            # Busy again from the moment the loop's thread hands the result over, not when this
            # thread wakes up (ms later on a loaded machine): skip idle must not jump in between.
            fut.add_done_callback(self._module_resumes)
        try:
            while True:
                try:
                    return fut.result(timeout=POLL)
                except concurrent.futures.TimeoutError:
                    if self.loop.is_closed():
                        raise RuntimeError("Event loop is closed") from None
        finally:
            if mine:
                self._module_busy = True

    def _module_resumes(self, _fut=None) -> None:
        self._module_busy = True

    def end_forever(self, stopped: threading.Event) -> None:
        """End the module code's ``run_forever()`` (``stopped``: the event it waits on)."""
        self._module_resumes()
        stopped.set()

    def run_forever_blocking(self, stopped: threading.Event) -> None:
        """``loop.run_forever()`` from module code: wait until the lesson's ``loop.stop()`` sets
        ``stopped`` (or stop() interrupts the wait, as Ctrl+C would)."""
        self._started_main = True
        if self._stopping:
            raise Interrupted()
        if self._held:
            self.loop.call_soon_threadsafe(self._release_held, context=self._plain_context)
        self._forever_wait = stopped
        self._module_busy = False
        try:
            while not stopped.wait(POLL):
                if self.loop.is_closed():
                    raise RuntimeError("Event loop is closed")
        finally:
            self._forever_wait = None
            self._module_busy = True
        fatal, self._forever_exc = self._forever_exc, None
        if fatal is not None:
            raise fatal

    def note_thread(self, thread: threading.Thread) -> None:
        """The lesson's code is starting ``thread``: remember it (to report it and, if it is not a
        daemon, to wait for it at the end as Python does) and start it as a daemon underneath."""
        self._threads.append((thread, thread.daemon))
        thread.daemon = True

    def note_signal(self, sig) -> None:
        """The lesson's code adds a loop signal handler for ``sig``: remember what was there."""
        self._changes.note_signal(sig)

    def note_once(self, key, text) -> None:
        if key not in self._noted:
            self._noted.add(key)
            self._note(text)

    def input(self, prompt=""):
        """The lesson's ``input()``: the prompt to the run's stdout, a line from its stdin."""
        if prompt:
            sys.stdout.write(str(prompt))
            sys.stdout.flush()
        line = self.stdin_reader.readline()
        if not line:
            raise EOFError("EOF when reading a line")
        return line[:-1] if line.endswith("\n") else line

    # -- the module thread -----------------------------------------------------------------------
    def _module(self, code, namespace):
        outcome, error = "completed", None
        try:
            try:
                exec(code, namespace)
                main = namespace.get("main")
                # A file that only defines main(): run it, as the lesson means.  Not when the
                # module called it or ran it itself: `main()` without await is the mistake
                # Python answers with "coroutine 'main' was never awaited", and `anyio.run(main)`
                # has run it already.
                if not self._started_main and not self._module_uses_main and callable(main):
                    result = main()
                    if asyncio.iscoroutine(result):
                        self.run_blocking(result)
                self._join_threads()
            except Interrupted:
                outcome = "cancelled"
            except (asyncio.CancelledError, concurrent.futures.CancelledError):
                outcome = "cancelled"
            except SystemExit as exc:
                outcome, error = self._exited(exc)
            except KeyboardInterrupt as exc:   # the lesson raised it itself: Python's traceback
                self.interrupted = True
                outcome, error = "cancelled", user_traceback(exc, self.path)
                self.error_headline = exception_headline(exc)
            except BaseException as exc:  # the lesson's own exception: report it, don't crash
                outcome, error = "failed", user_traceback(exc, self.path)
                self.error_headline = exception_headline(exc)
            with self._module_lock:
                # From here on stop() no longer interrupts this thread; drop one in flight.
                self._module_running = False
                drop_interrupt()
        except KeyboardInterrupt:  # stop()'s interrupt landed in the handlers above
            self._module_running = False
            outcome, error = "cancelled", None
        self._module_busy = False
        try:
            self.loop.call_soon_threadsafe(self._finish, outcome, error, context=self._plain_context)
        except RuntimeError:  # the loop was closed under us (app quit)
            pass

    def _join_threads(self):
        """As Python does before it exits: wait for the non-daemon threads the code started."""
        # Not thread.join(): Stop's interrupt landing inside join() makes 3.11's threading mark
        # the thread stopped although it runs on (and release a lock that is not its own).
        me = threading.current_thread()
        for thread, daemon in list(self._threads):
            while not daemon and thread is not me and thread in threading.enumerate():
                time.sleep(POLL)

    def _exited(self, exc: SystemExit):
        """(outcome, error) for ``sys.exit(code)``, and the exit code as Python gives it."""
        code = exc.code
        if code is None:
            code = 0
        if isinstance(code, bool):
            code = int(code)
        if isinstance(code, int):
            self.exit_code = code
            return ("completed", None) if code == 0 else ("failed", f"SystemExit: exited with {code}")
        # sys.exit("message"): Python prints the message to stderr and exits with 1.
        self.exit_code = 1
        self._write("stderr", f"{code}\n")
        return "failed", f"SystemExit: exited with 1 ({code})"

    def _interrupt_module(self):
        with self._module_lock:
            if self._module_running and not self._awaiting_main and self._thread is not None:
                # Module-level code busy in plain Python (no task to cancel): interrupt it there,
                # as Ctrl+C would.  It is not the loop's thread, so that is safe; it lands at the
                # next bytecode (after a blocking call such as time.sleep returns).
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread.ident),
                                                           ctypes.py_object(Interrupted))

    def run_blocking(self, coro, *, shutdown: bool = True):
        """From a non-loop thread: run ``coro`` as a traced task and wait, like asyncio.run (with
        ``shutdown``: then cancel what it left behind) or loop.run_until_complete (without)."""
        if not (asyncio.iscoroutine(coro) or asyncio.isfuture(coro)):
            raise ValueError(f"a coroutine was expected, got {coro!r}")
        if self._stopping:
            if asyncio.iscoroutine(coro):
                coro.close()
            raise asyncio.CancelledError()
        self._started_main = True
        result = concurrent.futures.Future()
        # call_soon_threadsafe copies this thread's context: the main task belongs to the run.
        self.loop.call_soon_threadsafe(self._start_main, coro, result, shutdown)
        self._awaiting_main = True
        try:
            return self._wait_future(result)
        finally:
            self._awaiting_main = False

    def _start_main(self, coro, result, shutdown):
        self._release_held()   # what module code scheduled runs before main's first step
        try:
            task = asyncio.ensure_future(coro, loop=self.loop)
        except BaseException as exc:   # a future of another loop, say
            result.set_exception(exc)
            return
        if tid_of(task) is None:
            self._waited.append(task)   # not a task of the run: stop() must still reach it
        self._main_wait = (task, result, shutdown)
        if self._stopping:
            # stop() came while this call was on its way from the module thread: nothing was
            # live to cancel then, so cancel main() now, before its first step.
            if tid_of(task) is not None:
                self.tracer.cancel(task, None, CancelCause.STOP)
            else:
                task.cancel()

        def _run_until_complete_cb(task):   # (named as asyncio's, for the task's repr)
            # asyncio.Task, not loop.create_task: a lesson's task factory (eager_task_factory,
            # say) must not run the playground's own bookkeeping (an eager start here would
            # re-enter the context this callback runs in).
            asyncio.Task(self._finish_main(task, result, shutdown), loop=self.loop,
                         context=self._plain_context)

        task.add_done_callback(_run_until_complete_cb, context=self._plain_context)

    async def _finish_main(self, task, result, shutdown):
        if task in self._waited:
            self._waited.remove(task)
        if self._fatal_shutdown and self._main_wait is not None and self._main_wait[0] is task:
            # A SystemExit/KeyboardInterrupt out of a task while asyncio.run() waited: its
            # shutdown cancelled every task; once they are done, asyncio.run() raises it.
            rest = [t for t in self.tracer.live.values() if not t.done()]
            if rest:
                await asyncio.gather(*rest, return_exceptions=True)
            self._fatal_shutdown = False
            self._main_wait = None
            self._deliver_fatal(result)
            return
        if self._main_wait is not None and self._main_wait[0] is task:
            self._main_wait = None
        if result.done():     # a fatal exception reached the module thread already
            return
        if shutdown:
            # Like asyncio.run: cancel what main() left behind and let their finally blocks run.
            try:
                leftovers = self._cancel_leftovers(once=False)
            except RecursionError as exc:
                # Leftovers awaiting each other: cancel() goes round their circle, and asyncio.run
                # raises this out of its end (the run's own end then stops them, see Tracer.cancel).
                result.set_exception(exc)
                return
            if leftovers:
                await leftovers
        if task.cancelled():
            result.set_exception(concurrent.futures.CancelledError())
        elif task.exception() is not None:
            result.set_exception(task.exception())
        else:
            result.set_result(task.result())

    def _cancel_leftovers(self, once: bool = True):
        """Cancel the run's tasks still pending (cause ``shutdown``); a gather of them, or None.
        ``once``: see ``Tracer.cancel``."""
        leftovers = [t for t in self.tracer.live.values() if not t.done()]
        for t in leftovers:
            self.tracer.cancel(t, None, CancelCause.SHUTDOWN, once=once)
        if leftovers:
            # Every run ends: a leftover that swallows its cancel is force-stopped like on Stop.
            self._escalation.start()
        return asyncio.gather(*leftovers, return_exceptions=True) if leftovers else None

    # -- the end ---------------------------------------------------------------------------------
    def _finish(self, outcome, error, abandoned=False):
        if self.done:
            return    # an abandoned module thread reporting back late
        if self in self.loop._module_code:
            self.loop._module_code.remove(self)
        if self._held:
            self._release_held(run_them=False)
        if not abandoned:
            leftovers = self._cancel_leftovers()
            if leftovers:
                leftovers.add_done_callback(lambda _: self._finish(outcome, error),
                                            context=self._plain_context)
                return
            if self._thread is not None:
                self._thread.join(timeout=1.0)
        else:
            for task in list(self.tracer.live.values()):
                if not task.done():
                    self._escalation.force_stop(task, None)
        self._escalation.cancel()
        memory_error = None
        if self._memory is not None:
            self._memory.stop()
            memory_error = self._memory.error
        if self._demo is not None:
            self._demo.stop()
        fatal = self._fatal_exc
        if isinstance(fatal, SystemExit) and self.exit_code is None:
            outcome, error = self._exited(fatal)   # sys.exit() in a task (not main's own)
        elif (isinstance(fatal, KeyboardInterrupt) and not isinstance(fatal, Interrupted)
              and not self.interrupted):
            self.interrupted = True
            outcome, error = "cancelled", user_traceback(fatal, self.path)
            self.error_headline = exception_headline(fatal)
        if self._stopped_by_user and outcome == "completed" and self.exit_code is None:
            outcome = "cancelled"
        if memory_error is not None and self.exit_code is None:
            outcome, error = "failed", error or memory_error
        self._changes.undo()
        self._note_leftover_threads()
        if not self.hold_unretrieved:
            self.dispose(collect=False)
        self.outcome, self.error = outcome, error
        self.tracer.record(RunEnded("run", self.loop.time(), "end", outcome, error))
        self.loop.remove_tracer(self.tracer)
        uninstall_routers()
        _script_env.leave(self._main_module)
        # What the script's code made is not kept by the run once it ended (the window keeps
        # runs): its namespace, its asyncio stand-ins.
        self._main_module = self._policy = self._asyncio_runner = None
        self._asyncio_submodules = {}
        if not self._done.done():
            self._done.set_result(outcome)

    def _note_leftover_threads(self):
        alive = [t.name for t, _ in self._threads if t.is_alive() and t is not self._thread]
        if alive:
            self._note(f"thread{'s' * (len(alive) > 1)} {', '.join(map(repr, alive))} started by "
                       f"the script {'are' if len(alive) > 1 else 'is'} still running (Python cannot "
                       "stop a thread from outside; it runs as a daemon and never keeps the "
                       "playground from exiting)")

    def dispose(self, *, collect: bool = True) -> None:
        """The caller is done with the run (``hold_unretrieved``): let go of what it keeps for
        Python's exit-time messages (a task a SystemExit or KeyboardInterrupt escaped: asyncio
        logs "Task exception was never retrieved" when it is collected)."""
        if self._fatal_tasks:
            for task in self._fatal_tasks:
                exc = getattr(task, "_exception", None)
                if exc is not None:
                    strip_engine_frames(exc)
            self._fatal_tasks.clear()
            if collect:
                import gc
                gc.collect()

    def leftover_threads(self) -> list[threading.Thread]:
        """Threads the run's code started (or left stuck in module code) that are still alive."""
        threads = [t for t, _ in self._threads if t.is_alive()]
        if self._thread is not None and self._thread.is_alive():
            threads.append(self._thread)
        return threads

    def _fatal(self, exc):
        """A SystemExit or KeyboardInterrupt escaped a step of one of the run's tasks (or a plain
        callback of its code).  Under ``python FILE`` it unwinds the event loop: the script's
        ``asyncio.run(main())`` raises it after its shutdown (every task cancelled and awaited;
        one that raises such an exception again replaces it), ``loop.run_until_complete()`` and
        ``loop.run_forever()`` at once.  So here: the module thread raises it there, where the
        script's ``try``/``except`` may catch it.  When no module code waits, the run stops."""
        task = self.loop.current_traced
        if task is not None and tid_of(task) is not None and task._tracer is self.tracer:
            # Kept alive (until the run ends, or dispose()), as the unwound loop's frames keep
            # it under `python FILE`: asyncio logs "Task exception was never retrieved" when it
            # is collected, after the traceback the script ends with (whose frames its exception
            # then holds).
            self._fatal_tasks.append(task)
            if (not self._fatal_shutdown and self._main_wait is not None
                    and self._main_wait[0] is task):
                # The task asyncio.run()/run_until_complete() waits on raised it itself: Python
                # keeps it (that call's frame) until its last moments, and never logs it.
                task._log_traceback = False
        if self._fatal_shutdown:
            self._fatal_exc = exc        # raised during the shutdown: it replaces the first
            return
        self._fatal_exc = exc
        if self._stopping or self.done:
            return
        wait, forever = self._main_wait, self._forever_wait
        if wait is not None and not wait[1].done():
            task, result, shutdown = wait
            if shutdown:
                self._fatal_shutdown = True
                for t in list(self.tracer.live.values()):
                    if not t.done():
                        self.tracer.cancel(t, None, CancelCause.SHUTDOWN)
                self._escalation.start()
                # main()'s end (_finish_main) raises it in the module thread once they are done.
            else:
                self._main_wait = None
                self._deliver_fatal(result)
            return
        if forever is not None:
            self._forever_exc = exc
            self._fatal_exc = None
            self.end_forever(forever)
            return
        self.stop(f"{type(exc).__name__} in lesson code", interrupt_module=False)

    def _deliver_fatal(self, result):
        """The module thread raises the fatal exception where it waits (the module owns it now:
        the run ends as the module code does)."""
        exc, self._fatal_exc = self._fatal_exc, None
        if not result.done():
            result.set_exception(exc)

    def _note(self, text):
        self.notes.append(text)
        self._write("stderr", f"playground: {text}\n")

    def _write(self, stream, text):
        if not text:
            return
        if self.done:    # module code left behind after the run ended: nowhere to log it
            if self.echo is not None:
                self.echo(stream, text)
            return
        self.tracer.output(stream, text)
        if self.echo is not None:
            self.echo(stream, text)
