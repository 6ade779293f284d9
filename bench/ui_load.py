"""UI under load: the window open while a lesson with thousands of traced tasks runs.

One child process per measurement (offscreen Qt), set up like ``asyncio-playground``: a
``QApplication``, the playground loop attached to ``app.exec()``, the ``MainWindow`` (with a
throwaway settings file and edit store) at 1400x900, a generated lesson opened and run with the
window's own Run button code path (``run_current``).  Measured while the run is live:

* a 16 ms ``PreciseTimer`` probe, re-armed single-shot each time: lateness = fire time - (arm time
  + 16 ms), p50/p99/max; the longest gap between two probe fires is the longest *frozen frame*
  (nothing, not even a repaint, can happen on the GUI thread in between);
* refresh rate: the window's frame clock (``FrameRefresher.refreshes``) and the actual paint events
  of the task table's viewport and the timeline, per second;
* peak RSS (``resource.getrusage``) at the end, for the 100k-task lesson.

With ``--view await`` (``measure_await``, run_all's ``await_view`` section) the "Who awaits whom"
tab is in front during the run instead of the timeline: the same probe, plus the await view's
paints (count, longest ``paintEvent``) and its model's per-frame refresh.

With ``--view resources`` or ``--view findings`` (``measure_panes``, run_all's ``panes`` section,
issue 25) that tab is in front, and the lesson is the load lesson through a Semaphore and a Lock
(``--lesson locks``: every worker takes the Semaphore for its sleeps, 1/50 of them at a time, so
the Semaphore's line holds up to 98 % of the tasks): the Resources tab shows the objects, the
first one selected (its holders and its whole line of waiters), the Findings tab what the run's
log says so far.  Every case also times each paint of the window (Qt draws every dirty widget in
one pass: the ``UpdateRequest`` event of the top-level window), so "no paint over 33 ms" reads
the longest of them.

    python -m bench.ui_load [--tasks 10000] [--rss-tasks 100000] [--json OUT]
    python -m bench.ui_load --view await [--tasks 10000] [--rss-tasks 100000]
    python -m bench.ui_load --view resources --lesson locks --tasks 0 [--rss-tasks 100000]

Skips with a message while ``ui`` (the window) is not importable.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench import loops as L
from bench.window import PaintCounts, Probe, lesson_source, open_window


def ui_unavailable() -> str | None:
    try:
        import importlib.util

        for mod in ("asyncio_playground.ui", "asyncio_playground.ui.main_window",
                    "asyncio_playground.ui.edits"):
            if importlib.util.find_spec(mod) is None:
                return f"{mod} is not there yet"
    except Exception as exc:
        return f"ui not importable: {exc}"
    return L.unavailable("playground-traced")


def child(n_tasks: int, hops: int, base: float, step: float, timeout: float,
          view: str | None = None, lesson_kind: str = "load") -> None:
    import gc
    import resource

    from PySide6.QtCore import QTimer

    spans = _instrument(view)
    tmp = tempfile.TemporaryDirectory(prefix="pg-bench-ui-")
    lesson = Path(tmp.name) / f"load_{n_tasks}.py"
    lesson.write_text(lesson_source(lesson_kind, n_tasks, hops, base, step))
    app, loop, window = open_window(tmp.name, "bench-ui-load")
    window.open_path(str(lesson))
    paints = PaintCounts(window)
    if view == "await":   # "Who awaits whom" in front of the timeline for the whole run
        await_view = window.views.await_view
        window.views.setCurrentWidget(await_view)
        paints["await"] = 0
        paints._filters.append(_paint_counter(paints, "await"))
        await_view.viewport().installEventFilter(paints._filters[-1])
    elif view in ("resources", "findings"):    # that pane in front for the whole run
        pane = getattr(window.views, f"{view}_view")
        window.views.setCurrentWidget(pane)

    # let the window settle (first paint, layout) before the run starts
    t_settle = time.monotonic() + 0.3
    while time.monotonic() < t_settle:
        app.processEvents()
        time.sleep(0.005)

    probe = Probe()
    result: dict = {"tasks": n_tasks, "hops": hops, "view": view or "timeline", "lesson": lesson_kind}
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu0 = time.process_time()
    t_start = time.perf_counter()
    state = {"end": None, "refreshes0": 0}

    def check():
        run = window.run
        if run is not None and run.done and not window.refresher.is_active() and state["end"] is None:
            state["end"] = time.perf_counter()
            app.quit()
        elif time.perf_counter() - t_start > timeout:
            result["error"] = f"run not finished after {timeout:.0f} s"
            app.quit()

    poll = QTimer()
    poll.timeout.connect(check)
    poll.start(50)
    if view == "resources":    # the first object selected as soon as there is one (its waiters)
        def pick():
            table = window.views.resources_view.table
            if table.rowCount() and table.currentRow() < 0:
                table.setCurrentCell(0, 0)
        poll.timeout.connect(pick)
    probe.start()
    if not window.run_current():
        raise SystemExit("the window refused to run the load lesson")
    app.exec()
    probe.stop()
    poll.stop()
    t_end = state["end"] or time.perf_counter()
    dur = t_end - t_start
    run = window.run
    late = probe.late
    gaps = probe.gaps(t_start)
    events, _ = run.tracer.read(0)
    table = window.table
    steps = [e[3] - e[2] for e in events if e[0] == "step"]
    result.update({
        "outcome": run.outcome,
        "error": result.get("error") or (None if run.outcome == "completed" else run.error),
        "seconds": dur,
        "cpu_seconds": time.process_time() - cpu0,
        "trace_events": len(events),
        # the lesson's own longest step (main() creating every task in one go): no UI can paint
        # during it, so it bounds the frozen-frame figure from below
        "longest_step_ms": max(steps) * 1000 if steps else None,
        "rows": len(table) if table is not None else None,
        "probe_fires": len(late),
        "early_fires": sum(1 for x in late if x < 0),
        "p50_late_ms": L.percentile(late, 50) * 1000 if late else None,
        "p99_late_ms": L.percentile(late, 99) * 1000 if late else None,
        "max_late_ms": max(late) * 1000 if late else None,
        "longest_frozen_ms": max(gaps) * 1000 if gaps else None,
        "frames": window.refresher.refreshes,
        "frame_hz": window.refresher.refreshes / dur if dur else None,
        "max_frame_ms": window.refresher.max_frame_ms,
        "table_paint_hz": paints["table"] / dur if dur else None,
        "timeline_paint_hz": paints["timeline"] / dur if dur else None,
        "await_paint_hz": paints["await"] / dur if dur and "await" in paints else None,
        "await_paint_max_ms": (spans[_AWAIT_PAINT][2] * 1000
                               if view == "await" and spans.get(_AWAIT_PAINT, [0])[0] else None),
        "await_rows": (window.views.await_view.await_model.rowCount()
                       if view == "await" else None),
        "window_paint_max_ms": (spans[_WINDOW_PAINT][2] * 1000 if spans.get(_WINDOW_PAINT, [0])[0]
                                else None),
        "window_paints_over_33ms": spans.get(_WINDOW_PAINT, [0, 0, 0, 0])[3],
        "pane_rows": _pane_rows(window, view),
        "rss_before_mib": rss_before,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "gc_collections": sum(s["collections"] for s in gc.get_stats()),
        "late_causes": late_causes(probe),
        "breakdown": {k: {"calls": v[0], "total_ms": v[1] * 1000, "max_ms": v[2] * 1000}
                      for k, v in spans.items()},
    })
    if state["end"]:
        # What the finished run keeps (issue 25: trace + table <= 100 MiB at 100k tasks), after
        # the peak above was read: the walk's own bookkeeping is not the run's.
        result["kept_mib"] = L.kept_mib({"trace": events, "table": table})
    L.emit(result)
    if not state["end"]:
        os._exit(0)     # cut short (--timeout): the run is still live; what was measured is out
    # tidy shutdown like ui.app.main (and it checks the window closes cleanly under load too)
    from asyncio_playground.ui.app import close_down

    try:
        close_down(app, loop, window)
    finally:
        tmp.cleanup()
    os._exit(0)  # skip interpreter teardown of 100k-task tables: not what is measured


_AWAIT_PAINT = "await view paint (item layout + paintEvent)"
_WINDOW_PAINT = "window paint (UpdateRequest: every dirty widget in one pass)"


def _pane_rows(window, view):
    """What the pane in front showed at the end (rows of its list or table, and of its detail)."""
    if view == "resources":
        v = window.views.resources_view
        return {"objects": v.table.rowCount(), "detail": v.detail.count()}
    if view == "findings":
        return {"findings": window.views.findings_view.list.count()}
    return None


def _wrap_update_request(spans: dict, cls, name: str) -> None:
    """Time the top-level window's ``UpdateRequest`` events: Qt paints every dirty widget of the
    window in one pass there (the backing store's sync).  [calls, total s, max s, over 33 ms]."""
    from PySide6.QtCore import QEvent

    base = cls.event
    rec = spans.setdefault(name, [0, 0.0, 0.0, 0])
    pc, update = time.perf_counter, QEvent.Type.UpdateRequest

    def event(self, ev):
        if ev.type() != update:
            return base(self, ev)
        t0 = pc()
        try:
            return base(self, ev)
        finally:
            dt = pc() - t0
            rec[0] += 1
            rec[1] += dt
            if dt > rec[2]:
                rec[2] = dt
            if dt > 0.033:
                rec[3] += 1
            if dt > _SPELL_MIN:
                _SPELLS.append((t0, t0 + dt, name))

    cls.event = event


def _wrap_paint_event(spans: dict, cls, name: str) -> None:
    """Time the Paint events of *cls*'s viewport (``viewportEvent``), nothing else."""
    from PySide6.QtCore import QEvent

    base = cls.viewportEvent
    rec = spans.setdefault(name, [0, 0.0, 0.0])
    pc, paint = time.perf_counter, QEvent.Type.Paint

    def viewportEvent(self, event):  # noqa: N802
        if event.type() != paint:
            return base(self, event)
        t0 = pc()
        try:
            return base(self, event)
        finally:
            dt = pc() - t0
            rec[0] += 1
            rec[1] += dt
            if dt > rec[2]:
                rec[2] = dt

    cls.viewportEvent = viewportEvent


def _paint_counter(counts: dict, name: str):
    """An event filter adding 1 to ``counts[name]`` per paint event of the widget it filters."""
    from PySide6.QtCore import QEvent, QObject

    class Seen(QObject):
        def eventFilter(self, obj, ev):  # noqa: N802
            if ev.type() == QEvent.Type.Paint:
                counts[name] += 1
            return False

    return Seen()


def _instrument(view: str | None = None) -> dict:
    """Wrap the GUI thread's big spenders to see where a frozen frame goes: name -> [calls, total
    s, max s].  Each wrapper costs ~1 us per call; the classes are patched before instances exist
    (the loop's pump connects to ``_drain`` when the loop is created)."""
    import gc

    spans: dict = {}

    def wrap(owner, attr, name, top=False):
        fn = getattr(owner, attr, None)
        if fn is None:
            return
        rec = spans.setdefault(name, [0, 0.0, 0.0])
        pc = time.perf_counter
        add = _SPELLS.append if top else None

        def wrapper(*a, **k):
            t0 = pc()
            try:
                return fn(*a, **k)
            finally:
                dt = pc() - t0
                rec[0] += 1
                rec[1] += dt
                if dt > rec[2]:
                    rec[2] = dt
                if add is not None and dt > _SPELL_MIN:
                    add((t0, t0 + dt, name))

        wrapper.__name__ = getattr(fn, "__name__", attr)
        setattr(owner, attr, wrapper)

    from asyncio_playground import _loop
    wrap(_loop.PlaygroundLoop, "_drain", "loop slice (_drain)", top=True)
    try:
        from asyncio_playground.ui import main_window, refresher, run_controller, task_view, timeline
        # The frame's signals run their slots inside it: the window's per-frame updates and, on
        # the last frame, everything the run's end sets off (findings, replay, compare).
        wrap(refresher.FrameRefresher, "frame",
             "refresher frame (fold + model + timeline.refresh + slots; the last: run's end)",
             top=True)
        wrap(run_controller.RunController, "_finish", "run's end (runFinished slots)")
        wrap(main_window.MainWindow, "_after_frame", "window _after_frame (console, markers)")
        wrap(main_window.MainWindow, "_update_markers", "window _update_markers")
        wrap(timeline.TimelineWidget, "paintEvent", "timeline paintEvent")
        wrap(task_view.TaskTableView, "paintEvent", "task table paintEvent")
        wrap(task_view.TaskDelegate, "paint", "task table delegate paint (state, name, cancel)")
        wrap(task_view.TaskTableView, "_measure_some", "task table column fit (timer)", top=True)
    except Exception:
        pass
    try:
        _wrap_update_request(spans, main_window.MainWindow, _WINDOW_PAINT)
    except Exception:
        pass
    try:   # the Resources and Findings panes, when one is in front
        from asyncio_playground.ui import findings_view, resource_lanes, resources_view
        from asyncio_playground.ui.features import findings as f_findings
        from asyncio_playground.ui.features import resources as f_resources
        if view in ("resources", "findings"):   # (both fold every frame, whichever is shown)
            wrap(f_resources.ResourcesFeature, "_frame", "resources per frame (fold + show)")
            wrap(f_findings.FindingsFeature, "_frame", "findings per frame (fold + show)")
        if view == "resources":
            wrap(resources_view.ResourcesView, "set_states", "resources view set_states")
            wrap(resource_lanes.ResourceLanes, "paintEvent", "resource lanes paintEvent")
        if view == "findings":
            wrap(findings_view.FindingsView, "set_findings", "findings view set_findings")
    except Exception:
        pass
    try:   # the await view, when its tab is in front (``--view await``)
        from asyncio_playground.ui import await_model, await_view
        if view == "await":
            # A paint of the view's viewport: Qt lays out the tree's items first when rows came or
            # went (in viewportEvent, before paintEvent), so the span is the whole Paint event.
            _wrap_paint_event(spans, await_view.AwaitView, _AWAIT_PAINT)
            wrap(await_view.AwaitView, "paintEvent", "await view paintEvent (drawing only)")
            # the tree's item layout wherever it runs: in a paint, a dataChanged, a 0 ms timer
            wrap(await_view.AwaitView, "doItemsLayout", "await view item layout (doItemsLayout)")
            wrap(await_model.AwaitTreeModel, "refresh", "await model refresh (per frame)")
    except Exception:
        pass
    rec = spans.setdefault("gc pause", [0, 0.0, 0.0])
    t = [0.0]

    def gc_cb(phase, info):
        if phase == "start":
            t[0] = time.perf_counter()
        else:
            now = time.perf_counter()
            dt = now - t[0]
            rec[0] += 1
            rec[1] += dt
            rec[2] = max(rec[2], dt)
            if dt > _SPELL_MIN:
                _GC_SPELLS.append((t[0], now, "gc pause"))

    gc.callbacks.append(gc_cb)
    return spans


# What the GUI thread did in one go, longer than _SPELL_MIN: (start, end, span name) of the
# top-level spans (a loop slice, a refresher frame, a window paint, a column fit: none runs inside
# another), and the collector's pauses (inside any of them) apart.
_SPELLS: list = []
_GC_SPELLS: list = []
_SPELL_MIN = 0.002
LATE = 0.020     # the probe's p99 target: what a fire later than this waited behind


def late_causes(probe, spells=None, gc_spells=None, late_over: float = LATE) -> dict:
    """What the probe's late fires waited behind: for each fire later than ``late_over``, the
    time between when it was due and when it fired, shared among the top-level spans that ran
    then (ms, summed over those fires); the collector's pauses in that time apart (they run inside
    the spans); 'nothing measured' is the rest (Qt's own event handling, unwrapped slots, the
    timer's own lateness).  ``one_step_fires``: fires whose whole wait was inside one loop slice
    of 100 ms or more (a single lesson step nothing can interrupt)."""
    import bisect

    spells = sorted(_SPELLS if spells is None else spells)
    gcs = sorted(_GC_SPELLS if gc_spells is None else gc_spells)
    ends = [e for _, e, _ in spells]
    gc_ends = [e for _, e, _ in gcs]
    by: dict = {}
    waited = gc_ms = 0.0
    fires = one_step = 0

    def overlap(items, item_ends, a, b):
        i = bisect.bisect_right(item_ends, a)
        while i < len(items) and items[i][0] < b:
            s, e, name = items[i]
            yield name, min(b, e) - max(a, s), (s <= a and e >= b and e - s >= 0.1)
            i += 1

    for fire, late in zip(probe.fires, probe.late):
        if late <= late_over:
            continue
        fires += 1
        a, b = fire - late, fire
        waited += b - a
        for name, dt, whole in overlap(spells, ends, a, b):
            by[name] = by.get(name, 0.0) + dt
            one_step += whole and name == "loop slice (_drain)"
        gc_ms += sum(dt for _, dt, _ in overlap(gcs, gc_ends, a, b))
    known = sum(by.values())
    return {"fires": fires, "late_ms": waited * 1000,
            "by_span_ms": {k: v * 1000 for k, v in sorted(by.items(), key=lambda kv: -kv[1])},
            "gc_ms": gc_ms * 1000, "unmeasured_ms": max(0.0, waited - known) * 1000,
            "one_step_fires": one_step, "over_ms": late_over * 1000}


def plain_peak_rss(n: int, hops: int, base: float, step: float, lesson_kind: str = "load") -> dict:
    """The same lesson run by plain ``python`` (asyncio.run, nothing imported but asyncio): its peak
    RSS is the floor the window's is compared with (issue 14: <= 1.5x)."""
    import subprocess

    src = lesson_source(lesson_kind, n, hops, base, step) + (
        "import resource, sys\n"
        "sys.stderr.write('@@RSS@@%f\\n' % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))\n")
    p = subprocess.run([sys.executable, "-c", src], capture_output=True, text=True, timeout=600)
    for line in p.stderr.splitlines():
        if line.startswith("@@RSS@@"):
            return {"peak_rss_mib": float(line[7:])}
    return {"error": f"exit code {p.returncode}", "stderr": p.stderr[-800:]}


def measure(n_tasks: int = 10_000, rss_tasks: int = 100_000, log=print, view: str | None = None,
            lesson_kind: str = "load", child_timeout: float = 300) -> dict:
    out: dict = {}
    why = ui_unavailable()
    if why:
        log(f"  ui_load: skipped: {why}")
        return {"skipped": why}
    for key, n, hops, base, step in (("load", n_tasks, 20, 0.02, 0.005),
                                      ("rss", rss_tasks, 3, 0.05, 0.005)):
        if not n:
            continue
        steal = L.CpuSteal()
        r = L.spawn("bench.ui_load", ["--child", str(n), "--hops", str(hops), "--base", str(base),
                                      "--step", str(step), "--lesson", lesson_kind,
                                      "--timeout", str(child_timeout)]
                    + (["--view", view] if view else []), timeout=600)
        r["cpu_steal"] = steal.stop()
        if not view:   # the panes' cases are about paints, not memory
            r["plain_asyncio"] = plain_peak_rss(n, hops, base, step, lesson_kind)
        out[key] = r
        if "error" in r and r.get("error"):
            log(f"  ui_load {n} tasks: ERROR {r['error']}")
            if r.get("stderr"):
                log("    " + r["stderr"][-800:].replace("\n", "\n    "))
            if r.get("p99_late_ms") is None:
                continue
        log(f"  ui_load {n} tasks: {r['seconds']:.1f} s, {r['trace_events']} events; 16 ms timer late "
            f"p50 {r['p50_late_ms']:.1f} p99 {r['p99_late_ms']:.1f} max {r['max_late_ms']:.1f} ms; "
            f"longest frozen {r['longest_frozen_ms']:.0f} ms; frames {r['frame_hz']:.1f} Hz, "
            f"table paints {r['table_paint_hz']:.1f} Hz, timeline paints {r['timeline_paint_hz']:.1f} Hz; "
            f"peak RSS {r['peak_rss_mib']:.0f} MiB")
        if r.get("window_paint_max_ms") is not None:
            log(f"    window paints: longest {r['window_paint_max_ms']:.1f} ms, "
                f"{r['window_paints_over_33ms']} over 33 ms; pane {view or 'timeline'}: {r.get('pane_rows')}")
        if view == "await":
            log(f"    await view: longest paint {r['await_paint_max_ms'] or 0:.1f} ms, "
                f"paints {r['await_paint_hz'] or 0:.1f} Hz, {r['await_rows']} top-level rows at the end")
        for name, b in (r.get("breakdown") or {}).items():
            log(f"      {name:52s} {b['calls']:7d} calls {b['total_ms']:9.0f} ms total, max {b['max_ms']:7.1f} ms")
    return out


def measure_await(n_tasks: int = 10_000, rss_tasks: int = 100_000, log=print) -> dict:
    """The same two lessons with the "Who awaits whom" tab in front (issue 25): the 16 ms probe
    and the await view's longest paint."""
    return measure(n_tasks, rss_tasks, log=log, view="await")


def measure_panes(rss_tasks: int = 100_000, log=print, child_timeout: float = 150) -> dict:
    """The Resources and the Findings tab in front, each through a run of the load lesson through
    a Semaphore and a Lock at ``rss_tasks`` tasks (issue 25): the probe and every paint.  A run
    the panes slow down past ``child_timeout`` seconds is cut there (``error``), its figures so far
    kept: they are of a live run all the same."""
    return {view: measure(0, rss_tasks, log=log, view=view, lesson_kind="locks",
                          child_timeout=child_timeout).get("rss", {})
            for view in ("resources", "findings")}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", type=int, metavar="TASKS")
    ap.add_argument("--hops", type=int, default=20)
    ap.add_argument("--base", type=float, default=0.02)
    ap.add_argument("--step", type=float, default=0.005)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--rss-tasks", type=int, default=100_000)
    ap.add_argument("--view", choices=("await", "resources", "findings"),
                    help="the tab in front during the run (default: the timeline)")
    ap.add_argument("--lesson", choices=("load", "locks"), default="load",
                    help="the load lesson, or the same through a Semaphore and a Lock")
    ap.add_argument("--json")
    ap.add_argument("--cut", type=float, default=300, help="seconds a measured run may take")
    a = ap.parse_args(argv)
    if a.child is not None:
        child(a.child, a.hops, a.base, a.step, a.timeout, a.view, a.lesson)
        return 0
    res = measure(a.tasks, a.rss_tasks, view=a.view, lesson_kind=a.lesson, child_timeout=a.cut)
    if "skipped" in res:
        print(f"ui_load skipped: {res['skipped']}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
