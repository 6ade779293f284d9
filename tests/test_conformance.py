"""CPython's own asyncio tests (task groups, timeouts, wait_for, locks, queues) on our loop."""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

MODULES = ["test_taskgroups", "test_timeouts", "test_waitfor", "test_locks", "test_queues"]


def _have_cpython_tests():
    try:
        return all(importlib.util.find_spec(f"test.test_asyncio.{m}") for m in MODULES)
    except ModuleNotFoundError:
        return False


@pytest.mark.skipif(not _have_cpython_tests(), reason="this Python ships without its `test` package")
def test_cpython_asyncio_suites_pass_on_the_playground_loop():
    script = Path(__file__).with_name("conformance_main.py")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=240, env=env)
    tail = (proc.stdout + proc.stderr)[-4000:]
    assert proc.returncode == 0, tail
    assert "on PlaygroundLoop" in proc.stdout, tail
    ran = int(proc.stderr.split("Ran ", 1)[1].split()[0])
    assert ran >= 150, tail
