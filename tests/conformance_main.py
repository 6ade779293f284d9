"""Run CPython's own asyncio tests on the playground loop (``python tests/conformance_main.py``).

    python tests/conformance_main.py                     # the quick set (MODULES), playground loop
    python tests/conformance_main.py --extended          # all of test.test_asyncio that applies
    python tests/conformance_main.py --plain --extended  # the same tests on plain asyncio
    python tests/conformance_main.py --json OUT ...      # per-module counts and non-passing ids

Every loop the tests ask asyncio for is the playground's: the default policy's loop factory
(``asyncio.new_event_loop()``, ``asyncio.run``, ``Runner``, ``IsolatedAsyncioTestCase``) and
every test class's own ``create_event_loop()`` (test_events' and test_sock_lowlevel's
``EPollEventLoopTests``/``SelectEventLoopTests``…, which otherwise build a ``SelectorEventLoop``).
Tests that build a loop class by hand (``test_utils.TestLoop``, ``base_events.BaseEventLoop()``)
run on that loop either way.  Tests listed in ``NOT_APPLICABLE`` (test id -> reason) are skipped
on the playground loop; each one is a white-box test of asyncio's own loop classes (see
docs/conformance.md).  Exits non-zero if any other test fails or errors.
"""
from __future__ import annotations

import argparse
import asyncio
import faulthandler
import fnmatch
import json
import os
import sys
import time
import unittest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The quick set (~20 s): asyncio's own primitives, the event-loop battery (test_events: it caught
# a debug-mode source traceback ending in our loop module) and the sockets tests (a cancelled
# sock_recv/sock_connect left the next one on the same socket never woken).
MODULES = ["test_taskgroups", "test_timeouts", "test_waitfor", "test_locks", "test_queues", "test_events",
           "test_sock_lowlevel"]

# test.test_asyncio modules about another loop or another OS: never run.
OTHER_LOOP_OR_OS = {
    "test_windows_events": "Windows only (ProactorEventLoop, IOCP)",
    "test_windows_utils": "Windows only (overlapped pipes)",
    "test_proactor_events": "the proactor loop's own implementation, against a mocked proactor",
    "test_selector_events": "BaseSelectorEventLoop's own implementation, against a mocked selector",
}

_WHITE_BOX = "white-box test of BaseEventLoop internals: "
_LOOP_IN_A_THREAD = (
    "runs an event loop in a thread of its own (a Runner, asyncio.run or run_forever in a "
    "threading.Thread): a PlaygroundLoop works only in the thread of Qt's application; in a plain "
    "Python thread Qt has no event dispatcher ('current thread's event dispatcher has already been "
    "destroyed') and the loop never runs (docs/design-facts.md).  The playground never makes one "
    "there: a lesson's thread that calls asyncio.run() runs on the playground loop "
    "(docs/engine-api.md)")
# Tests that plain asyncio passes and the playground loop does not, each for a reason that is no
# bug of ours: a look inside asyncio's own loop classes, or a loop made where Qt cannot run one.
# Measured on 3.11, 3.13, 3.14 and 3.15 (docs/conformance.md).  Ids are unittest's; a `*` stands
# for any test class (test_free_threading runs each test in four: Python and C tasks, eager or not).
NOT_APPLICABLE = {
    "test.test_asyncio.test_unix_events.SelectorEventLoopUnixSockSendfileTests.test_sock_sendfile_blocking_error":
        _WHITE_BOX + "reads loop._selector.get_key(sock); qasync watches sockets with QSocketNotifiers, "
        "so its selector never holds them (sock_sendfile itself passes the module's other tests)",
    # 3.13
    "test.test_asyncio.test_subprocess.GenericWatcherTests.test_create_subprocess_with_pidfd":
        "runs a second loop in a worker thread (asyncio.to_thread(asyncio.run, ...)): a PlaygroundLoop "
        "works only in the thread of Qt's application; in a plain Python thread, fresh or an executor's, "
        "Qt has no event dispatcher ('current thread's event dispatcher has already been destroyed') "
        "and the loop never runs (docs/design-facts.md).  The playground never makes one there: a "
        "lesson's thread that calls asyncio.run() runs on the playground loop (docs/engine-api.md)",
    # 3.14, 3.15
    "test.test_asyncio.test_free_threading.*.test_all_tasks_race": _LOOP_IN_A_THREAD,
    "test.test_asyncio.test_free_threading.*.test_all_tasks_different_thread": _LOOP_IN_A_THREAD,
    "test.test_asyncio.test_free_threading.*.test_task_different_thread_finalized": _LOOP_IN_A_THREAD,
    "test.test_asyncio.test_free_threading.*.test_all_tasks_from_other_thread_includes_eager_tasks":
        _LOOP_IN_A_THREAD,
}


def not_applicable(test_id: str) -> str | None:
    """Why ``test_id`` does not apply to the playground loop (None: it applies)."""
    reason = NOT_APPLICABLE.get(test_id)
    if reason is None:
        for pattern, why in NOT_APPLICABLE.items():
            if "*" in pattern and fnmatch.fnmatchcase(test_id, pattern):
                return why
    return reason


def extended_modules() -> list[str]:
    import pkgutil

    import test.test_asyncio as pkg
    names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if m.name.startswith("test_"))
    return [n for n in names if n not in OTHER_LOOP_OR_OS]


class _Result(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed: list[str] = []

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed.append(test.id())


def _use_playground_loop(suite) -> None:
    import asyncio_playground as playground

    def new_loop(*_args):
        return playground.new_event_loop()

    # asyncio.new_event_loop(), asyncio.run, Runner, IsolatedAsyncioTestCase: through the policy.
    _default_policy_class()._loop_factory = staticmethod(new_loop)
    # A test class's own loop (EventLoopTestsMixin and friends).
    for test in _tests(suite):
        cls = type(test)
        if "create_event_loop" in dir(cls) and not getattr(cls, "_playground", False):
            cls.create_event_loop = lambda self: playground.new_event_loop()
            cls._playground = True


def _default_policy_class():
    """The default event loop policy's class, reached without the API 3.14 deprecates
    (``asyncio.DefaultEventLoopPolicy`` and ``get_event_loop_policy()`` warn there; 3.16 removes
    them)."""
    get = getattr(asyncio.events, "_get_event_loop_policy", None)     # 3.14+
    if get is None:
        return asyncio.DefaultEventLoopPolicy
    policy_was = asyncio.events._event_loop_policy
    try:
        asyncio.events._event_loop_policy = None       # a fresh default one, whatever is set
        return type(get())
    finally:
        asyncio.events._event_loop_policy = policy_was


def _tests(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from _tests(item)
        else:
            yield item


def _skip_not_applicable(suite) -> None:
    for test in _tests(suite):
        reason = not_applicable(test.id())
        if reason is not None:
            setattr(test, test._testMethodName, unittest.skip(f"not applicable: {reason}")(
                getattr(test, test._testMethodName)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("modules", nargs="*")
    parser.add_argument("--extended", action="store_true")
    parser.add_argument("--plain", action="store_true", help="plain asyncio (the baseline)")
    parser.add_argument("--json", metavar="OUT")
    args = parser.parse_args(argv)
    names = args.modules or (extended_modules() if args.extended else MODULES)
    per_module = {}
    failed_any = False
    t_all = time.monotonic()
    for name in names:
        suite = unittest.defaultTestLoader.loadTestsFromName(f"test.test_asyncio.{name}")
        if not args.plain:
            _use_playground_loop(suite)
            _skip_not_applicable(suite)
        # The policy as the module found it, put back after it (the global itself: 3.14
        # deprecates get/set_event_loop_policy).
        policy_was = asyncio.events._event_loop_policy
        t0 = time.monotonic()
        # A hang names itself (all threads' stacks) rather than eating the caller's timeout.
        faulthandler.dump_traceback_later(300, exit=True)
        result = unittest.TextTestRunner(verbosity=1, resultclass=_Result, stream=sys.stderr).run(suite)
        faulthandler.cancel_dump_traceback_later()
        asyncio.events._event_loop_policy = policy_was
        bad = [t.id() for t, _ in result.failures + result.errors + result.unexpectedSuccesses
               if hasattr(t, "id")]
        failed_any |= not result.wasSuccessful()
        per_module[name] = {"ran": result.testsRun, "passed": len(result.passed),
                            "skipped": len(result.skipped), "failed": bad,
                            "seconds": round(time.monotonic() - t0, 1)}
    loop_name = "plain asyncio" if args.plain else "PlaygroundLoop"
    total = sum(m["passed"] for m in per_module.values())
    print(f"passed {total} tests of {len(names)} modules on {loop_name} "
          f"in {time.monotonic() - t_all:.0f} s")
    for name, m in per_module.items():
        if m["failed"]:
            print(f"{name}: not passing: {', '.join(m['failed'])}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(per_module, f, indent=1)
    return 1 if failed_any else 0


if __name__ == "__main__":
    sys.exit(main())
