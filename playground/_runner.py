"""Runs: one execution of one file, in a fresh namespace, traced, on the playground loop.

The module's top-level code runs in a thread of its own (see _shims for why); every coroutine it
hands to ``asyncio.run`` becomes a traced task on the loop.  All of a run's tasks carry the run in
their context (``current_run``), which is how the loop knows whom to trace, how output written by a
task reaches the right run, and how two runs alive at once never mix.

Every run ends (docs/engine-api.md, "Every run ends"): ``stop()`` cancels every task and interrupts
module-level code as Ctrl+C would; ``GRACE`` seconds later a task still alive (it swallowed its
CancelledError) is force-stopped (unhooked from what it waits on, its coroutine closed so its
``finally`` blocks run, then marked cancelled) and named in a note; ``ABANDON`` seconds after that,
module code still stuck in a blocking call is left behind in its (daemon) thread and the run ends.
Whatever the run started or changed is undone when it ends, however it ends: subprocesses
(terminated, then killed), readers, writers and signal handlers it added, the loop's task factory,
exception handler and debug flag, the event loop policy, the recursion limit.
"""
from __future__ import annotations

import ast
import asyncio
import concurrent.futures
import contextvars
import ctypes
import importlib.util
import ipaddress
import linecache
import os
import select
import sys
import threading
import time
import traceback
from pathlib import Path

from PySide6 import QtCore

from ._loop import PlaygroundLoop, current_run
from ._shims import make_builtins
from ._tracer import Tracer, tid_of
from .events import RunEnded, RunStarted
from .vocab import CancelCause, NetworkMode

__all__ = ["ABANDON", "GRACE", "LoadError", "Run", "RunMemoryError", "default_memory_limit"]

_PKG_DIR = str(Path(__file__).resolve().parent)

#: Seconds a stopped run's tasks get to finish after their cancel before they are force-stopped.
GRACE = 1.0
#: Seconds after the force-stop before module code stuck in a blocking call is left behind.
ABANDON = 0.5
#: Seconds a subprocess the run started gets after SIGTERM before it is killed.
TERMINATE_WAIT = 0.5
_POLL = 0.05        # how often a waiting module thread looks up (so Stop's interrupt lands)
_MEMORY_EVERY = 0.05   # how often a run's memory is sampled
MB = 1 << 20


class RunMemoryError(MemoryError):
    """Raised in lesson code whose run grew the process past its memory limit."""


# Tracebacks name it "RunMemoryError", not by the playground's module path (no playground name in
# what the lesson's traceback shows).
RunMemoryError.__module__ = "builtins"


def _rss() -> int | None:
    """The process's resident memory now, in bytes (None where /proc is missing)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _exited(pid) -> bool:
    """Whether child ``pid`` has exited, without reaping it (waitid WNOWAIT; elsewhere: poll)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True
    except (AttributeError, OSError):
        return False


def default_memory_limit() -> int | None:
    """Bytes a run may add to the process: half the machine's memory (None: unknown)."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return total // 2 if total > 0 and _rss() is not None else None


class _Interrupted(KeyboardInterrupt):
    """Stop, --timeout or Ctrl+C landing in module-level code, as Ctrl+C would in a terminal:
    ``except KeyboardInterrupt:`` in the lesson sees it (a subclass, so the run tells it from a
    KeyboardInterrupt the lesson raised itself)."""


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
    # As Python reads source: a UTF-8 BOM or a `# coding:` cookie picks the encoding (PEP 263),
    # UTF-8 otherwise; newlines are made universal.
    try:
        return importlib.util.decode_source(data)
    except SyntaxError as err:   # an unknown encoding in the cookie, or a BOM contradicting it
        raise LoadError(f"{path}: {err.msg}", filename=str(path), lineno=err.lineno) from None
    except (UnicodeDecodeError, LookupError) as err:
        raise LoadError(f"{path} is not a Python source file (not text in its encoding: {err})",
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


class _InputRouter:
    """Stands in for sys.stdin: a run's code reads what the run was given (``Run.stdin_reader``)."""

    def __init__(self, original):
        self._original = original

    def _target(self):
        run = current_run.get()
        return run.stdin_reader if run is not None else self._original

    def read(self, size=-1):
        return self._target().read(size)

    def readline(self, size=-1):
        return self._target().readline(size)

    def readlines(self, hint=-1):
        return self._target().readlines(hint)

    def __iter__(self):
        return iter(self._target().readline, "")

    def __next__(self):
        line = self._target().readline()
        if not line:
            raise StopIteration
        return line

    def __getattr__(self, name):
        return getattr(self._target(), name)


class _EmptyInput:
    """A window run's stdin: end of file at once (nobody types into a script in the window); the
    first read leaves a note saying so."""

    encoding = "utf-8"
    closed = False

    def __init__(self, run):
        self._run = run

    def _eof(self, empty):
        self._run.note_once("stdin", "input() and sys.stdin read end of file here: a script run in "
                            "the window has no keyboard input (put the value in the code, or run "
                            "it in a terminal: asyncio-playground run FILE)")
        return empty

    def read(self, size=-1):
        return self._eof("")

    def readline(self, size=-1):
        return self._eof("")

    def readlines(self, hint=-1):
        return self._eof([])

    def isatty(self):
        return False

    def fileno(self):
        raise OSError("a window run's stdin has no file descriptor")


class _ConsoleInput:
    """A headless run's stdin: the terminal (or pipe), read so that Stop, --timeout and Ctrl+C
    interrupt a read that waits: the descriptor is polled, never blocked on, and the bytes are
    buffered here (sys.stdin's own buffer is never used, so nothing is read twice)."""

    def __init__(self, stream, run):
        self._stream = stream
        self._run = run
        self.encoding = getattr(stream, "encoding", None) or "utf-8"
        self.errors = getattr(stream, "errors", None) or "strict"
        self.closed = False
        self._buf = b""
        self._eof = False
        try:
            self._fd = stream.fileno() if os.name == "posix" else None
        except (OSError, ValueError, AttributeError):
            self._fd = None

    def isatty(self):
        return bool(getattr(self._stream, "isatty", lambda: False)())

    def fileno(self):
        return self._stream.fileno()

    def _fill(self) -> bool:
        """Read more bytes (waiting interruptibly); False at end of file."""
        if self._eof:
            return False
        if self._fd is None:
            line = self._stream.readline()
            if not line:
                self._eof = True
                return False
            self._buf += line.encode(self.encoding, self.errors)
            return True
        while True:
            if self._run._stopping:
                raise _Interrupted()
            ready, _, _ = select.select([self._fd], [], [], _POLL)
            if ready:
                break
        chunk = os.read(self._fd, 65536)
        if not chunk:
            self._eof = True
            return False
        self._buf += chunk
        return True

    def _take(self, n) -> str:
        data, self._buf = self._buf[:n], self._buf[n:]
        return data.decode(self.encoding, self.errors).replace("\r\n", "\n")

    def readline(self, size=-1):
        while b"\n" not in self._buf and (size is None or size < 0 or len(self._buf) < size):
            if not self._fill():
                break
        end = self._buf.find(b"\n") + 1 or len(self._buf)
        if size is not None and size >= 0:
            end = min(end, size)
        return self._take(end)

    def read(self, size=-1):
        while size is None or size < 0 or len(self._buf) < size:
            if not self._fill():
                break
        return self._take(len(self._buf) if size is None or size < 0 else size)

    def readlines(self, hint=-1):
        return list(iter(self.readline, ""))


def _install_routers():
    global _live_runs
    with _routers_lock:
        _live_runs += 1
        if not isinstance(sys.stdout, _OutputRouter):
            sys.stdout = _OutputRouter("stdout", sys.stdout)
        if not isinstance(sys.stderr, _OutputRouter):
            sys.stderr = _OutputRouter("stderr", sys.stderr)
        if not isinstance(sys.stdin, _InputRouter):
            sys.stdin = _InputRouter(sys.stdin)


def _uninstall_routers():
    global _live_runs
    with _routers_lock:
        _live_runs -= 1
        if _live_runs:
            return
        for name in ("stdout", "stderr", "stdin"):
            stream = getattr(sys, name)
            if isinstance(stream, (_OutputRouter, _InputRouter)):
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
    # It also sees every subprocess.Popen (asyncio's subprocesses included): the run notes them,
    # to end them with the run.
    if event == "subprocess.Popen":
        _note_popen()
        return
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


def _note_popen():
    run = current_run.get()
    if run is None:
        return
    # The event is raised from Popen._execute_child(self, ...), before the child exists: keep the
    # Popen object itself (its pid and returncode come later).
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_name != "_execute_child":
        frame = frame.f_back
    popen = frame.f_locals.get("self") if frame is not None else None
    if popen is not None:
        # asyncio reaps its own children (its child watcher): the run must not reap them too.
        by_asyncio = False
        while frame is not None and not by_asyncio:
            by_asyncio = frame.f_code.co_filename.endswith(("base_subprocess.py", "unix_events.py"))
            frame = frame.f_back
        popen._playground_by_asyncio = by_asyncio
        run._popens.append(popen)


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


def exception_headline(exc: BaseException, most: int = 3) -> str:
    """``exc`` in one line, as the last line of its traceback names it (``ValueError: bad``); an
    exception group adds what it holds, nested groups flattened (``ExceptionGroup: unhandled errors
    in a TaskGroup (1 sub-exception): ValueError: bad``; past ``most``: "; and 17 more").  A status
    bar's words, made from the exception itself rather than read back from the printed boxes."""
    def one(e: BaseException) -> str:
        kind, module = type(e).__qualname__, type(e).__module__
        if module not in ("builtins", "__main__"):
            kind = f"{module}.{kind}"
        text = e.msg if isinstance(e, SyntaxError) and e.msg else str(e)
        first = text.strip().splitlines()[0] if text.strip() else ""
        return f"{kind}: {first}" if first else kind

    def leaves(group: BaseExceptionGroup):
        for sub in group.exceptions:
            yield from leaves(sub) if isinstance(sub, BaseExceptionGroup) else (one(sub),)

    headline = one(exc)
    if isinstance(exc, BaseExceptionGroup):
        found = list(leaves(exc))
        headline += ": " + "; ".join(found[:most]) + (f"; and {len(found) - most} more"
                                                       if len(found) > most else "")
    return headline


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
        self.stdin_reader = _EmptyInput(self) if stdin is None else _ConsoleInput(stdin, self)
        # Bytes the run may add to the process's resident memory ("auto": half the machine's
        # memory; None: no limit).  A sampler thread watches it while the run is live.
        self.memory_limit = default_memory_limit() if memory_limit == "auto" else memory_limit
        self.memory_peak = 0          # the most the run added, in bytes, as sampled
        self._memory_error: str | None = None
        self._memory_thread: threading.Thread | None = None
        self._memory_stop = threading.Event()
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
        self._stopped_by_user = False
        self._stopped_at: float | None = None
        self._timers: list = []               # the escalation's Qt timers
        self._waited: list = []               # futures the module thread waits on
        self._fatal_exc: BaseException | None = None
        self._noted: set = set()
        self._threads: list = []              # (thread, asked to be a daemon) the code started
        self._popens: list = []               # subprocess.Popen objects the code made
        self.loop_changes: set = set()        # ("read"|"write", fd) the code registered
        self._signals: dict = {}              # signal -> (callback, args) or None, before the run
        self._saved: dict = {}                # loop settings and process state before the run
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
        self._save_state()
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
        if self.memory_limit is not None and _rss() is not None:
            self._memory_thread = threading.Thread(target=self._watch_memory, args=(_rss(),),
                                                   name="playground-memory", daemon=True)
            self._memory_thread.start()

    def _watch_memory(self, baseline: int):
        """The sampler: past the limit, stop the run, interrupting the code that allocates (in a
        task blocking the loop, or in module code) with RunMemoryError."""
        limit = self.memory_limit
        while not self._memory_stop.wait(_MEMORY_EVERY):
            grown = (_rss() or 0) - baseline
            self.memory_peak = max(self.memory_peak, grown)
            if grown <= limit:
                continue
            loop = self.loop
            task = loop.current_traced
            if task is not None and task in self.tracer.live.values():
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(loop._thread_id),
                                                           ctypes.py_object(RunMemoryError))
            with self._module_lock:
                if self._module_running and not self._awaiting_main and self._thread is not None:
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread.ident),
                                                               ctypes.py_object(RunMemoryError))
            try:
                loop.call_soon_threadsafe(self._memory_exceeded, grown, context=self._plain_context)
            except RuntimeError:
                pass
            return

    def _memory_exceeded(self, grown):
        if self.done:
            return
        self._memory_error = (f"RunMemoryError: the run grew the app's memory by {grown // MB} MB, "
                              f"past its limit of {self.memory_limit // MB} MB")
        self._note(f"stopped: the run grew the app's memory by {grown // MB} MB, past its limit "
                   f"of {self.memory_limit // MB} MB")
        self.stop("memory limit", interrupt_module=False)   # the sampler interrupted it already

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
        if self._stopped_at is None and self._done is not None:
            self._stopped_at = time.monotonic()
            self._after(GRACE, self._escalate)

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

        def call():
            if not done.set_running_or_notify_cancel():
                return
            try:
                done.set_result(fn(*args, **kwargs))
            except BaseException as exc:   # KeyboardInterrupt too: it belongs to the caller
                done.set_exception(exc)

        self.loop.call_soon_threadsafe(call)
        return self._wait_future(done)

    def _wait_future(self, fut: concurrent.futures.Future):
        # A timed wait in a loop, never one long block: an interrupt from stop() lands between
        # two waits (a thread blocked in a lock cannot be interrupted).
        while True:
            try:
                return fut.result(timeout=_POLL)
            except concurrent.futures.TimeoutError:
                if self.loop.is_closed():
                    raise RuntimeError("Event loop is closed") from None

    def run_forever_blocking(self, stopped: threading.Event) -> None:
        """``loop.run_forever()`` from module code: wait until the lesson's ``loop.stop()`` sets
        ``stopped`` (or stop() interrupts the wait, as Ctrl+C would)."""
        self._started_main = True
        if self._stopping:
            raise _Interrupted()
        while not stopped.wait(_POLL):
            if self.loop.is_closed():
                raise RuntimeError("Event loop is closed")

    def note_thread(self, thread: threading.Thread) -> None:
        """The lesson's code is starting ``thread``: remember it (to report it and, if it is not a
        daemon, to wait for it at the end as Python does) and start it as a daemon underneath."""
        self._threads.append((thread, thread.daemon))
        thread.daemon = True

    def note_signal(self, sig) -> None:
        """The lesson's code adds a loop signal handler for ``sig``: remember what was there."""
        if sig not in self._signals:
            handle = (getattr(self.loop, "_signal_handlers", None) or {}).get(sig)
            self._signals[sig] = (handle._callback, handle._args) if handle is not None else None

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
                if not self._started_main and callable(main):
                    result = main()
                    if asyncio.iscoroutine(result):
                        self.run_blocking(result)
                self._join_threads()
            except _Interrupted:
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
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(threading.get_ident()), None)
        except KeyboardInterrupt:  # stop()'s interrupt landed in the handlers above
            self._module_running = False
            outcome, error = "cancelled", None
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
                time.sleep(_POLL)

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
                                                           ctypes.py_object(_Interrupted))

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
        try:
            task = asyncio.ensure_future(coro, loop=self.loop)
        except BaseException as exc:   # a future of another loop, say
            result.set_exception(exc)
            return
        if tid_of(task) is None:
            self._waited.append(task)   # not a task of the run: stop() must still reach it
        if self._stopping:
            # stop() came while this call was on its way from the module thread: nothing was
            # live to cancel then, so cancel main() now, before its first step.
            if tid_of(task) is not None:
                self.tracer.cancel(task, None, CancelCause.STOP)
            else:
                task.cancel()

        def finished(task):
            # asyncio.Task, not loop.create_task: a lesson's task factory (eager_task_factory,
            # say) must not run the playground's own bookkeeping (an eager start here would
            # re-enter the context this callback runs in).
            asyncio.Task(self._finish_main(task, result, shutdown), loop=self.loop,
                         context=self._plain_context)

        task.add_done_callback(finished, context=self._plain_context)

    async def _finish_main(self, task, result, shutdown):
        if task in self._waited:
            self._waited.remove(task)
        if shutdown:
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
        if leftovers and self._stopped_at is None:
            # Every run ends: a leftover that swallows its cancel is force-stopped like on Stop.
            self._stopped_at = time.monotonic()
            self._after(GRACE, self._escalate)
        return asyncio.gather(*leftovers, return_exceptions=True) if leftovers else None

    # -- the escalation: every run ends ----------------------------------------------------------
    def _after(self, seconds, callback):
        """Call ``callback`` on the loop's thread after ``seconds`` of wall time (a Qt timer: it
        fires whatever the loop's speed, and whatever the run's code did to the loop)."""
        timer = QtCore.QTimer()
        timer.setSingleShot(True)
        timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)

        def fire():
            try:
                if not self.done:
                    self._plain_context.copy().run(callback)
            except Exception as exc:   # never let the escalation itself fail silently
                self._note(f"internal error while stopping the run: {exc!r}")
        timer.timeout.connect(fire)
        timer.start(int(seconds * 1000))
        self._timers.append(timer)

    def _escalate(self):
        """GRACE seconds after the cancel: force-stop the tasks that did not end."""
        self._force_stop_stuck(leaves_only=True)
        self._interrupt_module()
        self._after(ABANDON, self._abandon)

    def _abandon(self):
        """What is still alive now cannot be stopped: force-stop every task left, leave module code
        stuck in a blocking call behind in its (daemon) thread, and end the run."""
        self._force_stop_stuck(leaves_only=False)
        thread = self._thread
        if thread is not None and thread.is_alive() and self._module_running:
            where = self._module_line(thread)
            self._note(f"the module code did not stop{where}: it is stuck in a blocking call "
                       "Python cannot interrupt in a thread; it was left behind (a daemon thread) "
                       "and the run ended")
            self._finish("cancelled", None, abandoned=True)

    def _module_line(self, thread) -> str:
        frame = sys._current_frames().get(thread.ident)
        while frame is not None and frame.f_code.co_filename != self.path:
            frame = frame.f_back
        return f" (at line {frame.f_lineno})" if frame is not None else ""

    def _force_stop_stuck(self, *, leaves_only: bool):
        stuck = [t for t in self.tracer.live.values() if not t.done()]
        if not stuck:
            return
        from ._table import TaskTable
        table = TaskTable()
        table.apply(self.tracer.events)
        live = {tid_of(t) for t in stuck}
        for task in sorted(stuck, key=tid_of, reverse=True):   # children first
            row = table.by_tid.get(tid_of(task))
            if leaves_only and row is not None and any(t in live for t in row.targets):
                continue   # it waits on a stuck task: it gets its turn when that one ends
            self._force_stop(task, row)

    def _force_stop(self, task, row):
        """End ``task`` although it ignores cancellation: unhook it from what it waits on and from
        the ready queue (asyncio must never step it again), close its coroutine (GeneratorExit at
        its await: its ``finally`` blocks run), mark it cancelled, and say so."""
        loop = self.loop
        waiter = getattr(task, "_fut_waiter", None)
        if waiter is not None:
            for callback, _ in list(getattr(waiter, "_callbacks", None) or ()):
                if getattr(callback, "__self__", None) is task:
                    waiter.remove_done_callback(callback)
        for handle in list(loop._ready):
            if getattr(handle._callback, "__self__", None) is task:
                handle.cancel()
        name = task.get_name()
        where = ""
        if row is not None:
            story = row.story
            landed = story.landed_at if story is not None else None
            if landed is not None and landed[1]:
                where = f" (it swallowed CancelledError at line {landed[1]})"
            elif row.waiting is not None and row.waiting[3]:
                where = f" (it was waiting at line {row.waiting[3]})"
        ignored = ""
        coro = task.get_coro()
        previous = loop.current_traced
        loop.current_traced = task        # its finally blocks' output is the task's
        try:
            ctx = self._plain_context.copy()
            ctx.run(current_run.set, self)
            ctx.run(coro.close)
        except RuntimeError as exc:       # "coroutine ignored GeneratorExit": it awaited again
            ignored = f"; its code ignored GeneratorExit too ({exc})"
        except BaseException as exc:      # its finally raised
            ignored = f"; its cleanup raised {type(exc).__name__}: {exc}"
        finally:
            loop.current_traced = previous
        waited = time.monotonic() - (self._stopped_at or time.monotonic())
        asyncio.Future.cancel(task, "force-stopped by the playground")
        self.tracer._ended(task, loop.time())
        self._note(f"force-stopped task '{name}' {waited:.1f} s after its cancel: it did not "
                   f"end{where}; its coroutine was closed (finally blocks ran){ignored}")

    # -- the end ---------------------------------------------------------------------------------
    def _finish(self, outcome, error, abandoned=False):
        if self.done:
            return    # an abandoned module thread reporting back late
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
                    self._force_stop(task, None)
        for timer in self._timers:
            timer.stop()
        self._timers.clear()
        self._memory_stop.set()
        if self._memory_thread is not None and self._memory_thread is not threading.current_thread():
            self._memory_thread.join()
        if self._demo is not None:
            self._demo.stop()
        fatal = self._fatal_exc
        if isinstance(fatal, SystemExit) and self.exit_code is None:
            outcome, error = self._exited(fatal)   # sys.exit() in a task (not main's own)
        elif (isinstance(fatal, KeyboardInterrupt) and not isinstance(fatal, _Interrupted)
              and not self.interrupted):
            self.interrupted = True
            outcome, error = "cancelled", user_traceback(fatal, self.path)
            self.error_headline = exception_headline(fatal)
        if self._stopped_by_user and outcome == "completed" and self.exit_code is None:
            outcome = "cancelled"
        if self._memory_error is not None and self.exit_code is None:
            outcome, error = "failed", error or self._memory_error
        self._undo()
        self.outcome, self.error = outcome, error
        self.tracer.record(RunEnded("run", self.loop.time(), "end", outcome, error))
        self.loop.remove_tracer(self.tracer)
        _uninstall_routers()
        _leave_script_env()
        if not self._done.done():
            self._done.set_result(outcome)

    def _save_state(self):
        loop = self.loop
        self._saved = {
            "task_factory": loop.get_task_factory(),
            "exception_handler": loop.get_exception_handler(),
            "debug": loop.get_debug(),
            "slow_callback_duration": loop.slow_callback_duration,
            "policy": asyncio.get_event_loop_policy(),
            "recursionlimit": sys.getrecursionlimit(),
        }

    def _undo(self):
        """Undo what the run started or changed (on the loop's thread, at its end)."""
        loop, saved = self.loop, self._saved
        for popen in self._popens:
            self._end_process(popen)
        for kind, fd in sorted(self.loop_changes):
            (loop.remove_reader if kind == "read" else loop.remove_writer)(fd)
        self.loop_changes.clear()
        for sig, before in self._signals.items():
            try:
                loop.remove_signal_handler(sig)
                if before is not None:
                    loop.add_signal_handler(sig, before[0], *before[1])
            except (RuntimeError, ValueError, NotImplementedError):
                pass
        if saved:
            if loop.get_task_factory() is not saved["task_factory"]:
                loop.set_task_factory(saved["task_factory"])
            if loop.get_exception_handler() is not saved["exception_handler"]:
                loop.set_exception_handler(saved["exception_handler"])
            if loop.get_debug() != saved["debug"]:
                loop.set_debug(saved["debug"])
            loop.slow_callback_duration = saved["slow_callback_duration"]
            if asyncio.get_event_loop_policy() is not saved["policy"]:
                asyncio.set_event_loop_policy(saved["policy"])
            if sys.getrecursionlimit() != saved["recursionlimit"]:
                sys.setrecursionlimit(saved["recursionlimit"])
        alive = [t.name for t, _ in self._threads if t.is_alive() and t is not self._thread]
        if alive:
            self._note(f"thread{'s' * (len(alive) > 1)} {', '.join(map(repr, alive))} started by "
                       f"the script {'are' if len(alive) > 1 else 'is'} still running (Python cannot "
                       "stop a thread from outside; it runs as a daemon and never keeps the "
                       "playground from exiting)")

    def _end_process(self, popen):
        by_asyncio = getattr(popen, "_playground_by_asyncio", False)
        if popen.returncode is not None or (not by_asyncio and popen.poll() is not None) or (
                by_asyncio and _exited(popen.pid)):
            return
        what = popen.args if isinstance(popen.args, str) else " ".join(map(str, popen.args))
        try:
            popen.terminate()
            if by_asyncio:   # wait without reaping: asyncio's child watcher reaps it
                deadline = time.monotonic() + TERMINATE_WAIT
                while not _exited(popen.pid) and time.monotonic() < deadline:
                    time.sleep(0.01)
                how = "terminated"
                if not _exited(popen.pid):
                    popen.kill()
                    how = "killed (it ignored SIGTERM)"
            else:
                try:
                    popen.wait(TERMINATE_WAIT)
                    how = "terminated"
                except Exception:   # subprocess.TimeoutExpired
                    popen.kill()
                    popen.wait(TERMINATE_WAIT)
                    how = "killed (it ignored SIGTERM)"
        except OSError:
            return
        self._note(f"subprocess {what[:60]!r} (pid {popen.pid}) was still running: {how}")

    def leftover_threads(self) -> list[threading.Thread]:
        """Threads the run's code started (or left stuck in module code) that are still alive."""
        threads = [t for t, _ in self._threads if t.is_alive()]
        if self._thread is not None and self._thread.is_alive():
            threads.append(self._thread)
        return threads

    def _fatal(self, exc):
        if self._fatal_exc is None:
            self._fatal_exc = exc
        self.stop(f"{type(exc).__name__} in lesson code", interrupt_module=False)

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
