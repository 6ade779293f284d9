"""Replay of a saved 1M-event run: open it, then scrub it (issue 14: open ≤ 2 s, frames ≤ 33 ms).

A real run, not synthetic events: a generated lesson (N tasks created at once by ``main()``, each
``await asyncio.sleep(...)`` ``hops`` times; ``2 × hops + 3`` trace events a task) runs headless
through the CLI in a child process, ``asyncio-playground run LESSON --trace OUT --quiet``, which
writes the saved run as File → Save run does.  Then, each in a fresh child process (offscreen Qt):

* headless: ``load_run(path)`` + ``Replay(saved.events)`` (what any moment needs); then
  ``table_at`` at the middle and at 20 random moments (each a new table of every task); peak RSS;
  then the same events as a run of this session has them (the tracer's plain list, and the table
  the window folded, ``final=``: no index yet), and its first scrubber move timed: the index,
  the ``Scrub`` and its first ``seek`` (issue 25: ≤ 0.5 s before the first scrub frame);
* window: a ``MainWindow`` at 1400x900 set up like ``asyncio-playground`` (throwaway settings and
  edit store), shown and settled; time from ``open_run(path)`` to the first paint of both the task
  table's viewport and the timeline showing the opened run;
* scrubbing, in the same window: the scrubber (``time_bar.slider``) is set to 30 positions, seeded
  random jumps (a click on the groove) and drags of 1..3 ticks of 1000 both ways, ~50 ms apart.  A
  frame is timed from ``slider.setValue`` (the handler runs inside it: ``momentChanged`` →
  ``show_moment``) until both the table's viewport and the timeline have painted (the table is
  made to repaint every frame, whether or not a row on screen changed); p50/p99/max, and the
  handler's share.  After a jump, the time until every row is at the moment (``Scrub.settled``:
  the rows off screen follow in slices).  A 16 ms ``PreciseTimer`` probe runs throughout: the
  longest gap between two of its fires is the longest time the GUI thread ran something else (a
  frame, or a slice of settling).

    python -m bench.replay_load [--events 1000000] [--hops 4] [--keep DIR] [--json OUT]

Skips with a message while ``ui`` (the window) is not importable.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import loops as L
from bench.window import LESSON, PaintCounts, Probe, open_window


SCRUB_STEPS = 1000   # ui.time_bar's scrubber range


def tasks_for(events: int, hops: int) -> int:
    """Tasks whose run logs about ``events`` events: each logs its creation, ``hops + 1`` steps,
    ``hops`` waits and its end."""
    return max(1, round(events / (2 * hops + 3)))


def make_run(folder: Path, events: int, hops: int, base: float = 0.05, step: float = 0.005,
             timeout: float = 900) -> dict:
    """Run the generated lesson headless with ``--trace``; returns {"path", "seconds", ...}."""
    n = tasks_for(events, hops)
    lesson = folder / f"replay_{n}x{hops}.py"
    lesson.write_text(LESSON.format(n=n, hops=hops, base=base, step=step))
    out = folder / f"replay_{n}x{hops}.json"
    env = {**os.environ, "PYTHONPATH": str(L.ROOT)}
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "asyncio_playground", "run", str(lesson), "--trace",
                        str(out), "--quiet", "--memory-limit", "0"], cwd=folder, env=env,
                       capture_output=True, text=True, timeout=timeout)
    took = time.perf_counter() - t0
    if p.returncode != 0 or not out.exists():
        return {"error": f"the run exited {p.returncode}", "stderr": L._tail(p.stderr or p.stdout)}
    return {"path": str(out), "tasks": n, "hops": hops, "seconds": took,
            "file_mib": out.stat().st_size / 2**20}


def _rss() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_headless(path: str) -> None:
    """load_run + Replay, then a first moment and a few jumps (headless cost of each)."""
    import gc

    from asyncio_playground import replay

    rss0 = _rss()
    t0 = time.perf_counter()
    saved = replay.load_run(path)
    t1 = time.perf_counter()
    rp = replay.Replay(saved.events)
    t2 = time.perf_counter()
    span = rp.end - rp.start
    rp.table_at(rp.start + span / 2)
    t3 = time.perf_counter()
    rng = random.Random(14)
    jumps = []
    for _ in range(20):
        t = rp.start + span * rng.random()
        a = time.perf_counter()
        rp.table_at(t)
        jumps.append(time.perf_counter() - a)
    peak = _rss()
    gcs = sum(s["collections"] for s in gc.get_stats())
    fresh = fresh_first_scrub(saved.events)
    L.emit({"events": len(saved.events), "load_run_s": t1 - t0, "replay_s": t2 - t1,
            "open_s": t2 - t0, "first_moment_s": t3 - t2,
            "jump_p50_ms": L.percentile(jumps, 50) * 1000, "jump_max_ms": max(jumps) * 1000,
            "rss_before_mib": rss0, "peak_rss_mib": peak, "gc_collections": gcs, **fresh})
    os._exit(0)


def fresh_first_scrub(saved_events) -> dict:
    """A run of this session, as the window has it when the run ends: the tracer's plain list
    and the table the window folded (``Replay(events, final=table)``, no index yet).  Timed: the
    first scrubber move, to 30 % of the run, as ``show_moment`` makes it: the index of the run
    (``Replay._ix``), the ``Scrub`` (a copy of the final table) and its first ``seek`` with the
    rows on screen (the first 40).  What is left for the other rows (``Scrub.finish``) is
    timed too: the window does it in slices after the frame."""
    from asyncio_playground import replay
    from asyncio_playground._run_index import _gc_paused

    events = list(saved_events)
    with _gc_paused():
        table = replay.TaskTable()
        table.apply(events)
    rp = replay.Replay(events, final=table)
    t = rp.start + (rp.end - rp.start) * 0.3
    first = [r.tid for r in table.rows[:40]]
    a = time.perf_counter()
    rp._ix
    b = time.perf_counter()
    scrub = rp.scrub()
    c = time.perf_counter()
    scrub.seek(t, first=first)
    d = time.perf_counter()
    scrub.finish()
    e = time.perf_counter()
    return {"fresh_first_scrub_s": d - a, "fresh_index_s": b - a, "fresh_scrub_s": c - b,
            "fresh_seek_s": d - c, "fresh_settle_s": e - d}


def scrub_plan(rng: random.Random, n: int = 30) -> list[tuple[int, bool]]:
    """Scrubber moves ``(value, jump)``: random jumps either way (a click on the groove) and drags
    of 1..3 ticks forward and back (a hand moving the handle)."""
    plan, v = [], SCRUB_STEPS // 2
    while len(plan) < n:
        if rng.random() < 0.4:
            v = rng.randrange(0, SCRUB_STEPS)
            plan.append((v, True))
        else:
            d = rng.choice((-1, 1))
            for _ in range(rng.randint(3, 6)):
                v = max(0, min(SCRUB_STEPS - 1, v + d * rng.randint(1, 3)))
                plan.append((v, False))
    return plan[:n]


def child_window(path: str, positions: int, timeout: float) -> None:
    import gc

    tmp = tempfile.TemporaryDirectory(prefix="pg-bench-replay-")
    app, loop, window = open_window(tmp.name, "bench-replay-load")
    painted = PaintCounts(window)

    def settle(seconds, until=None):
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            if until is not None and until():
                return True
            time.sleep(0.002)
        return False

    def until_painted(limit):
        """processEvents until the table and the timeline have both painted (after a reset of
        ``painted``); False after ``limit`` seconds."""
        end = time.perf_counter() + limit
        while not (painted["table"] and painted["timeline"]):
            if time.perf_counter() > end:
                return False
            app.processEvents()
        return True

    settle(0.5)
    result: dict = {}
    rss0 = _rss()
    gc0 = sum(s["collections"] for s in gc.get_stats())
    painted.update(table=0, timeline=0)
    t0 = time.perf_counter()
    ok = window.open_run(path)
    t1 = time.perf_counter()
    if not ok:
        L.emit({"error": "open_run refused the file", "console": window.console.toPlainText()[-800:]})
        os._exit(1)
    if not until_painted(timeout):
        result["error"] = f"no paint within {timeout:.0f} s of open_run"
    t2 = time.perf_counter()
    replay = window.replaying.replay
    bar = window.time_bar
    result.update({"open_run_s": t1 - t0, "first_paint_s": t2 - t0,
                   "rows": len(window.table) if window.table is not None else None,
                   "events": len(replay.events) if replay is not None else None,
                   "scrubber_shown": bar.slider.isVisible(),
                   "rss_open_mib": _rss()})
    settle(0.3)
    frames, handlers, values, settles, unsettled = [], [], [], [], 0

    # A 16 ms probe through the whole scrubbing: its longest gap is the longest time the GUI
    # thread could not run anything (a frame, or a slice of settling after a jump).
    probe = Probe()
    if replay is None or not bar.slider.isVisible():
        result["error"] = result.get("error") or "the opened run was not offered for replay"
    else:
        scrubbed = lambda: window.replaying.scrub is not None and window.replaying.scrub.settled  # noqa: E731
        t_probe = probe.start()
        rng = random.Random(1414)
        for v, jump in scrub_plan(rng, positions):
            if v == bar.slider.value():
                continue
            painted.update(table=0, timeline=0)
            a = time.perf_counter()
            bar.slider.setValue(v)
            # A frame repaints the table too, whether or not a row on screen changed.
            window.task_view.viewport().update()
            b = time.perf_counter()
            if not until_painted(10):
                result["error"] = f"no paint within 10 s of moving the scrubber to {v}"
                break
            c = time.perf_counter()
            frames.append(c - a)
            handlers.append(b - a)
            values.append(v)
            if jump:    # a click on the groove: the rest of the table settles while one looks
                if settle(5.0, scrubbed):
                    settles.append(time.perf_counter() - a)
                else:
                    unsettled += 1
            settle(0.05)     # the hand moves on after ~50 ms
        probe.stop()
        gaps = probe.gaps(t_probe)
        result.update({"probe_fires": len(probe.late),
                       "p99_late_ms": L.percentile(probe.late, 99) * 1000 if probe.late else None,
                       "longest_stall_ms": max(gaps) * 1000 if gaps else None})
    ms = [f * 1000 for f in frames]
    result.update({
        "frames": len(frames),
        "values": values,
        "frame_ms": [round(x, 1) for x in ms],
        "p50_frame_ms": L.percentile(ms, 50) if ms else None,
        "p99_frame_ms": L.percentile(ms, 99) if ms else None,
        "max_frame_ms": max(ms) if ms else None,
        "p50_handler_ms": L.percentile(handlers, 50) * 1000 if handlers else None,
        "max_handler_ms": max(handlers) * 1000 if handlers else None,
        "jumps_settled": len(settles),
        "jumps_unsettled": unsettled,
        "p50_settle_ms": L.percentile(settles, 50) * 1000 if settles else None,
        "max_settle_ms": max(settles) * 1000 if settles else None,
        "rss_before_mib": rss0,
        "peak_rss_mib": _rss(),
        "gc_collections": sum(s["collections"] for s in gc.get_stats()) - gc0,
    })
    L.emit(result)
    tmp.cleanup()
    os._exit(0)   # skip teardown of a 100k-task window: not what is measured


def unavailable() -> str | None:
    try:
        import importlib.util

        for mod in ("asyncio_playground.replay", "asyncio_playground.ui.main_window"):
            if importlib.util.find_spec(mod) is None:
                return f"{mod} is not there yet"
    except Exception as exc:
        return f"not importable: {exc}"
    return None


def measure(events: int = 1_000_000, hops: int = 4, positions: int = 30, keep: str | None = None,
            log=print) -> dict:
    why = unavailable()
    if why:
        log(f"  replay: skipped: {why}")
        return {"skipped": why}
    tmp = None
    if keep:
        folder = Path(keep)
        folder.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="pg-bench-replay-")
        folder = Path(tmp.name)
    try:
        n = tasks_for(events, hops)
        existing = folder / f"replay_{n}x{hops}.json"
        if keep and existing.exists():
            run = {"path": str(existing), "tasks": n, "hops": hops, "seconds": None,
                   "file_mib": existing.stat().st_size / 2**20, "reused": True}
        else:
            log(f"  replay: running {n:,} tasks × {hops} sleeps headless with --trace…")
            run = make_run(folder, events, hops)
        out: dict = {"run": run}
        if run.get("error"):
            log(f"  replay: the run failed: {run['error']}\n    {run.get('stderr', '')}")
            return out
        steal = L.CpuSteal()
        out["headless"] = L.spawn("bench.replay_load", ["--child-headless", run["path"]], timeout=600)
        out["window"] = L.spawn("bench.replay_load", ["--child-window", run["path"], "--positions",
                                                      str(positions)], timeout=900)
        out["cpu_steal"] = steal.stop()
        h, w = out["headless"], out["window"]
        if h.get("error"):
            log(f"  replay headless: ERROR {h['error']}\n    {h.get('stderr', '')}")
        else:
            log(f"  replay headless: {h['events']:,} events ({run['file_mib']:.0f} MiB file): opened in "
                f"{h['open_s']:.2f} s (load_run {h['load_run_s']:.2f} + Replay {h['replay_s']:.2f}); "
                f"first moment {h['first_moment_s'] * 1000:.0f} ms, random jumps p50 "
                f"{h['jump_p50_ms']:.0f} max {h['jump_max_ms']:.0f} ms; peak RSS {h['peak_rss_mib']:.0f} MiB")
            log(f"  replay of a fresh run (the tracer's list + the window's table): first scrub "
                f"{h['fresh_first_scrub_s']:.2f} s (index {h['fresh_index_s']:.2f} + Scrub "
                f"{h['fresh_scrub_s']:.2f} + seek {h['fresh_seek_s']:.3f}); the other rows settle in "
                f"{h['fresh_settle_s']:.2f} s more")
        if w.get("error") and "first_paint_s" not in w:
            log(f"  replay window: ERROR {w['error']}\n    {w.get('stderr', '')}")
        else:
            if w.get("error"):
                log(f"  replay window: ERROR {w['error']}")
            log(f"  replay window: open_run to first paint {w['first_paint_s']:.2f} s (open_run "
                f"{w['open_run_s']:.2f} s), {w['rows']:,} rows; {w['frames']} scrub frames p50 "
                f"{_f(w['p50_frame_ms'])} p99 {_f(w['p99_frame_ms'])} max {_f(w['max_frame_ms'])} ms "
                f"(handler p50 {_f(w['p50_handler_ms'])} max {_f(w['max_handler_ms'])} ms); longest "
                f"gap between 16 ms probe fires {_f(w.get('longest_stall_ms'))} ms; after a jump the whole table settles "
                f"in p50 {_f(w.get('p50_settle_ms'))} max {_f(w.get('max_settle_ms'))} ms; peak RSS "
                f"{w['peak_rss_mib']:.0f} MiB")
        return out
    finally:
        if tmp is not None:
            tmp.cleanup()


def _f(x) -> str:
    return "—" if x is None else f"{x:.1f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child-headless", metavar="FILE")
    ap.add_argument("--child-window", metavar="FILE")
    ap.add_argument("--positions", type=int, default=30)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--hops", type=int, default=4)
    ap.add_argument("--keep", metavar="DIR", help="keep (and reuse) the generated run in DIR")
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    if a.child_headless:
        child_headless(a.child_headless)
        return 0
    if a.child_window:
        child_window(a.child_window, a.positions, a.timeout)
        return 0
    res = measure(a.events, a.hops, a.positions, a.keep)
    if "skipped" in res:
        print(f"replay skipped: {res['skipped']}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
