"""The monkey test (issue 5): thousands of random window actions, then nothing broken or left behind.

A seeded random monkey (``random.Random(1234)``: every failure replays) drives the real window the
way a user would — browser clicks, the Run/Stop toolbar buttons and shortcuts, the Cancel button
of a live row, typing into the editor, Revert, the network toggle, the block-limit control, trace
export — over the bundled lessons (all but the three that talk HTTP, so that "Live" network mode
never reaches the internet) and a handful of broken scripts: a syntax error, an exception at
import, ``sys.exit()``, ``KeyboardInterrupt`` in a task, a never-retrieved task exception, a
runaway ``while True: pass`` and a ``time.sleep(60)`` in a task (both interrupted at the 0.5 s
block limit), a lesson that calls ``loop.stop()``, and a long one whose rows stay live for the
Cancel clicks.

Afterwards:

* nothing reached ``sys.excepthook``, ``threading.excepthook`` or ``sys.unraisablehook``;
* the loop's exception handler saw only what lessons are *about* (a lesson task's "Task exception
  was never retrieved", a lesson's own failing callback), never an exception from ``ui/`` or
  ``playground/`` code, never "Task was destroyed but it is pending";
* after a final Stop every run ends; no task of any run is left on the loop, no timer of a run is
  left in the loop's heap, the frame timer and the watchdog have stopped (and ``leak_guard``
  checks that no thread is left);
* the window still responds: the create_task lesson runs and both its tasks reach done.

Waits between actions are short ``qtbot.wait`` pauses, only to let the loop run; nothing is timed.
"""
import asyncio
import faulthandler
import os
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import random  # noqa: E402

import pytest  # noqa: E402
from PySide6.QtCore import QPoint, QSettings, Qt  # noqa: E402

import asyncio_playground as playground  # noqa: E402
from asyncio_playground._tracer import tracer_of  # noqa: E402

from asyncio_playground.ui.edits import EditStore  # noqa: E402
from asyncio_playground.ui.main_window import MainWindow  # noqa: E402
from asyncio_playground.ui.task_model import TaskTableModel  # noqa: E402
from asyncio_playground.ui.task_delegate import TaskDelegate  # noqa: E402

SEED = 1234
N_ACTIONS = int(os.environ.get("MONKEY_N", 2000))
BLOCK_LIMIT = 0.5        # the block-limit control's minimum: runaways cost ~0.5 s each
ACTION_HANG_S = 15.0     # one action (plus its pause) taking this long is a hang: stacks are dumped
MAX_BLOCKERS = 4         # runaway runs in one storm (each blocks the loop ~BLOCK_LIMIT s)
CREATE_TASK_LESSON = "basics_02_concurrent_tasks"
HTTP_LESSONS = {"basics_03_return_values_httpx", "many_05_semaphore_httpx", "time_05_http_timeout_retry"}
REPO = Path(__file__).resolve().parent.parent
OUR_CODE = tuple(str(Path(m.__file__).resolve().parent) + os.sep for m in (playground, playground.ui))

BROKEN = {
    "syntax_error.py": """\
        import asyncio

        async def main(:
            await asyncio.sleep(0)
        """,
    "import_error.py": """\
        import asyncio

        raise LookupError("raised while importing the lesson")

        async def main():
            await asyncio.sleep(0)
        """,
    "sys_exit.py": """\
        import asyncio
        import sys

        async def main():
            await asyncio.sleep(0.02)
            sys.exit(2)

        asyncio.run(main())
        """,
    "keyboard_interrupt_in_task.py": """\
        import asyncio

        async def impatient():
            await asyncio.sleep(0.02)
            raise KeyboardInterrupt

        async def bystander():
            try:
                await asyncio.sleep(10)
            finally:
                print("bystander cleaned up")

        async def main():
            asyncio.create_task(bystander(), name="bystander")
            await asyncio.create_task(impatient(), name="impatient")

        asyncio.run(main())
        """,
    "never_retrieved.py": """\
        import asyncio
        import gc

        async def orphan():
            raise ConnectionError("nobody asked")

        async def main():
            task = asyncio.create_task(orphan(), name="orphan")
            await asyncio.sleep(0.02)
            del task
            gc.collect()
            await asyncio.sleep(0.02)

        asyncio.run(main())
        """,
    "runaway_spin.py": """\
        import asyncio

        async def spin():
            await asyncio.sleep(0.1)   # the loop's heartbeat resumes before the runaway (see run_broken)
            while True:
                pass

        asyncio.run(spin())
        """,
    "runaway_sleep.py": """\
        import asyncio
        import time

        async def nap():
            await asyncio.sleep(0.1)   # the loop's heartbeat resumes before the runaway (see run_broken)
            time.sleep(60)

        async def main():
            await asyncio.gather(nap(), asyncio.sleep(0.2))

        asyncio.run(main())
        """,
    "stops_the_loop.py": """\
        import asyncio

        async def main():
            await asyncio.sleep(0.01)
            asyncio.get_running_loop().stop()

        asyncio.run(main())
        """,
    "long_workers.py": """\
        import asyncio

        async def worker(i):
            try:
                await asyncio.sleep(5 + i)
            finally:
                print(f"cleanup {i}")

        async def main():
            async with asyncio.TaskGroup() as tg:
                for i in range(4):
                    tg.create_task(worker(i), name=f"worker-{i}")

        asyncio.run(main())
        """,
}
BLOCKERS = {"runaway_spin.py", "runaway_sleep.py"}
class Recorder:
    """Everything that reached a last-resort hook, or the loop's exception handler unhandled."""

    def __init__(self, loop, lesson_files):
        self.loop = loop
        self.lesson_files = lesson_files
        self.excepthook: list = []
        self.thread_hook: list = []
        self.unraisable: list = []
        self.unexpected: list = []     # loop exception-handler contexts that are not lesson errors
        self.expected: Counter = Counter()

    def install(self, monkeypatch):
        prev_hook, prev_thread = sys.excepthook, threading.excepthook

        def excepthook(*args):
            self.excepthook.append(args)
            prev_hook(*args)              # pytest-qt's capture sees it too

        def thread_hook(args):
            self.thread_hook.append((args.exc_type, args.exc_value, args.thread))
            prev_thread(args)

        def unraisable(args):
            self.unraisable.append((args.exc_type, args.exc_value, args.object, args.err_msg))

        monkeypatch.setattr(sys, "excepthook", excepthook)
        monkeypatch.setattr(threading, "excepthook", thread_hook)
        monkeypatch.setattr(sys, "unraisablehook", unraisable)
        self.loop.set_exception_handler(self.loop_handler)

    def _from_lesson(self, exc) -> bool:
        """Raised by lesson code: some frame of its traceback is in a lesson file, or it is the
        playground's deliberate answer to the lesson (the watchdog's BlockedLoopError)."""
        if exc is None:
            return False
        if type(exc).__name__ == "BlockedLoopError":
            return True
        tb = exc.__traceback__
        while tb is not None:
            if os.path.normcase(tb.tb_frame.f_code.co_filename) in self.lesson_files:
                return True
            tb = tb.tb_next
        return False

    def loop_handler(self, loop, context):
        message = context.get("message", "")
        exc = context.get("exception")
        owner = context.get("task") or context.get("future")
        lesson_task = tracer_of(owner) is not None
        # "Task exception was never retrieved" for a lesson's task, and the same for a lesson's
        # gather() whose child was cancelled (by a Cancel click) while nobody awaited it yet:
        # plain asyncio says exactly this for the same code.
        if message.endswith("exception was never retrieved") and self._from_lesson(exc) and (
                lesson_task or message.startswith("_GatheringFuture")):
            self.expected[message] += 1
            return
        handle = context.get("handle")
        callback_file = getattr(getattr(getattr(handle, "_callback", None), "__code__", None),
                                "co_filename", "")
        if message.startswith("Exception in callback") and (
                os.path.normcase(callback_file) in self.lesson_files or self._from_lesson(exc)):
            self.expected["Exception in callback"] += 1
            return
        self.unexpected.append(context)

    def problems(self) -> list[str]:
        import traceback
        out = []
        for args in self.excepthook:
            out.append("sys.excepthook: " + "".join(traceback.format_exception(*args)))
        for exc_type, exc, thread in self.thread_hook:
            out.append(f"threading.excepthook ({thread}): "
                       + "".join(traceback.format_exception(exc_type, exc, exc.__traceback__)))
        for exc_type, exc, obj, msg in self.unraisable:
            tb = exc.__traceback__ if exc is not None else None
            frames = [f.filename for f in traceback.extract_tb(tb)] if tb else []
            if any(f.startswith(OUR_CODE) for f in frames) or not frames:
                out.append(f"unraisable: {msg} {obj!r}: {exc_type.__name__}: {exc}")
        for ctx in self.unexpected:
            exc = ctx.get("exception")
            text = "".join(traceback.format_exception(exc)) if exc is not None else ""
            out.append(f"loop exception handler: {ctx.get('message')} {ctx!r}\n{text}")
        return out


class Monkey:
    """Random user actions on the window (each one a real click / key press where there is one)."""

    def __init__(self, qtbot, window, loop, tmp_path, rng):
        self.qtbot, self.w, self.loop, self.tmp, self.rng = qtbot, window, loop, tmp_path, rng
        self.lessons = sorted(p for slug, p in window.lesson_paths().items() if slug not in HTTP_LESSONS)
        self.scripts = {}
        for name, body in BROKEN.items():
            path = tmp_path / "scripts" / name
            path.parent.mkdir(exist_ok=True)
            path.write_text(textwrap.dedent(body))
            self.scripts[name] = str(path)
        self.done = Counter()
        self.blockers = 0
        self.slowest: list = []   # (seconds, action, file): where the wall time goes
        self.actions = [
            (14, self.pick_lesson), (16, self.run), (8, self.run_shortcut), (12, self.cancel_row),
            (6, self.stop), (10, self.edit), (2, self.revert), (6, self.run_broken), (2, self.toggle_network),
            (3, self.export), (6, self.select_row), (3, self.click_timeline), (2, self.set_block_limit),
            (6, self.run_long), (4, self.idle),
        ]
        self._weights = [w for w, _ in self.actions]

    # -- helpers -------------------------------------------------------------------------------
    def _click_path(self, path):
        """Select `path` in the lesson browser with a mouse click (as the user would)."""
        tree = self.w.browser.tree
        item = self.w.browser._item_for(path)
        if item is None:
            return self.w.open_path(path)      # first time: what "Open file…" does
        tree.scrollToItem(item)
        pos = tree.visualItemRect(item).center()
        assert tree.viewport().rect().contains(pos) and tree.itemAt(pos) is item   # on screen
        self.qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        return self.w.current_path() == path

    def _click(self, action):
        self.qtbot.mouseClick(self.w.toolbar.widgetForAction(action), Qt.MouseButton.LeftButton)

    # -- actions -------------------------------------------------------------------------------
    def pick_lesson(self):
        assert self._click_path(self.rng.choice(self.lessons))

    def run(self):
        self._click(self.w.act_run)

    def run_shortcut(self):
        self.qtbot.keyClick(self.w, Qt.Key.Key_F5)

    def stop(self):
        self.qtbot.keyClick(self.w, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)

    def cancel_row(self):
        model, view = self.w.task_model, self.w.task_view
        live = [r for r in range(model.rowCount())
                if model.index(r, TaskTableModel.ACTION_COL).data() == "Cancel"]
        if not live:
            return self.run_long()
        index = model.index(self.rng.choice(live), TaskTableModel.ACTION_COL)
        view.scrollTo(index)
        rect = TaskDelegate.button_rect(view.visualRect(index))
        self.qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    def select_row(self):
        model, view = self.w.task_model, self.w.task_view
        if not model.rowCount():
            return
        index = model.index(self.rng.randrange(model.rowCount()), TaskTableModel.NAME_COL)
        view.scrollTo(index)
        self.qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())

    def click_timeline(self):
        tl = self.w.timeline
        pos = QPoint(self.rng.randrange(max(1, tl.width())), self.rng.randrange(max(1, tl.height())))
        self.qtbot.mouseClick(tl, Qt.MouseButton.LeftButton, pos=pos)

    def edit(self):
        editor, rng = self.w.editor, self.rng
        cursor = editor.textCursor()
        if rng.random() < 0.6:    # a harmless note at the end
            cursor.movePosition(cursor.MoveOperation.End)
            editor.setTextCursor(cursor)
            self.qtbot.keyClick(editor, Qt.Key.Key_Return)
            self.qtbot.keyClicks(editor, f"# note {rng.randrange(1000)}")
        else:                     # a typo somewhere: may break the lesson (syntax or name error)
            cursor.setPosition(rng.randrange(len(editor.toPlainText()) + 1))
            editor.setTextCursor(cursor)
            self.qtbot.keyClicks(editor, rng.choice(["x", ")", ":", " ", "1", "#"]))

    def revert(self):
        if self.w.act_revert.isEnabled():
            self._click(self.w.act_revert)

    def run_broken(self):
        name = self.rng.choice(sorted(set(BROKEN) - BLOCKERS) + ["<runaway>"])
        if name == "<runaway>":   # the two kinds take turns; each costs ~1 s of wall time
            if self.blockers >= MAX_BLOCKERS:
                return self.run_long()
            name = sorted(BLOCKERS)[self.blockers % 2]
            self.blockers += 1
        self.done[f"broken:{name}"] += 1
        if name in BLOCKERS:
            # Runaways start on a quiet loop, so that the limit they are stopped at is theirs.
            # (One begun right after other work was once interrupted inside a weakref callback,
            # WeakSet._remove, instead of in the lesson's code: the watchdog now waits for the
            # callback to return, test_watchdog's weakref test.)
            self.wait_runs_end()
        assert self._click_path(self.scripts[name])
        if name in BLOCKERS:
            self.revert()             # the monkey's own typos may have broken it
        self.run()
        if name in BLOCKERS:
            run = self.w.run
            assert run in self.w.live_runs(), self.w.console.toPlainText()[-1000:]
            self.qtbot.waitUntil(lambda: run.done, timeout=10_000)

    def wait_runs_end(self, timeout=10.0):
        """Press Stop once: every run ends, the current one and earlier ones still unwinding (a
        Stop that lands before a run's main() task exists is not lost).  On a timeout, the
        failure says which runs are left and where each stands."""
        if self.w.act_stop.isEnabled():
            self.stop()

        def all_ended():
            assert not self.w.live_runs(), "runs still live after Stop:\n" + "\n".join(
                f"  {Path(r.path).name}: current={r is self.w.run} stopping={r._stopping} "
                f"module_running={r._module_running} awaiting_main={r._awaiting_main} "
                f"thread_alive={r._thread.is_alive()} live_tasks={list(r.tracer.live.values())}"
                for r in self.w.live_runs())
        self.qtbot.waitUntil(all_ended, timeout=int(timeout * 1000))

    def run_long(self):
        assert self._click_path(self.scripts["long_workers.py"])
        self.run()

    def toggle_network(self):
        self._click(self.w.act_network)

    def export(self):
        path = self.tmp / f"trace-{self.rng.randrange(3)}.json"
        run = self.w.shown_run()   # the run on screen: the shown lesson's last
        if run is not None:
            # A run that never started (a syntax error) has nothing to export, and says so.
            started = bool(run.tracer.events)
            assert self.w.export_trace(str(path)) == started, self.w.console.toPlainText()[-500:]

    def set_block_limit(self):
        self.w.block_limit.setValue(self.rng.choice([BLOCK_LIMIT, BLOCK_LIMIT, 1.0]))

    def idle(self):
        self.qtbot.wait(self.rng.choice([20, 50]))

    def step(self):
        (action,) = self.rng.choices([a for _, a in self.actions], weights=self._weights)
        self.done[action.__name__] += 1
        t0 = time.monotonic()
        action()
        self.qtbot.wait(self.rng.choice([0, 0, 1, 2, 5, 10]))
        self.slowest = sorted(self.slowest + [(time.monotonic() - t0, action.__name__,
                                               Path(self.w.current_path() or "").name)])[-8:]


@pytest.fixture
def window(qtbot, attached_loop, tmp_path, monkeypatch):
    monkeypatch.setenv("ASYNCIO_PLAYGROUND_DATA", str(tmp_path / "data"))

    def stop_runs(w):
        runs = w.shutdown()
        qtbot.waitUntil(lambda: all(r.done for r in runs), timeout=10_000)

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(attached_loop, edits=EditStore(tmp_path / "data"), settings=settings)
    qtbot.addWidget(w, before_close_func=stop_runs)
    w.resize(1400, 900)
    with qtbot.waitExposed(w):
        w.show()
    w.activateWindow()                          # shortcuts go to the active window
    qtbot.waitUntil(w.isActiveWindow, timeout=2000)
    return w


def _leftover_tasks(loop):
    return [t for t in asyncio.all_tasks(loop) if not t.done()]


def _run_timers(loop):
    """Timer handles of a run's code still in the loop's heap (a run's context is set)."""
    from asyncio_playground._loop import current_run
    return [h for h in loop._scheduled
            if not h._cancelled and h._context is not None and h._context.get(current_run) is not None]


# The monkey's typos can turn `tg.create_task(worker(i), name=...)` into a call that fails after
# `worker(i)` was made: Python then warns the coroutine was never awaited, as it would anywhere.
@pytest.mark.slow   # ~35 s: once in CI (on 3.11)
@pytest.mark.filterwarnings("ignore:coroutine '.*' was never awaited:RuntimeWarning")
def test_monkey(qtbot, window, attached_loop, tmp_path, monkeypatch):
    w, loop = window, attached_loop
    rng = random.Random(SEED)
    monkey = Monkey(qtbot, w, loop, tmp_path, rng)
    lesson_files = {os.path.normcase(p) for p in monkey.lessons + list(monkey.scripts.values())}
    recorder = Recorder(loop, lesson_files)
    recorder.install(monkeypatch)
    w.block_limit.setValue(BLOCK_LIMIT)
    started = time.monotonic()
    runs = []
    w.runStarted.connect(runs.append)

    for i in range(N_ACTIONS):
        # A hang reporter: an action that takes this long dumps every thread's stack (stderr).
        faulthandler.dump_traceback_later(ACTION_HANG_S, exit=False)
        try:
            monkey.step()
        finally:
            faulthandler.cancel_dump_traceback_later()
        if i % 250 == 249:        # fail near the action that broke something, not at the end
            assert recorder.problems() == [], "\n\n".join(recorder.problems())

    storm = time.monotonic() - started
    assert sum(monkey.done[a.__name__] for _, a in monkey.actions) == N_ACTIONS
    assert all(monkey.done[a.__name__] for _, a in monkey.actions), monkey.done
    assert all(monkey.done[f"broken:{n}"] for n in BROKEN), monkey.done

    # Final Stop, then every run ends (stopped ones included).
    monkey.wait_runs_end()
    qtbot.waitUntil(lambda: not w.refresher.is_active(), timeout=3000)
    assert all(r.done for r in runs)
    assert _leftover_tasks(loop) == []
    assert _run_timers(loop) == []
    assert not loop.tracers and loop.tracing_hook is None
    assert loop._watchdog is None or loop._watchdog._thread is None
    assert recorder.problems() == [], "\n\n".join(recorder.problems())
    outcomes = Counter(r.outcome for r in runs)
    assert outcomes["completed"] and outcomes["failed"] and outcomes["cancelled"], outcomes
    ends = Counter()
    for run in runs:
        table = playground.TaskTable()
        table.apply(run.tracer.read(0)[0])
        ends.update(r.exc[0] for r in table.rows if r.exc)
        ends["cancel clicked"] += sum(1 for r in table.rows for c in r.cancel_requests if c.by is None)
    assert ends["BlockedLoopError"] >= 2 and ends["cancel clicked"], ends

    # The window still responds: the create_task lesson runs to the end, both tasks done.
    w.block_limit.setValue(5.0)
    w.act_network.setChecked(False)
    path = w.lesson_paths()[CREATE_TASK_LESSON]
    assert monkey._click_path(path)
    w.revert_to_original()
    with qtbot.waitSignal(w.runFinished, timeout=10_000) as finished:
        monkey.run()
    assert finished.args == ["completed"], w.console.toPlainText()[-2000:]
    states = {row.name: row.state for row in w.table.rows}
    assert states.get("fetch-A") == states.get("fetch-B") == "done", states
    assert recorder.problems() == [], "\n\n".join(recorder.problems())
    print(f"\nmonkey: {N_ACTIONS} actions in {storm:.1f} s, {len(runs)} runs {dict(outcomes)}, "
          f"expected lesson errors {dict(recorder.expected)}\n"
          f"task endings {dict(ends)}\n{dict(monkey.done)}\nslowest {monkey.slowest}")
