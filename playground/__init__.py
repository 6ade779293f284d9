"""asyncio Playground's engine: a Qt-integrated asyncio loop, a task tracer and a script runner.

No QtWidgets here (qasync imports it for its own QApplication default; we never use it).
"""
from ._loop import PlaygroundError, PlaygroundLoop, new_event_loop, run
from ._export import chrome_trace
from ._runner import LoadError, Run
from ._table import LIVE_STATES, TaskRow, TaskTable
from ._tracer import Tracer

__all__ = [
    "LIVE_STATES", "LoadError", "PlaygroundError", "PlaygroundLoop", "Run", "TaskRow", "TaskTable",
    "Tracer", "chrome_trace", "new_event_loop", "run",
]
