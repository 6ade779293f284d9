"""Loop factories for the benchmarks: the same coroutine run on every way of running asyncio.

    asyncio            plain asyncio (``asyncio.new_event_loop()``), no Qt at all
    qasync             stock ``qasync.QEventLoop`` on a ``QCoreApplication``
    qtasyncio          ``PySide6.QtAsyncio.QAsyncioEventLoop`` (PySide6-Addons, the ``bench`` extra)
    playground         ``playground.new_event_loop()``, tracing off
    playground-traced  the same loop with a ``playground.Run`` active, so every task is traced

``run(name, fn)`` runs ``await fn()`` to completion on a fresh loop of that kind and returns its result.
Every benchmark runs each (loop, case) in a fresh subprocess, so only one kind of loop ever lives in a
process and a crash in one is reported, not fatal to the whole benchmark.
"""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

NAMES = ("asyncio", "qasync", "qtasyncio", "playground", "playground-traced")
LABELS = {
    "asyncio": "plain asyncio",
    "qasync": "stock qasync",
    "qtasyncio": "QtAsyncio",
    "playground": "playground (untraced)",
    "playground-traced": "playground (traced)",
}

Main = Callable[[], Awaitable[Any]]


def versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": sys.version.split()[0]}
    for dist in ("PySide6-Essentials", "PySide6-Addons", "shiboken6", "qasync", "httpx", "viztracer",
                 "aiomonitor"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def unavailable(name: str) -> str | None:
    """Why loop ``name`` cannot run here, or None when it can."""
    if name in ("asyncio",):
        return None
    try:
        import PySide6.QtCore  # noqa: F401
    except Exception as exc:  # pragma: no cover - PySide6 is a runtime dependency
        return f"PySide6 not importable: {exc}"
    if name == "qasync":
        try:
            import qasync  # noqa: F401
        except Exception as exc:
            return f"qasync not importable: {exc}"
        return None
    if name == "qtasyncio":
        try:
            import PySide6.QtAsyncio  # noqa: F401
        except Exception as exc:
            return f"PySide6.QtAsyncio not importable ({exc}); pip install -e '.[bench]'"
        return None
    if name in ("playground", "playground-traced"):
        try:
            import asyncio_playground as playground
        except Exception as exc:
            return f"playground not importable: {exc}"
        if not hasattr(playground, "new_event_loop"):
            return "playground.new_event_loop() does not exist yet"
        if name == "playground-traced" and _traced_runner() is None:
            return "no tracing API found on playground (Run)"
        return None
    return f"unknown loop {name!r}"


def qt_app():
    """The process's Qt application (a windowless QCoreApplication unless one exists)."""
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.instance() or QCoreApplication([sys.argv[0]])


def new_loop(name: str) -> asyncio.AbstractEventLoop:
    """A fresh, not yet running loop of kind ``name``."""
    if name == "asyncio":
        return asyncio.new_event_loop()
    if name == "qasync":
        import qasync

        return qasync.QEventLoop(qt_app())
    if name == "qtasyncio":
        from PySide6.QtAsyncio import QAsyncioEventLoop

        # quit_qapp must stay True: QAsyncioEventLoop.stop() only leaves app.exec() by quitting the
        # application, so with quit_qapp=False run_until_complete() never returns.
        return QAsyncioEventLoop(qt_app(), quit_qapp=True)
    if name in ("playground", "playground-traced"):
        import asyncio_playground as playground

        return playground.new_event_loop()
    raise ValueError(f"unknown loop {name!r}")


def _close(loop: asyncio.AbstractEventLoop) -> None:
    try:
        loop.run_until_complete(loop.shutdown_asyncgens())
    except Exception:
        pass
    try:
        loop.close()
    except Exception:
        pass


def run(name: str, fn: Main) -> Any:
    """Run ``await fn()`` to completion on a fresh loop of kind ``name``; return its result."""
    if name == "playground-traced":
        return _run_traced(fn)
    loop = new_loop(name)
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(fn())
    finally:
        asyncio.set_event_loop(None)
        if name != "qtasyncio":  # QtAsyncio's close() after the app quit is a no-op anyway
            _close(loop)


# --- tracing ----------------------------------------------------------------------------------
# The playground traces the tasks of an active playground.Run.  To trace a benchmark exactly like a
# lesson, the benchmark's coroutine is started from a tiny generated lesson: every task it creates
# belongs to the run and is traced; the result comes back through this module.

_SINK: dict[str, Any] = {}

_STUB = """\
import bench.loops as _bench_loops

async def main():
    await _bench_loops._traced_main()
"""


async def _traced_main() -> None:
    fn = _SINK["fn"]
    _SINK["result"] = await fn()


def _traced_runner():
    try:
        import asyncio_playground as playground
    except Exception:
        return None
    return getattr(playground, "Run", None)


def traced_run(fn: Main):
    """Run ``await fn()`` traced, started from a tiny lesson like any lesson's code; return the
    ended ``Run`` (its log: ``run.tracer.events``).  The result is ``_SINK["result"]``."""
    import asyncio_playground as playground

    Run = _traced_runner()
    loop = playground.new_event_loop()
    asyncio.set_event_loop(loop)
    _SINK.clear()
    _SINK["fn"] = fn
    holder: dict[str, Any] = {}

    async def drive():
        run = Run(None, source=_STUB, loop=loop, echo=lambda *a: None)
        holder["run"] = run
        run.start()
        outcome = await run.wait()
        if outcome != "completed":
            raise RuntimeError(f"traced run ended {outcome}: {getattr(run, 'error', None)}")

    try:
        loop.run_until_complete(drive())
    finally:
        asyncio.set_event_loop(None)
        _close(loop)
    return holder.get("run")


def _run_traced(fn: Main) -> Any:
    run = traced_run(fn)
    if run is not None:
        _SINK["events"] = _count_events(run)
    if "result" not in _SINK:
        raise RuntimeError("traced run produced no result")
    return _SINK["result"]


def _count_events(run) -> int | None:
    try:
        events, _ = run.tracer.read(0)
        return len(events)
    except Exception:
        return None


def last_trace_event_count() -> int | None:
    """Events the last traced run recorded (a sanity check that tracing was really on)."""
    return _SINK.get("events")


# --- subprocess plumbing shared by the benchmarks ----------------------------------------------
RESULT_MARK = "@@BENCH@@"


def emit(obj: Any) -> None:
    """Child side: hand a JSON result to the parent (one marked line on stdout)."""
    import json

    sys.stdout.write(RESULT_MARK + json.dumps(obj) + "\n")
    sys.stdout.flush()


def spawn(module: str, args: list[str], timeout: float = 300.0, env: dict | None = None) -> dict:
    """Parent side: run ``python -m module args`` fresh; return its emitted JSON, or an error dict
    {"error": ..., "stderr": ...} when it crashed, timed out or emitted nothing."""
    import json
    import subprocess

    e = dict(os.environ)
    e.setdefault("QT_QPA_PLATFORM", "offscreen")
    e["PYTHONPATH"] = str(ROOT) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    if env:
        e.update(env)
    try:
        p = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=e, timeout=timeout,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except subprocess.TimeoutExpired as exc:
        return {"error": f"timed out after {timeout:.0f} s", "stderr": _tail(exc.stderr)}
    for line in reversed(p.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            out = json.loads(line[len(RESULT_MARK):])
            if p.returncode != 0 and "error" not in out:
                out["error"] = f"exit code {p.returncode}"
                out["stderr"] = _tail(p.stderr)
            return out
    return {"error": f"exit code {p.returncode}, no result", "stderr": _tail(p.stderr or p.stdout)}


def _tail(text, n: int = 1500) -> str:
    if isinstance(text, bytes):
        text = text.decode(errors="replace")
    return (text or "")[-n:]


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    if not n:
        return float("nan")
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def percentile(xs, p: float):
    """Nearest-rank percentile (p in 0..100)."""
    import math

    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = max(0, min(len(xs) - 1, math.ceil(p / 100 * len(xs)) - 1))
    return xs[k]


class CpuSteal:
    """Share of CPU time the hypervisor gave to other guests (``steal`` in /proc/stat) and the
    machine's busy share, between start() and stop(): the noise floor of a shared machine."""

    @staticmethod
    def _read():
        try:
            with open("/proc/stat") as f:
                vals = [int(x) for x in f.readline().split()[1:]]
        except OSError:
            return None
        return vals

    def __init__(self):
        self.a = self._read()
        self.result: dict | None = None

    def stop(self) -> dict | None:
        b = self._read()
        if not self.a or not b:
            return None
        d = [y - x for x, y in zip(self.a, b)]
        total = sum(d[:8]) or 1
        idle = d[3] + d[4]
        self.result = {"steal": d[7] / total, "busy": 1 - idle / total}
        return self.result


def kept_mib(roots: dict, package: str = "asyncio_playground") -> dict:
    """MiB each of ``roots`` (name -> object) keeps, by ``sys.getsizeof`` over what it reaches
    through containers (list, tuple, dict, set, deque, array) and the package's own objects (their
    ``__dict__`` or ``__slots__``); classes, functions, modules and other libraries' objects are
    neither counted nor entered.  An object reached from two roots counts for the first only, so
    the figures add up (a task name in the trace and in the table is the trace's)."""
    import array
    import collections
    import types

    containers = (list, tuple, set, frozenset, collections.deque)
    skip = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType,
            types.CodeType, types.FrameType)
    seen: set[int] = set()
    out = {}
    for name, root in roots.items():
        total = 0
        stack = [root]
        while stack:
            obj = stack.pop()
            if id(obj) in seen or isinstance(obj, skip):
                continue
            seen.add(id(obj))
            total += sys.getsizeof(obj)
            cls = type(obj)
            if isinstance(obj, containers):
                stack.extend(obj)
            elif isinstance(obj, dict):
                stack.extend(obj.keys())
                stack.extend(obj.values())
            elif isinstance(obj, (str, bytes, int, float, array.array)) or obj is None:
                pass
            elif (cls.__module__ or "").startswith(package):
                d = getattr(obj, "__dict__", None)
                if d is not None:
                    total += sys.getsizeof(d)
                    seen.add(id(d))
                    stack.extend(d.values())
                for klass in cls.__mro__:
                    slots = klass.__dict__.get("__slots__", ())
                    for slot in (slots,) if isinstance(slots, str) else slots:
                        if slot not in ("__dict__", "__weakref__"):
                            value = getattr(obj, slot, None)
                            if value is not None:
                                stack.append(value)
        out[name] = total / 2**20
    return out
