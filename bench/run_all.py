"""Run every benchmark side by side and write docs/performance.md.

    .venv/bin/python -m bench.run_all            # everything (~10-15 min on 2 cores)
    .venv/bin/python -m bench.run_all --quick    # fewer repetitions (~5 min), same table
    .venv/bin/python -m bench.run_all --only throughput,timers --out /tmp/perf.md
    .venv/bin/python -m bench.run_all --python315 no     # no Python 3.15 column

Throughput and the peer workload also run on Python 3.15 (a column of their own) when the CI's
Debian chroot with it is on this machine (``--python315 auto``, the default; ``yes`` makes the
chroot if missing: ``bench/other_python.py``).

QtAsyncio needs the ``bench`` extra (``pip install -e '.[bench]'``, PySide6-Addons); without it
that column says so.  Qt runs offscreen (``QT_QPA_PLATFORM=offscreen``).  Raw results go to
``out/bench/results.json``.  A hand-written section of the existing document between
``<!-- notes:start -->`` and ``<!-- notes:end -->`` is kept across regenerations.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import sys
import time
from pathlib import Path

from bench import loops as L

SECTIONS = ("throughput", "peers", "timers", "ui_load", "await_view", "panes", "startup", "replay", "stress",
            "resources", "step_back")
DOC = L.ROOT / "docs" / "performance.md"
RAW = L.ROOT / "out" / "bench" / "results.json"

TARGETS25 = {   # issue 25's table
    "kept": "trace + table ≤ 100 MiB; peak RSS ≤ 2× plain asyncio's for the lesson",
    "panes": "no paint over 33 ms while the run is live; 16 ms-timer p99 ≤ 20 ms with the pane shown",
    "floor": "within 10 % of the measured floor (timestamps only) for each case; ahead of VizTracer "
             "and aiomonitor",
    "features": "unused: nothing measurable; in use: inside the rows above",
    "step_back": "one step back in a 1,000-step lesson ≤ 200 ms",
    "replay_index": "≤ 0.5 s before the first scrub frame",
}

TARGETS = {   # issue 14's table
    "throughput": "≤ 1.2× plain asyncio's CPU time, tracing on, every throughput case",
    "peers": "≤ 1.2× on the peer workload; VizTracer `--log_async` and aiomonitor side by side, we stay ahead of both",
    "timers": "0 early in loop time; p99 lateness ≤ plain asyncio's p99 + 1 ms in the same run, traced",
    "ui": "p99 16 ms-timer lateness ≤ 20 ms; longest frozen frame ≤ the lesson's own longest step + 16 ms",
    "memory": "peak RSS ≤ 1.5× plain asyncio's peak for the same lesson; no frozen frame over 100 ms beyond the lesson's longest step; GC pauses ≤ 20 ms",
    "startup": "first paint ≤ 1.3× the bare window in the same run",
    "features": "cancel causes, await view, slow motion/pause machinery, replay: at 1× and unused, inside these same bounds",
    "replay": "a saved 1M-event run opens for replay in ≤ 2 s; scrubbing keeps frames ≤ 33 ms; a fresh 1M-event run's index ≤ 0.5 s before the first scrub frame (issue 25)",
    "stress": "≥ 1,000,000 loop callbacks and ≥ 100,000 signal emits in one process, no abort",
}


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        mem = f"{mem / 1024 / 1024:.1f} GiB"
    except Exception:
        mem = "?"
    return {"cores": os.cpu_count(), "cpu": cpu, "memory": mem, "os": platform.platform(),
            "qt_platform": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            "date": _dt.datetime.now().strftime("%Y-%m-%d %H:%M"), **L.versions()}


def run_stress(log=print) -> dict:
    r = L.spawn("bench.stress", ["--json"], timeout=900)
    if r.get("error") or r.get("problems"):
        log(f"  stress: FAILED {r.get('error') or r.get('problems')}")
    else:
        log(f"  stress: {r['callbacks']} callbacks, {r['emits']} emits, {r['slot_calls']} slot calls,"
            f" {r['task_steps']} task steps in {r['seconds']} s: OK")
    return r


# --- the document -------------------------------------------------------------------------------
def _fmt(x, unit="", nd=1):
    return "—" if x is None else f"{x:.{nd}f}{unit}"


def _late_line(x: dict) -> str:
    """What the probe's fires later than 20 ms waited behind (``bench.ui_load.late_causes``), in
    one sentence; '' when not measured."""
    lc = x.get("late_causes")
    if not lc or not lc.get("fires"):
        return ""
    total = lc["late_ms"] or 1.0
    parts = [f"{name.split(' (')[0]} {ms:.0f} ms ({ms / total:.0%})"
             for name, ms in lc["by_span_ms"].items()]
    one = lc.get("one_step_fires", 0)
    return (f"The {lc['fires']:,} probe fires later than {lc['over_ms']:.0f} ms waited "
            f"{lc['late_ms']:.0f} ms in all, behind: " + ", ".join(parts)
            + f"; nothing measured {lc['unmeasured_ms']:.0f} ms.  Collector pauses inside those "
            f"spans: {lc['gc_ms']:.0f} ms.  Fires whose whole wait was one loop slice of 100 ms or "
            f"more (a single lesson step nothing can interrupt): {one:,}.\n")


def _ok(flag) -> str:
    return "n/a" if flag is None else ("✅ met" if flag else "❌ not met")


def _throughput_verdict(res) -> tuple[str, bool | None]:
    if not res:
        return "not run", None
    worst = None
    beats = True
    parts = []
    for case, row in res["cases"].items():
        t = row.get("playground-traced", {})
        if "cpu_ratio" not in t:
            return f"traced loop unavailable: {t.get('skipped') or t.get('error')}", None
        if case == "timer_hops":
            continue  # the extra case is reported, not judged
        worst = max(worst or 0, t["cpu_ratio"])
        for other in ("qasync", "qtasyncio"):
            o = row.get(other, {})
            if "cpu_median" in o and not t["cpu_median"] < o["cpu_median"]:
                beats = False
        parts.append(f"{t['cpu_ratio']:.2f}×")
    ok = worst is not None and worst <= 1.2 and beats
    return (f"traced: {' / '.join(parts)} (CPU time; worst {worst:.2f}×); "
            f"{'faster' if beats else 'NOT faster'} than stock qasync and QtAsyncio"), ok


def _timers_verdict(res) -> tuple[str, bool | None]:
    if not res:
        return "not run", None
    base = res["loops"].get("asyncio", {})
    floor = base.get("p99_late_ms")
    parts, ok = [], True
    for n in ("playground", "playground-traced"):
        s = res["loops"].get(n, {})
        if "n" not in s:
            parts.append(f"{L.LABELS[n]}: n/a")
            continue
        parts.append(f"{L.LABELS[n]}: {s['early']} early of {s['n']}, p99 {s['p99_late_ms']:.2f} ms")
        ok = ok and s["early"] == 0
        if n == "playground-traced":
            ok = ok and floor is not None and s["p99_late_ms"] <= floor + 1.0
    if floor is not None:
        parts.append(f"(plain asyncio in the same run: p99 {floor:.2f} ms)")
    return "; ".join(parts), ok


def _peers_verdict(res) -> tuple[str, bool | None]:
    if not res:
        return "not run", None
    from bench import peers as P
    p = res["peers"]
    ours = p.get("playground-traced", {}).get("cpu_ratio")
    if ours is None:
        return "traced run unavailable", None
    parts, ahead = [f"playground traced {ours:.2f}×"], True
    for n in ("viztracer", "aiomonitor"):
        r = p.get(n, {}).get("cpu_ratio")
        if r is None:
            parts.append(f"{P.LABELS[n]}: {p.get(n, {}).get('skipped') or p.get(n, {}).get('error')}")
            ahead = None if ahead is None else False
        else:
            parts.append(f"{P.LABELS[n]} {r:.2f}×")
            ahead = ahead and ours < r
    return ", ".join(parts) + " (CPU time)", (ahead and ours <= 1.2) if ahead is not None else None


def _other_verdict(res, verdict) -> tuple[str, bool | None]:
    """A section's verdict on another Python (``bench/other_python.py``)."""
    if res.get("skipped"):
        return f"not run: {res['skipped']}", None
    if res.get("error"):
        return f"failed in the chroot: {res['error']}", False
    txt, ok = verdict(res)
    if not any("cpu_median" in row.get(n, {}) for row in res.get("cases", {}).values()
               for n in ("qasync", "qtasyncio")):
        txt = txt.replace("; faster than stock qasync and QtAsyncio", " (stock qasync and "
                          "QtAsyncio not run there)")
    return f"Python {res.get('python', '?')}: {txt}", ok


def _python_columns(host: dict, other: dict, loops=("playground", "playground-traced")) -> str:
    """Throughput, the host's Python and another side by side: per case plain asyncio's CPU time
    and each loop's CPU ratio to it, on each Python."""
    from bench import throughput as T

    hv, ov = host.get("python", "host"), other.get("python", "other")
    head = ["case"] + [f"{T.LABELS[n]}, {v}" for v in (hv, ov) for n in ("asyncio", *loops)]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---|" * (len(head) - 1)]
    for case in T.CASES:
        cells = []
        for res in (host, other):
            row = res.get("cases", {}).get(case, {})
            base = row.get("asyncio", {})
            cells.append(f"{base['cpu_median'] * 1000:.0f} ms CPU" if "cpu_median" in base else "—")
            for n in loops:
                x = row.get(n, {})
                cells.append(f"**{x['cpu_ratio']:.2f}×**" if "cpu_ratio" in x
                             else (x.get("skipped") or x.get("error") or "—"))
        lines.append(f"| {T.CASES[case]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _gc_max(x) -> float | None:
    b = (x.get("breakdown") or {}).get("gc pause")
    return b["max_ms"] if b else None


def _ui_verdict(res) -> tuple[str, bool | None, str, bool | None]:
    if not res or "skipped" in res:
        why = (res or {}).get("skipped", "not run")
        return f"skipped: {why}", None, f"skipped: {why}", None
    load, rss = res.get("load", {}), res.get("rss", {})
    if load.get("error") or "p99_late_ms" not in load:
        ui_text, ui_ok = f"failed: {load.get('error')}", False
    else:
        step = load.get("longest_step_ms") or 0.0
        ui_ok = load["p99_late_ms"] <= 20 and load["longest_frozen_ms"] <= step + 16
        ui_text = (f"p99 {load['p99_late_ms']:.1f} ms; longest frozen frame {load['longest_frozen_ms']:.0f} ms "
                   f"(lesson's longest step {step:.0f} ms); frames {load['frame_hz']:.1f} Hz")
    if rss.get("error") or "peak_rss_mib" not in rss:
        mem_text, mem_ok = f"failed: {rss.get('error')}", False
    else:
        plain = (rss.get("plain_asyncio") or {}).get("peak_rss_mib")
        gc_max = _gc_max(rss)
        step = rss.get("longest_step_ms") or 0.0
        ratio = rss["peak_rss_mib"] / plain if plain else None
        mem_ok = (ratio is not None and ratio <= 1.5 and (gc_max or 0) <= 20
                  and rss["longest_frozen_ms"] <= step + 100)
        mem_text = (f"peak RSS {rss['peak_rss_mib']:.0f} MiB = "
                    + (f"{ratio:.2f}× plain asyncio's {plain:.0f} MiB" if ratio else "plain asyncio not measured")
                    + f"; longest frozen frame {rss['longest_frozen_ms']:.0f} ms (lesson's longest step "
                    f"{step:.0f} ms); GC pauses up to {_fmt(gc_max, ' ms', 0)}")
    return ui_text, ui_ok, mem_text, mem_ok


def _await_verdict(res) -> tuple[str, bool | None]:
    if not res or "skipped" in res:
        return f"skipped: {(res or {}).get('skipped', 'not run')}", None
    x = res.get("rss") or {}
    if x.get("error") or "p99_late_ms" not in x:
        return f"failed: {x.get('error')}", False
    paint = x.get("await_paint_max_ms")
    ok = paint is not None and paint <= 33 and x["p99_late_ms"] <= 20
    return (f"{x['tasks']:,} tasks: longest await-view paint {_fmt(paint, ' ms')} "
            f"({_fmt(x.get('await_paint_hz'), ' Hz')} paints); p99 {x['p99_late_ms']:.1f} ms; longest "
            f"frozen frame {x['longest_frozen_ms']:.0f} ms (lesson's longest step "
            f"{x.get('longest_step_ms') or 0:.0f} ms)"), ok


def _pane_verdict(x) -> tuple[str, bool | None]:
    if not x:
        return "not run", None
    if "p99_late_ms" not in x:
        return f"failed: {x.get('error')}", False
    paint = x.get("window_paint_max_ms")
    ok = (not x.get("error") and paint is not None and paint <= 33 and x["p99_late_ms"] <= 20)
    cut = f" (cut after {x['seconds']:.0f} s: {x['error']})" if x.get("error") else ""
    return (f"{x['tasks']:,} tasks{cut}: longest window paint {_fmt(paint, ' ms')}, "
            f"{x.get('window_paints_over_33ms', 0):,} paints over 33 ms; p99 {x['p99_late_ms']:.1f} ms; "
            f"longest frozen frame {x['longest_frozen_ms']:.0f} ms"), ok


def _kept_verdict(res) -> tuple[str, bool | None]:
    """What a finished 100k-task run keeps (trace + the window's table) and the peak against
    plain asyncio's on the same lesson."""
    rss = (res or {}).get("rss") or {}
    kept = rss.get("kept_mib")
    if not kept:
        return f"not measured: {rss.get('error') or 'no ui_load run'}", None
    plain = (rss.get("plain_asyncio") or {}).get("peak_rss_mib")
    ratio = rss["peak_rss_mib"] / plain if plain else None
    total = kept["trace"] + kept["table"]
    ok = total <= 100 and ratio is not None and ratio <= 2
    return (f"{rss['tasks']:,} tasks, {rss['trace_events']:,} records: trace {kept['trace']:.1f} + "
            f"table {kept['table']:.1f} = **{total:.1f} MiB**; peak RSS {rss['peak_rss_mib']:.0f} MiB = "
            + (f"**{ratio:.2f}×** plain asyncio's {plain:.0f} MiB" if ratio else "plain asyncio not measured")
            ), ok


def _floor_verdict(tp, peers) -> tuple[str, bool | None]:
    """The traced loop over the floor (timestamps only) per throughput case and on the peer
    workload, paired per round; and the peer tools' ratios beside the traced loop's."""
    from bench import throughput as T

    parts, worst, missing = [], 0.0, []
    if not (tp or {}).get("cases"):
        missing.append("the throughput cases")
    for case, row in ((tp or {}).get("cases") or {}).items():
        if case == "timer_hops":
            continue   # the extra case sleeps: reported in its section, not judged
        x = row.get("playground-floor", {})
        if "traced_over_floor_cpu" in x:
            parts.append(f"{T.CASES[case]} {x['traced_over_floor_cpu']:.2f}×")
            worst = max(worst, x["traced_over_floor_cpu"])
        else:
            missing.append(T.CASES[case])
    pp = ((peers or {}).get("peers") or {})
    t = pp.get("playground-traced", {})
    if "traced_over_floor_cpu" in t:
        parts.append(f"peer workload {t['traced_over_floor_cpu']:.2f}×")
        worst = max(worst, t["traced_over_floor_cpu"])
    else:
        missing.append("peer workload")
    ahead, beside = True, []
    for name in ("viztracer", "aiomonitor"):
        o = pp.get(name, {})
        if "cpu_ratio" in o and "cpu_ratio" in t:
            beside.append(f"{name} {o['cpu_ratio']:.2f}× vs traced {t['cpu_ratio']:.2f}×")
            ahead = ahead and t["cpu_ratio"] < o["cpu_ratio"]
        else:
            beside.append(f"{name}: {o.get('skipped') or o.get('error') or 'not run'}")
    if not parts:
        return "floor not measured", None
    text = ("traced / floor, CPU: " + ", ".join(parts)
            + (f" (not measured: {', '.join(missing)})" if missing else "")
            + "; peers (CPU ratio to plain asyncio): " + "; ".join(beside))
    return text, (None if missing else worst <= 1.10 and ahead)


def _step_back_verdict(sb) -> tuple[str, bool | None]:
    if not sb:
        return "not run", None
    if sb.get("error"):
        return f"failed: {sb['error']}", False
    depths = sb.get("depths") or {}
    x = depths.get("1000") or depths.get(1000)
    if not x:
        return "1,000 steps not measured", None
    return (f"at 1,000 steps: **{x['back_ms']:.0f} ms** (median, max {x['back_max_ms']:.0f}); the same "
            f"replay headless {x['floor_ms']:.0f} ms"), x["back_ms"] <= 200


def _replay_index_verdict(res) -> tuple[str, bool | None]:
    h = ((res or {}).get("headless") or {})
    fresh = h.get("fresh_first_scrub_s")
    if fresh is None:
        return "not measured", None
    return f"{h.get('events', 0):,} events: first scrub of a fresh run **{fresh:.2f} s**", fresh <= 0.5


def _features_verdict(results) -> tuple[str, bool | None]:
    """The resource tracking on and off (bench.resources: a case with no object, one through a
    Semaphore); findings and schedule recording have nothing on the hot path to switch."""
    from bench import resources as R

    rs = (results.get("resources") or {}).get("cases") or {}
    parts = [f"{R.CASES.get(k, k)}: tracking on/off **{v['ratio']:.2f}×**"
             for k, v in rs.items() if "ratio" in v]
    return ("resource tracking, " + ("; ".join(parts) if parts else "not run")
            + " (section Resources); findings are folded from the log after the run's steps, a "
            "schedule is recorded only while a step is chosen: neither is on the traced loop's path, "
            "so both are inside every traced figure above"), None


def _startup_verdict(res) -> tuple[str, bool | None]:
    if not res:
        return "not run", None
    app, bare = res.get("app", {}), res.get("bare", {})
    if "first_paint_s" not in app:
        return f"window: {app.get('skipped') or app.get('error')}", None
    b = bare.get("first_paint_s")
    ratio = app["first_paint_s"] / b if b else None
    txt = (f"{app['first_paint_s']:.2f} s vs {b:.2f} s for the bare window: {ratio:.2f}×" if ratio
           else f"{app['first_paint_s']:.2f} s (bare window not measured)")
    return txt, ratio is not None and ratio <= 1.3


def _replay_verdict(res) -> tuple[str, bool | None]:
    if not res:
        return "not run", None
    if "skipped" in res:
        return f"skipped: {res['skipped']}", None
    run, h, w = res.get("run", {}), res.get("headless", {}), res.get("window", {})
    if run.get("error"):
        return f"the run to replay failed: {run['error']}", False
    if h.get("error") or w.get("error") or "open_s" not in h or "first_paint_s" not in w:
        return f"failed: {h.get('error') or w.get('error')}", False
    ok = h["open_s"] <= 2 and w["first_paint_s"] <= 2 and (w["max_frame_ms"] or 0) <= 33
    fresh = h.get("fresh_first_scrub_s")
    if fresh is not None:
        ok = ok and fresh <= 0.5
    return (f"{h['events']:,} events: opened in {h['open_s']:.2f} s headless, {w['first_paint_s']:.2f} s "
            f"to the window's first paint; {w['frames']} scrub frames p50 {_fmt(w['p50_frame_ms'])} / "
            f"p99 {_fmt(w['p99_frame_ms'])} / max {_fmt(w['max_frame_ms'])} ms; longest gap between two "
            f"fires of a 16 ms timer {_fmt(w.get('longest_stall_ms'), ' ms', 0)}"
            + (f"; a fresh run's first scrub {fresh:.2f} s" if fresh is not None else "")), ok


def _stress_verdict(res) -> tuple[str, bool | None]:
    if not res:
        return "not run", None
    if res.get("error") or res.get("problems"):
        return f"FAILED: {res.get('error') or '; '.join(res.get('problems', []))}", False
    return (f"{res['callbacks']:,} callbacks, {res['emits']:,} emits ({res['slot_calls']:,} slot calls), "
            f"{res['task_steps']:,} task steps, exit 0"), True


def render(results: dict, notes: str) -> str:
    m = results["machine"]
    steal = results.get("steal", {})
    out = []
    w = out.append
    w("# Performance\n")
    w("Generated by `python -m bench.run_all` (see `bench/`); do not edit by hand except the notes "
      "section at the end, which regeneration keeps.\n")
    w("Reproduce from the repository root: `.venv/bin/pip install -e '.[bench]'` (PySide6-Addons, for "
      "QtAsyncio), then `.venv/bin/python -m bench.run_all` (10–15 min on 2 cores; `--quick` ≈ 5 min; "
      "`--only throughput,timers` for a part).  Raw figures: `out/bench/results.json`.\n")
    w("## Machine\n")
    w("| | |\n|---|---|")
    w(f"| date | {m['date']} |")
    w(f"| CPU | {m['cpu']}, {m['cores']} cores, {m['memory']} RAM |")
    w(f"| OS | {m['os']} (Qt platform: {m['qt_platform']}) |")
    w(f"| Python | {m['python']} |")
    w(f"| PySide6 | Essentials {m['PySide6-Essentials']}, Addons {m['PySide6-Addons']} (shiboken6 {m['shiboken6']}) |")
    w(f"| qasync | {m['qasync']} |")
    w(f"| peers (bench extra) | VizTracer {m.get('viztracer', '?')}, aiomonitor {m.get('aiomonitor', '?')} |")
    other = [results[k].get("python") for k in ("throughput_py315", "peers_py315")
             if results.get(k) and results[k].get("python")]
    if other:
        w(f"| other Python | {other[0]} (Debian unstable, in the CI's chroot: `.ci/debian-python`; "
          "app dependencies and the `test` extra only, so no QtAsyncio, VizTracer or aiomonitor) |")
    if steal:
        w("| machine noise | " + ", ".join(
            f"{k}: {v['steal'] * 100:.0f}% CPU stolen by the hypervisor, {v['busy'] * 100:.0f}% busy"
            for k, v in steal.items() if v) + " |")
    w("")
    w("## Targets (issue 14) and what was measured\n")
    w("| measure | target | measured | |\n|---|---|---|---|")
    t_txt, t_ok = _throughput_verdict(results.get("throughput"))
    w(f"| throughput, tracing on | {TARGETS['throughput']} | {t_txt} | {_ok(t_ok)} |")
    if results.get("throughput_py315"):
        t_txt, t_ok = _other_verdict(results["throughput_py315"], _throughput_verdict)
        w(f"| throughput, tracing on, Python 3.15 | {TARGETS['throughput']} | {t_txt} | {_ok(t_ok)} |")
    p_txt, p_ok = _peers_verdict(results.get("peers"))
    w(f"| peer workload, peers side by side | {TARGETS['peers']} | {p_txt} | {_ok(p_ok)} |")
    if results.get("peers_py315"):
        p_txt, p_ok = _other_verdict(results["peers_py315"], _peers_verdict)
        w(f"| peer workload, Python 3.15 | {TARGETS['peers']} | {p_txt} | {_ok(p_ok)} |")
    tm_txt, tm_ok = _timers_verdict(results.get("timers"))
    w(f"| timers | {TARGETS['timers']} | {tm_txt} | {_ok(tm_ok)} |")
    ui_txt, ui_ok, mem_txt, mem_ok = _ui_verdict(results.get("ui_load"))
    w(f"| UI at 10k tasks | {TARGETS['ui']} | {ui_txt} | {_ok(ui_ok)} |")
    w(f"| UI/memory at 100k traced tasks | {TARGETS['memory']} | {mem_txt} | {_ok(mem_ok)} |")
    s_txt, s_ok = _startup_verdict(results.get("startup"))
    w(f"| startup to first paint | {TARGETS['startup']} | {s_txt} | {_ok(s_ok)} |")
    w(f"| what the other new issues add | {TARGETS['features']} | included in every traced figure above "
      "(the loop with time control, cancel causes, await targets, replay data are all on in them); "
      "time control unused vs before: see notes | see the rows above |")
    rp_txt, rp_ok = _replay_verdict(results.get("replay"))
    w(f"| a saved 1M-event run | {TARGETS['replay']} | {rp_txt} | {_ok(rp_ok)} |")
    st_txt, st_ok = _stress_verdict(results.get("stress"))
    w(f"| no abort (issue 5) | {TARGETS['stress']} | {st_txt} | {_ok(st_ok)} |")
    w("")
    w("## Targets (issue 25) and what was measured\n")
    w("| row | target | measured | |\n|---|---|---|---|")
    k_txt, k_ok = _kept_verdict(results.get("ui_load"))
    w(f"| what a run keeps, 100k traced tasks | {TARGETS25['kept']} | {k_txt} | {_ok(k_ok)} |")
    if results.get("await_view"):
        aw_txt, aw_ok = _await_verdict(results.get("await_view"))
        w(f"| await view at 100k tasks | {TARGETS25['panes']} | {aw_txt} | {_ok(aw_ok)} |")
    for name, x in (results.get("panes") or {}).items():
        if isinstance(x, dict):
            txt, ok = _pane_verdict(x)
            w(f"| {name.capitalize()} pane at 100k tasks | {TARGETS25['panes']} | {txt} | {_ok(ok)} |")
    f_txt, f_ok = _floor_verdict(results.get("throughput"), results.get("peers"))
    w(f"| traced CPU, Python {m['python']} | {TARGETS25['floor']} | {f_txt} | {_ok(f_ok)} |")
    if results.get("throughput_py315") or results.get("peers_py315"):
        o_t, o_p = results.get("throughput_py315") or {}, results.get("peers_py315") or {}
        f_txt, f_ok = _floor_verdict(o_t, o_p)
        w(f"| traced CPU, Python {o_t.get('python') or o_p.get('python')} | {TARGETS25['floor']} | "
          f"{f_txt} | {_ok(f_ok)} |")
    fe_txt, fe_ok = _features_verdict(results)
    w(f"| features of this round (findings, resources, schedule recording) | {TARGETS25['features']} | "
      f"{fe_txt} | {_ok(fe_ok)} |")
    sb_txt, sb_ok = _step_back_verdict(results.get("step_back"))
    w(f"| step back | {TARGETS25['step_back']} | {sb_txt} | {_ok(sb_ok)} |")
    ri_txt, ri_ok = _replay_index_verdict(results.get("replay"))
    w(f"| replay index of a fresh 1M-event run | {TARGETS25['replay_index']} | {ri_txt} | {_ok(ri_ok)} |")
    w("")

    if results.get("throughput"):
        from bench import throughput as T

        r = results["throughput"]
        w("## 1. Throughput\n")
        main3 = [c for c in r["cases"] if c != "timer_hops"]
        w(f"{r['procs']} rounds; in each round every (case, loop) runs in a fresh process ({r['reps']} timed "
          "runs after a warm-up), plain asyncio and the playground back to back.  Each cell: **CPU-time "
          "ratio to plain asyncio** (process CPU time; ratio taken per round, median over rounds) and the "
          "median CPU time, then the same for wall-clock time.  On this shared VM wall time swings up to 2× "
          "with other guests' load while CPU time is steadier; in the three cases of issue 6 no loop thread "
          "ever sleeps (voluntary context switches of the loop thread: "
          + ", ".join(f"{L.LABELS[n]} {sum(r['cases'][c].get(n, {}).get('vcsw', 0) for c in main3)}"
                      for n in L.NAMES) + "), so CPU time is the fair figure there; the extra timer case "
          "sleeps by design, so read its wall ratio.\n")
        w(T.table(r, [n for n in T.NAMES if any(n in row for row in r["cases"].values())]))
        w("")
        ev = {c: row.get("playground-traced", {}).get("trace_events") for c, row in r["cases"].items()}
        if any(ev.values()):
            w("Tracing was really on: trace events recorded per traced run: "
              + ", ".join(f"{T.CASES[c]}: {n:,}" for c, n in ev.items() if n) + ".\n")
        errs = [(c, n, x) for c, row in r["cases"].items() for n, x in row.items() if x.get("error")]
        for c, n, x in errs:
            w(f"- {L.LABELS[n]} could not run *{T.CASES[c]}*: {x['error']}\n\n  ```\n  {x.get('stderr', '')[-600:]}\n  ```")
        o = results.get("throughput_py315")
        if o:
            w("\n### Python 3.15 beside the host's\n")
            if o.get("error") or o.get("skipped"):
                w(f"Not measured: {o.get('error') or o.get('skipped')}\n")
            else:
                w(f"The same cases on Python {o.get('python')} (Debian's, in the CI's chroot: "
                  "`bench/other_python.py`), run after the host's; ratios are to plain asyncio on "
                  "the same Python.\n")
                w(_python_columns({**r, "python": results["machine"]["python"]}, o,
                                  ("playground", "playground-traced", "playground-floor")))
                w("")
    if results.get("peers"):
        from bench import peers as P

        r = results["peers"]
        w("## 1b. The peer workload, peers side by side\n")
        w(f"{r['tasks']:,} tasks in one TaskGroup × {r['steps']} steps, each `await helper()` → "
          "`await leaf()` → `await asyncio.sleep(0)` with a little CPU (`bench/peers.py`).  Every tool "
          f"runs in a fresh process, interleaved, {r['rounds']} rounds of {r['reps']} timed runs after a "
          "warm-up; CPU time of the run alone, ratio to plain asyncio per round, median over rounds.  "
          f"VizTracer {r['versions']['viztracer']} with `log_async=True` (as `viztracer --log_async`); "
          f"aiomonitor {r['versions']['aiomonitor']} with `hook_task_factory=True` (its hook records "
          "task creation and termination, not steps).\n")
        w(P.table(r))
        w("")
        o = results.get("peers_py315")
        if o:
            if o.get("error") or o.get("skipped"):
                w(f"On Python 3.15: not measured: {o.get('error') or o.get('skipped')}\n")
            else:
                w(f"On Python {o.get('python')} (Debian's chroot; the peer tools installed for the "
                  "run from their wheels for that Python where the package index has them: "
                  "`bench/other_python.py`):\n")
                w(P.table(o))
                w("")
    if results.get("timers"):
        from bench import timers as TM

        r = results["timers"]
        plan = ", ".join(f"{n}× {d * 1000:g} ms" for d, n in r["plan"])
        w("## 2. Timer accuracy\n")
        w(f"`await asyncio.sleep(d)` on an otherwise idle loop, timed with `perf_counter`; plan per "
          f"round: {plan}; {r['rounds']} rounds, loops interleaved.  *Early* = returned before `d` "
          "had passed.  Lateness on this VM includes the hypervisor's scheduling noise, which plain "
          "asyncio shows too (the floor).\n")
        w(TM.table(r))
        w("")
        for n in ("qasync", "qtasyncio", "playground", "playground-traced"):
            s = r["loops"].get(n, {})
            if s.get("early"):
                worst = [f"{d}: {e['early']}/{e['n']} early (worst {e['worst_early_ms']:.2f} ms)"
                         for d, e in s["per_delay"].items() if e["early"]]
                w(f"- {L.LABELS[n]} early returns by delay: " + "; ".join(worst))
        w("")
    ui = results.get("ui_load")
    if ui:
        w("## 3. UI under load\n")
        if "skipped" in ui:
            w(f"Skipped: {ui['skipped']}\n")
        else:
            w("The window (offscreen, 1400×900) runs a generated lesson through its own Run path: "
              "N tasks created at once by `main()`, each `await asyncio.sleep(...)` in a loop "
              "(10k tasks × 20 sleeps of 20–115 ms; 100k tasks × 3 sleeps).  A 16 ms PreciseTimer "
              "probe (re-armed single-shot) measures lateness; the longest gap between two probe "
              "fires is the longest frozen frame; refresh = the window's frame clock and the paint "
              "events of the task table's viewport and the timeline.\n")
            w("| lesson | run took | trace events | 16 ms timer p50 / p99 / max late | longest frozen frame "
              "| lesson's longest step¹ | frame clock | table paints | timeline paints | peak RSS |")
            w("|---|---|---|---|---|---|---|---|---|---|")
            for key in ("load", "rss"):
                x = ui.get(key)
                if not x:
                    continue
                if x.get("error") and "seconds" not in x:
                    w(f"| {key} | failed: {x['error']} | | | | | | | | |")
                    continue
                w(f"| {x['tasks']:,} tasks × {x['hops']} sleeps | {x['seconds']:.1f} s "
                  f"({x['cpu_seconds']:.1f} s CPU) | {x['trace_events']:,} | "
                  f"{_fmt(x['p50_late_ms'])} / {_fmt(x['p99_late_ms'])} / {_fmt(x['max_late_ms'])} ms | "
                  f"{_fmt(x['longest_frozen_ms'], ' ms', 0)} | {_fmt(x.get('longest_step_ms'), ' ms', 0)} | "
                  f"{_fmt(x['frame_hz'], ' Hz')} | "
                  f"{_fmt(x['table_paint_hz'], ' Hz')} | {_fmt(x['timeline_paint_hz'], ' Hz')} | "
                  f"{x['peak_rss_mib'] * 1.048576:.0f} MB |")
            w("")
            w("¹ the longest single task step in the trace: `main()` creating every task in one "
              "list comprehension.  Nothing, not even a repaint, can run during one step, so this "
              "bounds the longest frozen frame from below whatever the UI does.\n")
            for key in ("load", "rss"):
                x = ui.get(key) or {}
                if x.get("breakdown"):
                    w(f"Where the GUI thread's time went ({x['tasks']:,} tasks; each wrapper costs ~1 µs):\n")
                    w("| span | calls | total | longest |\n|---|---|---|---|")
                    for name, b in x["breakdown"].items():
                        w(f"| {name} | {b['calls']:,} | {b['total_ms']:.0f} ms | {b['max_ms']:.1f} ms |")
                    w("")
                    if _late_line(x):
                        w(_late_line(x))
    aw = results.get("await_view")
    if aw:
        w("## 3b. The await view under load\n")
        if "skipped" in aw:
            w(f"Skipped: {aw['skipped']}\n")
        else:
            w("The lessons of section 3, with the \"Who awaits whom\" tab in front of the timeline for "
              "the whole run (`python -m bench.ui_load --view await`): the 16 ms probe as above, and the "
              "await view's paint events (their count, and the longest: the whole Paint event of its "
              "viewport, which runs Qt's item layout first when rows came or went since the last "
              "one, then `paintEvent`).\n")
            w("| lesson | run took | 16 ms timer p50 / p99 / max late | longest frozen frame "
              "| lesson's longest step | frame clock | await view paints | longest await-view paint |")
            w("|---|---|---|---|---|---|---|---|")
            for key in ("load", "rss"):
                x = aw.get(key)
                if not x:
                    continue
                if x.get("error") and "seconds" not in x:
                    w(f"| {key} | failed: {x['error']} | | | | | | |")
                    continue
                w(f"| {x['tasks']:,} tasks × {x['hops']} sleeps | {x['seconds']:.1f} s | "
                  f"{_fmt(x['p50_late_ms'])} / {_fmt(x['p99_late_ms'])} / {_fmt(x['max_late_ms'])} ms | "
                  f"{_fmt(x['longest_frozen_ms'], ' ms', 0)} | {_fmt(x.get('longest_step_ms'), ' ms', 0)} | "
                  f"{_fmt(x['frame_hz'], ' Hz')} | {_fmt(x.get('await_paint_hz'), ' Hz')} | "
                  f"{_fmt(x.get('await_paint_max_ms'), ' ms')} |")
            w("")
            for key in ("load", "rss"):
                x = aw.get(key) or {}
                if x.get("breakdown"):
                    w(f"Where the GUI thread's time went, await view in front ({x['tasks']:,} tasks):\n")
                    w("| span | calls | total | longest |\n|---|---|---|---|")
                    for name, b in x["breakdown"].items():
                        if b["calls"]:
                            w(f"| {name} | {b['calls']:,} | {b['total_ms']:.0f} ms | {b['max_ms']:.1f} ms |")
                    w("")
                    if _late_line(x):
                        w(_late_line(x))
    pn = results.get("panes")
    if pn:
        w("## 3c. The Resources and Findings tabs under load\n")
        w("The 100k-task lesson of section 3 through a Semaphore (1/50 of the tasks hold it at a "
          "time, the rest wait in its line) and a Lock (`python -m bench.ui_load --view resources "
          "--lesson locks`, and `--view findings`), that tab in front for the whole run (Resources: "
          "the first object selected, its holders and line of waiters listed).  *Window paint*: "
          "one `UpdateRequest` of the main window, in which Qt draws every widget that changed.  "
          "A run the tab slows down past the cut-off is stopped there; its figures are of the "
          "live run until then.\n")
        w("| tab | run | 16 ms timer p50 / p99 / max late | longest frozen frame | window paints "
          "| longest window paint | over 33 ms | shown at the end |")
        w("|---|---|---|---|---|---|---|---|")
        for name, x in pn.items():
            if not isinstance(x, dict):
                continue
            if "p99_late_ms" not in x:
                w(f"| {name} | failed: {x.get('error')} | | | | | | |")
                continue
            paints = (x.get("breakdown") or {}).get(
                "window paint (UpdateRequest: every dirty widget in one pass)", {})
            run = (f"{x['seconds']:.0f} s, cut: {x['error']}" if x.get("error")
                   else f"{x['seconds']:.1f} s")
            w(f"| {name} | {run} | {_fmt(x['p50_late_ms'])} / {_fmt(x['p99_late_ms'])} / "
              f"{_fmt(x['max_late_ms'])} ms | {_fmt(x['longest_frozen_ms'], ' ms', 0)} | "
              f"{paints.get('calls', 0):,} | {_fmt(x.get('window_paint_max_ms'), ' ms')} | "
              f"{x.get('window_paints_over_33ms', 0):,} | {x.get('pane_rows')} |")
        w("")
        for name, x in pn.items():
            if isinstance(x, dict) and x.get("breakdown"):
                w(f"Where the GUI thread's time went, {name} in front:\n")
                w("| span | calls | total | longest |\n|---|---|---|---|")
                for span, b in x["breakdown"].items():
                    if b["calls"]:
                        w(f"| {span} | {b['calls']:,} | {b['total_ms']:.0f} ms | {b['max_ms']:.1f} ms |")
                w("")
                if _late_line(x):
                    w(_late_line(x))
    st = results.get("startup")
    if st:
        w("## 4. Startup\n")
        w("Process start (the parent's `time.monotonic()` right before it spawns the child) to the "
          "first `QEvent.Paint` delivered to a widget; the child exits on that event.  Median of "
          f"{st['runs']} runs each, alternating, after a warm-up round.\n")
        w("| window | first paint (median) | min | max | interpreter up | RSS at first paint |")
        w("|---|---|---|---|---|---|")
        for k, label in (("bare", "bare PySide6 QWidget + qasync + httpx imported"),
                         ("app", "asyncio Playground (`asyncio-playground`)")):
            x = st.get(k, {})
            if "first_paint_s" in x:
                w(f"| {label} | {x['first_paint_s']:.3f} s | {x['min_s']:.3f} s | {x['max_s']:.3f} s | "
                  f"{x['interpreter_s']:.3f} s | {x['rss_mib']:.0f} MiB |")
            else:
                w(f"| {label} | {x.get('skipped') or x.get('error')} | | | | |")
        w("")
    rp = results.get("replay")
    if rp:
        w("## 4b. Replay of a saved 1M-event run\n")
        if "skipped" in rp:
            w(f"Skipped: {rp['skipped']}\n")
        else:
            run, h, x = rp.get("run", {}), rp.get("headless", {}), rp.get("window", {})
            w("`bench/replay_load.py`: a generated lesson (N tasks created at once, each "
              "`await asyncio.sleep(...)` a few times) runs headless through "
              "`asyncio-playground run LESSON --trace OUT` in a child process; the saved run is then "
              "opened in fresh child processes: headless (`load_run` + `Replay`, then `table_at` at 20 "
              "random moments) and in the window (offscreen, 1400×900: `open_run` to the first paint of "
              "both the task table and the timeline).  Scrubbing: the scrubber is set to 30 positions, "
              "random jumps and drags of 1–3 ticks (of 1000) both ways, ~50 ms apart; a frame is timed "
              "from `slider.setValue` to the paint of the table and the timeline (both repainted every "
              "frame); a 16 ms probe timer runs throughout (its longest gap: the longest time the GUI "
              "thread ran anything else, a frame or a slice of the rows a jump leaves to settle).\n")
            if run.get("error"):
                w(f"The run failed: {run['error']}\n")
            else:
                w("| | |\n|---|---|")
                w(f"| the run | {run['tasks']:,} tasks × {run['hops']} sleeps, "
                  f"{h.get('events') or x.get('events') or 0:,} events, "
                  f"{run['file_mib']:.0f} MiB file"
                  + (f", saved in {run['seconds']:.0f} s" if run.get("seconds") else "") + " |")
                if "open_s" in h:
                    w(f"| headless: open (`load_run` + `Replay`) | {h['open_s']:.2f} s "
                      f"({h['load_run_s']:.2f} + {h['replay_s']:.2f}); peak RSS {h['peak_rss_mib']:.0f} MiB |")
                    if "fresh_first_scrub_s" in h:
                        w(f"| a fresh run (the tracer's list + the window's table): first scrub, index "
                          f"included (issue 25: ≤ 0.5 s) | {h['fresh_first_scrub_s']:.2f} s (index "
                          f"{h['fresh_index_s']:.2f} + `Scrub` {h['fresh_scrub_s']:.2f} + seek "
                          f"{h['fresh_seek_s'] * 1000:.0f} ms); the other rows settle in slices, "
                          f"{h['fresh_settle_s']:.2f} s in all |")
                    w(f"| headless: `table_at` at a random moment (a new table of every task) | p50 "
                      f"{h['jump_p50_ms']:.0f} ms, max {h['jump_max_ms']:.0f} ms |")
                else:
                    w(f"| headless | failed: {h.get('error')} |")
                if "first_paint_s" in x:
                    w(f"| window: `open_run` to first paint | {x['first_paint_s']:.2f} s, {x['rows']:,} rows |")
                    w(f"| window: scrub frames ({x['frames']}) | p50 {_fmt(x['p50_frame_ms'])} / p99 "
                      f"{_fmt(x['p99_frame_ms'])} / max {_fmt(x['max_frame_ms'])} ms (the move itself: p50 "
                      f"{_fmt(x['p50_handler_ms'])}, max {_fmt(x['max_handler_ms'])} ms) |")
                    w(f"| window: longest gap between two fires of the 16 ms probe while scrubbing | "
                      f"{_fmt(x.get('longest_stall_ms'), ' ms', 0)} |")
                    w(f"| window: after a jump, every row at the moment | p50 "
                      f"{_fmt(x.get('p50_settle_ms'), ' ms', 0)}, max {_fmt(x.get('max_settle_ms'), ' ms', 0)} |")
                    w(f"| window: peak RSS | {x['peak_rss_mib']:.0f} MiB |")
                else:
                    w(f"| window | failed: {x.get('error')} |")
                w("")
    s = results.get("stress")
    if s:
        w("## 5. Stress (no abort)\n")
        w("`python -m bench.stress`: the playground loop runs call_soon chains with a `call_later` now and "
          "then, every 10th callback emits a Qt signal (None / bool / int / tuple / no payload; direct and "
          "queued connections; a slot that calls back into the loop), 1,000 tasks hop `sleep(0)` and "
          "futures alongside.  With PySide6 6.12.0 on Python 3.11.7 the same script aborts with "
          "`Fatal Python error: bool_dealloc` (checked in a throwaway venv); `tests/test_stress.py` runs a "
          "200k/20k version in the test suite.\n")
        if s.get("error") or s.get("problems"):
            w(f"**Failed**: {s.get('error') or s.get('problems')}\n\n```\n{s.get('stderr', '')[-1500:]}\n```\n")
        else:
            w("| loop | callbacks | signal emits | (queued) | slot calls | slot→loop callbacks | timers | task steps | time | exit |")
            w("|---|---|---|---|---|---|---|---|---|---|")
            w(f"| {s['loop']} | {s['callbacks']:,} | {s['emits']:,} | {s['queued_emits']:,} | {s['slot_calls']:,} | "
              f"{s['from_slot_callbacks']:,} | {s['timers']:,} | {s['task_steps']:,} | {s['seconds']} s | 0 |")
            w("")
    rs = results.get("resources")
    if rs:
        from bench import resources as R
        w("## Resources (issue 23)\n")
        w("`python -m bench.resources`: each case a lesson run traced through `playground.Run`, with the "
          "tracking of its Locks, Semaphores, Queues... on and off (`_resource_hooks.ENABLED`), "
          "alternating in one process; the lesson's own CPU time, median.\n")
        if rs.get("error"):
            w(f"**Failed**: {rs['error']}\n\n```\n{rs.get('stderr', '')[-1500:]}\n```\n")
        else:
            w(R.table(rs))
            sem = rs["cases"].get("semaphore_10k", {})
            if "fold_ms" in sem:
                w("")
                w(f"10k tasks through one Semaphore: plain asyncio {sem['plain_asyncio_ms']:.0f} ms; the "
                  f"run's log folded into a `ResourceTable` in {sem['fold_ms']:.0f} ms; the state at its "
                  f"busiest moment ({sem['moment']['holders']} holders, {sem['moment']['waiters']:,} "
                  f"waiters) read in {sem['moment_ms']:.1f} ms; the Chrome trace's "
                  f"{sem['trace_extra_events']:,} counter and hold events made in "
                  f"{sem['trace_extra_ms']:.0f} ms.")
            w("")
    sb = results.get("step_back")
    if sb:
        from bench import step_back as SB
        w("## Step back (issue 24)\n")
        w("`python -m bench.step_back`: a lesson-sized run stepped in the window to each depth, then Step "
          "back (Shift+F10) timed from the key to the views fed the step before (target ≤ 200 ms at ≤ "
          "1,000 steps); the floor is the same replay headless, without the window.\n")
        w(f"**Failed**: {sb['error']}\n" if sb.get("error") else SB.table(sb) + "\n")
    w("## Notes\n")
    w("<!-- notes:start -->")
    w(notes.strip("\n") if notes.strip() else "(none yet)")
    w("<!-- notes:end -->")
    return "\n".join(out) + "\n"


def _old_notes(path: Path) -> str:
    try:
        text = path.read_text()
    except OSError:
        return ""
    a, b = text.find("<!-- notes:start -->"), text.find("<!-- notes:end -->")
    if a < 0 or b < 0:
        return ""
    return text[a + len("<!-- notes:start -->"):b]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma list of " + ",".join(SECTIONS))
    ap.add_argument("--out", default=str(DOC))
    ap.add_argument("--raw", default=str(RAW))
    ap.add_argument("--render-only", action="store_true", help="re-render --out from --raw")
    ap.add_argument("--python315", choices=("auto", "yes", "no"), default="auto",
                    help="also run throughput and peers on Python 3.15 in the CI's Debian chroot "
                    "(auto: when the chroot is there; yes: make it if missing)")
    a = ap.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    only = [s for s in a.only.split(",") if s]
    raw = Path(a.raw)
    if a.render_only:
        results = json.loads(raw.read_text())
    else:
        results = {"machine": machine(), "steal": {}}
        if raw.exists() and set(only) != set(SECTIONS):  # partial run: keep the other sections
            try:
                old = json.loads(raw.read_text())
                results.update({k: v for k, v in old.items()
                                if k.removesuffix("_py315") in SECTIONS
                                and k.removesuffix("_py315") not in only})
                results["steal"].update(old.get("steal", {}))
            except Exception:
                pass
        t_all = time.monotonic()
        from bench import other_python
        py315 = None
        if a.python315 != "no":
            py315 = other_python.unavailable("3.15", make=a.python315 == "yes")
            print(f"== Python 3.15: {'not measured: ' + py315 if py315 else 'in the Debian chroot'}")
            py315 = py315 is None
        for section in only:
            print(f"== {section}", flush=True)
            steal = L.CpuSteal()
            if section == "throughput":
                from bench import throughput
                results[section] = throughput.measure(throughput.NAMES, reps=2,
                                                      procs=2 if a.quick else 4)
                if py315:
                    results["throughput_py315"] = other_python.run(
                        "3.15", "throughput", ["--reps", "2", "--procs", "2" if a.quick else "4",
                                               "--loops", "asyncio,playground,playground-traced,"
                                                          "playground-floor"])
            elif section == "peers":
                from bench import peers
                results[section] = peers.measure(rounds=2 if a.quick else 3)
                if py315:
                    results["peers_py315"] = other_python.run(
                        "3.15", "peers", ["--rounds", "2" if a.quick else "3"])
            elif section == "timers":
                from bench import timers
                results[section] = timers.measure(rounds=1 if a.quick else 2)
            elif section == "ui_load":
                from bench import ui_load
                results[section] = ui_load.measure()
            elif section == "await_view":
                from bench import ui_load
                results[section] = ui_load.measure_await()
            elif section == "panes":
                from bench import ui_load
                results[section] = ui_load.measure_panes()
            elif section == "startup":
                from bench import startup
                results[section] = startup.measure(runs=3 if a.quick else 7)
            elif section == "replay":
                from bench import replay_load
                results[section] = replay_load.measure()
            elif section == "stress":
                results[section] = run_stress()
            elif section == "resources":
                r = L.spawn("bench.resources", ["--reps", "3" if a.quick else "5", "--emit"],
                            timeout=900)
                if r.get("error"):
                    print(f"  resources: FAILED {r['error']}")
                results[section] = r
            elif section == "step_back":
                r = L.spawn("bench.step_back", ["--reps", "3" if a.quick else "5", "--emit"], timeout=600)
                if r.get("error"):
                    print(f"  step_back: FAILED {r['error']}")
                results[section] = r
            else:
                print(f"unknown section {section}", file=sys.stderr)
                return 2
            results["steal"][section] = steal.stop()
        print(f"== all done in {time.monotonic() - t_all:.0f} s")
        raw.parent.mkdir(parents=True, exist_ok=True)
        raw.write_text(json.dumps(results, indent=1))
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(results, _old_notes(out)))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
