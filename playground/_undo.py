"""What a run started or changed, undone when it ends, however it ends.

Subprocesses (every ``subprocess.Popen``, asyncio's included, seen by the audit hook) and the
``multiprocessing`` processes its code started (a ``ProcessPoolExecutor``'s workers, say) are
terminated, then killed ``TERMINATE_WAIT`` seconds later; readers and writers it added through its
loop are removed; its loop signal handlers are removed (what was there before put back); the
loop's task factory, exception handler, debug flag and ``slow_callback_duration``, the event loop
policy, the recursion limit and the ``signal.signal()`` handlers it set are restored.  While runs
are live asyncio's Lock, Queue... classes are wrapped to follow the run's synchronisation objects
(``_resource_hooks``): the last run to end puts them back.
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

from . import _resource_hooks

__all__ = ["Changes", "TERMINATE_WAIT"]

#: Seconds a subprocess the run started gets after SIGTERM before it is killed.
TERMINATE_WAIT = 0.5


def _exited(popen) -> bool:
    """Whether the child of ``popen`` has exited, without reaping it: asyncio's child watcher
    reaps its own children (``os.waitid`` with WNOWAIT; Windows has no reaping to steal, so
    ``poll()``; elsewhere the child counts as running until it is terminated)."""
    waitid = getattr(os, "waitid", None)
    if waitid is None:
        return os.name == "nt" and popen.poll() is not None
    try:
        return waitid(os.P_PID, popen.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True
    except OSError:
        return False


def _mp_children() -> set:
    """The ``multiprocessing`` processes alive now (none when the module was never imported)."""
    mp = sys.modules.get("multiprocessing")
    if mp is None:
        return set()
    try:
        return set(mp.active_children())
    except Exception:   # a half-torn-down multiprocessing at interpreter exit
        return set()


class Changes:
    """One run's record of what it started and changed; ``save()`` at its start, ``undo()`` at
    its end (on the loop's thread)."""

    def __init__(self, run):
        self.run = run
        self.popens: list = []            # subprocess.Popen objects the code made
        self.loop_changes: set = set()    # ("read"|"write", fd) the code registered
        self.signals: dict = {}           # signal -> (callback, args) or None, before the run
        self.python_signals: dict = {}    # signal -> its signal.signal() handler before the run
        self.saved: dict = {}             # loop settings and process state before the run
        self._mp_before: set = set()      # multiprocessing children alive before the run
        self.resources = None             # its synchronisation objects, tracked (_resource_hooks)

    def save(self):
        loop = self.run.loop
        self.saved = {
            "task_factory": loop.get_task_factory(),
            "exception_handler": loop.get_exception_handler(),
            "debug": loop.get_debug(),
            "slow_callback_duration": loop.slow_callback_duration,
            # The policy global itself, not get_event_loop_policy() (deprecated in 3.14, gone in
            # 3.16, and it would make a default policy as a side effect); None: none made yet.
            "policy": getattr(asyncio.events, "_event_loop_policy", None),
            "recursionlimit": sys.getrecursionlimit(),
        }
        self._mp_before = _mp_children()
        # asyncio's Lock, Queue... wrapped while a run is live: what the run's objects do is logged
        self.resources = _resource_hooks.start(self.run)

    def note_signal(self, sig) -> None:
        """The run's code adds a loop signal handler for ``sig``: remember what was there."""
        if sig not in self.signals:
            handle = (getattr(self.run.loop, "_signal_handlers", None) or {}).get(sig)
            self.signals[sig] = (handle._callback, handle._args) if handle is not None else None

    def note_python_signal(self, sig, before) -> None:
        """The run's code set a ``signal.signal()`` handler for ``sig``; ``before`` was there."""
        self.python_signals.setdefault(sig, before)

    def undo(self):
        """Undo what the run started or changed (on the loop's thread, at its end)."""
        run = self.run
        loop, saved = run.loop, self.saved
        _resource_hooks.stop(self.resources)   # no longer tracked; the last run unwraps asyncio
        for popen in self.popens:
            self._end_process(popen)
        for process in _mp_children() - self._mp_before:
            self._end_mp_process(process)
        for kind, fd in sorted(self.loop_changes):
            (loop.remove_reader if kind == "read" else loop.remove_writer)(fd)
        self.loop_changes.clear()
        for sig, before in self.signals.items():
            try:
                loop.remove_signal_handler(sig)
                if before is not None:
                    loop.add_signal_handler(sig, before[0], *before[1])
            except (RuntimeError, ValueError, NotImplementedError):
                pass
        for sig, before in self.python_signals.items():
            try:
                signal.signal(sig, before if before is not None else signal.SIG_DFL)
            except (ValueError, TypeError, OSError):   # not the main thread, or a C handler
                pass
        self.python_signals.clear()
        if saved:
            if loop.get_task_factory() is not saved["task_factory"]:
                loop.set_task_factory(saved["task_factory"])
            if loop.get_exception_handler() is not saved["exception_handler"]:
                loop.set_exception_handler(saved["exception_handler"])
            if loop.get_debug() != saved["debug"]:
                loop.set_debug(saved["debug"])
            loop.slow_callback_duration = saved["slow_callback_duration"]
            if getattr(asyncio.events, "_event_loop_policy", None) is not saved["policy"]:
                asyncio.events._event_loop_policy = saved["policy"]   # what set_event_loop_policy sets
            if sys.getrecursionlimit() != saved["recursionlimit"]:
                sys.setrecursionlimit(saved["recursionlimit"])

    def _end_process(self, popen):
        by_asyncio = getattr(popen, "_playground_by_asyncio", False)
        if popen.returncode is not None or (not by_asyncio and popen.poll() is not None) or (
                by_asyncio and _exited(popen)):
            return
        what = popen.args if isinstance(popen.args, str) else " ".join(map(str, popen.args))
        try:
            popen.terminate()
            if by_asyncio:   # wait without reaping: asyncio's child watcher reaps it
                deadline = time.monotonic() + TERMINATE_WAIT
                while not _exited(popen) and time.monotonic() < deadline:
                    time.sleep(0.01)
                how = "terminated"
                if not _exited(popen):
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
        self.run._note(f"subprocess {what[:60]!r} (pid {popen.pid}) was still running: {how}")

    def _end_mp_process(self, process):
        """A ``multiprocessing`` process the run's code started, still alive at its end (a pool
        never shut down, a worker stuck in a job): terminated, then killed."""
        try:
            process.terminate()
            process.join(TERMINATE_WAIT)
            how = "terminated"
            if process.is_alive():
                process.kill()
                process.join(TERMINATE_WAIT)
                how = "killed (it ignored SIGTERM)"
        except (OSError, ValueError, AssertionError):   # closed, or not ours to join
            return
        self.run._note(f"process {process.name!r} (pid {process.pid}) was still running: {how}")
