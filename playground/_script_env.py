"""What ``python FILE ARGS...`` gives a script, given to a run's code in the playground's process.

* ``sys.argv == [FILE, *ARGS]`` and the folder of FILE first on ``sys.path``, so a helper module
  beside it imports (and is imported afresh by the next run: the helpers the runs imported from
  their own folders are forgotten when the last run ends, as a new process would not have them);
* ``sys.modules['__main__']`` is the script's own module (its namespace, with ``__file__``), so
  what Python finds through ``__main__`` finds the script: pickling its functions and classes,
  ``multiprocessing`` with any start method (fork copies the module; spawn and forkserver run
  FILE again as ``__mp_main__`` in the child, its ``if __name__ == "__main__":`` code skipped),
  a ``ProcessPoolExecutor`` running its functions.

Process-wide: the first live run saves the originals, the last one to end restores them; while
two runs are live, ``__main__`` is the module of the one started last.
"""
from __future__ import annotations

import importlib
import os
import sys
import threading
import types

__all__ = ["enter", "leave", "main_module"]

_lock = threading.Lock()
_runs = 0
_saved = None      # (sys.argv, sys.path[:], set(sys.modules), folders, __main__) before the first run
_mains: list = []  # the live runs' __main__ modules, in the order they started


def main_module(path: str, builtins_ns: dict) -> types.ModuleType:
    """A fresh ``__main__`` module for the script at ``path``: what its code runs in."""
    module = types.ModuleType("__main__")
    module.__dict__.update({"__file__": path, "__doc__": None, "__package__": None,
                            "__spec__": None, "__loader__": None, "__builtins__": builtins_ns})
    return module


def enter(path: str, argv: list[str], module: types.ModuleType) -> None:
    """Give the script its ``sys.argv``, its folder on ``sys.path`` and ``module`` as
    ``__main__``."""
    global _runs, _saved
    with _lock:
        if _runs == 0:
            _saved = (sys.argv, sys.path[:], set(sys.modules), set(), sys.modules.get("__main__"))
        _runs += 1
        sys.argv = list(argv)
        if os.path.isabs(path):                    # not "<playground>" (source without a file)
            folder = os.path.dirname(path)
            _saved[3].add(folder)
            sys.path.insert(0, folder)
            importlib.invalidate_caches()          # a helper saved a moment ago is seen
        _mains.append(module)
        sys.modules["__main__"] = module


def leave(module: types.ModuleType) -> None:
    global _runs, _saved
    with _lock:
        if module in _mains:
            _mains.remove(module)
        _runs -= 1
        if _runs > 0 or _saved is None:
            if _mains and sys.modules.get("__main__") is module:
                sys.modules["__main__"] = _mains[-1]
            return
        argv, path, modules, folders, main = _saved
        _saved = None
        sys.argv = argv
        sys.path[:] = path
        if main is not None:
            sys.modules["__main__"] = main
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
