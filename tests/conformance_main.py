"""Run CPython's own asyncio tests on the playground loop (``python tests/conformance_main.py``).

Installs an event-loop policy whose new_event_loop() is the playground's, so every
``asyncio.Runner``/``IsolatedAsyncioTestCase`` in those tests runs on it, then hands over to
unittest.  Exits non-zero if any test fails.
"""
import asyncio
import os
import sys
import unittest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
import asyncio_playground as playground  # noqa: E402

MODULES = ["test_taskgroups", "test_timeouts", "test_waitfor", "test_locks", "test_queues"]


class PlaygroundPolicy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self):
        return playground.new_event_loop()


def main():
    asyncio.set_event_loop_policy(PlaygroundPolicy())
    names = [f"test.test_asyncio.{m}" for m in MODULES if not sys.argv[1:] or m in sys.argv[1:]]
    suite = unittest.defaultTestLoader.loadTestsFromNames(names)
    # The modules' tearDownModule resets the policy to None; keep ours installed.
    asyncio.set_event_loop_policy = lambda policy: None
    result = unittest.TextTestRunner(verbosity=1).run(suite)
    probe = asyncio.new_event_loop()
    print(f"ran {result.testsRun} tests on {type(probe).__name__}")
    probe.close()
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
