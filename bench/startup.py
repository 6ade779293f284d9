"""Startup: process start to the first painted window.

The parent takes ``time.monotonic()`` (system-wide CLOCK_MONOTONIC on Linux, the same clock in every
process) right before it spawns the child; the child prints the same clock when the first
``QEvent.Paint`` reaches its window, plus its peak RSS and CPU time at that moment, and exits at
once with ``os._exit`` (so teardown is not counted).  Two children:

    bare   a bare PySide6 ``QWidget`` window with the playground's heavy imports (qasync, httpx)
    app    the playground's window, started the way ``asyncio-playground`` starts it

The probe is installed before the app's own imports and the app needs no hook for it.  By default
(``--probe window``) it wraps ``QWidget.show`` so that a shown window gets an event filter of its
own: that window's first ``QEvent.Paint`` is the first paint (Qt paints a window, then its
children, in one pass).  ``--probe app`` is the earlier probe, an application-wide event filter
on a swapped-in ``QApplication`` subclass: every event of every object then crosses into Python,
and to hand Python an item view's internal objects (its model, selection model...) PySide6
initialises every class of QtWidgets and builds all their enums.  A window with a tree or a table
pays for that (~20 ms for the playground's, 70-90 ms for a lone QTreeWidget), the bare QWidget
does not, and neither does the real app, which has no such filter.

    python -m bench.startup [--runs 5] [--json OUT] [--probe window|app]
"""
from __future__ import annotations

import json
import os
import sys
import time

# bench.loops (which imports asyncio) is imported lazily, by the parent only: the child imports
# nothing but this module before its clock matters, so the probe adds ~nothing to either window.

MARK = "@@FIRSTPAINT@@"


def _install_probe(probe: str = "window") -> None:
    t_probe = time.monotonic()  # the interpreter is up (before any Qt import)
    import resource

    from PySide6 import QtCore, QtWidgets

    class _Filter(QtCore.QObject):
        def eventFilter(self, obj, ev):  # noqa: N802
            if ev.type() == QtCore.QEvent.Type.Paint and isinstance(obj, QtWidgets.QWidget):
                t = time.monotonic()
                ru = resource.getrusage(resource.RUSAGE_SELF)
                rss, cpu = ru.ru_maxrss / 1024, ru.ru_utime + ru.ru_stime
                title = obj.window().windowTitle() if obj.window() else ""
                report = {'t': t, 'probe': t_probe, 'rss_mib': rss, 'cpu': cpu, 'title': title}
                sys.stdout.write(f"{MARK}{json.dumps(report)}\n")
                sys.stdout.flush()
                os._exit(0)
            return False

    if probe == "app":
        Base = QtWidgets.QApplication

        class ProbeApplication(Base):
            def __init__(self, *a, **k):
                super().__init__(*a, **k)
                self._bench_filter = _Filter()
                self.installEventFilter(self._bench_filter)

        QtWidgets.QApplication = ProbeApplication
        return
    if probe != "window":
        raise SystemExit(f"unknown probe {probe!r}")
    Widget = QtWidgets.QWidget
    show = Widget.show
    filters = []

    def probed_show(self):
        if not filters:
            filters.append(_Filter())   # made once the app exists (show needs it anyway)
        self.installEventFilter(filters[0])
        return show(self)

    Widget.show = probed_show


def child_bare(probe: str = "window") -> None:
    _install_probe(probe)
    import httpx  # noqa: F401
    import qasync  # noqa: F401
    from PySide6 import QtWidgets

    app = QtWidgets.QApplication(sys.argv[:1])
    w = QtWidgets.QWidget()
    w.setWindowTitle("bare")
    w.resize(800, 600)
    w.show()
    app.exec()


def _app_entry():
    """How ``asyncio-playground`` opens the window, or None while the UI has not landed."""
    try:
        import importlib.util

        if importlib.util.find_spec("asyncio_playground.ui.app") is None:
            return None
    except Exception:
        return None
    # the `asyncio-playground` command first (playground._cli.main opens the window with no args)
    for mod, attr in (("asyncio_playground._cli", "main"), ("asyncio_playground.ui.app", "main")):
        try:
            m = __import__(mod, fromlist=[attr])
        except Exception:
            continue
        if callable(getattr(m, attr, None)):
            return mod, attr
    return None


def child_app(probe: str = "window") -> None:
    _install_probe(probe)
    entry = _app_entry()
    if entry is None:
        raise SystemExit("no window entry point yet")
    mod, attr = entry
    m = sys.modules[mod]
    sys.argv = ["asyncio-playground"]
    getattr(m, attr)([])


def app_unavailable() -> str | None:
    """Why the window cannot be timed yet (None = it can)."""
    import subprocess

    from bench import loops as L

    out = subprocess.run([sys.executable, "-c", "import bench.startup as s; print(s._app_entry())"],
                         cwd=L.ROOT, capture_output=True, text=True,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen",
                              "PYTHONPATH": str(L.ROOT)})
    if out.stdout.strip() in ("", "None"):
        return "the window (ui/) has not landed yet"
    return None


def one(kind: str, timeout: float = 60, probe: str = "window") -> dict:
    import subprocess

    from bench import loops as L

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(L.ROOT)}
    # A user's machine caches bytecode; this sandbox sets PYTHONDONTWRITEBYTECODE, which would make
    # every start recompile the app's own sources (~20 % of its start-up).  The warm-up round
    # writes the __pycache__ files (git-ignored).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # the child imports nothing of ours before the timer starts except this small module
    cmd = [sys.executable, "-c", f"import bench.startup as s; s.child_{kind}({probe!r})"]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=L.ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"no paint within {timeout:.0f} s"}
    for line in p.stdout.splitlines():
        if line.startswith(MARK):
            d = json.loads(line[len(MARK):])
            return {"first_paint_s": d["t"] - t0, "interpreter_s": d["probe"] - t0,
                    "rss_mib": d["rss_mib"], "cpu_s": d["cpu"], "title": d["title"]}
    return {"error": f"exit code {p.returncode}, never painted", "stderr": L._tail(p.stderr)}


def measure(runs: int = 5, log=print, probe: str = "window") -> dict:
    from bench import loops as L

    out: dict = {"runs": runs, "probe": probe}
    kinds = ["bare", "app"]
    why = app_unavailable()
    if why:
        out["app"] = {"skipped": why}
        kinds = ["bare"]
    samples: dict = {k: [] for k in kinds}
    for i in range(runs + 1):  # alternate kinds; the first round warms the disk cache
        for k in kinds:
            r = one(k, probe=probe)
            if "error" in r:
                out[k] = r
                log(f"  startup {k}: ERROR {r['error']}")
                kinds = [x for x in kinds if x != k]
                continue
            if i:
                samples[k].append(r)
    for k in kinds:
        s = samples[k]
        out[k] = {
            "first_paint_s": L.median([x["first_paint_s"] for x in s]),
            "min_s": min(x["first_paint_s"] for x in s),
            "max_s": max(x["first_paint_s"] for x in s),
            "interpreter_s": L.median([x["interpreter_s"] for x in s]),
            "rss_mib": L.median([x["rss_mib"] for x in s]),
            # the child's own CPU time (user + system) up to the paint: steadier than the wall
            # clock on a shared machine, but blind to waits (disk, the display server)
            "cpu_s": L.median([x["cpu_s"] for x in s]),
            "samples": [x["first_paint_s"] for x in s],
        }
        log(f"  startup {k}: first paint {out[k]['first_paint_s']:.3f} s (min {out[k]['min_s']:.3f},"
            f" max {out[k]['max_s']:.3f}), CPU {out[k]['cpu_s']:.3f} s, RSS {out[k]['rss_mib']:.0f} MiB")
    if "first_paint_s" in out.get("app", {}) and "first_paint_s" in out.get("bare", {}):
        app, bare = out["app"], out["bare"]
        out["ratio"] = app["first_paint_s"] / bare["first_paint_s"]
        out["ratio_cpu"] = app["cpu_s"] / bare["cpu_s"]
        # Each round runs bare then app back to back: their ratio sees the same machine load.
        pairs = [a / b for a, b in zip(app["samples"], bare["samples"])]
        out["ratio_paired"] = L.median(pairs) if len(pairs) == runs else None
        paired = f", {out['ratio_paired']:.2f}x paired by round" if out["ratio_paired"] else ""
        log(f"  startup app/bare: {out['ratio']:.2f}x first paint (medians){paired}, "
            f"{out['ratio_cpu']:.2f}x CPU")
    return out


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json")
    ap.add_argument("--probe", choices=("window", "app"), default="window",
                    help="window: an event filter on each shown window (default); app: the earlier "
                         "application-wide event filter (see the module's docstring)")
    a = ap.parse_args(argv)
    res = measure(a.runs, probe=a.probe)
    print(json.dumps({k: v for k, v in res.items()}, indent=1))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
