"""Throughput: the same three asyncio workloads on every loop, as ratios to plain asyncio.

    create_gather   20,000 ``create_task`` of a no-op coroutine, then one ``gather`` of them
    sleep0          one task doing 20,000 ``await asyncio.sleep(0)``
    hops            2,000 tasks x 100 ``await asyncio.sleep(0)`` hops each (200k task steps)
    timer_hops      (extra) 2,000 tasks x 20 ``await asyncio.sleep(0.001)``: timers + waits traced

Each (loop, case) runs in a fresh subprocess: one warm-up repetition, then ``--reps`` timed ones, each
on a fresh loop, timed with ``time.perf_counter`` inside the coroutine; ``--procs`` rounds of that,
loops interleaved.  Times are medians of all timed repetitions; ratios to plain asyncio are taken
per round (each round's median over plain asyncio's median in the same round, run back to back)
and the median of those is reported, so a noisy minute on the shared machine cancels out.

Two clocks: wall time (``perf_counter``) and the process's CPU time (``process_time``).  On a shared
VM, wall time swings 2x with other guests' load (involuntary context switches, hypervisor steal), while
CPU time does not; none of these loops ever sleeps during the cases (voluntary context switches are
recorded to prove it: a loop that idled would look better on CPU time than it is), so CPU time is
the headline ratio and wall time is shown beside it.

    python -m bench.throughput [--reps 3] [--procs 3] [--loops asyncio,qasync,...] [--json OUT]
                               [--cases create_gather,sleep0,hops,timer_hops,peers]

Two more loops, not run unless named in ``--loops`` (issue 25's target is "within 10 % of the
measured floor"):

    playground-floor        the playground loop with a run active (its GC policy, watchdog, the
                            runner's main task), tasks created as plain asyncio tasks, and a batch
                            that does nothing per ready handle but ``log.append((t0, clock()))``
                            around ``handle._run()``: timestamps only, no task lookup, no waits,
                            no ends, no names (the floor of issue 14's notes)
    playground-floor-tasks  the same batch, tasks made by the tracer (``TracedTask``, their
                            ``task`` record): what the task records cost on top of the floor

And one more case, not run unless named in ``--cases``: ``peers``, bench/peers.py's workload (a
TaskGroup of 1,000 tasks x 50 ``await helper()`` -> ``leaf()`` -> ``sleep(0)``).
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
    # not one of issue 6's cases: sleep(0) never leaves a task waiting on a future, so the three
    # above never reach the tracer's "what is it waiting on" path nor the timer heap; this does.
    "timer_hops": "extra: 2k tasks x 20 sleep(1 ms)",
}
# Run only when named in --cases (run_all's tables list CASES).
EXTRA_CASES = {"peers": "peer workload: TaskGroup of 1k x 50 helper() -> leaf()"}
ALL_CASES = {**CASES, **EXTRA_CASES}

# Loops of this benchmark only (see the docstring): the playground-traced loop with the tracer's
# hot path replaced, to measure the floor the traced loop is held to.
FLOORS = {"playground-floor": "floor (timestamps only)",
          "playground-floor-tasks": "floor + traced tasks"}
LABELS = {**L.LABELS, **FLOORS}
NAMES = (*L.NAMES, *FLOORS)


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


async def _timer_hopper(hops: int, delay: float) -> None:
    for _ in range(hops):
        await asyncio.sleep(delay)


async def case_timer_hops(tasks: int = 2_000, hops: int = 20, delay: float = 0.001) -> float:
    t0 = time.perf_counter()
    await asyncio.gather(*[asyncio.create_task(_timer_hopper(hops, delay)) for _ in range(tasks)])
    return time.perf_counter() - t0


async def case_peers(tasks: int = 1_000, steps: int = 50) -> float:
    from bench.peers import workload    # (the same program bench.peers times against its peers)

    t0 = time.perf_counter()
    await workload(tasks, steps)()
    return time.perf_counter() - t0


FUNCS = {"create_gather": case_create_gather, "sleep0": case_sleep0, "hops": case_hops,
         "timer_hops": case_timer_hops, "peers": case_peers}


# --- the floor --------------------------------------------------------------------------------
_FLOOR_LOG: list = []


def _floor_batch(loop, ntodo, deadline):
    """The floor's drain: every ready handle run between two clock reads, the pair appended."""
    popleft = loop._ready.popleft
    clock = loop._clock
    events = _FLOOR_LOG
    for i in range(ntodo):
        handle = popleft()
        if handle._cancelled:
            continue
        t0 = clock()
        handle._run()
        events.append((t0, clock()))
        if not i & 31 and clock() >= deadline:
            return


def _plain_new_task(self, coro, *, name=None, context=None, eager=False):
    if eager:
        return asyncio.Task(coro, loop=self.loop, name=name, context=context, eager_start=True)
    return asyncio.Task(coro, loop=self.loop, name=name, context=context)


def _install_floor(loop_name: str) -> None:
    """Make this (child) process's traced runs the floor ``loop_name`` measures."""
    from asyncio_playground._tracer import Tracer

    Tracer.run_batch = staticmethod(_floor_batch)
    if loop_name == "playground-floor":
        Tracer.new_task = _plain_new_task


def _unavailable(loop: str) -> str | None:
    return L.unavailable("playground-traced" if loop in FLOORS else loop)


def _measured(fn):
    """Wrap a case: (wall s, process CPU s, voluntary, involuntary context switches)."""
    import resource

    async def measured():
        # context switches of this (the loop's) thread only: the playground's watchdog thread
        # wakes every 20 ms while a run is traced, which is not the loop sleeping
        r0 = resource.getrusage(resource.RUSAGE_THREAD)
        c0 = time.process_time()
        wall = await fn()
        cpu = time.process_time() - c0
        r1 = resource.getrusage(resource.RUSAGE_THREAD)
        return wall, cpu, r1.ru_nvcsw - r0.ru_nvcsw, r1.ru_nivcsw - r0.ru_nivcsw

    return measured


def child(loop: str, case: str, reps: int) -> None:
    fn = _measured(FUNCS[case])
    walls, cpus, vcsw, ivcsw, events = [], [], [], [], []
    if loop in FLOORS:
        _install_floor(loop)
    for i in range(reps + 1):  # the first repetition is a warm-up
        _FLOOR_LOG.clear()
        wall, cpu, v, iv = L.run("playground-traced" if loop in FLOORS else loop, fn)
        if i:
            walls.append(wall)
            cpus.append(cpu)
            vcsw.append(v)
            ivcsw.append(iv)
            events.append(len(_FLOOR_LOG) if loop in FLOORS else L.last_trace_event_count())
    L.emit({"loop": loop, "case": case, "samples": walls, "cpu": cpus, "vcsw": vcsw,
            "ivcsw": ivcsw, "trace_events": events})


def measure(loop_names=L.NAMES, reps: int = 2, procs: int = 4, log=print, cases=None) -> dict:
    """{"cases": {case: {loop: {"median": s, "samples": [...], "ratio": x} | {"error"/"skipped": ...}}}}

    ``procs`` rounds; each round runs every (case, loop) once in a fresh subprocess (``reps`` timed
    repetitions after a warm-up), so a noisy minute on a shared machine hits every loop alike.
    ``cases``: names of ``ALL_CASES`` (default: ``CASES``)."""
    case_names = list(cases or CASES)
    out: dict = {"reps": reps, "procs": procs, "cases": {}}
    samples: dict = {}
    rounds: dict = {}   # (case, loop) -> [(median wall, median cpu) per round]
    cpus: dict = {}
    csw: dict = {}
    status: dict = {}
    for case in case_names:
        out["cases"][case] = {}
        for loop in loop_names:
            why = _unavailable(loop)
            if why:
                status[case, loop] = {"skipped": why}
            else:
                samples[case, loop] = []
                rounds[case, loop] = []
                cpus[case, loop] = []
                csw[case, loop] = [0, 0]
                status[case, loop] = {}
    # within a round the loops the verdict compares (asyncio vs playground) run back to back
    order = sorted(loop_names, key=lambda n: (n not in ("asyncio", "playground", "playground-traced",
                                                        *FLOORS),
                                              list(NAMES).index(n) if n in NAMES else 99))
    for rnd in range(procs):
        for case in case_names:
            for loop in order:
                if (case, loop) not in samples or "error" in status[case, loop]:
                    continue
                r = L.spawn("bench.throughput", ["--child", loop, case, "--reps", str(reps)],
                            timeout=600)
                if "error" in r:
                    status[case, loop] = {"error": r["error"], "stderr": r.get("stderr", "")}
                    log(f"  {case:14s} {loop:18s} ERROR {r['error']}")
                    continue
                samples[case, loop] += r["samples"]
                cpus[case, loop] += r["cpu"]
                rounds[case, loop].append((L.median(r["samples"]), L.median(r["cpu"])))
                csw[case, loop][0] += sum(r["vcsw"])
                csw[case, loop][1] += sum(r["ivcsw"])
                if r.get("trace_events") and r["trace_events"][0] is not None:
                    status[case, loop]["trace_events"] = r["trace_events"][0]
                log(f"  round {rnd + 1}/{procs} {case:14s} {loop:18s} wall "
                    + " ".join(f"{x * 1000:.0f}" for x in r["samples"]) + " ms, cpu "
                    + " ".join(f"{x * 1000:.0f}" for x in r["cpu"]) + " ms")
    for case in case_names:
        row = out["cases"][case]
        for loop in loop_names:
            st = status[case, loop]
            smp = samples.get((case, loop))
            if "error" in st or "skipped" in st or not smp:
                row[loop] = st or {"error": "no samples"}
                continue
            c = cpus[case, loop]
            row[loop] = {"median": L.median(smp), "samples": smp, "min": min(smp), "max": max(smp),
                         "cpu_median": L.median(c), "cpu": c,
                         "vcsw": csw[case, loop][0], "ivcsw": csw[case, loop][1], **st}
        # ratios are paired per round (same minutes of machine noise), then the median is taken
        base = rounds.get((case, "asyncio"))
        for loop, r in row.items():
            mine = rounds.get((case, loop))
            if base and mine and "median" in r and len(base) == len(mine):
                r["ratio"] = L.median([m[0] / b[0] for m, b in zip(mine, base)])
                r["cpu_ratio"] = L.median([m[1] / b[1] for m, b in zip(mine, base)])
                r["round_cpu_ratios"] = [m[1] / b[1] for m, b in zip(mine, base)]
        # the traced loop against the floor, paired per round as above (issue 25: within 10 %)
        traced = rounds.get((case, "playground-traced"))
        for loop in FLOORS:
            floor = rounds.get((case, loop))
            if traced and floor and len(traced) == len(floor) and "median" in row.get(loop, {}):
                row[loop]["traced_over_floor_cpu"] = L.median([t[1] / f[1]
                                                               for t, f in zip(traced, floor)])
    return out


def table(res: dict, loop_names=L.NAMES) -> str:
    """Cells: CPU time (ratio to plain asyncio) / wall time (ratio)."""
    head = "| case | " + " | ".join(LABELS[n] for n in loop_names) + " |"
    sep = "|---|" + "---|" * len(loop_names)
    lines = [head, sep]
    for case, row in res["cases"].items():
        cells = []
        for n in loop_names:
            r = row.get(n, {})
            if "median" in r:
                cells.append(f"**{r['cpu_ratio']:.2f}×** ({r['cpu_median'] * 1000:.0f} ms CPU)<br>"
                             f"wall {r['ratio']:.2f}× ({r['median'] * 1000:.0f} ms)"
                             + (f"<br>traced / this: {r['traced_over_floor_cpu']:.2f}× CPU"
                                if "traced_over_floor_cpu" in r else ""))
            elif "error" in r:
                cells.append(f"failed: {r['error']}")
            else:
                cells.append(f"n/a: {r.get('skipped', '?')}")
        lines.append(f"| {ALL_CASES[case]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", nargs=2, metavar=("LOOP", "CASE"))
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--procs", type=int, default=4)
    ap.add_argument("--loops", default=",".join(L.NAMES))
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    if a.child:
        child(a.child[0], a.child[1], a.reps)
        return 0
    names = [n for n in a.loops.split(",") if n]
    res = measure(names, a.reps, a.procs, cases=[c for c in a.cases.split(",") if c])
    print(table(res, names))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
