"""The memory limit: a run may add only so much to the process's resident memory.

A sampler thread (``playground-memory``) reads the resident size every ``EVERY`` seconds; past
the limit it stops the run (a note says by how much it grew) and interrupts the code that
allocates with ``RunMemoryError``: in the loop thread through the watchdog's landing rule
(``Watchdog.interrupt``: only in the lesson's own code, never in asyncio's or the playground's,
where an exception would leave the run waiting forever), in module code directly (its own thread).

The resident size is read from ``/proc/self/statm`` (Linux); where that is missing (macOS,
Windows) there is no limit, and ``default_memory_limit()`` is None (README, "Platforms").
"""
from __future__ import annotations

import ctypes
import os
import threading

__all__ = ["MB", "MemoryWatch", "RunMemoryError", "default_memory_limit", "rss"]

EVERY = 0.05    # how often a run's memory is sampled
MB = 1 << 20


class RunMemoryError(MemoryError):
    """Raised in lesson code whose run grew the process past its memory limit."""


# Tracebacks name it "RunMemoryError", not by the playground's module path (no playground name in
# what the lesson's traceback shows).
RunMemoryError.__module__ = "builtins"


def rss() -> int | None:
    """The process's resident memory now, in bytes (None where /proc is missing)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def default_memory_limit() -> int | None:
    """Bytes a run may add to the process: half the machine's memory (None: unknown)."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return total // 2 if total > 0 and rss() is not None else None


class MemoryWatch:
    """The sampler of one run (``start()`` when the run starts, ``stop()`` when it ends)."""

    def __init__(self, run, limit: int | None):
        self.run = run
        self.limit = limit
        self.peak = 0              # the most the run added, in bytes, as sampled
        self.error: str | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def start(self) -> None:
        baseline = rss()
        if self.limit is None or baseline is None:
            return
        self._thread = threading.Thread(target=self._watch, args=(baseline,),
                                        name="playground-memory", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _watch(self, baseline: int):
        """Past the limit: stop the run once, and interrupt the code that allocates — the task
        blocking the loop (again each sample while that same task still runs: the landing rule
        may have let one go by) and module code."""
        run, limit = self.run, self.limit
        target = None          # the task interrupted, once the limit was passed
        tripped = False
        while not self._stop.wait(EVERY):
            grown = (rss() or 0) - baseline
            self.peak = max(self.peak, grown)
            if grown <= limit:
                continue
            loop = run.loop
            task = loop.current_traced
            if task is not None and task in run.tracer.live.values() and target in (None, task):
                target = task
                watchdog = getattr(loop, "_watchdog", None)
                message = self._message(grown)
                if watchdog is not None:
                    watchdog.interrupt(task, None, RunMemoryError, message)
                else:
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(loop._thread_id),
                                                               ctypes.py_object(RunMemoryError))
            if tripped:
                continue
            tripped = True
            with run._module_lock:
                if run._module_running and not run._awaiting_main and run._thread is not None:
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(run._thread.ident),
                                                               ctypes.py_object(RunMemoryError))
            try:
                loop.call_soon_threadsafe(self._exceeded, grown, context=run._plain_context)
            except RuntimeError:
                return

    def _message(self, grown: int) -> str:
        return (f"the run grew the app's memory by {grown // MB} MB, past its limit of "
                f"{self.limit // MB} MB")

    def _exceeded(self, grown):
        run = self.run
        if run.done:
            return
        self.error = "RunMemoryError: " + self._message(grown)
        run._note(f"stopped: {self._message(grown)}")
        run.stop("memory limit", interrupt_module=False)   # the sampler interrupted it already
