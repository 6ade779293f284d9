"""Runs: one execution of one file, in a fresh namespace, traced, on the playground loop.

The module's top-level code runs in a thread of its own (see _shims for why); every coroutine it
hands to ``asyncio.run`` becomes a traced task on the loop.  All of a run's tasks carry the run in
their context (``current_run``), which is how the loop knows whom to trace, how output written by a
task reaches the right run, and how two runs alive at once never mix.
"""
from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import contextvars
import ctypes
import ipaddress
import linecache
import sys
import threading
import traceback
from pathlib import Path

from ._loop import PlaygroundLoop, current_run
from ._shims import make_builtins
from ._tracer import Tracer
from .events import RunEnded, RunStarted
from .vocab import CancelCause, NetworkMode

__all__ = ["LoadError", "Run"]

_PKG_DIR = str(Path(__file__).resolve().parent)


class LoadError(Exception):
    """The file cannot be run at all (missing, not Python, a syntax error, nothing to run).

    Attributes:
        filename, lineno, offset: where, when known (1-based line and column).
    """

    def __init__(self, message, *, filename=None, lineno=None, offset=None):
        super().__init__(message)
        self.filename, self.lineno, self.offset = filename, lineno, offset


def _describe_syntax_error(err: SyntaxError, filename: str) -> LoadError:
    lines = [f'File "{filename}", line {err.lineno}, column {err.offset}: '
             f"{type(err).__name__}: {err.msg}"]
    if err.text:
        text = err.text.rstrip("\n")
        stripped = text.lstrip()
        lines.append("    " + stripped)
        if err.offset:
            lines.append("    " + " " * max(0, err.offset - 1 - (len(text) - len(stripped))) + "^")
    return LoadError("\n".join(lines), filename=filename, lineno=err.lineno, offset=err.offset)


def remember_source(source: str, filename: str) -> None:
    """Make tracebacks quote ``source`` for ``filename``: the text that ran, not the file on disk.

    A lesson edited in the window runs from the editor's text under the lesson's own path; without
    this, ``traceback`` (through ``linecache``) would quote the file on disk, carets and all, under
    lines that are not what ran.  An entry whose mtime is None is never re-checked against the disk.
    """
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def compile_lesson(source: str, filename: str):
    """Compile and check there is something to run; raises LoadError."""
    remember_source(source, filename)
    try:
        tree = ast.parse(source, filename)
        code = compile(tree, filename, "exec")
    except SyntaxError as err:
        raise _describe_syntax_error(err, filename) from None
    except ValueError as err:  # e.g. source with NUL bytes
        raise LoadError(f"{filename} is not a Python source file ({err})", filename=filename) from None
    has_main = any(isinstance(node, (ast.AsyncFunctionDef, ast.FunctionDef)) and node.name == "main"
                   for node in tree.body)
    runs = any(isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Attribute) and node.func.attr in
         ("run", "run_until_complete", "run_forever", "Runner"))
        or (isinstance(node.func, ast.Name) and node.func.id in ("run", "Runner")))
        for node in ast.walk(tree))
    if not (has_main or runs):
        raise LoadError(f"{filename}: nothing to run: define `async def main()` "
                        "or call `asyncio.run(...)`", filename=filename)
    return code


def read_source(path) -> str:
    path = Path(path)
    if not path.exists():
        raise LoadError(f"No such file: {path}", filename=str(path))
    if path.is_dir():
        raise LoadError(f"{path} is a directory, not a Python file", filename=str(path))
    try:
        data = path.read_bytes()
    except OSError as err:
        raise LoadError(f"Cannot read {path}: {err.strerror}", filename=str(path)) from None
    if b"\0" in data[:8192]:
        raise LoadError(f"{path} is not a Python source file (it looks binary)", filename=str(path))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise LoadError(f"{path} is not a Python source file (not UTF-8 text)",
                        filename=str(path)) from None


class _OutputRouter:
    """Stands in for sys.stdout/sys.stderr: text written by a run's code goes to that run."""

    def __init__(self, name, original):
        self._name = name
        self._original = original

    def write(self, text):
        run = current_run.get()
        if run is None:
            return self._original.write(text)
        run._write(self._name, text)
        return len(text)

    def flush(self):
        if current_run.get() is None:
            self._original.flush()

    def __getattr__(self, name):
        return getattr(self._original, name)


_routers_lock = threading.Lock()
_live_runs = 0


def _install_routers():
    global _live_runs
    with _routers_lock:
        _live_runs += 1
        if not isinstance(sys.stdout, _OutputRouter):
            sys.stdout = _OutputRouter("stdout", sys.stdout)
        if not isinstance(sys.stderr, _OutputRouter):
            sys.stderr = _OutputRouter("stderr", sys.stderr)


def _uninstall_routers():
    global _live_runs
    with _routers_lock:
        _live_runs -= 1
        if _live_runs:
            return
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if isinstance(stream, _OutputRouter):
                setattr(sys, name, stream._original)


def _is_loopback(host) -> bool:
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like never leave the machine
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _offline_guard(event, args):
    # An audit hook sees every socket.connect in the process, whatever library makes it (httpx,
    # asyncio.open_connection, urllib in a thread).  Only code of an offline run is refused.
    if event != "socket.connect":
        return
    run = current_run.get()
    if run is None or run.network != "offline":
        return
    address = args[1]
    host = address[0] if isinstance(address, tuple) else address
    if not _is_loopback(host):
        raise ConnectionRefusedError(
            f"Offline mode: lessons reach only the demo API and 127.0.0.1, not {host}; "
            "switch Network to Live to go to the internet")


_guard_installed = False


def _install_offline_guard():
    global _guard_installed
    if not _guard_installed:
        sys.addaudithook(_offline_guard)   # audit hooks cannot be removed: install once
        _guard_installed = True


def user_traceback(exc: BaseException, filename: str) -> str:
    """The traceback as Python prints it, minus the playground's own frames (and the
    concurrent.futures hop that carries main()'s exception back to the module thread)."""
    te = traceback.TracebackException.from_exception(exc)
    for item in _chain(te):
        item.stack = traceback.StackSummary.from_list(
            [fs for fs in item.stack if not fs.filename.startswith(_HIDDEN)])
    return "".join(te.format())


_HIDDEN = (_PKG_DIR, str(Path(concurrent.futures.__file__).parent))


def _chain(te):
    seen = set()
    while te is not None and id(te) not in seen:
        seen.add(id(te))
        yield te
        for sub in getattr(te, "exceptions", None) or ():
            yield from _chain(sub)
        te = te.__cause__ or te.__context__


_script_env_lock = threading.Lock()
_script_env_runs = 0
_script_env_saved = None   # (sys.argv, sys.path[:], set(sys.modules), folders) before the first run


def _enter_script_env(path: str, argv: list[str]) -> None:
    """What ``python FILE ARGS...`` gives the script: ``sys.argv = argv`` (``[FILE, *ARGS]``) and
    the folder of ``path`` (resolved) first on ``sys.path``, so a helper module beside it imports.
    Process-wide: the first live run saves the originals, the last one to end restores them."""
    import importlib
    import os
    global _script_env_runs, _script_env_saved
    with _script_env_lock:
        if _script_env_runs == 0:
            _script_env_saved = (sys.argv, sys.path[:], set(sys.modules), set())
        _script_env_runs += 1
        sys.argv = list(argv)
        if os.path.isabs(path):                    # not "<playground>" (source without a file)
            folder = os.path.dirname(path)
            _script_env_saved[3].add(folder)
            sys.path.insert(0, folder)
            importlib.invalidate_caches()          # a helper saved a moment ago is seen


def _leave_script_env() -> None:
    import os
    global _script_env_runs, _script_env_saved
    with _script_env_lock:
        _script_env_runs -= 1
        if _script_env_runs > 0 or _script_env_saved is None:
            return
        argv, path, modules, folders = _script_env_saved
        _script_env_saved = None
        sys.argv = argv
        sys.path[:] = path
        # Forget helper modules (and packages) the runs imported from their own folders, so the
        # next run imports them afresh (edited in between), as a new `python FILE` process would.
        def helper(name):
            file = getattr(sys.modules.get(name), "__file__", None) or ""
            parent = os.path.dirname(os.path.abspath(file)) if file else ""
            return parent in folders or (os.path.basename(file) == "__init__.py"
                                         and os.path.dirname(parent) in folders)
        new = [name for name in list(sys.modules) if name not in modules]
        tops = {name.partition(".")[0] for name in new if "." not in name and helper(name)}
        for name in new:
            if name.partition(".")[0] in tops:
                sys.modules.pop(name, None)


class Run:
    """One execution of one file.  See docs/engine-api.md.

    Attributes:
        tracer: the run's event log.
        outcome: None while live, then "completed", "failed", "cancelled" or "error".
        error: traceback text (or message) when the run failed.
    """

    def __init__(self, path=None, source: str | None = None, *, loop: PlaygroundLoop,
                 network: str = "offline", block_limit: float | None = 5.0, echo=None,
                 argv=None):
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
        self._context = contextvars.copy_context()
        self._context.run(current_run.set, self)
        self._plain_context = contextvars.copy_context()   # for the playground's own helpers
        self._plain_context.run(current_run.set, None)
        self._done: asyncio.Future | None = None
        self._thread: threading.Thread | None = None
        self._started_main = False
        self._awaiting_main = False
        self._module_running = False
        self._module_lock = threading.Lock()
        self._stopping = False
        self._demo = None
        self._httpx = None

    # -- public API ----------------------------------------------------------------------------
    def start(self):
        """Load the file and start it.  Raises LoadError (with nothing started) if it can't run."""
        if self.source is None:
            self.source = read_source(self.path)
        code = compile_lesson(self.source, self.path)
        self._done = self.loop.create_future()
        _install_offline_guard()
        self.loop.add_tracer(self.tracer)
        _install_routers()
        _enter_script_env(self.path, [self._argv0, *self.argv])
        self.tracer.record(RunStarted("run", self.loop.time(), "start", self.path))
        namespace = {"__name__": "__main__", "__file__": self.path, "__doc__": None,
                     "__package__": None, "__spec__": None, "__loader__": None,
                     "__builtins__": make_builtins(self)}
        self._thread = threading.Thread(target=self._context.run, args=(self._module, code, namespace),
                                        name=f"playground-run:{Path(self.path).name}", daemon=True)
        self._module_running = True
        self._thread.start()

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
        """Cancel every live task of the run (the module code sees CancelledError); cause ``stop``."""
        self._stopping = True
        for task in list(self.tracer.live.values()):
            if not task.done():
                self.tracer.cancel(task, msg, CancelCause.STOP)
        if not interrupt_module:
            return
        with self._module_lock:
            if self._module_running and not self._awaiting_main:
                # Module-level code busy in plain Python (no task to cancel): interrupt it
                # there.  It is not the loop's thread, so KeyboardInterrupt is safe; it lands
                # at the next bytecode (after a blocking call such as time.sleep returns).
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread.ident),
                                                           ctypes.py_object(KeyboardInterrupt))

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
                    self._demo = _demoapi.DemoAPI()
                self._httpx = _offline.httpx_module(self._demo, self.network)
        return self._httpx

    # -- the module thread -----------------------------------------------------------------------
    def _module(self, code, namespace):
        outcome, error = "completed", None
        try:
            try:
                exec(code, namespace)
                main = namespace.get("main")
                if not self._started_main and callable(main):
                    result = main()
                    if asyncio.iscoroutine(result):
                        self.run_blocking(result)
            except (asyncio.CancelledError, concurrent.futures.CancelledError, KeyboardInterrupt):
                outcome = "cancelled"
            except SystemExit as exc:
                if exc.code not in (None, 0):
                    outcome, error = "failed", f"SystemExit: {exc.code}"
            except BaseException as exc:  # the lesson's own exception: report it, don't crash
                outcome, error = "failed", user_traceback(exc, self.path)
            with self._module_lock:
                # From here on stop() no longer interrupts this thread; drop one in flight.
                self._module_running = False
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(threading.get_ident()), None)
        except KeyboardInterrupt:  # stop()'s interrupt landed in the handlers above
            self._module_running = False
            outcome, error = "cancelled", None
        try:
            self.loop.call_soon_threadsafe(self._finish, outcome, error, context=self._plain_context)
        except RuntimeError:  # the loop was closed under us (app quit)
            pass

    def run_blocking(self, coro):
        """From a non-loop thread: run ``coro`` as a traced task and wait, like asyncio.run."""
        if not (asyncio.iscoroutine(coro) or asyncio.isfuture(coro)):
            raise ValueError(f"a coroutine was expected, got {coro!r}")
        if self._stopping:
            if asyncio.iscoroutine(coro):
                coro.close()
            raise asyncio.CancelledError()
        self._started_main = True
        result = concurrent.futures.Future()
        # call_soon_threadsafe copies this thread's context: the main task belongs to the run.
        self.loop.call_soon_threadsafe(self._start_main, coro, result)
        self._awaiting_main = True
        try:
            return result.result()
        finally:
            self._awaiting_main = False

    def _start_main(self, coro, result):
        task = asyncio.ensure_future(coro, loop=self.loop)
        if self._stopping:
            # stop() came while this call was on its way from the module thread: nothing was
            # live to cancel then, so cancel main() now, before its first step.
            self.tracer.cancel(task, None, CancelCause.STOP)

        def finished(task):
            # asyncio.Task, not loop.create_task: a lesson's task factory (eager_task_factory,
            # say) must not run the playground's own bookkeeping (an eager start here would
            # re-enter the context this callback runs in).
            asyncio.Task(self._finish_main(task, result), loop=self.loop, context=self._plain_context)

        task.add_done_callback(finished, context=self._plain_context)

    async def _finish_main(self, task, result):
        # Like asyncio.run: cancel what main() left behind and let their finally blocks run.
        leftovers = self._cancel_leftovers()
        if leftovers:
            await leftovers
        if task.cancelled():
            result.set_exception(concurrent.futures.CancelledError())
        elif task.exception() is not None:
            result.set_exception(task.exception())
        else:
            result.set_result(task.result())

    def _cancel_leftovers(self):
        """Cancel the run's tasks still pending (cause ``shutdown``); a gather of them, or None."""
        leftovers = [t for t in self.tracer.live.values() if not t.done()]
        for t in leftovers:
            self.tracer.cancel(t, None, CancelCause.SHUTDOWN)
        return asyncio.gather(*leftovers, return_exceptions=True) if leftovers else None

    def _finish(self, outcome, error):
        leftovers = self._cancel_leftovers()
        if leftovers:
            leftovers.add_done_callback(lambda _: self._finish(outcome, error),
                                        context=self._plain_context)
            return
        if self._thread is not None:
            self._thread.join(timeout=1.0)
        if self._demo is not None:
            self._demo.stop()
        self.outcome, self.error = outcome, error
        self.tracer.record(RunEnded("run", self.loop.time(), "end", outcome, error))
        self.loop.remove_tracer(self.tracer)
        _uninstall_routers()
        _leave_script_env()
        if not self._done.done():
            self._done.set_result(outcome)

    def _fatal(self, exc):
        self.stop(f"{type(exc).__name__} in lesson code", interrupt_module=False)

    def _write(self, stream, text):
        if not text:
            return
        self.tracer.output(stream, text)
        if self.echo is not None:
            self.echo(stream, text)
