"""Instructions, not seconds: the tracing cost counted by valgrind's callgrind, immune to a noisy
machine.

On the shared 2-core machines wall and even CPU time swing 1.5x between two runs of the same code
(other guests), so a 5 % change in the tracer's cost is invisible in ``bench.throughput``.
Callgrind counts the instructions a process executes: the same binary, inputs and environment give
the same count whatever else the machine is doing.  Each (loop, case) runs twice in a fresh
process under callgrind, once with the workload and once with a zero-size workload that does the
same set-up (imports, Qt, loop, run); the difference is the workload's instructions.  Ratios are to
plain asyncio in the same run.

    python -m bench.instructions [--loops asyncio,playground,playground-traced] [--cases hops]
                                 [--tasks 500] [--hops 50] [--json OUT]

To compare two versions of the engine, run it in each checkout (``PYTHONPATH`` pointing at a
folder that holds an ``asyncio_playground`` link to the other checkout's ``playground/``: the
editable install maps that name to its own checkout otherwise) and compare the printed
instruction counts: untraced they are deterministic to ~0.1 %; traced they move ~1.5 % when the
machine is loaded (the watchdog thread wakes by the clock, and a slower run sees more of its
beats), so compare traced counts taken on a quiet machine.
Needs ``valgrind`` (Debian's package); about a minute a (loop, case).  The loops
``playground-floor`` and ``playground-floor-tasks`` are bench.throughput's floors (timestamps only).
On Python 3.15 (the CI's Debian chroot, valgrind installed in it):
``.ci/debian-python 3.15 python -m bench.instructions ...``.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys

from bench import loops as L

CASES = ("hops", "timer_hops", "create_gather", "taskgroup_chain")


def _workload(case: str, tasks: int, hops: int):
    import asyncio

    async def hopper():
        for _ in range(hops):
            await asyncio.sleep(0)

    async def timer_hopper():
        for _ in range(hops):
            await asyncio.sleep(0.0005)

    async def noop():
        return None

    async def leaf():
        await asyncio.sleep(0)

    async def helper():
        await leaf()

    async def chain():
        for _ in range(hops):
            await helper()

    async def main():
        if case == "hops":
            await asyncio.gather(*[asyncio.create_task(hopper()) for _ in range(tasks)])
        elif case == "timer_hops":
            await asyncio.gather(*[asyncio.create_task(timer_hopper()) for _ in range(tasks)])
        elif case == "create_gather":
            await asyncio.gather(*[asyncio.create_task(noop()) for _ in range(tasks * 10)])
        elif case == "taskgroup_chain":   # the peer workload's shape: await helper() -> leaf()
            async with asyncio.TaskGroup() as tg:
                for _ in range(tasks):
                    tg.create_task(chain())
    return main


def child(loop: str, case: str, tasks: int, hops: int) -> None:
    from bench import throughput as T

    if loop in T.FLOORS:   # the floor (timestamps only), as bench.throughput measures it
        T._install_floor(loop)
        loop = "playground-traced"
    L.run(loop, _workload(case, tasks, hops))


_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def count(loop: str, case: str, tasks: int, hops: int) -> int:
    """Instructions the whole child process executed (callgrind's "Collected")."""
    env = dict(os.environ, PYTHONHASHSEED="0", QT_QPA_PLATFORM="offscreen")
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
           sys.executable, "-m", "bench.instructions", "--child", loop, case, str(tasks), str(hops)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800,
                          cwd=str(L.ROOT))
    found = _COLLECTED.findall(proc.stderr)
    if proc.returncode != 0 or not found:
        raise RuntimeError(f"{loop}/{case} failed ({proc.returncode}): {proc.stderr[-800:]}")
    return int(found[-1])


def measure(loop_names, cases, tasks: int, hops: int, log=print) -> dict:
    from bench import throughput as T

    out = {"tasks": tasks, "hops": hops, "cases": {}}
    for case in cases:
        row = out["cases"][case] = {}
        for loop in loop_names:
            why = T._unavailable(loop)
            if why:
                row[loop] = {"skipped": why}
                continue
            full = count(loop, case, tasks, hops)
            empty = count(loop, case, 0, 0)
            row[loop] = {"instructions": full - empty, "total": full, "setup": empty}
            log(f"  {case:16} {loop:18} {(full - empty) / 1e6:10.1f} M instructions "
                f"(set-up {empty / 1e6:.0f} M)")
        base = row.get("asyncio", {}).get("instructions")
        traced = row.get("playground-traced", {}).get("instructions")
        for loop, cell in row.items():
            if base and "instructions" in cell:
                cell["ratio"] = cell["instructions"] / base
            if traced and loop in T.FLOORS and "instructions" in cell:
                cell["traced_over_floor"] = traced / cell["instructions"]
    return out


def table(result: dict) -> str:
    from bench import throughput as T

    loops = [n for n in T.NAMES if any(n in r for r in result["cases"].values())]
    lines = ["| case | " + " | ".join(T.LABELS[n] for n in loops) + " |",
             "|---|" + "---|" * len(loops)]
    for case, row in result["cases"].items():
        cells = []
        for n in loops:
            c = row.get(n, {})
            cells.append(f"**{c['ratio']:.3f}×** ({c['instructions'] / 1e6:.1f} M)"
                         + (f"<br>traced / this {c['traced_over_floor']:.3f}×"
                            if "traced_over_floor" in c else "") if "ratio" in c
                         else c.get("skipped", "—"))
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", nargs=4, metavar=("LOOP", "CASE", "TASKS", "HOPS"))
    ap.add_argument("--loops", default="asyncio,playground,playground-traced")
    ap.add_argument("--cases", default="hops,timer_hops,create_gather,taskgroup_chain")
    ap.add_argument("--tasks", type=int, default=500)
    ap.add_argument("--hops", type=int, default=50)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    if args.child:
        loop, case, tasks, hops = args.child
        child(loop, case, int(tasks), int(hops))
        return 0
    if shutil.which("valgrind") is None:
        print("bench.instructions needs valgrind (apt-get install valgrind)", file=sys.stderr)
        return 2
    result = measure(args.loops.split(","), args.cases.split(","), args.tasks, args.hops)
    print(table(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
