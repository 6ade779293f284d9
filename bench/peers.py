"""The tracing cost side by side with the peer tools, on the peer workload of issue 14.

    .venv/bin/python -m bench.peers [--rounds 3] [--tasks 1000] [--steps 50] [--json OUT]

The workload: 1,000 tasks in one ``asyncio.TaskGroup``, each taking 50 steps; a step is
``await helper()`` -> ``await leaf()`` -> ``await asyncio.sleep(0)`` with a little CPU
(``sum(range(40))``) in ``leaf``.  It runs, each in a fresh process and interleaved per round, on:

    asyncio            plain asyncio, nothing attached (the 1.00x)
    playground         the playground loop, no run (untraced)
    playground-traced  the playground loop, the workload started from a run: every task traced
    playground-floor   the same run with the tracer's drain and task making replaced by the floor
                       of ``bench.throughput`` (a timestamp pair per step, nothing else): issue
                       25's "within 10 % of the measured floor" is traced / this, per round
    viztracer          plain asyncio under VizTracer with ``log_async=True`` (what ``viztracer
                       --log_async`` does), ``tracer_entries`` large enough to keep every entry;
                       saving the trace file is not timed
    aiomonitor         plain asyncio with ``aiomonitor.start_monitor(loop, hook_task_factory=True)``
                       (its task-factory hook records every task's creation chain and termination)

Each figure is the process CPU time of ``run(workload)`` alone (imports and set-up before, saving
after, not counted; the monitor's threads are counted, they are part of its cost), the median of
``--reps`` runs in that process; the ratio to plain asyncio is taken per round and the median over
rounds reported.  VizTracer and aiomonitor come with the ``bench`` extra
(``pip install -e '.[bench]'``); without them their column says so.
"""
from __future__ import annotations

import argparse
import json
import socket
import sys
import time

from bench import loops as L

PEERS = ("asyncio", "playground", "playground-traced", "playground-floor", "viztracer", "aiomonitor")
LABELS = {"asyncio": "plain asyncio", "playground": "playground (untraced)",
          "playground-traced": "playground (traced)",
          "playground-floor": "floor (timestamps only)", "viztracer": "VizTracer --log_async",
          "aiomonitor": "aiomonitor (task-factory hook)"}


def workload(tasks: int, steps: int):
    import asyncio

    async def leaf():
        sum(range(40))      # a little CPU
        await asyncio.sleep(0)

    async def helper():
        await leaf()

    async def worker():
        for _ in range(steps):
            await helper()

    async def main():
        async with asyncio.TaskGroup() as tg:
            for _ in range(tasks):
                tg.create_task(worker())
    return main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _version(dist: str) -> str:
    from importlib import metadata
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def unavailable(name: str) -> str | None:
    if name == "viztracer":
        try:
            import viztracer  # noqa: F401
        except Exception as exc:
            return f"viztracer not importable ({exc}); pip install -e '.[bench]'"
        return None
    if name == "aiomonitor":
        try:
            import aiomonitor  # noqa: F401
        except Exception as exc:
            return f"aiomonitor not importable ({exc}); pip install -e '.[bench]'"
        return None
    return L.unavailable("playground-traced" if name == "playground-floor" else name)


def _timed(fn) -> tuple[float, float]:
    c0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0


def child(name: str, tasks: int, steps: int, reps: int) -> dict:
    import asyncio
    import gc

    main = workload(tasks, steps)
    cpu, wall, extra = [], [], {}
    if name == "playground-floor":
        from bench import throughput

        throughput._install_floor(name)
    for _ in range(reps + 1):            # the first run warms up (imports, caches)
        gc.collect()
        if name in ("asyncio", "playground", "playground-traced"):
            c, w = _timed(lambda: L.run(name, main))
            if name == "playground-traced":
                extra["trace_events"] = L.last_trace_event_count()
        elif name == "playground-floor":
            c, w = _timed(lambda: L.run("playground-traced", main))
        elif name == "viztracer":
            from viztracer import VizTracer

            tracer = VizTracer(log_async=True, verbose=0, tracer_entries=20_000_000)
            tracer.start()
            c, w = _timed(lambda: asyncio.run(main()))
            tracer.stop()
            tracer.clear()
        elif name == "aiomonitor":
            import aiomonitor

            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)

            def go():
                with aiomonitor.start_monitor(loop, hook_task_factory=True, port=_free_port(),
                                              console_port=_free_port(), webui_port=_free_port()):
                    loop.run_until_complete(main())
            c, w = _timed(go)
            loop.close()
            asyncio.set_event_loop(None)
        else:
            raise ValueError(name)
        cpu.append(c)
        wall.append(w)
    cpu, wall = cpu[1:], wall[1:]
    out = {"cpu": L.median(cpu), "wall": L.median(wall), "cpu_all": cpu}
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


def measure(rounds: int = 3, tasks: int = 1000, steps: int = 50, reps: int = 2, log=print) -> dict:
    res = {"tasks": tasks, "steps": steps, "rounds": rounds, "reps": reps,
           "versions": {"viztracer": _version("viztracer"), "aiomonitor": _version("aiomonitor")},
           "peers": {}}
    per_round: dict[str, list] = {n: [] for n in PEERS}
    for r in range(rounds):
        for name in PEERS:
            why = unavailable(name)
            if why:
                res["peers"][name] = {"skipped": why}
                continue
            x = L.spawn("bench.peers", ["--child", name, str(tasks), str(steps), str(reps)],
                        timeout=900)
            if x.get("error"):
                res["peers"][name] = {"error": x["error"], "stderr": x.get("stderr", "")}
                log(f"  round {r + 1} {name:18} FAILED {x['error']}")
                continue
            per_round[name].append(x)
            log(f"  round {r + 1} {name:18} {x['cpu'] * 1e3:8.0f} ms CPU  {x['wall'] * 1e3:8.0f} ms wall")
    base = per_round["asyncio"]
    for name, runs in per_round.items():
        if not runs or name in res["peers"]:
            continue
        ratios = [x["cpu"] / b["cpu"] for x, b in zip(runs, base)]
        wratios = [x["wall"] / b["wall"] for x, b in zip(runs, base)]
        res["peers"][name] = {"cpu_ratio": L.median(ratios), "cpu_ratios": ratios,
                              "wall_ratio": L.median(wratios),
                              "cpu_median": L.median([x["cpu"] for x in runs]),
                              "wall_median": L.median([x["wall"] for x in runs])}
        if "trace_events" in runs[-1]:
            res["peers"][name]["trace_events"] = runs[-1]["trace_events"]
    traced, floor = per_round["playground-traced"], per_round["playground-floor"]
    if traced and floor and len(traced) == len(floor) and "cpu_ratio" in res["peers"].get(
            "playground-traced", {}):
        over = [t["cpu"] / f["cpu"] for t, f in zip(traced, floor)]
        res["peers"]["playground-traced"]["traced_over_floor_cpu"] = L.median(over)
        res["peers"]["playground-traced"]["traced_over_floor_cpus"] = over
    return res


def table(res: dict) -> str:
    lines = ["| tool | CPU time ratio (median of rounds) | per round | median CPU | wall ratio |",
             "|---|---|---|---|---|"]
    for name in PEERS:
        x = res["peers"].get(name, {})
        label = LABELS[name]
        if name in ("viztracer", "aiomonitor"):
            label += f" {res['versions'].get(name, '')}"
        if "cpu_ratio" in x:
            lines.append(f"| {label} | **{x['cpu_ratio']:.2f}×** | "
                         + ", ".join(f"{v:.2f}" for v in x["cpu_ratios"])
                         + f" | {x['cpu_median'] * 1e3:.0f} ms | {x['wall_ratio']:.2f}× |")
        else:
            lines.append(f"| {label} | {x.get('skipped') or x.get('error') or '—'} | | | |")
    t = res["peers"].get("playground-traced", {})
    if "traced_over_floor_cpu" in t:
        lines.append("\nTraced over the floor, CPU time, per round: "
                     + ", ".join(f"{v:.2f}" for v in t["traced_over_floor_cpus"])
                     + f"; median **{t['traced_over_floor_cpu']:.2f}×** (issue 25: ≤ 1.10×).")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", nargs=4, metavar=("NAME", "TASKS", "STEPS", "REPS"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    if a.child:
        name, tasks, steps, reps = a.child
        L.emit(child(name, int(tasks), int(steps), int(reps)))
        return 0
    res = measure(a.rounds, a.tasks, a.steps, a.reps)
    print(table(res))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
