"""asyncio Playground's engine: a Qt-integrated asyncio loop, a task tracer and a script runner.

No QtWidgets here (qasync imports it for its own QApplication default; we never use it).

The repository keeps the engine in ``playground/`` and the window in ``ui/``; the installed
package maps them onto one import name, ``asyncio_playground`` (``asyncio_playground.ui`` for the
window).  Importing ``playground`` from a checkout would load a second copy of the engine beside the
installed one (two loops' worth of module state, two tracers' task classes), so it is refused.
"""
if __name__ != "asyncio_playground":
    raise ImportError(f"import asyncio_playground, not {__name__!r}: the engine's folder "
                      "playground/ is installed as the package asyncio_playground "
                      "(python3 dev.py test / app set it up in .venv)")
from ._loop import PlaygroundError, PlaygroundLoop, new_event_loop, run
from ._tracer import Instrument, Tracer
from .vocab import LIVE_STATES

__all__ = [
    "Finding", "Findings", "Instrument", "LIVE_STATES", "LoadError", "PlaygroundError",
    "PlaygroundLoop", "ResourceState", "ResourceTable", "Run", "TaskRow", "TaskTable", "Tracer",
    "chrome_trace", "findings", "guards_off", "new_event_loop", "resources", "run",
]

# Imported on first use (PEP 562): the window's start-up needs the loop, not the script runner
# (ctypes, the shims), the task table or the trace export; the first run or `from
# asyncio_playground import Run` loads them, and the name is then an ordinary module attribute.
# (So do the findings: asyncio_playground.findings(run) -> [Finding], Findings the incremental fold;
# and the resources: asyncio_playground.resources(run, at=None) -> [ResourceState], ResourceTable.)
_LAZY = {"LoadError": "_runner", "Run": "_runner", "TaskRow": "_table", "TaskTable": "_table",
         "chrome_trace": "_export", "Finding": "_findings", "Findings": "_findings",
         "findings": "_findings", "ResourceState": "_resources", "ResourceTable": "_resources",
         "resources": "_resources", "guards_off": "_portability"}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
