"""Throughput: the same three asyncio workloads on every loop, as ratios to plain asyncio.

    create_gather   20,000 ``create_task`` of a no-op coroutine, then one ``gather`` of them
    sleep0          one task doing 20,000 ``await asyncio.sleep(0)``
    hops            2,000 tasks x 100 ``await asyncio.sleep(0)`` hops each (200k task steps)

Each (loop, case) runs in a fresh subprocess: one warm-up repetition, then ``--reps`` timed ones, each
on a fresh loop, timed with ``time.perf_counter`` inside the coroutine.  The figure is the median.

    python -m bench.throughput [--reps 5] [--procs 1] [--loops asyncio,qasync,...] [--json OUT]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from bench import loops as L

CASES = {
    "create_gather": "20k create_task + gather",
    "sleep0": "20k sleep(0) in one task",
    "hops": "2k tasks x 100 sleep(0) hops",
}


async def _noop():
    return None


async def case_create_gather(n: int = 20_000) -> float:
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(_noop()) for _ in range(n)]
    await asyncio.gather(*tasks)
    return time.perf_counter() - t0


async def case_sleep0(n: int = 20_000) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        await asyncio.sleep(0)
    return time.perf_counter() - t0


async def _hopper(hops: int) -> None:
    for _ in range(hops):
        await asyncio.sleep(0)


async def case_hops(tasks: int = 2_000, hops: int = 100) -> float:
    t0 = time.perf_counter()
    await asyncio.gather(*[asyncio.create_task(_hopper(hops)) for _ in range(tasks)])
    return time.perf_counter() - t0


FUNCS = {"create_gather": case_create_gather, "sleep0": case_sleep0, "hops": case_hops}


def child(loop: str, case: str, reps: int) -> None:
    fn = FUNCS[case]
    samples = []
    events = []
    for i in range(reps + 1):  # the first repetition is a warm-up
        dt = L.run(loop, fn)
        if i:
            samples.append(dt)
            events.append(L.last_trace_event_count())
    L.emit({"loop": loop, "case": case, "samples": samples, "trace_events": events})


def measure(loop_names=L.NAMES, reps: int = 5, procs: int = 1, log=print) -> dict:
    """{"cases": {case: {loop: {"median": s, "samples": [...], "ratio": x} | {"error"/"skipped": ...}}}}"""
    out: dict = {"reps": reps, "procs": procs, "cases": {}}
    for case in CASES:
        row: dict = {}
        for loop in loop_names:
            why = L.unavailable(loop)
            if why:
                row[loop] = {"skipped": why}
                continue
            samples: list[float] = []
            err = None
            trace_events = None
            for _ in range(procs):
                r = L.spawn("bench.throughput", ["--child", loop, case, "--reps", str(reps)],
                            timeout=600)
                if "error" in r:
                    err = r
                    break
                samples += r["samples"]
                trace_events = r.get("trace_events")
            if err:
                row[loop] = {"error": err["error"], "stderr": err.get("stderr", "")}
                log(f"  {case:14s} {loop:18s} ERROR {err['error']}")
                continue
            row[loop] = {"median": L.median(samples), "samples": samples,
                         "min": min(samples), "max": max(samples)}
            if trace_events and trace_events[0] is not None:
                row[loop]["trace_events"] = trace_events[0]
            log(f"  {case:14s} {loop:18s} median {row[loop]['median'] * 1000:8.1f} ms"
                f"  (min {min(samples) * 1000:.1f}, max {max(samples) * 1000:.1f})")
        base = row.get("asyncio", {}).get("median")
        for loop, r in row.items():
            if base and "median" in r:
                r["ratio"] = r["median"] / base
        out["cases"][case] = row
    return out


def table(res: dict, loop_names=L.NAMES) -> str:
    head = "| case | " + " | ".join(L.LABELS[n] for n in loop_names) + " |"
    sep = "|---|" + "---|" * len(loop_names)
    lines = [head, sep]
    for case, row in res["cases"].items():
        cells = []
        for n in loop_names:
            r = row.get(n, {})
            if "median" in r:
                ratio = r.get("ratio")
                cells.append(f"{r['median'] * 1000:.1f} ms" + (f" ({ratio:.2f}×)" if ratio else ""))
            elif "error" in r:
                cells.append(f"failed: {r['error']}")
            else:
                cells.append(f"n/a: {r.get('skipped', '?')}")
        lines.append(f"| {CASES[case]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", nargs=2, metavar=("LOOP", "CASE"))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--procs", type=int, default=1)
    ap.add_argument("--loops", default=",".join(L.NAMES))
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    if a.child:
        child(a.child[0], a.child[1], a.reps)
        return 0
    names = [n for n in a.loops.split(",") if n]
    res = measure(names, a.reps, a.procs)
    print(table(res, names))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
