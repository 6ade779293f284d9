"""What a lesson sees instead of ``asyncio.run``, the event loop, ``nest_asyncio`` and friends.

A run executes the lesson's module code in a thread of its own (the *module thread*), so that
tutorial code which calls ``asyncio.run(main())`` at top level can block there, exactly as in a
terminal, while ``main()`` runs as a task on the playground loop in the GUI thread.  The lesson's
``import asyncio`` returns a proxy module whose ``run``/``Runner``/``get_event_loop``/
``get_running_loop`` hand work to the playground loop; everything else is the real asyncio.

The loop a lesson gets (``asyncio.get_event_loop()``, ``new_event_loop()``, ``get_running_loop()``)
is a ``LoopProxy``.  Qt refuses to start a timer from a thread other than the loop's ("Timers cannot
be started from another thread") and the loop is then broken for good, so every call the module
thread makes on it is marshalled onto the loop's thread (``call_soon_threadsafe``, then the module
thread waits for the result); on the loop's thread calls go straight through.  ``run_forever()``
blocks the module thread until the lesson calls ``loop.stop()`` (or the run is stopped), and
``run_until_complete()`` waits for its future, as Python would.  The proxy also notes what the
lesson changes on the loop (readers, writers, signal handlers) so the run can undo it.

The lesson's ``threading.Thread`` is a subclass that tells the run which threads its code started
(reported, and waited for at the end like Python waits for non-daemon threads) and starts them as
daemon threads underneath, so a thread that never ends can never keep the process from exiting.
``input()`` and ``sys.stdin`` read what the run was given: end of file in the window (with a note
saying so), the terminal headless, always interruptible by Stop.

What the script sees is what ``python FILE`` shows it, on the running Python (tests/test_fidelity.py
runs the same programs under both):

* the event loop policy's rules (``Policy``): the module thread is the script's main thread, so
  a module-level ``asyncio.get_event_loop()`` makes the loop implicitly on 3.11, warns
  (``DeprecationWarning``) on 3.12 and 3.13 and raises ``RuntimeError`` on 3.14+ (with a note
  naming the modern form); ``asyncio.run()`` leaves no loop set behind it; ``set_event_loop(None)``
  unsets it; ``get_running_loop()`` inside ``loop.run_until_complete(...)`` is that ``loop``;
* ``asyncio.Future``/``asyncio.Task`` made with the script's loop (``loop=loop``) or none at
  module level belong to the playground loop (``isinstance`` against them holds for every future
  and task);
* ``asyncio.all_tasks()`` holds the run's tasks only, never the playground's own;
* ``anyio.run(main)``, ``asyncio.Runner`` and ``asyncio.run`` reached through
  ``asyncio.runners`` run ``main`` once, as a traced task on the playground loop.
"""
from __future__ import annotations

import asyncio
import builtins
import contextvars
import functools
import sys
import threading
import types
import warnings
import weakref
from asyncio import runners as _runners

from ._current import current_run, tracer_of
from ._loop import PlaygroundError

__all__ = ["LoopProxy", "Policy", "make_builtins"]

_EAGER_FACTORY = getattr(asyncio, "eager_task_factory", object())
#: The note a module-level get_event_loop() gets where Python refuses it (3.14+).
MODERN_FORM = ("asyncio.get_event_loop() outside a running loop is deprecated since Python 3.12 and "
               "an error since 3.14: put the code in `async def main():`, run it with "
               "`asyncio.run(main())`, and inside it use `asyncio.get_running_loop()`")


def nested_run_error(what: str, main, run) -> RuntimeError:
    """The error for ``asyncio.run()``/``run_until_complete()``/``Runner.run()`` called inside a
    running task.  Plain asyncio says the first sentence; under ``nest_asyncio.apply()`` (which
    would run it nested) we say why the playground does not, and what to write instead."""
    name = getattr(main, "__qualname__", None) or getattr(main, "__name__", None)
    awaited = f"{name}()" if asyncio.iscoroutine(main) and name else "it"
    if asyncio.iscoroutine(main):
        main.close()  # don't leave a "never awaited" warning behind our error
    if not getattr(run, "nest_asyncio_applied", False):
        return RuntimeError(f"{what} cannot be called from a running event loop "
                            f"(inside a coroutine, await the coroutine instead: await {awaited})")
    return RuntimeError(
        f"{what} cannot be called from inside a running task in the playground, even after "
        f"nest_asyncio.apply(): the playground's loop does not run nested loops (it would run the "
        f"other tasks inside this task's step).  Inside a coroutine, await it instead: "
        f"result = await {awaited}")


class LoopProxy(asyncio.AbstractEventLoop):
    """The event loop as the lesson's code sees it: the run's playground loop, reached from the
    right thread.  ``isinstance(loop, asyncio.AbstractEventLoop)`` holds."""

    def __init__(self, run):
        self._run = run
        self._loop = run.loop
        self._closed = False
        self._active = 0              # run_forever/run_until_complete calls in progress
        self._forever: threading.Event | None = None
        self._stop_pending = False

    # -- where are we --------------------------------------------------------------------------
    def _here(self) -> bool:
        return threading.get_ident() == self._loop._thread_id

    def _call(self, fn, *args, **kwargs):
        if self._here():
            return fn(*args, **kwargs)
        return self._run.call_in_loop(fn, *args, **kwargs)

    def _check_closed(self):
        if self._closed:
            raise RuntimeError("Event loop is closed")

    def __repr__(self):
        return (f"<PlaygroundLoop running={self.is_running()} closed={self._closed} "
                f"debug={self._loop.get_debug()}>")

    # -- running and stopping --------------------------------------------------------------------
    def run_until_complete(self, future):
        if self._here():
            if self._loop.is_running() and getattr(self._run, "nest_asyncio_applied", False):
                raise nested_run_error("loop.run_until_complete()", future, self._run)
            return self._loop.run_until_complete(future)   # "This event loop is already running"
        self._check_closed()
        self._active += 1
        policy = _policy(self._run)
        policy.running.append(self)
        try:
            return self._run.run_blocking(future, shutdown=False)
        finally:
            policy.running.remove(self)
            self._active -= 1

    def run_forever(self):
        if self._here():
            raise RuntimeError("This event loop is already running")
        self._check_closed()
        if self._forever is not None:
            raise RuntimeError("This event loop is already running")
        self._forever = threading.Event()
        self._active += 1
        policy = _policy(self._run)
        policy.running.append(self)
        try:
            if self._stop_pending:
                # stop() before run_forever(): asyncio runs one iteration and returns.
                self._stop_pending = False
                self._run.call_in_loop(lambda: None)
            else:
                self._run.run_forever_blocking(self._forever)
        finally:
            policy.running.remove(self)
            self._active -= 1
            self._forever = None

    def stop(self):
        forever = self._forever
        if forever is not None:
            self._run.end_forever(forever)
            return
        if self._here() and self._active:
            raise PlaygroundError(
                "a lesson cannot stop the playground's event loop; return from main() "
                "(or cancel your tasks) instead")
        self._stop_pending = True

    def close(self):
        if self._here() or self._active:
            raise PlaygroundError(
                "a lesson cannot close the playground's event loop; the playground closes it")
        self._closed = True   # the playground loop itself stays open for the next run

    def is_running(self):
        return self._here() or self._active > 0

    def is_closed(self):
        return self._closed

    async def shutdown_asyncgens(self):
        """Nothing to do: the run finalizes its async generators when it ends."""

    async def shutdown_default_executor(self, timeout=None):
        """Nothing to do: the default executor is the playground's, shared by every run."""

    # -- the hot, thread-safe or read-only calls go straight through ----------------------------
    def time(self):
        return self._loop.time()

    def call_soon_threadsafe(self, callback, *args, context=None):
        return self._loop.call_soon_threadsafe(callback, *args, context=context)

    def get_debug(self):
        return self._loop.get_debug()

    def get_task_factory(self):
        factory = self._loop.get_task_factory()
        return getattr(factory, "_playground_factory", factory)

    def set_task_factory(self, factory):
        """The lesson's own task factory makes tasks the tracer does not trace (its
        ``eager_task_factory`` excepted): the run still counts them as its own
        (``asyncio.all_tasks()``)."""
        if factory is not None and factory is not _EAGER_FACTORY:
            if not callable(factory):
                raise TypeError("task factory must be a callable or None")
            run = self._run
            original = factory

            def factory(loop, coro, **kwargs):
                task = original(loop, coro, **kwargs)
                _policy(run).untraced.add(task)
                return task
            factory._playground_factory = original
        return self._call(self._loop.set_task_factory, factory)

    def get_exception_handler(self):
        return self._loop.get_exception_handler()

    # -- scheduling: marshalled from the module thread -----------------------------------------
    def create_task(self, coro, **kwargs):
        # name=, context=, and on 3.14+ whatever the task factory takes (eager_start=): passed on.
        if self._here():
            return self._loop.create_task(coro, **kwargs)
        self._check_closed()
        return self._run.call_in_loop(self._loop.create_task, coro, **kwargs)

    def create_future(self):
        return self._call(self._loop.create_future)

    def call_soon(self, callback, *args, context=None):
        if self._here():
            return self._loop.call_soon(callback, *args, context=context)
        self._check_closed()
        return self._run.call_in_loop(self._loop.call_soon, callback, *args, context=context)

    def call_later(self, delay, callback, *args, context=None):
        if self._here():
            return self._loop.call_later(delay, callback, *args, context=context)
        self._check_closed()
        timer = self._gated(callback)
        timer.handle = self._run.call_in_loop(self._loop.call_later, delay, timer, *args,
                                              context=context)
        return timer.handle

    def call_at(self, when, callback, *args, context=None):
        if self._here():
            return self._loop.call_at(when, callback, *args, context=context)
        self._check_closed()
        timer = self._gated(callback)
        timer.handle = self._run.call_in_loop(self._loop.call_at, when, timer, *args,
                                              context=context)
        return timer.handle

    def _gated(self, callback):
        """A timer module code sets: under `python FILE` its loop runs only inside run_*, so a
        timer due before then fires at the next run_*, behind what module code scheduled before
        it (``loop.call_later(0.001, ...)``, then slow module code, then ``run_forever()``).  The
        playground's loop runs all along: a due timer's callback waits with the held handles
        while module code is not running the loop (or its held handles are not released yet)."""
        run = self._run

        @functools.wraps(callback)
        def timer_callback(*args):
            if self._active and not run.has_held():
                return callback(*args)

            @functools.wraps(callback)
            def fire(*args):
                if not timer_callback.handle.cancelled():   # cancelled before python's loop ran
                    callback(*args)
            run.hold_call(fire, args)
        timer_callback.handle = None
        return timer_callback

    def run_in_executor(self, executor, func, *args):
        return self._call(self._loop.run_in_executor, executor, func, *args)

    # -- what the run undoes when it ends --------------------------------------------------------
    # qasync runs a reader's callback in no particular context; asyncio runs it in the one the
    # reader was added in (the run's, so its output reaches the run).  ctx.run is C: it adds no
    # frame of ours to a traceback.
    def add_reader(self, fd, callback, *args):
        ctx = contextvars.copy_context()
        self._call(self._loop.add_reader, fd, ctx.run, callback, *args)
        self._run.loop_changes.add(("read", _fileno(fd)))

    def add_writer(self, fd, callback, *args):
        ctx = contextvars.copy_context()
        self._call(self._loop.add_writer, fd, ctx.run, callback, *args)
        self._run.loop_changes.add(("write", _fileno(fd)))

    def remove_reader(self, fd):
        self._run.loop_changes.discard(("read", _fileno(fd)))
        return self._call(self._loop.remove_reader, fd)

    def remove_writer(self, fd):
        self._run.loop_changes.discard(("write", _fileno(fd)))
        return self._call(self._loop.remove_writer, fd)

    def add_signal_handler(self, sig, callback, *args):
        self._run.note_signal(sig)
        return self._call(self._loop.add_signal_handler, sig, callback, *args)

    def remove_signal_handler(self, sig):
        return self._call(self._loop.remove_signal_handler, sig)

    # -- everything else: the real loop's, marshalled when it is callable -------------------------
    def __getattr__(self, name):
        value = getattr(self._loop, name)
        if name.startswith("__") or not callable(value):
            return value

        def marshalled(*args, **kwargs):
            return self._call(value, *args, **kwargs)
        marshalled.__name__ = name
        return marshalled


# AbstractEventLoop's own methods raise NotImplementedError: whatever the proxy does not define
# itself goes to the real loop (marshalled) instead.
def _forward(name):
    def method(self, *args, **kwargs):
        return self._call(getattr(self._loop, name), *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    return method


for _name, _value in vars(asyncio.AbstractEventLoop).items():
    if callable(_value) and not _name.startswith("_") and _name not in vars(LoopProxy):
        setattr(LoopProxy, _name, _forward(_name))
del _name, _value


def _fileno(fd):
    return fd if isinstance(fd, int) else fd.fileno()


class Policy:
    """asyncio's event loop policy as the script sees it, per thread: the loop set
    (``set_event_loop``) and whether one ever was.  The module thread is the script's main thread,
    and the run's code on the playground loop counts as that thread too (``asyncio.run`` runs its
    loop there).  ``running``: the script's loops whose ``run_until_complete``/``run_forever``
    (or ``asyncio.run``) are in progress, innermost last: ``get_running_loop()`` is the last."""

    def __init__(self, run):
        self.run = run
        self.default = LoopProxy(run)         # the running loop when no run_* call is under way
        self.running: list[LoopProxy] = []
        self.untraced = weakref.WeakSet()     # the run's tasks the tracer does not trace
        self._main = types.SimpleNamespace(loop=None, set_called=False)
        self._local = threading.local()

    def _state(self):
        ident = threading.get_ident()
        thread = self.run._thread
        if ident == self.run.loop._thread_id or (thread is not None and ident == thread.ident):
            return self._main
        state = getattr(self._local, "state", None)
        if state is None:
            state = self._local.state = types.SimpleNamespace(loop=None, set_called=False)
        return state

    def running_loop(self):
        return self.running[-1] if self.running else self.default

    def get_event_loop(self, stacklevel: int):
        """``asyncio.get_event_loop()`` outside a running loop, as the running Python answers it."""
        state = self._state()
        if state.loop is None and not state.set_called and state is self._main:
            if sys.version_info < (3, 14):
                if sys.version_info >= (3, 12):   # (Python's warning says it: no note of ours)
                    warnings.warn("There is no current event loop", DeprecationWarning,
                                  stacklevel=stacklevel)
                state.loop = LoopProxy(self.run)
            else:
                self.run.note_once("get_event_loop", MODERN_FORM)
        if state.loop is None:
            name = "MainThread" if state is self._main else threading.current_thread().name
            raise RuntimeError(f"There is no current event loop in thread {name!r}.")
        return state.loop

    def set_event_loop(self, loop) -> None:
        if loop is not None and not isinstance(loop, asyncio.AbstractEventLoop):
            raise TypeError(f"loop must be an instance of AbstractEventLoop or None, "
                            f"not '{type(loop).__name__}'")
        state = self._state()
        state.set_called = True
        state.loop = loop

    def real_loop(self, loop, stacklevel: int):
        """The playground loop for a ``loop=`` argument of the script's (its ``LoopProxy``, or
        None: the running loop, else the policy's, as asyncio finds it).  ``stacklevel``: where
        the script's line is, counted from this call (1: the caller of ``real_loop``)."""
        if isinstance(loop, LoopProxy):
            return loop._loop
        if loop is None and threading.get_ident() != self.run.loop._thread_id:
            return self.get_event_loop(stacklevel + 1)._loop
        return loop

    def runner_loop(self, run_it):
        """``run_it(proxy)`` as ``asyncio.Runner`` does it with no ``loop_factory``: a new loop, set
        as the thread's loop while it runs, and unset (``set_event_loop(None)``) afterwards."""
        proxy = LoopProxy(self.run)
        state = self._state()
        state.set_called, state.loop = True, proxy
        self.running.append(proxy)
        proxy._active += 1
        try:
            return run_it(proxy)
        finally:
            proxy._active -= 1
            self.running.remove(proxy)
            state.loop = None


def _policy(run) -> Policy:
    policy = getattr(run, "_policy", None)
    if policy is None:
        policy = run._policy = Policy(run)
    return policy


class _FutureMeta(type):
    """The metaclass of the script's ``asyncio.Future``/``asyncio.Task``: ``isinstance(x,
    asyncio.Future)`` holds for every future (they are the real class's instances), and
    subclassing them works as with the real classes."""

    def __instancecheck__(cls, obj):
        real = cls.__dict__.get("_playground_real")
        return isinstance(obj, real) if real is not None else super().__instancecheck__(obj)

    def __subclasscheck__(cls, sub):
        real = cls.__dict__.get("_playground_real")
        return issubclass(sub, real) if real is not None else super().__subclasscheck__(sub)


def _loop_bound_classes(run, policy):
    """The script's ``asyncio.Future`` and ``asyncio.Task``: made with ``loop=`` its loop (a
    ``LoopProxy``) or, at module level, with none, they belong to the playground loop, as
    ``python FILE``'s belong to its loop.  ``asyncio.Future()`` is the real class's instance."""
    class Future(asyncio.Future, metaclass=_FutureMeta):
        _playground_real = asyncio.Future

        def __new__(cls, *, loop=None):
            if cls is Future:
                return asyncio.Future(loop=policy.real_loop(loop, 3))
            return asyncio.Future.__new__(cls)

        def __init__(self, *, loop=None):
            super().__init__(loop=policy.real_loop(loop, 3))

    class Task(asyncio.Task, metaclass=_FutureMeta):
        _playground_real = asyncio.Task

        def __new__(cls, coro, *, loop=None, **kwargs):
            if cls is not Task:
                return asyncio.Task.__new__(cls)
            real = policy.real_loop(loop, 3)
            if threading.get_ident() != run.loop._thread_id:
                task = run.call_in_loop(asyncio.Task, coro, loop=real, **kwargs)
            else:
                task = asyncio.Task(coro, loop=real, **kwargs)
            policy.untraced.add(task)
            return task

        def __init__(self, coro, *, loop=None, **kwargs):
            super().__init__(coro, loop=policy.real_loop(loop, 3), **kwargs)
            policy.untraced.add(self)

    for cls, real in ((Future, asyncio.Future), (Task, asyncio.Task)):
        cls.__module__, cls.__qualname__, cls.__doc__ = real.__module__, real.__qualname__, real.__doc__
    return Future, Task


def _asyncio_proxy(run) -> types.ModuleType:
    loop = run.loop
    policy = _policy(run)

    def in_loop_thread():
        return threading.get_ident() == loop._thread_id

    def with_debug(debug, fn):
        """``fn()`` with the loop's debug mode as ``asyncio.run(..., debug=)`` asks (a loop of
        its own under Python: put back afterwards)."""
        if debug is None:
            return fn()
        before = loop.get_debug()
        run.call_in_loop(loop.set_debug, bool(debug))
        try:
            return fn()
        finally:
            run.call_in_loop(loop.set_debug, before)

    def run_(main, *, debug=None, loop_factory=None):
        if in_loop_thread():
            raise nested_run_error("asyncio.run()", main, run)
        if loop_factory is not None:
            return with_debug(debug, lambda: run.run_blocking(main))
        return policy.runner_loop(lambda proxy: with_debug(debug, lambda: run.run_blocking(main)))

    def get_event_loop():
        if in_loop_thread():
            return policy.running_loop()
        return policy.get_event_loop(3)

    def get_running_loop():
        if in_loop_thread():
            return policy.running_loop()
        return asyncio.get_running_loop()   # "no running event loop", or a thread's own loop

    def new_event_loop():
        if in_loop_thread():
            raise PlaygroundError(
                "starting a second event loop inside the playground's running loop would block "
                "it; create tasks on the running loop instead")
        return LoopProxy(run)

    def set_event_loop(loop_):
        policy.set_event_loop(loop_)

    def mine(task) -> bool:
        tracer = tracer_of(task)
        return tracer is run.tracer if tracer is not None else task in policy.untraced

    def all_tasks(loop=None):
        """The run's tasks that are not done: never the playground's own, nor another run's."""
        real = policy.real_loop(loop, 2) if loop is not None else None
        return {t for t in asyncio.all_tasks(real) if mine(t)}

    def current_task(loop=None):
        return asyncio.current_task(policy.real_loop(loop, 2) if loop is not None else None)

    def marshalled(fn):
        # Called at module level (the module thread), these need the loop: run them on its thread.
        def call(*args, **kwargs):
            if in_loop_thread() or not loop.is_running():
                return fn(*args, **kwargs)
            return run.call_in_loop(fn, *args, **kwargs)
        call.__name__ = call.__qualname__ = fn.__name__
        call.__doc__ = fn.__doc__
        return call

    class Runner:
        """``asyncio.Runner`` for the script: its loop is a ``LoopProxy``; ``run()`` runs the
        coroutine as a traced task on the playground loop."""

        def __init__(self, *, debug=None, loop_factory=None):
            self._loop_factory = loop_factory
            self._debug = debug
            self._proxy = None
            self._closed = False
            self._set = False

        def __enter__(self):
            self._lazy_init()
            return self

        def __exit__(self, *exc_info):
            self.close()

        def _lazy_init(self):
            if self._closed:
                raise RuntimeError("Runner is closed")
            if self._proxy is None:
                self._proxy = LoopProxy(run)
                if self._loop_factory is None and not in_loop_thread():
                    policy.set_event_loop(self._proxy)
                    self._set = True

        def get_loop(self):
            self._lazy_init()
            return self._proxy

        def run(self, coro, *, context=None):
            if in_loop_thread():
                raise nested_run_error("Runner.run()", coro, run)
            if not asyncio.iscoroutine(coro):
                raise ValueError(f"a coroutine was expected, got {coro!r}")
            self._lazy_init()
            policy.running.append(self._proxy)
            self._proxy._active += 1
            try:
                return with_debug(self._debug, lambda: run.run_blocking(coro))
            finally:
                self._proxy._active -= 1
                policy.running.remove(self._proxy)

        def close(self):
            if self._closed:
                return
            if self._set:
                policy.set_event_loop(None)
            self._closed = True

    Runner.__module__ = "asyncio.runners"
    Future, Task = _loop_bound_classes(run, policy)

    class Proxy(types.ModuleType):
        def __getattr__(self, name):
            return getattr(asyncio, name)

        def __dir__(self):
            return dir(asyncio)

    proxy = Proxy("asyncio", asyncio.__doc__)
    # Real attributes, not __getattr__: lesson code looks up asyncio.sleep & co. in hot loops, and
    # a Python-level __getattr__ costs ~1.5 us per lookup.  __getattr__ covers later additions.
    proxy.__dict__.update({k: v for k, v in vars(asyncio).items() if not k.startswith("__")})
    overrides = dict(
        run=run_, get_event_loop=get_event_loop,
        get_running_loop=get_running_loop, new_event_loop=new_event_loop,
        set_event_loop=set_event_loop, Runner=Runner, Future=Future, Task=Task,
        all_tasks=all_tasks, current_task=current_task,
        gather=marshalled(asyncio.gather), ensure_future=marshalled(asyncio.ensure_future),
        shield=marshalled(asyncio.shield))
    proxy.__dict__.update(overrides, __file__=asyncio.__file__, __path__=asyncio.__path__,
                          __spec__=asyncio.__spec__, __package__="asyncio")
    # `from asyncio.runners import Runner` / `asyncio.runners.run(...)`: the same stand-ins.
    runners = types.ModuleType("asyncio.runners", _runners.__doc__)
    runners.__dict__.update({k: v for k, v in vars(_runners).items() if not k.startswith("__")})
    runners.__dict__.update(run=run_, Runner=Runner, __file__=_runners.__file__,
                            __spec__=_runners.__spec__, __package__="asyncio")
    proxy.runners = runners
    run._asyncio_submodules = {"asyncio.runners": runners}
    return proxy


_anyio_patched = False


def _patch_anyio() -> None:
    """``anyio.run(main)`` in a run: anyio's asyncio backend makes an ``asyncio.Runner`` of its own
    (in the module thread, beside the playground loop), and ``main`` ran untraced; then the
    runner ran ``main()`` again (it looked unrun).  Its backend's ``Runner`` is made to be the
    run's own when a run's code asks for it (anywhere else: asyncio's), so ``main`` runs once, as
    a traced task on the playground loop, with anyio's own wrapper around it."""
    global _anyio_patched
    if _anyio_patched:
        return
    try:
        from anyio._backends import _asyncio as backend
    except Exception:   # another anyio layout: leave it alone
        _anyio_patched = True
        return
    real = getattr(backend, "Runner", None)
    if real is None:
        _anyio_patched = True
        return

    def Runner(*args, **kwargs):
        run = current_run.get()
        runner = getattr(run, "_asyncio_runner", None)
        if runner is not None and threading.get_ident() != run.loop._thread_id:
            return runner(**{k: v for k, v in kwargs.items() if k in ("debug", "loop_factory")})
        return real(*args, **kwargs)
    Runner._playground_real = real
    backend.Runner = Runner
    _anyio_patched = True


def _nest_asyncio_shim(run=None) -> types.ModuleType:
    mod = types.ModuleType("nest_asyncio", "The playground's stand-in for nest_asyncio.")

    def apply(loop=None):
        """Nothing to patch: the playground already lets top-level asyncio.run() and
        loop.run_until_complete() work.  A nested run inside a running task is refused with a
        message that says to await instead (docs/engine-api.md: why it is not nested)."""
        if run is not None:
            run.nest_asyncio_applied = True

    mod.apply = apply
    return mod


def _threading_shim(run) -> types.ModuleType:
    """The real threading module, but its ``Thread`` tells the run about each thread started."""

    class Thread(threading.Thread):
        __doc__ = threading.Thread.__doc__

        # The thread's code is the run's: what it prints goes to the run (the window's console),
        # as under python it goes to the terminal.  A new thread starts in a context of its own,
        # so the run is named in it: before its code runs (3.11-3.13), or in the context 3.14+
        # runs it in (empty, or the starter's copy under thread_inherit_context, as python has it).
        def start(self):
            run.note_thread(self)
            if getattr(self, "_context", False) is None:
                inherit = getattr(sys.flags, "thread_inherit_context", False)
                self._context = contextvars.copy_context() if inherit else contextvars.Context()
                self._context.run(current_run.set, run)
            super().start()

        def _bootstrap_inner(self):
            current_run.set(run)
            super()._bootstrap_inner()

    Thread.__module__ = "threading"
    Thread.__qualname__ = "Thread"

    class Proxy(types.ModuleType):
        def __getattr__(self, name):
            return getattr(threading, name)

        def __dir__(self):
            return dir(threading)

    def main_thread():
        """The script's main thread: its module code's thread (which ``python FILE`` runs in the
        main thread), and the loop's thread for its coroutines (asyncio.run runs the loop there)."""
        if threading.current_thread() is run._thread:
            return run._thread
        return threading.main_thread()
    main_thread.__doc__ = threading.main_thread.__doc__

    mod = Proxy("threading", threading.__doc__)
    mod.__dict__.update({k: v for k, v in vars(threading).items() if not k.startswith("__")})
    mod.__dict__.update(__file__=threading.__file__, __spec__=threading.__spec__, Thread=Thread,
                        main_thread=main_thread)
    return mod


def _signal_shim(run) -> types.ModuleType:
    """The real signal module, but ``signal.signal()`` works from the script's module code as
    from Python's main thread: it is installed from the loop's thread (the process's main
    thread, where Python runs signal handlers), the handler runs in the run's context (its
    output is the run's), ``getsignal()`` gives back the script's own handler, and the run puts
    the previous handler back when it ends."""
    import signal as real

    def signal(signalnum, handler):
        if callable(handler):
            ctx = contextvars.copy_context()
            script_handler = handler

            def handler(signum, frame):
                return ctx.run(script_handler, signum, frame)
            handler._playground_handler = script_handler
        main = threading.main_thread()
        if threading.current_thread() is main:
            before = real.signal(signalnum, handler)
        elif run.loop._thread_id == main.ident and threading.current_thread() is run._thread:
            before = run.call_in_loop(real.signal, signalnum, handler)
        else:
            before = real.signal(signalnum, handler)   # ValueError, as Python says it
        run._changes.note_python_signal(signalnum, before)
        return getattr(before, "_playground_handler", before)
    signal.__doc__ = real.signal.__doc__

    def getsignal(signalnum):
        current = real.getsignal(signalnum)
        return getattr(current, "_playground_handler", current)
    getsignal.__doc__ = real.getsignal.__doc__

    class Proxy(types.ModuleType):
        def __getattr__(self, name):
            return getattr(real, name)

        def __dir__(self):
            return dir(real)

    mod = Proxy("signal", real.__doc__)
    mod.__dict__.update({k: v for k, v in vars(real).items() if not k.startswith("__")})
    mod.__dict__.update(__file__=real.__file__, __spec__=real.__spec__, signal=signal,
                        getsignal=getsignal)
    return mod


def make_builtins(run) -> dict:
    """A ``__builtins__`` for the lesson's namespace whose imports see the shims.

    It is the namespace of a ``builtins`` module of the lesson's own (what its ``import builtins``
    returns), so ``del builtins.len`` or ``builtins.print = ...`` changes the lesson's world, not
    the playground's."""
    real_import = builtins.__import__
    cache: dict[str, types.ModuleType] = {}

    def shim(name):
        mod = cache.get(name)
        if mod is None:
            if name == "asyncio":
                mod = _asyncio_proxy(run)
                run._asyncio_runner = mod.Runner
            elif name == "nest_asyncio":
                mod = _nest_asyncio_shim(run)
            elif name == "httpx":
                mod = run.httpx_module()
            elif name == "signal":
                mod = _signal_shim(run)
            elif name == "threading":
                mod = _threading_shim(run)
            elif name == "builtins":
                mod = own
            if mod is None:
                return None
            cache[name] = mod
        return mod

    def import_(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0:
            top = name.partition(".")[0]
            if top in _SHIMMED:
                # `import asyncio.tasks` binds the top-level name; `from asyncio.tasks import x`
                # needs the real submodule (`asyncio.runners`: the shim's own).
                if name == top or not fromlist:
                    if name != top:
                        real_import(name, globals, locals, fromlist, level)
                    mod = shim(top)
                    if mod is not None:
                        return mod
                elif top == "asyncio" and shim(top) is not None:
                    sub = getattr(run, "_asyncio_submodules", {}).get(name)
                    if sub is not None:
                        return sub
            elif top == "anyio":
                mod = real_import(name, globals, locals, fromlist, level)
                if shim("asyncio") is not None:
                    _patch_anyio()
                return mod
        return real_import(name, globals, locals, fromlist, level)

    own = types.ModuleType("builtins", builtins.__doc__)
    ns = own.__dict__
    ns.update(builtins.__dict__)
    ns["__import__"] = import_
    ns["input"] = run.input
    return ns


_SHIMMED = ("asyncio", "nest_asyncio", "httpx", "threading", "signal", "builtins")
