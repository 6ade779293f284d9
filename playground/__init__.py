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
from ._export import chrome_trace
from ._runner import LoadError, Run
from ._table import TaskRow, TaskTable
from ._tracer import Instrument, Tracer
from .vocab import LIVE_STATES

__all__ = [
    "Instrument", "LIVE_STATES", "LoadError", "PlaygroundError", "PlaygroundLoop", "Run", "TaskRow",
    "TaskTable", "Tracer", "chrome_trace", "new_event_loop", "run",
]
