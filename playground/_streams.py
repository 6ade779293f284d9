"""A run's standard streams: what its code prints reaches the run; what it reads comes from it.

``sys.stdout``/``sys.stderr``/``sys.stdin`` are routers while any run is live (the first run
installs them, the last one to end puts the originals back): text written by a run's code (its
context names the run: ``current_run``) goes to that run, anything else to the original stream.
``sys.stdin`` reads the run's ``stdin_reader``: end of file at once in the window
(``EmptyInput``), the terminal or pipe headless (``ConsoleInput``, polled so Stop interrupts a
read that waits).  Both are ``io.TextIOBase`` streams, so whatever a script (or a library, such as
``multiprocessing`` closing stdin in a worker it forks) calls on a real text stream exists:
``close``/``closed``, ``fileno`` where there is a descriptor, ``readable``, ``isatty``, iteration,
``with``.
"""
from __future__ import annotations

import io
import os
import select
import sys
import threading
import time

from ._current import current_run
from ._escalation import POLL, Interrupted

__all__ = ["ConsoleInput", "EmptyInput", "install_routers", "uninstall_routers"]


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

    def __enter__(self):
        return self._target().__enter__()

    def __exit__(self, *exc_info):
        return self._target().__exit__(*exc_info)

    def __getattr__(self, name):
        return getattr(self._target(), name)


class _RunInput(io.TextIOBase):
    """What the two kinds of run input share: a readable, unseekable text stream."""

    encoding = "utf-8"
    errors = "strict"
    newlines = None

    def readable(self):
        return True

    def _check_open(self):
        if self.closed:
            raise ValueError("I/O operation on closed file.")

    def readlines(self, hint=-1):
        self._check_open()
        lines, total = [], 0
        for line in iter(self.readline, ""):
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                break
        return lines


class EmptyInput(_RunInput):
    """A window run's stdin: end of file at once (nobody types into a script in the window); the
    first read leaves a note saying so."""

    name = "<stdin>"

    def __init__(self, run):
        super().__init__()
        self._run = run

    def _eof(self, empty):
        self._check_open()
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
        raise io.UnsupportedOperation("a window run's stdin has no file descriptor")


class ConsoleInput(_RunInput):
    """A headless run's stdin: the terminal (or pipe), read so that Stop, --timeout and Ctrl+C
    interrupt a read that waits: the descriptor is polled, never blocked on, and the bytes are
    buffered here (sys.stdin's own buffer is never used, so nothing is read twice).  ``close()``
    closes this stream only: the process's descriptor stays open for the runs after it."""

    def __init__(self, stream, run):
        super().__init__()
        self._stream = stream
        self._run = run
        self.encoding = getattr(stream, "encoding", None) or "utf-8"
        self.errors = getattr(stream, "errors", None) or "strict"
        self.name = getattr(stream, "name", "<stdin>")
        self._buf = b""
        self._eof = False
        try:
            self._fd = stream.fileno() if os.name == "posix" else None
        except (OSError, ValueError, AttributeError):
            self._fd = None

    def isatty(self):
        self._check_open()
        return bool(getattr(self._stream, "isatty", lambda: False)())

    def fileno(self):
        self._check_open()
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
        on_loop = threading.get_ident() == self._run.loop._thread_id
        started = time.monotonic()
        while True:
            if self._run._stopping:
                raise Interrupted()
            if on_loop:
                self._check_block(started)
            ready, _, _ = select.select([self._fd], [], [], POLL)
            if ready:
                break
        chunk = os.read(self._fd, 65536)
        if not chunk:
            self._eof = True
            return False
        self._buf += chunk
        return True

    def _check_block(self, started: float) -> None:
        """A read in a task (``input()`` in a coroutine) blocks the loop, which then runs nothing,
        not even Stop's or --timeout's timers: past the run's block limit it ends as any code
        that blocks the loop does, with the watchdog's BlockedLoopError (the watchdog itself
        never interrupts the playground's own code, which this read is)."""
        run = self._run
        limit = run.block_limit
        waited = time.monotonic() - started
        if limit is None or waited < limit:
            return
        from ._watchdog import BlockedLoopError
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename != run.path:
            frame = frame.f_back
        where = f" at line {frame.f_lineno}" if frame is not None else ""
        raise BlockedLoopError(f"stopped by the playground: blocked the event loop for "
                               f"{waited:.1f} s{where} (limit {limit:g} s): input() in a task "
                               "waits for the terminal with nothing else running")

    def _take(self, n) -> str:
        data, self._buf = self._buf[:n], self._buf[n:]
        return data.decode(self.encoding, self.errors).replace("\r\n", "\n")

    def readline(self, size=-1):
        self._check_open()
        while b"\n" not in self._buf and (size is None or size < 0 or len(self._buf) < size):
            if not self._fill():
                break
        end = self._buf.find(b"\n") + 1 or len(self._buf)
        if size is not None and size >= 0:
            end = min(end, size)
        return self._take(end)

    def read(self, size=-1):
        self._check_open()
        while size is None or size < 0 or len(self._buf) < size:
            if not self._fill():
                break
        return self._take(len(self._buf) if size is None or size < 0 else size)


def install_routers():
    global _live_runs
    with _routers_lock:
        _live_runs += 1
        if not isinstance(sys.stdout, _OutputRouter):
            sys.stdout = _OutputRouter("stdout", sys.stdout)
        if not isinstance(sys.stderr, _OutputRouter):
            sys.stderr = _OutputRouter("stderr", sys.stderr)
        if not isinstance(sys.stdin, _InputRouter):
            sys.stdin = _InputRouter(sys.stdin)


def uninstall_routers():
    global _live_runs
    with _routers_lock:
        _live_runs -= 1
        if _live_runs:
            return
        for name in ("stdout", "stderr", "stdin"):
            stream = getattr(sys, name)
            if isinstance(stream, (_OutputRouter, _InputRouter)):
                setattr(sys, name, stream._original)
