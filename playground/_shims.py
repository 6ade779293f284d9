"""What a lesson sees instead of ``asyncio.run``, ``nest_asyncio`` and friends.

A run executes the lesson's module code in a thread of its own (the *module thread*), so that
tutorial code which calls ``asyncio.run(main())`` at top level can block there, exactly as in a
terminal, while ``main()`` runs as a task on the playground loop in the GUI thread.  The lesson's
``import asyncio`` returns a proxy module whose ``run``/``Runner``/``get_event_loop`` hand the
coroutine to the playground loop and wait for it; everything else is the real asyncio.
"""
from __future__ import annotations

import asyncio
import builtins
import threading
import types

from ._loop import PlaygroundError

__all__ = ["make_builtins"]


class LoopProxy:
    """What ``asyncio.get_event_loop()``/``new_event_loop()`` return to module-level code."""

    def __init__(self, run):
        self._run = run

    def run_until_complete(self, future):
        return self._run.run_blocking(future)

    def run_forever(self):
        raise PlaygroundError(
            "loop.run_forever() would never return in the playground; "
            "use asyncio.run(main()) or loop.run_until_complete(main())")

    def stop(self):
        pass

    def close(self):
        pass

    def is_running(self):
        return False

    def is_closed(self):
        return False

    def __getattr__(self, name):
        return getattr(self._run.loop, name)


class _Runner:
    """``asyncio.Runner`` for module-level code: runs on the playground loop."""

    def __init__(self, *, debug=None, loop_factory=None):
        self._proxy = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        pass


def _asyncio_proxy(run) -> types.ModuleType:
    loop = run.loop

    def in_loop_thread():
        return threading.get_ident() == loop._thread_id

    def run_(main, *, debug=None, loop_factory=None):
        if in_loop_thread():
            if asyncio.iscoroutine(main):
                main.close()  # don't leave a "never awaited" warning behind our error
            raise RuntimeError(
                "asyncio.run() cannot be called from a running event loop "
                "(inside a coroutine, await the coroutine instead)")
        return run.run_blocking(main)

    def get_event_loop():
        if in_loop_thread():
            return asyncio.get_event_loop()
        return LoopProxy(run)

    def new_event_loop():
        if in_loop_thread():
            raise PlaygroundError(
                "starting a second event loop inside the playground's running loop would block "
                "it; create tasks on the running loop instead")
        return LoopProxy(run)

    def set_event_loop(loop_):
        if in_loop_thread() and not isinstance(loop_, LoopProxy) and loop_ is not loop:
            raise PlaygroundError("a lesson cannot replace the playground's running event loop")

    class Runner(_Runner):
        def get_loop(self):
            return LoopProxy(run)

        def run(self, coro, *, context=None):
            if in_loop_thread():
                raise RuntimeError("Runner.run() cannot be called from a running event loop")
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
        new_event_loop=new_event_loop, set_event_loop=set_event_loop, Runner=Runner)
    return proxy


def _nest_asyncio_shim() -> types.ModuleType:
    mod = types.ModuleType("nest_asyncio", "The playground's stand-in for nest_asyncio.")

    def apply(loop=None):
        """Nothing to patch: the playground already lets top-level asyncio.run() work."""

    mod.apply = apply
    return mod


def make_builtins(run) -> dict:
    """A ``__builtins__`` for the lesson's namespace whose imports see the shims."""
    real_import = builtins.__import__
    cache: dict[str, types.ModuleType] = {}

    def shim(name):
        mod = cache.get(name)
        if mod is None:
            if name == "asyncio":
                mod = _asyncio_proxy(run)
            elif name == "nest_asyncio":
                mod = _nest_asyncio_shim()
            elif name == "httpx":
                mod = run.httpx_module()
            if mod is None:
                return None
            cache[name] = mod
        return mod

    def import_(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0:
            top = name.partition(".")[0]
            if top in ("asyncio", "nest_asyncio", "httpx"):
                # `import asyncio.tasks` binds the top-level name; `from asyncio.tasks import x`
                # needs the real submodule.
                if name == top or not fromlist:
                    if name != top:
                        real_import(name, globals, locals, fromlist, level)
                    mod = shim(top)
                    if mod is not None:
                        return mod
        return real_import(name, globals, locals, fromlist, level)

    ns = dict(builtins.__dict__)
    ns["__import__"] = import_
    return ns
