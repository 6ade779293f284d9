"""Run every benchmark side by side and write docs/performance.md.

    .venv/bin/python -m bench.run_all            # everything (~10-15 min on 2 cores)
    .venv/bin/python -m bench.run_all --quick    # fewer repetitions (~5 min), same table
    .venv/bin/python -m bench.run_all --only throughput,timers --out /tmp/perf.md

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

SECTIONS = ("throughput", "timers", "ui_load", "startup", "stress")
DOC = L.ROOT / "docs" / "performance.md"
RAW = L.ROOT / "out" / "bench" / "results.json"

TARGETS = {
    "throughput": "≤ 1.5× plain asyncio on every case with tracing on (aim 1.2×), faster than stock qasync and QtAsyncio",
    "timers": "0 early wake-ups; p99 lateness ≤ 2 ms",
    "ui": "p99 lateness of a 16 ms timer ≤ 20 ms; no frozen frame over 100 ms; refresh ≤ 60 Hz",
    "memory": "≤ 400 MB peak RSS at 100k traced tasks",
    "startup": "≤ 0.6 s to first paint (bare window with the same imports ~0.24 s)",
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
    ok = worst is not None and worst <= 1.5 and beats
    return (f"traced: {' / '.join(parts)} (CPU time; worst {worst:.2f}×); "
            f"{'faster' if beats else 'NOT faster'} than stock qasync and QtAsyncio"), ok


def _timers_verdict(res) -> tuple[str, bool | None]:
    if not res:
        return "not run", None
    parts, ok = [], True
    for n in ("playground", "playground-traced"):
        s = res["loops"].get(n, {})
        if "n" not in s:
            parts.append(f"{L.LABELS[n]}: n/a")
            ok = None if ok is None else ok
            continue
        parts.append(f"{L.LABELS[n]}: {s['early']} early of {s['n']}, p99 {s['p99_late_ms']:.2f} ms")
        ok = ok and s["early"] == 0 and s["p99_late_ms"] <= 2.0
    base = res["loops"].get("asyncio", {})
    if "n" in base:
        parts.append(f"(plain asyncio on the same machine: p99 {base['p99_late_ms']:.2f} ms)")
    return "; ".join(parts), ok


def _ui_verdict(res) -> tuple[str, bool | None, str, bool | None]:
    if not res or "skipped" in res:
        why = (res or {}).get("skipped", "not run")
        return f"skipped: {why}", None, f"skipped: {why}", None
    load, rss = res.get("load", {}), res.get("rss", {})
    if load.get("error") or "p99_late_ms" not in load:
        ui_text, ui_ok = f"failed: {load.get('error')}", False
    else:
        hz = max(load["frame_hz"], load["table_paint_hz"], load["timeline_paint_hz"])
        ui_ok = load["p99_late_ms"] <= 20 and load["longest_frozen_ms"] <= 100 and hz <= 60.5
        ui_text = (f"p99 {load['p99_late_ms']:.1f} ms; longest frozen frame {load['longest_frozen_ms']:.0f} ms; "
                   f"frames {load['frame_hz']:.1f} Hz (table {load['table_paint_hz']:.1f} Hz, "
                   f"timeline {load['timeline_paint_hz']:.1f} Hz)")
    if rss.get("error") or "peak_rss_mib" not in rss:
        mem_text, mem_ok = f"failed: {rss.get('error')}", False
    else:
        mb = rss["peak_rss_mib"] * 1.048576
        mem_ok = mb <= 400
        mem_text = f"{mb:.0f} MB ({rss['peak_rss_mib']:.0f} MiB) peak RSS"
    return ui_text, ui_ok, mem_text, mem_ok


def _startup_verdict(res) -> tuple[str, bool | None]:
    if not res:
        return "not run", None
    app, bare = res.get("app", {}), res.get("bare", {})
    if "first_paint_s" not in app:
        return f"window: {app.get('skipped') or app.get('error')}", None
    txt = f"{app['first_paint_s']:.2f} s (bare window with the same imports: {bare.get('first_paint_s', float('nan')):.2f} s)"
    return txt, app["first_paint_s"] <= 0.6


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
    if steal:
        w("| machine noise | " + ", ".join(
            f"{k}: {v['steal'] * 100:.0f}% CPU stolen by the hypervisor, {v['busy'] * 100:.0f}% busy"
            for k, v in steal.items() if v) + " |")
    w("")
    w("## Targets (issue 6) and what was measured\n")
    w("| measure | target | measured | |\n|---|---|---|---|")
    t_txt, t_ok = _throughput_verdict(results.get("throughput"))
    w(f"| throughput, tracing on | {TARGETS['throughput']} | {t_txt} | {_ok(t_ok)} |")
    tm_txt, tm_ok = _timers_verdict(results.get("timers"))
    w(f"| timers | {TARGETS['timers']} | {tm_txt} | {_ok(tm_ok)} |")
    ui_txt, ui_ok, mem_txt, mem_ok = _ui_verdict(results.get("ui_load"))
    w(f"| UI at 10k tasks | {TARGETS['ui']} | {ui_txt} | {_ok(ui_ok)} |")
    w(f"| memory at 100k traced tasks | {TARGETS['memory']} | {mem_txt} | {_ok(mem_ok)} |")
    s_txt, s_ok = _startup_verdict(results.get("startup"))
    w(f"| startup to first paint | {TARGETS['startup']} | {s_txt} | {_ok(s_ok)} |")
    st_txt, st_ok = _stress_verdict(results.get("stress"))
    w(f"| no abort (issue 5) | {TARGETS['stress']} | {st_txt} | {_ok(st_ok)} |")
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
        w(T.table(r))
        w("")
        ev = {c: row.get("playground-traced", {}).get("trace_events") for c, row in r["cases"].items()}
        if any(ev.values()):
            w("Tracing was really on: trace events recorded per traced run: "
              + ", ".join(f"{T.CASES[c]}: {n:,}" for c, n in ev.items() if n) + ".\n")
        errs = [(c, n, x) for c, row in r["cases"].items() for n, x in row.items() if x.get("error")]
        for c, n, x in errs:
            w(f"- {L.LABELS[n]} could not run *{T.CASES[c]}*: {x['error']}\n\n  ```\n  {x.get('stderr', '')[-600:]}\n  ```")
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
                results.update({k: v for k, v in old.items() if k in SECTIONS})
                results["steal"].update(old.get("steal", {}))
            except Exception:
                pass
        t_all = time.monotonic()
        for section in only:
            print(f"== {section}", flush=True)
            steal = L.CpuSteal()
            if section == "throughput":
                from bench import throughput
                results[section] = throughput.measure(reps=2, procs=2 if a.quick else 4)
            elif section == "timers":
                from bench import timers
                results[section] = timers.measure(rounds=1 if a.quick else 2)
            elif section == "ui_load":
                from bench import ui_load
                results[section] = ui_load.measure()
            elif section == "startup":
                from bench import startup
                results[section] = startup.measure(runs=3 if a.quick else 7)
            elif section == "stress":
                results[section] = run_stress()
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
