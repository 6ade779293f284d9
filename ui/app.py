"""Application entry points: the window (`main`) and the offscreen screenshot (`render_screenshot`)."""
from __future__ import annotations

import asyncio
import gc
import signal
import sys
import time
from pathlib import Path

ORG = "asyncio-playground"
APP = "asyncio Playground"
SHUTDOWN_S = 1.0      # closing mid-run: cancelled tasks get this long to run their finally blocks


def _application(argv, *, icon: bool = True):
    """The QApplication, named and styled; ``icon=False`` leaves its window icon to the caller
    (loading Qt's SVG icon engine takes ~10 ms, which the window spends after its first paint)."""
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        # Qt 6 scales for HiDPI by default; only the names (for QSettings/QStandardPaths) are ours.
        app = QApplication(list(argv) if argv else [sys.argv[0] if sys.argv else "asyncio-playground"])
    app.setOrganizationName(ORG)
    app.setApplicationName(APP)
    app.setApplicationDisplayName(APP)
    # One look everywhere: Fusion draws the theme's palettes (ui/colors.py) faithfully.
    app.setStyle("Fusion")
    from .desktop import APP_ID, app_icon
    if icon:
        app.setWindowIcon(app_icon())
    app.setDesktopFileName(APP_ID)   # Wayland/X11 match the window to the installed .desktop entry
    return app


def finish_runs(loop, runs, timeout: float = SHUTDOWN_S) -> None:
    """Cancel `runs` and spin the (detached) loop until their tasks' finally blocks have run.

    `with loop: loop.run_until_complete(...)` would skip pending finally blocks (a qasync quirk),
    so the loop is detached from app.exec() first and driven by run_until_complete itself.
    """
    runs = [r for r in runs if not r.done]
    if not runs:
        return
    for run in runs:
        run.stop()

    async def _wait():
        await asyncio.wait([asyncio.ensure_future(r.wait()) for r in runs], timeout=timeout)

    loop.run_until_complete(_wait())


def close_down(app, loop, window, *, close_window: bool = True) -> None:
    """Stop the window's runs (their finally blocks run), then dispose of the window and loop."""
    runs = window.shutdown()
    loop.detach()
    try:
        finish_runs(loop, runs)
    finally:
        # The window is gone: what asyncio would still log about the lessons' tasks ("Task
        # exception was never retrieved", "Task was destroyed but it is pending!" when their
        # objects are collected) has nowhere to show, and the terminal is not the place.
        loop.set_exception_handler(_quiet)
        if close_window:
            window.close()
        window.deleteLater()
        app.processEvents()
        gc.collect()        # collect them now, while the quiet handler is in place
        loop.close()


_UI_DIR = Path(__file__).resolve().parent


def _ours(filename: str) -> bool:
    """Whether ``filename`` is the playground's own code (the engine or the window), not a lesson's."""
    import asyncio_playground
    path = Path(filename).resolve() if filename else None
    if path is None or "examples" in path.parts:
        return False
    return any(root in path.parents for root in (_UI_DIR, Path(asyncio_playground.__file__).resolve().parent))


def _quiet(loop, context) -> None:
    """The window's loop exception handler.  What asyncio would log about a lesson's tasks ("Task
    exception was never retrieved", "Task was destroyed but it is pending!") the engine has
    already put on that run (the window's console shows it), so the terminal gets nothing; an
    error in the playground's own code is still logged as asyncio would."""
    task = context.get("task") or context.get("future")
    coro = task.get_coro() if isinstance(task, asyncio.Task) else None
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    exc = context.get("exception")
    frames = []
    tb = exc.__traceback__ if exc is not None else None
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    ours = (code is not None and _ours(code.co_filename)) or (bool(frames) and _ours(frames[-1]))
    if ours:
        loop.default_exception_handler(context)


def main(argv=None) -> int:
    """Open the window; returns the exit code once it is closed (2 at once if there is no display
    Qt could open: the message says what is missing and how to fix it)."""
    from .display import problem
    gui = sys.modules.get("PySide6.QtGui")
    running = gui is not None and gui.QGuiApplication.instance() is not None
    missing = None if running else problem()    # a running QApplication has its display already
    if missing:
        print(missing, file=sys.stderr)
        return 2
    import asyncio_playground as playground

    # Start-up builds only what lives as long as the window (its modules, Qt's enum classes, the
    # widgets): the cyclic collector would scan it again and again for nothing (~4 ms before the
    # first paint).  It runs again once the window is ready (lessons loaded), or on the way out.
    resume_gc = gc.enable if gc.isenabled() else (lambda: None)
    gc.disable()
    try:
        from .desktop import app_icon
        from .main_window import MainWindow
        app = _application(argv, icon=False)
        loop = playground.new_event_loop()
        loop.set_exception_handler(_quiet)   # lesson errors show in the window, not the terminal
        loop.attach()                   # app.exec() drives the loop from here on
        # Deferred: the window paints first, then builds its other tabs, loads the lessons, sets
        # its icon and says it is ready; the application's icon (dialogs show it) follows.
        window = MainWindow(loop, deferred=True)
        window.ready.connect(lambda: app.setWindowIcon(app_icon()))
        window.ready.connect(resume_gc)
        window.show()
        # Ctrl+C in the terminal closes the window like the user would (settings saved, runs
        # cancelled).  Python runs the handler between Qt events; the loop's timers provide those.
        previous = signal.signal(signal.SIGINT, lambda *_: window.close())
        try:
            app.exec()
        finally:
            signal.signal(signal.SIGINT, previous)
            close_down(app, loop, window, close_window=False)   # app.exec() returned: it is closed
    finally:
        resume_gc()
    return 0


def _spin(app, seconds: float, until=None) -> None:
    # Offscreen rendering only: no task is running here, so spinning Qt's queue is safe.
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (until and until()):
        app.processEvents()
        time.sleep(0.002)


def _play_scheduler(app, loop, window, schedule: list, steps: int) -> int:
    """Run the window's lesson paused, on ``schedule`` (held where it ends), then ``steps`` steps
    in asyncio's order: a challenge mid-play.  0 on success."""
    from asyncio_playground.schedule import Scheduler
    loop.pause()
    if not window.run_current():
        print("screenshot: the lesson did not start", file=sys.stderr)
        return 1
    scheduler = Scheduler(window.run, schedule, hold=True, fast=True).follow()
    _spin(app, 10.0, until=lambda: scheduler.finished)
    if scheduler.error is not None or not scheduler.held:
        print(f"screenshot: the schedule did not fit: {scheduler.error or 'the run ended first'}",
              file=sys.stderr)
        return 1
    for _ in range(steps):
        if window.run.done:
            break
        before = loop.step_count
        loop.step()
        _spin(app, 5.0, until=lambda: loop.step_count > before or window.run.done)
    _spin(app, 0.1)
    window.scheduling.update()
    return 0


def render_screenshot(lesson=None, out_png="screenshot.png", at_seconds: float = 0.5,
                      select: str | None = None, size: tuple[int, int] = (1400, 900),
                      tab: str | None = None, schedule=None, steps: int | None = None,
                      hint: bool = False) -> int:
    """Render the window offscreen after `lesson` (slug or path) ran for `at_seconds`, with the task
    named `select` selected (its story shown) and the run views' tab whose title starts with
    `tab` in front; 0 on success.  `schedule` (a list of choices) or `steps`: the run is played as
    the scheduler plays it instead -- paused before it starts, the schedule's choices made, then
    `steps` more steps in asyncio's order, and held there (`at_seconds` is not waited).  `hint`:
    a challenge's Hint is shown."""
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    import asyncio_playground as playground
    from PySide6.QtCore import QSettings

    from .edits import EditStore
    from .main_window import MainWindow
    app = _application(None)
    loop = playground.new_event_loop()
    loop.attach()
    # A throwaway settings file and edit dir: a screenshot shows the lesson as shipped, at a fixed
    # size, and never changes what the user's own window remembers.
    tmp = tempfile.TemporaryDirectory(prefix="asyncio-playground-shot-")
    settings = QSettings(str(Path(tmp.name) / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(loop, edits=EditStore(tmp.name), settings=settings)
    code = 0
    try:
        target = None
        if lesson:
            target = window.lesson_paths().get(str(lesson)) or (str(lesson) if Path(lesson).is_file() else None)
            if target is None:
                print(f"screenshot: no lesson or file {lesson!r}", file=sys.stderr)
                return 2
        window.resize(*size)
        window.show()
        if target:
            window.open_path(target)
        if tab:
            views = window.views
            views.build()
            titles = [views.tabText(i) for i in range(views.count())]
            found = [i for i, title in enumerate(titles) if title.lower().startswith(tab.lower())]
            if not found:
                print(f"screenshot: no tab {tab!r} (the tabs: {', '.join(titles)})", file=sys.stderr)
                return 2
            views.setCurrentIndex(found[0])
        if hint and window.lesson_panel.challenge.hint_button.isVisible():
            window.lesson_panel.challenge.hint_button.click()
        if schedule is not None or steps is not None:
            code = _play_scheduler(app, loop, window, schedule or [], steps or 0)
            if code:
                return code
        else:
            window.run_current()
            _spin(app, max(0.0, at_seconds))
        window.refresher.frame()     # the frame timer may be mid-interval: show the latest state
        if select:
            row = next((r for r in window.table.rows if r.name == select), None) if window.table else None
            if row is None:
                print(f"screenshot: no task named {select!r} in the run", file=sys.stderr)
                return 2
            window.task_view.select_tid(row.tid)
        _spin(app, 0.05)
        if not window.grab().save(str(out_png)):
            print(f"screenshot: could not write {out_png}", file=sys.stderr)
            code = 1
    finally:
        try:
            close_down(app, loop, window)
        finally:
            tmp.cleanup()
    return code
