"""Findings (issue 22): what saying what went wrong in a run costs, with it and without it, in one run.

The findings are folded from the run's log after the fact (``asyncio_playground.Findings``): no
step of a run pays for them.  What they cost is the fold -- once at the end of a headless run
(``run FILE`` prints them), ~10 times a second in the window while the run is live.  Two cases:

    peer   the peer workload of ``bench.peers`` (1,000 tasks x 50 steps in a TaskGroup), traced:
           its CPU time as a ratio to plain asyncio's, without the findings (the run alone, as
           before issue 22) and with them (the run, then ``findings(run)`` over its whole log:
           what ``asyncio-playground run`` does), alternating in one process, ``--reps`` times
    ui     the window's 10,000-task load lesson (``bench.ui_load``'s, the timeline in front),
           in a fresh process each, with the Findings feature as shipped and with it switched
           off (its per-frame fold and its end-of-run fold made no-ops), ``--rounds`` times
           each, interleaved: the 16 ms-timer lateness, the longest frozen frame, frames per
           second, CPU time

    python -m bench.findings [--reps 5] [--rounds 2] [--tasks 10000] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from bench import loops as L


def peer_child(tasks: int, steps: int, reps: int) -> dict:
    import gc

    from asyncio_playground import findings
    from bench.peers import workload

    main = workload(tasks, steps)
    plain, traced, fold, counts = [], [], [], None
    for i in range(reps + 1):                  # the first round warms up
        gc.collect()
        c0 = time.process_time()
        L.run("asyncio", main)
        c_plain = time.process_time() - c0
        gc.collect()
        c0 = time.process_time()
        run = L.traced_run(main)
        c_run = time.process_time() - c0
        c0 = time.process_time()
        found = findings(run)
        c_fold = time.process_time() - c0
        counts = {"events": len(run.tracer.events), "findings": len(found)}
        del run, found
        if i:
            plain.append(c_plain)
            traced.append(c_run)
            fold.append(c_fold)
    before = [t / p for t, p in zip(traced, plain)]
    after = [(t + f) / p for t, f, p in zip(traced, fold, plain)]
    return {"plain_cpu": L.median(plain), "traced_cpu": L.median(traced),
            "fold_cpu": L.median(fold), "ratio_before": L.median(before),
            "ratio_after": L.median(after), "ratios_before": before, "ratios_after": after,
            **(counts or {})}


def ui_child(n_tasks: int, off: bool) -> None:
    """``bench.ui_load``'s child, with the Findings feature switched off when ``off``."""
    from bench import ui_load

    if off:
        from asyncio_playground.ui.features import findings as feature
        feature.FindingsFeature._frame = lambda self, *a: None
        feature.FindingsFeature.fold = staticmethod(lambda shown: [])
    ui_load.child(n_tasks, 20, 0.02, 0.005, 300)


_UI_KEYS = ("p99_late_ms", "max_late_ms", "longest_frozen_ms", "frame_hz", "cpu_seconds",
            "seconds", "max_frame_ms")


def measure(reps: int = 5, rounds: int = 2, tasks: int = 10_000, log=print) -> dict:
    res: dict = {"peer": {}, "ui": {}}
    why = L.unavailable("playground-traced")
    if why:
        log(f"  findings: skipped: {why}")
        return {"skipped": why}
    x = L.spawn("bench.findings", ["--peer-child", "1000", "50", str(reps)], timeout=900)
    res["peer"] = x
    if x.get("error"):
        log(f"  findings peer: ERROR {x['error']}")
    else:
        log(f"  findings peer: traced {x['ratio_before']:.2f}x plain asyncio without findings, "
            f"{x['ratio_after']:.2f}x with them (fold {x['fold_cpu'] * 1e3:.0f} ms over "
            f"{x['events']} records, {x['findings']} findings)")
    from bench.ui_load import ui_unavailable
    why = ui_unavailable()
    if why:
        res["ui"] = {"skipped": why}
        log(f"  findings ui: skipped: {why}")
        return res
    runs: dict = {"on": [], "off": []}
    for r in range(rounds):
        for mode in ("off", "on"):
            y = L.spawn("bench.findings", ["--ui-child", str(tasks)] + (["--off"] if mode == "off" else []),
                        timeout=600)
            if y.get("error"):
                log(f"  findings ui round {r + 1} {mode}: ERROR {y['error']}")
                res["ui"].setdefault("errors", []).append({mode: y["error"]})
                continue
            runs[mode].append(y)
            log(f"  findings ui round {r + 1} findings {mode:3}: p99 late {y['p99_late_ms']:.1f} ms, "
                f"longest frozen {y['longest_frozen_ms']:.0f} ms, {y['frame_hz']:.1f} frames/s, "
                f"CPU {y['cpu_seconds']:.1f} s")
    for mode, rs in runs.items():
        if rs:
            res["ui"][mode] = {k: L.median([r[k] for r in rs if r.get(k) is not None]) for k in _UI_KEYS}
            res["ui"][mode]["rows"] = rs[-1].get("rows")
    return res


def table(res: dict) -> str:
    if "skipped" in res:
        return f"findings: skipped ({res['skipped']})"
    lines = ["| case | without findings | with findings | ratio (with / without) |", "|---|---|---|---|"]
    p = res.get("peer") or {}
    if "ratio_before" in p:
        lines.append(f"| peer workload, traced CPU vs plain asyncio ({p['events']:,} records, "
                     f"{p['findings']} findings) | {p['ratio_before']:.2f}× | {p['ratio_after']:.2f}× | "
                     f"{p['ratio_after'] / p['ratio_before']:.3f} |")
    ui = res.get("ui") or {}
    if "on" in ui and "off" in ui:
        on, off = ui["on"], ui["off"]
        for key, label, unit in (("p99_late_ms", "10k-task UI: 16 ms timer p99 lateness", "ms"),
                                 ("longest_frozen_ms", "10k-task UI: longest frozen frame", "ms"),
                                 ("frame_hz", "10k-task UI: frames per second", "Hz"),
                                 ("cpu_seconds", "10k-task UI: CPU time of the window's process", "s")):
            if on.get(key) is not None and off.get(key):
                lines.append(f"| {label} | {off[key]:.1f} {unit} | {on[key]:.1f} {unit} | "
                             f"{on[key] / off[key]:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peer-child", nargs=3, metavar=("TASKS", "STEPS", "REPS"))
    ap.add_argument("--ui-child", type=int, metavar="TASKS")
    ap.add_argument("--off", action="store_true")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    if a.peer_child:
        L.emit(peer_child(*map(int, a.peer_child)))
        return 0
    if a.ui_child is not None:
        ui_child(a.ui_child, a.off)
        return 0
    res = measure(a.reps, a.rounds, a.tasks)
    print(table(res))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
