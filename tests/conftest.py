"""Shared fixtures: offscreen Qt, loop factories, and a guard against leftovers.

* Qt runs offscreen; one QApplication for the session (created before any engine test makes a
  windowless QCoreApplication, which would stop GUI tests from making a QApplication later).
* ``loop_factory`` runs a test on plain asyncio and on the playground loop (same test).
* every test must leave no thread running, and no task pending on a loop it made (checked by
  ``leak_guard``, autouse).
"""
from __future__ import annotations

import asyncio
import os
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

import asyncio_playground as playground  # noqa: E402

LOOP_FACTORIES = {
    "asyncio": asyncio.new_event_loop,
    "playground": playground.new_event_loop,
}


@pytest.fixture(autouse=True, scope="session")
def _qapp_first(qapp):
    return qapp


@pytest.fixture(params=sorted(LOOP_FACTORIES))
def loop_factory(request):
    """A loop factory: the same test runs on plain asyncio and on the playground loop."""
    return LOOP_FACTORIES[request.param]


@pytest.fixture
def pg_loop():
    """A playground loop, closed like asyncio.run closes its loop."""
    loop = playground.new_event_loop()
    yield loop
    with loop:
        pass


@pytest.fixture
def attached_loop(qapp):
    """A playground loop attached to Qt: it runs while pytest-qt spins events (GUI tests)."""
    loop = playground.new_event_loop()
    loop.attach()
    yield loop
    loop.detach()
    with loop:  # cancels leftovers, runs their finally blocks, closes
        pass


@pytest.fixture
def gui_loop(qapp):
    """A playground loop attached to Qt: it runs whenever qtbot spins events."""
    loop = playground.new_event_loop()
    loop.attach()
    yield loop
    loop.detach()
    loop.close()


@pytest.fixture
def make_window(qtbot, gui_loop, tmp_path):
    """Builds windows on a private settings file and edit dir; stops their runs at teardown."""

    def owned_by(listener, w) -> bool:
        obj = getattr(listener, "__self__", None)
        while obj is not None and hasattr(obj, "parent"):
            if obj is w:
                return True
            obj = obj.parent()
        return False

    def stop_runs(w):
        # pytest-qt closes added widgets before fixture teardown: stop and await the runs first.
        runs = w.shutdown()
        qtbot.waitUntil(lambda: all(r.done for r in runs), timeout=5000)
        # The loop outlives the window (it is the next test's): nothing of the window listens.
        left = [f for f in gui_loop.clock_listeners if owned_by(f, w)]
        assert not left, f"the window's clock listeners outlive it: {left}"

    def make(data_dir=None):
        from PySide6.QtCore import QSettings

        from asyncio_playground.ui.edits import EditStore
        from asyncio_playground.ui.main_window import MainWindow
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        w = MainWindow(gui_loop, edits=EditStore(data_dir or tmp_path / "data"), settings=settings)
        qtbot.addWidget(w, before_close_func=stop_runs)
        w.resize(1400, 900)
        with qtbot.waitExposed(w):
            w.show()
        w.activateWindow()                  # shortcuts go to the active window
        qtbot.waitUntil(w.isActiveWindow, timeout=2000)
        return w

    return make


@pytest.fixture
def window(make_window, gui_loop):
    """A window (``make_window()``); the loop is shared with the teardown and the next test: it is
    left at 1x, unpaused, whatever the test did with the time bar."""
    w = make_window()
    yield w
    gui_loop.resume()
    gui_loop.set_speed(1.0)


def _threads():
    return {t for t in threading.enumerate() if t.is_alive()}


@pytest.fixture(autouse=True)
def leak_guard():
    before = _threads()
    yield
    deadline = time.monotonic() + 3.0
    while True:
        extra = {t for t in _threads() - before if not t.name.startswith(("asyncio_", "ThreadPoolExecutor"))}
        if not extra or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not extra, f"test left threads running: {sorted(t.name for t in extra)}"


# -- our own deprecations fail the suite ---------------------------------------------------------
# pyproject.toml's filterwarnings turns a DeprecationWarning attributed to our modules into an
# error where it is raised.  One raised where an exception goes unseen (a callback on the loop, a
# thread) or under a filter a test set itself is still recorded: these hooks fail the session on
# it, so what Python deprecates (3.14: the policy API, removed in 3.16) cannot creep back in.
_OWN_DIRS = tuple(os.path.dirname(os.path.abspath(m.__file__)) + os.sep
                  for m in (playground, __import__("asyncio_playground.ui").ui))
_own_deprecations: list[str] = []


def pytest_warning_recorded(warning_message, when, nodeid, location):
    if (issubclass(warning_message.category, (DeprecationWarning, PendingDeprecationWarning))
            and os.path.abspath(warning_message.filename).startswith(_OWN_DIRS)):
        _own_deprecations.append(f"{nodeid or when}: {warning_message.filename}:"
                                 f"{warning_message.lineno}: {warning_message.message}")


def pytest_sessionfinish(session, exitstatus):
    if _own_deprecations and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _own_deprecations:
        terminalreporter.section("deprecation warnings from asyncio_playground itself (failure)")
        for line in dict.fromkeys(_own_deprecations):
            terminalreporter.write_line(line)
