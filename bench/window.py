"""What the window benchmarks share (``bench.ui_load``, ``bench.replay_load``): the generated
lesson, a window set up like ``asyncio-playground``'s with throwaway settings, paint counters and
the 16 ms probe timer.  Qt is imported inside the functions: the parents never load it."""
from __future__ import annotations

import time
from pathlib import Path

LESSON = '''\
"""Load: {n} tasks, each sleeping {hops} times."""
import asyncio


async def worker(i):
    for _ in range({hops}):
        await asyncio.sleep({base} + (i % 20) * {step})
    return i


async def main():
    tasks = [asyncio.create_task(worker(i)) for i in range({n})]
    results = await asyncio.gather(*tasks)
    print("done:", len(results), "tasks")


asyncio.run(main())
'''

# The same load through the run's objects (issue 25's Resources and Findings panes at 100k tasks):
# every worker takes one Semaphore for its sleeps, ``limit`` at a time (the rest wait in its line),
# and counts itself under a Lock.
LOCKS_LESSON = '''\
"""Load through a Semaphore: {n} tasks, {limit} at a time, each sleeping {hops} times."""
import asyncio


async def worker(i, gate, lock, done):
    async with gate:
        for _ in range({hops}):
            await asyncio.sleep({base} + (i % 20) * {step})
    async with lock:
        done.append(i)
    return i


async def main():
    gate, lock, done = asyncio.Semaphore({limit}), asyncio.Lock(), []
    tasks = [asyncio.create_task(worker(i, gate, lock, done)) for i in range({n})]
    results = await asyncio.gather(*tasks)
    print("done:", len(results), "tasks")


asyncio.run(main())
'''


def lesson_source(kind: str, n: int, hops: int, base: float, step: float) -> str:
    """The load lesson (``load``) or its variant through a Semaphore and a Lock (``locks``: 50
    waves of ``n // 50`` tasks)."""
    if kind == "locks":
        return LOCKS_LESSON.format(n=n, hops=hops, base=base, step=step, limit=max(1, n // 50))
    return LESSON.format(n=n, hops=hops, base=base, step=step)


def open_window(folder, app_name: str):
    """``(app, loop, window)``: the playground loop attached, the ``MainWindow`` at 1400x900 with
    its settings and edit store in ``folder``, shown."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    import asyncio_playground as playground
    from asyncio_playground.ui.edits import EditStore
    from asyncio_playground.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([app_name])
    loop = playground.new_event_loop()
    loop.attach()
    settings = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(loop, edits=EditStore(str(Path(folder) / "edits")), settings=settings)
    window.resize(1400, 900)
    window.show()
    return app, loop, window


class PaintCounts(dict):
    """``{"table": n, "timeline": n}``: the paint events of the task table's viewport and of the
    timeline since the counts were made (or last set to 0)."""

    def __init__(self, window):
        super().__init__(table=0, timeline=0)
        from PySide6.QtCore import QEvent, QObject

        counts = self

        class Seen(QObject):
            def __init__(self, name):
                super().__init__()
                self.name = name

            def eventFilter(self, obj, ev):  # noqa: N802
                if ev.type() == QEvent.Type.Paint:
                    counts[self.name] += 1
                return False

        self._filters = [Seen("table"), Seen("timeline")]   # alive as long as the counts
        window.task_view.viewport().installEventFilter(self._filters[0])
        window.timeline.installEventFilter(self._filters[1])


class Probe:
    """A 16 ms ``PreciseTimer``, re-armed single-shot at each fire while on: ``late`` holds each
    fire's lateness (fire time - arm time - 16 ms, seconds), ``fires`` the fire times."""

    def __init__(self):
        from PySide6.QtCore import Qt, QTimer

        self.late: list[float] = []
        self.fires: list[float] = []
        self._armed = 0.0
        self._on = False
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._fire)

    def start(self) -> float:
        """Arm it; returns the time it was armed (the first gap starts there)."""
        self._on = True
        self._armed = time.perf_counter()
        self._timer.start(16)
        return self._armed

    def stop(self) -> None:
        self._on = False
        self._timer.stop()

    def gaps(self, since: float) -> list[float]:
        """The times between two fires, the first from ``since``: the longest is the longest the
        GUI thread ran something else (a frozen frame)."""
        fires = [since] + self.fires
        return [b - a for a, b in zip(fires, fires[1:])]

    def _fire(self) -> None:
        now = time.perf_counter()
        self.late.append(now - self._armed - 0.016)
        self.fires.append(now)
        if self._on:
            self._armed = time.perf_counter()
            self._timer.start(16)
