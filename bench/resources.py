"""Resources (issue 23): what tracking a run's Locks, Semaphores, Queues... costs.

    unused        2,000 tasks x 50 ``await asyncio.sleep(0)`` hops, no synchronisation object:
                  the tracking must cost nothing measurable (it wraps asyncio's classes while the
                  run is live; no step pays for it)
    semaphore_10k 10,000 tasks through one ``asyncio.Semaphore(10)`` (``async with sem: await
                  asyncio.sleep(0)``): every task waits, acquires, releases

Each case runs as a lesson (a file, through ``playground.Run``, traced), with tracking on and off
(``_resource_hooks.ENABLED``), alternating, ``--reps`` times each after a warm-up, in one process;
the lesson times itself (process CPU time of ``main()``).  ``semaphore_10k`` also runs on plain
asyncio, and reports the records the tracking logged, the fold of the run's log into a
``ResourceTable``, a moment read from it (the state at the busiest moment: 10 holders, 9,990
waiters) and the Chrome trace's extra events.

    python -m bench.resources [--reps 5] [--json OUT]      (bench.run_all --only resources)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from bench import loops as L

CASES = {
    "unused": "2k tasks x 50 sleep(0), no object",
    "semaphore_10k": "10k tasks through one Semaphore(10)",
}

_TIMED = """
import asyncio
import time

{body}

async def _timed():
    t0 = time.process_time()
    await main()
    print("@@CPU@@", time.process_time() - t0)

asyncio.run(_timed())
"""

BODIES = {
    "unused": """
async def hop():
    for _ in range(50):
        await asyncio.sleep(0)

async def main():
    await asyncio.gather(*(hop() for _ in range(2000)))
""",
    "semaphore_10k": """
async def job(sem):
    async with sem:
        await asyncio.sleep(0)

async def main():
    sem = asyncio.Semaphore(10)
    await asyncio.gather(*(job(sem) for _ in range(10_000)))
""",
}


def lesson(case: str) -> str:
    return _TIMED.format(body=textwrap.dedent(BODIES[case]))


def run_case(path: Path, tracking: bool) -> tuple[float, object]:
    """One traced run of the lesson at ``path``: (its own CPU seconds, the Run)."""
    import asyncio_playground as playground
    from asyncio_playground import _resource_hooks

    out = []
    loop = playground.new_event_loop()
    run = playground.Run(path, loop=loop, echo=lambda stream, text: out.append(text))
    _resource_hooks.ENABLED = tracking
    try:
        async def go():
            run.start()
            return await run.wait()
        outcome = loop.run_until_complete(go())
    finally:
        _resource_hooks.ENABLED = True
        with loop:
            pass
    if outcome != "completed":
        raise RuntimeError(f"{path.name} ended {outcome}: {run.error}")
    cpu = float("".join(out).split("@@CPU@@")[1].split()[0])
    return cpu, run


def run_plain(source: str) -> float:
    out = {}
    namespace = {"__name__": "__main__", "print": lambda *a: out.setdefault("cpu", a[1])}
    exec(compile(source, "<plain>", "exec"), namespace)
    asyncio.set_event_loop(None)
    return out["cpu"]


def measure(reps: int = 5, log=print) -> dict:
    from asyncio_playground import chrome_trace
    from asyncio_playground._resources import ResourceTable, trace_events

    res: dict = {"reps": reps, "cases": {}}
    with tempfile.TemporaryDirectory() as folder:
        for case in CASES:
            path = Path(folder) / f"{case}.py"
            path.write_text(lesson(case))
            on, off = [], []
            run_case(path, True)   # warm-up
            for _ in range(reps):
                off.append(run_case(path, False)[0])
                cpu, run = run_case(path, True)
                on.append(cpu)
            row = {"on_ms": L.median(on) * 1e3, "off_ms": L.median(off) * 1e3,
                   "on": on, "off": off}
            row["ratio"] = row["on_ms"] / row["off_ms"]
            events = run.tracer.events
            row["events"] = len(events)
            row["resource_records"] = sum(1 for ev in events
                                          if ev[0] in ("resource", "rop", "rwait"))
            if case == "semaphore_10k":
                row["plain_asyncio_ms"] = L.median([run_plain(lesson(case)) for _ in range(reps)]) \
                    * 1e3
                t0 = time.perf_counter()
                table = ResourceTable()
                table.apply(events)
                row["fold_ms"] = (time.perf_counter() - t0) * 1e3
                sem = table.rows[0]
                busiest = sem.wait_t[-1]
                t0 = time.perf_counter()
                state = table.state(sem.rid, busiest)
                row["moment_ms"] = (time.perf_counter() - t0) * 1e3
                row["moment"] = {"holders": len(state.holders), "waiters": len(state.waiters)}
                t0 = time.perf_counter()
                extra = trace_events(table, 0.0, busiest)
                row["trace_extra_ms"] = (time.perf_counter() - t0) * 1e3
                row["trace_extra_events"] = len(extra)
                t0 = time.perf_counter()
                chrome_trace(events)
                row["chrome_trace_ms"] = (time.perf_counter() - t0) * 1e3
            res["cases"][case] = row
            log(f"  {case:14s} tracking on {row['on_ms']:.0f} ms, off {row['off_ms']:.0f} ms "
                f"({row['ratio']:.2f}x); {row['resource_records']:,} resource records of "
                f"{row['events']:,}" + (
                    f"; plain asyncio {row['plain_asyncio_ms']:.0f} ms; fold {row['fold_ms']:.0f} "
                    f"ms, a moment {row['moment_ms']:.1f} ms" if case == "semaphore_10k" else ""))
    return res


def table(res: dict) -> str:
    lines = ["| case | traced, tracking off | traced, tracking on | ratio | resource records |",
             "|---|---|---|---|---|"]
    for case, row in res["cases"].items():
        lines.append(f"| {CASES[case]} | {row['off_ms']:.0f} ms | {row['on_ms']:.0f} ms | "
                     f"{row['ratio']:.2f}× | {row['resource_records']:,} of {row['events']:,} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--json")
    ap.add_argument("--emit", action="store_true", help="hand the result to bench.run_all")
    a = ap.parse_args(argv)
    res = measure(reps=a.reps, log=(lambda *a: print(*a, file=sys.stderr)) if a.emit else print)
    if a.emit:
        L.emit(res)
        return 0
    print(table(res))
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
