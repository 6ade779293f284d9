"""Stress: >= 1,000,000 loop callbacks and >= 100,000 Qt signal emits in one process, no abort.

PySide6 6.12.0 on Python 3.11 kills the interpreter ("Fatal Python error: none_dealloc" /
"bool_dealloc") after about a thousand qasync callbacks or ~600 signal emits (docs/design-facts.md); this
script is the guard that the playground's loop and the pinned PySide6 do not.  It mixes what the app
does all day:

* ``call_soon`` chains (``--chains`` of them) that together run ``--callbacks`` callbacks;
* every k-th callback emits a Qt signal, rotating over payloads that go through the refcounting
  paths the 6.12 bug broke: ``None`` (Signal(object)), ``True``/``False`` (Signal(bool)), ints,
  tuples and no payload; some connections are direct, some queued (delivered by Qt's own event
  dispatch between the loop's slices, i.e. Qt calling into Python);
* a slot that hands work back to the loop (``call_soon`` from a slot);
* ``--tasks`` tasks hopping ``sleep(0)``, some ``call_later`` timers and futures, so task steps,
  wake-ups and the timer heap run interleaved with all of the above.

Prints the counts and exits 0; any mismatch exits 1; an abort is the interpreter's own exit status.

    python -m bench.stress [--callbacks 1000000] [--emits 100000] [--loop playground]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time

from bench import loops as L


def build_qt():
    from PySide6.QtCore import QObject, Qt, Signal, Slot

    class Emitter(QObject):
        sig_none = Signal(object)
        sig_bool = Signal(bool)
        sig_int = Signal(int)
        sig_obj = Signal(object)
        sig_void = Signal()
        sig_queued = Signal(object)
        sig_queued_bool = Signal(bool)
        sig_to_loop = Signal(int)

    class Receiver(QObject):
        def __init__(self):
            super().__init__()
            self.got = 0
            self.bad = 0

        @Slot(object)
        def on_none(self, v):
            self.got += 1
            if v is not None:
                self.bad += 1

        @Slot(bool)
        def on_bool(self, v):
            self.got += 1
            if v is not True and v is not False:
                self.bad += 1

        @Slot()
        def on_void(self):
            self.got += 1

    return Emitter, Receiver, Qt


async def stress(n_callbacks: int, n_emits: int, n_chains: int, n_tasks: int, hops: int) -> dict:
    loop = asyncio.get_running_loop()
    Emitter, Receiver, Qt = build_qt()
    em = Emitter()
    rx = Receiver()
    counts = {"callbacks": 0, "scheduled": 0, "emits": 0, "slot_calls": 0, "queued_emits": 0,
              "from_slot_callbacks": 0, "task_steps": 0, "timers": 0, "bad_payloads": 0}
    plain = {"got": 0}

    def on_int(v):  # a plain function slot (no @Slot), like most app code
        plain["got"] += 1
        if not isinstance(v, int):
            counts["bad_payloads"] += 1

    def on_obj(v):
        plain["got"] += 1
        if not (isinstance(v, tuple) and len(v) == 3 and v[1] is None and v[2] is False):
            counts["bad_payloads"] += 1

    def from_slot_cb():
        counts["from_slot_callbacks"] += 1

    def on_to_loop(i):  # a slot that schedules loop work, as the window's buttons do
        plain["got"] += 1
        loop.call_soon(from_slot_cb)

    em.sig_none.connect(rx.on_none)
    em.sig_bool.connect(rx.on_bool)
    em.sig_int.connect(on_int)
    em.sig_obj.connect(on_obj)
    em.sig_void.connect(rx.on_void)
    em.sig_void.connect(lambda: plain.__setitem__("got", plain["got"] + 1))
    em.sig_queued.connect(rx.on_none, Qt.ConnectionType.QueuedConnection)
    em.sig_queued_bool.connect(rx.on_bool, Qt.ConnectionType.QueuedConnection)
    em.sig_to_loop.connect(on_to_loop)

    every = max(1, n_callbacks // n_emits)
    done = loop.create_future()
    t0 = time.perf_counter()

    def emit(i):
        k = (i // every) % 8
        if k == 0:
            em.sig_none.emit(None)
        elif k == 1:
            em.sig_bool.emit(bool(i & 1))
        elif k == 2:
            em.sig_int.emit(i)
        elif k == 3:
            em.sig_obj.emit((i, None, False))
        elif k == 4:
            em.sig_void.emit()  # two receivers
        elif k == 5:
            em.sig_queued.emit(None)
            counts["queued_emits"] += 1
        elif k == 6:
            em.sig_queued_bool.emit(True)
            counts["queued_emits"] += 1
        else:
            em.sig_to_loop.emit(i)
        counts["emits"] += 1

    def cb():
        counts["callbacks"] += 1
        i = counts["callbacks"]
        if i % every == 0:
            emit(i)
        if counts["scheduled"] < n_callbacks:
            counts["scheduled"] += 1
            if i % 1000 == 0:
                loop.call_later(0, cb)   # through the timer heap now and then
                counts["timers"] += 1
            else:
                loop.call_soon(cb)
        elif counts["callbacks"] >= n_callbacks and not done.done():
            done.set_result(None)

    async def hopper():
        fut = None
        for j in range(hops):
            if j % 10 == 0:
                fut = loop.create_future()
                loop.call_soon(fut.set_result, j)
                await fut
            else:
                await asyncio.sleep(0)
            counts["task_steps"] += 1

    for _ in range(min(n_chains, n_callbacks)):
        counts["scheduled"] += 1
        loop.call_soon(cb)
    tasks = [asyncio.create_task(hopper()) for _ in range(n_tasks)]
    await done
    await asyncio.gather(*tasks)
    # queued signals are delivered by Qt between the loop's slices: give them a few turns
    expected_rx = lambda: rx.got + plain["got"]  # noqa: E731
    deadline = time.monotonic() + 10
    while expected_rx() < _expected_slot_calls(counts) and time.monotonic() < deadline:
        await asyncio.sleep(0.001)
    while counts["from_slot_callbacks"] < _to_loop_emits(counts, every) and time.monotonic() < deadline:
        await asyncio.sleep(0.001)
    counts["slot_calls"] = expected_rx()
    counts["bad_payloads"] += rx.bad
    counts["seconds"] = round(time.perf_counter() - t0, 3)
    counts["expected_slot_calls"] = _expected_slot_calls(counts)
    em.deleteLater()
    rx.deleteLater()
    return counts


def _emits_by_kind(emits: int) -> list[int]:
    # emits are numbered 1..emits (i // every), kind = index % 8
    per = [0] * 8
    for k in range(8):
        # count of n in [1, emits] with n % 8 == k
        per[k] = emits // 8 + (1 if k and k <= emits % 8 else 0)
    return per


def _expected_slot_calls(counts) -> int:
    per = _emits_by_kind(counts["emits"])
    return sum(per) + per[4]  # sig_void has two receivers


def _to_loop_emits(counts, every) -> int:
    return _emits_by_kind(counts["emits"])[7]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--callbacks", type=int, default=1_000_000)
    ap.add_argument("--emits", type=int, default=100_000)
    ap.add_argument("--chains", type=int, default=1_000)
    ap.add_argument("--tasks", type=int, default=1_000)
    ap.add_argument("--hops", type=int, default=100)
    ap.add_argument("--loop", default="playground", choices=L.NAMES[:4])
    ap.add_argument("--json", action="store_true", help="also emit the counts as a marked JSON line")
    a = ap.parse_args(argv)
    why = L.unavailable(a.loop)
    if why:
        print(f"stress: {a.loop} unavailable: {why}", file=sys.stderr)
        return 2
    import PySide6

    gc_before = sum(s["collections"] for s in gc.get_stats())
    counts = L.run(a.loop, lambda: stress(a.callbacks, a.emits, a.chains, a.tasks, a.hops))
    counts["gc_collections"] = sum(s["collections"] for s in gc.get_stats()) - gc_before
    counts["loop"] = a.loop
    counts["python"] = sys.version.split()[0]
    counts["pyside6"] = PySide6.__version__
    problems = []
    if counts["callbacks"] < a.callbacks:
        problems.append(f"ran {counts['callbacks']} of {a.callbacks} callbacks")
    if counts["emits"] < a.emits:
        problems.append(f"emitted {counts['emits']} of {a.emits} signals")
    if counts["slot_calls"] != counts["expected_slot_calls"]:
        problems.append(f"{counts['slot_calls']} slot calls, expected {counts['expected_slot_calls']}")
    if counts["bad_payloads"]:
        problems.append(f"{counts['bad_payloads']} slots got a wrong payload")
    if counts["task_steps"] != a.tasks * a.hops:
        problems.append(f"{counts['task_steps']} task steps, expected {a.tasks * a.hops}")
    for k in ("loop", "python", "pyside6", "callbacks", "emits", "queued_emits", "slot_calls",
              "from_slot_callbacks", "timers", "task_steps", "gc_collections", "seconds"):
        print(f"{k:20s} {counts[k]}")
    if a.json:
        L.emit({**counts, "problems": problems})
    if problems:
        print("STRESS FAILED: " + "; ".join(problems), file=sys.stderr)
        return 1
    print("stress: OK, no abort")
    return 0


if __name__ == "__main__":
    sys.exit(main())
