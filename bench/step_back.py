"""Step back (issue 24): one step back in a lesson-sized run (≤ 1,000 steps) in ≤ 200 ms.

A generated lesson -- four workers taking turns on a Lock, each ``await asyncio.sleep(...)`` and a
``print`` per round, the kind of run a challenge is -- is run in a ``MainWindow`` at 1400x900 (set
up like ``asyncio-playground``'s, offscreen), paused, and stepped (``loop.step()``, what F10
does) to each depth: 10, 100 and 1,000 steps.  There, Step back is triggered ``--reps`` times (each
one from the step after, which is then taken again) and timed two ways:

* ``back``: ``SchedulingFeature.last_back_ms``, from the key to the run held at the step before
  with the table, timeline, console and Loop tab fed its whole log (the old run stopped, the
  same source run again from its start on the schedule less its last choice, held there);
* ``painted``: the same, until the task table and the timeline have painted that state.

The floor is the same replay without the window: a fresh ``playground.Run`` of the same file,
headless, on the same schedule, held at the same step (``Scheduler(hold=True, fast=True)``),
timed from its start to held -- in the same process, before the window is made (its clock
listeners would run after every step).  The ratio is ``back / floor``: what the window adds (stopping the
old run, starting the new one, the views taking its log).

    python -m bench.step_back [--depths 10,100,1000] [--reps 5] [--json OUT]
                                                           (bench.run_all --only step_back)
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench import loops as L
from bench.window import PaintCounts, open_window

TARGET_MS = 200.0
DEPTHS = (10, 100, 1000)

LESSON = '''\
"""Four workers take turns on a Lock, {rounds} rounds each (~{steps} steps)."""
import asyncio


async def worker(name, lock, totals):
    for i in range({rounds}):
        async with lock:
            value = totals.get(name, 0)
            await asyncio.sleep(0.001)
            totals[name] = value + 1
        if i % 25 == 0:
            print(name, "round", i)
        await asyncio.sleep(0)


async def main():
    lock, totals = asyncio.Lock(), {{}}
    async with asyncio.TaskGroup() as tg:
        for name in ("ann", "bob", "cy", "dee"):
            tg.create_task(worker(name, lock, totals), name=name)
    print("totals:", totals)


asyncio.run(main())
'''


def _spin(app, until, limit: float) -> bool:
    """processEvents until ``until()`` (False after ``limit`` seconds)."""
    end = time.perf_counter() + limit
    while not until():
        if time.perf_counter() > end:
            return False
        app.processEvents()
    return True


def _floor(loop, path: Path, schedule: list, app) -> float:
    """ms from the start of a fresh headless run of ``path`` to it held at the end of
    ``schedule`` (the replay Step back makes, without the window)."""
    import asyncio_playground as playground
    from asyncio_playground.schedule import Scheduler

    was_paused = loop.paused
    run = playground.Run(path, loop=loop)
    t0 = time.perf_counter()
    scheduler = Scheduler(run, schedule, hold=True, fast=True).start()
    if not _spin(app, lambda: scheduler.finished, 30.0):
        raise RuntimeError("the headless replay did not get there in 30 s")
    ms = (time.perf_counter() - t0) * 1000
    if not scheduler.held or scheduler.applied != len(schedule):
        raise RuntimeError(f"the headless replay went another way: {scheduler.error}")
    loop.resume()
    run.stop()
    _spin(app, lambda: run.done, 5.0)
    if was_paused:
        loop.pause()
    return ms


def _choice(c: dict) -> tuple:
    return (c.get("run"), c.get("call"), c.get("nth"), c.get("advance"))


def child(depths, reps: int) -> dict:
    from asyncio_playground.schedule import schedule_of

    tmp = tempfile.TemporaryDirectory(prefix="pg-bench-step-back-")
    rounds = 150
    path = Path(tmp.name) / "turns.py"
    path.write_text(LESSON.format(rounds=rounds, steps=4 * rounds * 3))
    # The floor first, before the window exists (its clock listeners would run after every
    # step): the lesson run headless in asyncio's order to its end, then replayed to each depth.
    from PySide6.QtWidgets import QApplication

    import asyncio_playground as playground
    from asyncio_playground.schedule import Scheduler

    app = QApplication.instance() or QApplication(["bench-step-back"])
    loop = playground.new_event_loop()
    loop.attach()
    run = playground.Run(path, loop=loop)
    Scheduler(run, (), fast=True).start()
    if not _spin(app, lambda: run.done, 60.0):
        return {"error": "the lesson did not end headless in 60 s"}
    loop.resume()
    fifo = schedule_of(run)
    floors = {depth: round(statistics.median(_floor(loop, path, fifo[:depth], app)
                                             for _ in range(reps)), 1) for depth in depths}
    loop.detach()
    loop.close()
    app, loop, window = open_window(tmp.name, "bench-step-back")
    window.open_path(str(path))
    _spin(app, lambda: False, 0.3)                 # first paint, layout
    painted = PaintCounts(window)
    feature = window.scheduling
    result: dict = {"lesson": f"4 workers x {rounds} rounds on a Lock", "depths": {}}

    loop.pause()
    if not window.run_current():
        return {"error": "the window refused to run the lesson"}
    _spin(app, lambda: bool(loop._ready), 5.0)

    def steps() -> int:
        return len([c for c in schedule_of(window.run) if "advance" not in c])

    def step_to(n: int) -> None:
        while steps() < n:
            if window.run.done:
                raise RuntimeError(f"the run ended after {steps()} steps (before {n})")
            before = loop.step_count
            loop.step()
            if not _spin(app, lambda: loop.step_count > before or window.run.done, 5.0):
                raise RuntimeError(f"step {steps() + 1} did not happen")

    schedules = {}
    for depth in depths:
        step_to(depth + 1)
        backs, paints = [], []
        for _ in range(reps):
            painted.update(table=0, timeline=0)
            old = window.run
            t0 = time.perf_counter()
            feature.act_step_back.trigger()
            if not _spin(app, lambda: not feature.busy() and window.run is not old, 10.0):
                raise RuntimeError(f"Step back at step {depth + 1} did not finish")
            _spin(app, lambda: painted["table"] and painted["timeline"], 2.0)
            paints.append((time.perf_counter() - t0) * 1000)
            backs.append(feature.last_back_ms)
            if steps() != depth:
                raise RuntimeError(f"Step back from {depth + 1} is at step {steps()}")
            step_to(depth + 1)                     # and on again, for the next rep
        schedules[depth] = schedule_of(window.run)[:-1]
        result["depths"][str(depth)] = {
            "back_ms": round(statistics.median(backs), 1), "back_max_ms": round(max(backs), 1),
            "painted_ms": round(statistics.median(paints), 1)}
    loop.resume()
    window.shutdown()
    _spin(app, lambda: not window.live_runs(), 5.0)
    window.close()
    for depth, schedule in schedules.items():
        x = result["depths"][str(depth)]
        if [_choice(c) for c in schedule] != [_choice(c) for c in fifo[:len(schedule)]]:
            raise RuntimeError(f"the window's run went another way than the headless one by "
                               f"step {depth}")
        x.update(floor_ms=floors[depth], ratio=round(x["back_ms"] / floors[depth], 2))
    worst = max(x["painted_ms"] for x in result["depths"].values())
    result["ok"] = worst <= TARGET_MS
    return result


def table(res: dict) -> str:
    lines = ["| steps taken | Step back (key → views fed) | … → painted | the same replay headless (floor) | ratio |",
             "|---|---|---|---|---|"]
    for depth, x in res.get("depths", {}).items():
        lines.append(f"| {int(depth):,} | **{x['back_ms']:.0f} ms** (max {x['back_max_ms']:.0f}) | "
                     f"{x['painted_ms']:.0f} ms | {x['floor_ms']:.0f} ms | {x['ratio']:.2f}× |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--depths", default=",".join(map(str, DEPTHS)))
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--json")
    ap.add_argument("--emit", action="store_true", help="hand the result to bench.run_all")
    a = ap.parse_args(argv)
    try:
        res = child([int(d) for d in a.depths.split(",") if d], a.reps)
    except RuntimeError as exc:
        res = {"error": str(exc)}
    if a.emit:
        L.emit(res)
        return 0 if not res.get("error") else 1
    if res.get("error"):
        print("failed:", res["error"], file=sys.stderr)
        return 1
    print(f"Step back, {res['lesson']} (target: ≤ {TARGET_MS:.0f} ms at ≤ 1,000 steps)")
    print(table(res))
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
