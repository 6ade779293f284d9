"""Whose is this: the run that is current, the run a task belongs to, the engine's own files.

The bottom of the engine: it imports nothing of the engine, and ``_loop``, ``_tracer``,
``_causes``, ``_watchdog``, ``loopstate`` and the runner's modules import it instead of each other
(before it, each reached ``current_run``/``tracer_of`` in another and they formed one import
cycle; ``tests/test_runner.py::test_the_engine_has_no_import_cycle`` keeps it broken).

* ``current_run``: the run a piece of code belongs to.  Tasks copy their creator's context, so
  every task a run's code creates (directly, through gather/TaskGroup, or from a thread via
  ``run_coroutine_threadsafe``) carries it; the playground's own tasks do not.  Set by the runner.
* ``TracedTask``, ``tracer_of``, ``tid_of``: a task of a traced run, and whose it is.  Nothing
  reads a task's private attributes across modules; these do.
* ``ENGINE_DIRS``, ``is_engine_file``: the one rule for "a frame of the playground's own code"
  (hidden from tracebacks, never interrupted by the watchdog).  ``co_filename`` is the path the
  module was imported by, which is not the resolved one when the package is installed through a
  symlink: both spellings count.
"""
from __future__ import annotations

import asyncio
import contextvars
import os
import sys

__all__ = ["ENGINE_DIRS", "TracedTask", "current_run", "is_engine_file", "tid_of", "tracer_of"]

current_run: contextvars.ContextVar = contextvars.ContextVar("playground_run", default=None)


def _dirs(path: str) -> tuple[str, ...]:
    """The folder of ``path`` as imported (absolute) and resolved (symlinks followed), each
    ending in a separator; one entry when they are the same."""
    folder = os.path.dirname(os.path.abspath(path))
    real = os.path.dirname(os.path.realpath(path))
    return tuple(dict.fromkeys((folder + os.sep, real + os.sep)))


#: The engine's folder (``asyncio_playground``), as imported and as resolved.
ENGINE_DIRS: tuple[str, ...] = _dirs(__file__)


def is_engine_file(filename: str) -> bool:
    """Whether ``filename`` (a ``co_filename``) is a module of the engine."""
    return filename.startswith(ENGINE_DIRS)


class TracedTask(asyncio.Task):
    """An ``asyncio.Task`` of a traced run: records cancel requests and renames (``_tracer``:
    the run's ``Tracer``; ``_tid``: its number within the run)."""

    __slots__ = ("_tracer", "_tid")

    def __hash__(self):
        # Its number within the run, given before asyncio's constructor puts it in a set.  asyncio
        # iterates sets of tasks (a TaskGroup cancelling its children, asyncio.wait's pending):
        # ordered by memory address, that order would change from one run of the same program
        # to the next, and a replay (Step back, run --schedule) would not repeat the run.
        return self._tid

    def cancel(self, msg=None):
        tracer = getattr(self, "_tracer", None)
        if tracer is not None and not self.done():
            if tracer.cancel_reentered(self):
                return False
            tracer.cancel_requested(self, msg, sys._getframe(1))
        return super().cancel(msg)

    def uncancel(self):
        remaining = super().uncancel()
        tracer = getattr(self, "_tracer", None)
        if tracer is not None:
            tracer.uncancelled(self, remaining, sys._getframe(1))
        return remaining

    def set_name(self, value):
        super().set_name(value)
        tracer = getattr(self, "_tracer", None)
        if tracer is not None:
            tracer.renamed(self)


# asyncio's messages and reprs name the task's class ("Task exception was never retrieved",
# "<Task finished ...>"); lessons quote them, so keep them word for word.
TracedTask.__name__ = TracedTask.__qualname__ = "Task"
TracedTask.__module__ = asyncio.Task.__module__    # type(task) prints as Python's: _asyncio.Task


def tracer_of(task) -> "object | None":
    """The tracer whose run ``task`` belongs to (None: not a traced task)."""
    return task._tracer if task.__class__ is TracedTask else None


def tid_of(task) -> int | None:
    """``task``'s number within its run (None: not a traced task)."""
    return task._tid if task.__class__ is TracedTask else None
