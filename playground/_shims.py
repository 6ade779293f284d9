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
"""
from __future__ import annotations

import asyncio
import builtins
import contextvars
import threading
import types

from ._loop import PlaygroundError

__all__ = ["LoopProxy", "make_builtins"]


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
        try:
            return self._run.run_blocking(future, shutdown=False)
        finally:
            self._active -= 1

    def run_forever(self):
        if self._here():
            raise RuntimeError("This event loop is already running")
        self._check_closed()
        if self._forever is not None:
            raise RuntimeError("This event loop is already running")
        self._forever = threading.Event()
        self._active += 1
        try:
            if self._stop_pending:
                # stop() before run_forever(): asyncio runs one iteration and returns.
                self._stop_pending = False
                self._run.call_in_loop(lambda: None)
            else:
                self._run.run_forever_blocking(self._forever)
        finally:
            self._active -= 1
            self._forever = None

    def stop(self):
        forever = self._forever
        if forever is not None:
            forever.set()
            return
        if self._here():
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
        return self._loop.get_task_factory()

    def get_exception_handler(self):
        return self._loop.get_exception_handler()

    # -- scheduling: marshalled from the module thread -----------------------------------------
    def create_task(self, coro, *, name=None, context=None):
        if self._here():
            return self._loop.create_task(coro, name=name, context=context)
        self._check_closed()
        return self._run.call_in_loop(self._loop.create_task, coro, name=name, context=context)

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
        return self._run.call_in_loop(self._loop.call_later, delay, callback, *args, context=context)

    def call_at(self, when, callback, *args, context=None):
        if self._here():
            return self._loop.call_at(when, callback, *args, context=context)
        self._check_closed()
        return self._run.call_in_loop(self._loop.call_at, when, callback, *args, context=context)

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


class _Runner:
    """``asyncio.Runner`` for module-level code: runs on the playground loop."""

    def __init__(self, *, debug=None, loop_factory=None):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        pass


def _asyncio_proxy(run) -> types.ModuleType:
    loop = run.loop
    state = {"current": LoopProxy(run)}   # the loop asyncio.get_event_loop() returns

    def in_loop_thread():
        return threading.get_ident() == loop._thread_id

    def run_(main, *, debug=None, loop_factory=None):
        if in_loop_thread():
            raise nested_run_error("asyncio.run()", main, run)
        return run.run_blocking(main)

    def get_event_loop():
        return state["current"]

    def get_running_loop():
        if in_loop_thread():
            return state["current"]
        return asyncio.get_running_loop()   # "no running event loop", or a thread's own loop

    def new_event_loop():
        if in_loop_thread():
            raise PlaygroundError(
                "starting a second event loop inside the playground's running loop would block "
                "it; create tasks on the running loop instead")
        return LoopProxy(run)

    def set_event_loop(loop_):
        # None or another loop: the lesson's code keeps reaching the playground loop (inside a
        # coroutine, asyncio itself ignores the policy's loop too).
        if isinstance(loop_, LoopProxy) and loop_._run is run:
            state["current"] = loop_

    def marshalled(fn):
        # Called at module level (the module thread), these need the loop: run them on its thread.
        def call(*args, **kwargs):
            if in_loop_thread() or not loop.is_running():
                return fn(*args, **kwargs)
            return run.call_in_loop(fn, *args, **kwargs)
        call.__name__ = call.__qualname__ = fn.__name__
        call.__doc__ = fn.__doc__
        return call

    class Runner(_Runner):
        def get_loop(self):
            return state["current"]

        def run(self, coro, *, context=None):
            if in_loop_thread():
                raise nested_run_error("Runner.run()", coro, run)
            return run.run_blocking(coro)

    class Proxy(types.ModuleType):
        def __getattr__(self, name):
            return getattr(asyncio, name)

        def __dir__(self):
            return dir(asyncio)

    proxy = Proxy("asyncio", asyncio.__doc__)
    # Real attributes, not __getattr__: lesson code looks up asyncio.sleep & co. in hot loops, and
    # a Python-level __getattr__ costs ~1.5 us per lookup.  __getattr__ covers later additions.
    proxy.__dict__.update({k: v for k, v in vars(asyncio).items() if not k.startswith("__")})
    proxy.__dict__.update(
        __file__=asyncio.__file__, __path__=asyncio.__path__, __spec__=asyncio.__spec__,
        __package__="asyncio", run=run_, get_event_loop=get_event_loop,
        get_running_loop=get_running_loop, new_event_loop=new_event_loop,
        set_event_loop=set_event_loop, Runner=Runner,
        gather=marshalled(asyncio.gather), ensure_future=marshalled(asyncio.ensure_future),
        shield=marshalled(asyncio.shield))
    return proxy


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

        def start(self):
            run.note_thread(self)
            super().start()

    Thread.__module__ = "threading"
    Thread.__qualname__ = "Thread"

    class Proxy(types.ModuleType):
        def __getattr__(self, name):
            return getattr(threading, name)

        def __dir__(self):
            return dir(threading)

    mod = Proxy("threading", threading.__doc__)
    mod.__dict__.update({k: v for k, v in vars(threading).items() if not k.startswith("__")})
    mod.__dict__.update(__file__=threading.__file__, __spec__=threading.__spec__, Thread=Thread)
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
            elif name == "nest_asyncio":
                mod = _nest_asyncio_shim(run)
            elif name == "httpx":
                mod = run.httpx_module()
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
                # needs the real submodule.
                if name == top or not fromlist:
                    if name != top:
                        real_import(name, globals, locals, fromlist, level)
                    mod = shim(top)
                    if mod is not None:
                        return mod
        return real_import(name, globals, locals, fromlist, level)

    own = types.ModuleType("builtins", builtins.__doc__)
    ns = own.__dict__
    ns.update(builtins.__dict__)
    ns["__import__"] = import_
    ns["input"] = run.input
    return ns


_SHIMMED = ("asyncio", "nest_asyncio", "httpx", "threading", "builtins")
