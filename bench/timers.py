"""Timer accuracy: ``asyncio.sleep(d)`` for d from 0.5 ms to 1 s on every loop.

For each sleep the elapsed time is measured with ``time.perf_counter`` around the ``await``; a sleep
that returns before ``d`` has passed is an *early* return (asyncio promises never).  Lateness is
``elapsed - d`` for the others.  Reported: early returns (count, worst), p50 / p99 / max lateness.
Each loop runs in a fresh subprocess with the loop otherwise idle.

    python -m bench.timers [--loops asyncio,qasync,...] [--json OUT]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from bench import loops as L

# (delay in seconds, how many sleeps of it); ~6.5 s of sleeping per loop, 146 sleeps
PLAN = [
    (0.0005, 20), (0.001, 20), (0.002, 20), (0.005, 20), (0.010, 15), (0.016, 15),
    (0.050, 10), (0.100, 8), (0.250, 6), (0.500, 4), (1.000, 3),
]


def _runq_reader():
    """A function returning this thread's accumulated run-queue wait in seconds (time it was ready
    to run but another process had the CPU), from /proc/thread-self/schedstat; None if unavailable.
    On a shared machine this separates the loop's own lateness from the machine's."""
    try:
        f = open("/proc/thread-self/schedstat", "rb", buffering=0)
        f.read()
    except OSError:
        return None

    def read() -> float:
        f.seek(0)
        return int(f.read().split()[1]) / 1e9

    return read


async def probe(plan=PLAN) -> list[tuple[float, float, float]]:
    """[(delay, elapsed, runq_wait)] for every sleep in the plan, delays interleaved."""
    order = []
    for d, n in plan:
        order += [d] * n
    # interleave deterministically so neighbouring sleeps differ (catches stale-timer effects)
    order = order[0::2] + order[1::2][::-1]
    out = []
    pc = time.perf_counter
    rq = _runq_reader() or (lambda: 0.0)
    await asyncio.sleep(0)
    for d in order:
        w0 = rq()
        t0 = pc()
        await asyncio.sleep(d)
        t1 = pc()
        out.append((d, t1 - t0, rq() - w0))
    return out


def child(loop: str) -> None:
    samples = L.run(loop, probe)
    L.emit({"loop": loop, "samples": samples})


def summarize(samples) -> dict:
    early = [(d, dt) for d, dt, _ in samples if dt < d]
    late = [dt - d for d, dt, _ in samples if dt >= d]
    # lateness minus the time the process sat in the run queue while another process had the CPU
    net = [max(0.0, dt - d - w) for d, dt, w in samples if dt >= d]
    per_delay: dict = {}
    for d, dt, _ in samples:
        e = per_delay.setdefault(f"{d * 1000:g} ms", {"n": 0, "early": 0, "worst_early_ms": 0.0,
                                                       "max_late_ms": 0.0})
        e["n"] += 1
        if dt < d:
            e["early"] += 1
            e["worst_early_ms"] = max(e["worst_early_ms"], (d - dt) * 1000)
        else:
            e["max_late_ms"] = max(e["max_late_ms"], (dt - d) * 1000)
    return {
        "n": len(samples),
        "early": len(early),
        "worst_early_ms": max(((d - dt) * 1000 for d, dt in early), default=0.0),
        "worst_early_at": max(early, key=lambda x: x[0] - x[1])[0] if early else None,
        "p50_late_ms": L.percentile(late, 50) * 1000 if late else None,
        "p99_late_ms": L.percentile(late, 99) * 1000 if late else None,
        "max_late_ms": max(late) * 1000 if late else None,
        "p99_net_ms": L.percentile(net, 99) * 1000 if net else None,
        "runq_wait_ms": sum(w for *_, w in samples) * 1000,
        "per_delay": per_delay,
    }


def measure(loop_names=L.NAMES, rounds: int = 2, log=print) -> dict:
    """Each round runs every loop once (fresh subprocess), so machine noise spreads evenly."""
    out: dict = {"plan": PLAN, "rounds": rounds, "loops": {}}
    samples: dict = {n: [] for n in loop_names}
    for n in loop_names:
        why = L.unavailable(n)
        if why:
            out["loops"][n] = {"skipped": why}
            samples.pop(n)
    for _ in range(rounds):
        for loop in list(samples):
            r = L.spawn("bench.timers", ["--child", loop], timeout=120)
            if "error" in r:
                out["loops"][loop] = {"error": r["error"], "stderr": r.get("stderr", "")}
                log(f"  timers {loop:18s} ERROR {r['error']}")
                samples.pop(loop)
                continue
            samples[loop] += r["samples"]
    for loop, smp in samples.items():
        s = summarize(smp)
        out["loops"][loop] = s
        log(f"  timers {loop:18s} early {s['early']}/{s['n']} (worst {s['worst_early_ms']:.2f} ms)"
            f"  late p50 {_f(s['p50_late_ms'])} p99 {_f(s['p99_late_ms'])} max {_f(s['max_late_ms'])} ms"
            f"  p99 net of run-queue wait {_f(s['p99_net_ms'])} ms")
    return out


def _f(x) -> str:
    return "-" if x is None else f"{x:.2f}"


def table(res: dict, loop_names=L.NAMES) -> str:
    lines = ["| loop | early returns | worst early | p50 lateness | p99 lateness | max lateness |",
             "|---|---|---|---|---|---|"]
    for n in loop_names:
        s = res["loops"].get(n, {})
        if "n" in s:
            worst = (f"{s['worst_early_ms']:.2f} ms (at {s['worst_early_at'] * 1000:g} ms)"
                     if s["early"] else "—")
            lines.append(f"| {L.LABELS[n]} | {s['early']} / {s['n']} | {worst} | "
                         f"{_f(s['p50_late_ms'])} ms | {_f(s['p99_late_ms'])} ms | "
                         f"{_f(s['max_late_ms'])} ms |")
        else:
            why = s.get("error") or s.get("skipped", "?")
            lines.append(f"| {L.LABELS[n]} | n/a: {why} | | | | |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", metavar="LOOP")
    ap.add_argument("--loops", default=",".join(L.NAMES))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    if a.child:
        child(a.child)
        return 0
    names = [n for n in a.loops.split(",") if n]
    res = measure(names, a.rounds)
    print(table(res, names))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
