"""asyncio Playground's engine: a Qt-integrated asyncio loop, a task tracer and a script runner."""
from ._loop import PlaygroundError, PlaygroundLoop, new_event_loop, run

__all__ = sorted(["PlaygroundError", "PlaygroundLoop", "new_event_loop", "run"])
