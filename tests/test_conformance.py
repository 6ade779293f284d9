"""CPython's own asyncio tests on our loop (tests/conformance_main.py runs them in one subprocess).

The quick set (task groups, timeouts, wait_for, locks, queues, events, sockets) runs everywhere; the
extended set (all of test.test_asyncio that is not about another loop or Windows) is slow and runs
in CI on the oldest and the newest Python (3.11, 3.15).  In CI ($CI set) a Python without its
`test` package fails these tests instead of skipping them.
docs/conformance.md has the table: plain asyncio's and the playground's pass counts per module,
and every exclusion with its reason.
"""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import conformance_main  # noqa: E402

SCRIPT = Path(__file__).with_name("conformance_main.py")


def _have_cpython_tests():
    try:
        return all(importlib.util.find_spec(f"test.test_asyncio.{m}") for m in conformance_main.MODULES)
    except ModuleNotFoundError:
        return False


def _require_cpython_tests():
    """Skip where this Python has no `test` package (Debian's and other distributions' system
    Pythons ship it apart, as libpython3.X-testsuite); in CI ($CI set, as .ci/run does) that is a
    failure: a conformance run that could not run must not pass as one that did."""
    if _have_cpython_tests():
        return
    why = (f"Python {sys.version.split()[0]} ({sys.executable}) ships without its `test` package "
           "(on Debian: apt-get install libpython3.X-testsuite)")
    if os.environ.get("CI"):
        pytest.fail(f"CI: the conformance run cannot run: {why}")
    pytest.skip(why)


def _run(tmp_path, *args, timeout):
    out = tmp_path / "conformance.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--json", str(out), *args],
                          capture_output=True, text=True, timeout=timeout, env=env)
    tail = (proc.stdout + proc.stderr)[-6000:]
    return proc, json.loads(out.read_text()) if out.exists() else {}, tail


def test_cpython_asyncio_suites_pass_on_the_playground_loop(tmp_path):
    _require_cpython_tests()
    proc, modules, tail = _run(tmp_path, timeout=240)
    assert proc.returncode == 0, tail
    assert "on PlaygroundLoop" in proc.stdout, tail
    assert sum(m["passed"] for m in modules.values()) >= 150, tail


@pytest.mark.slow
@pytest.mark.timeout(660)   # ~70 s on 3.11, ~140 s on 3.14/3.15 with 2 shared cores; _run's 600 s first
def test_all_of_cpython_asyncio_tests_that_apply_pass_on_the_playground_loop(tmp_path):
    _require_cpython_tests()
    proc, modules, tail = _run(tmp_path, "--extended", timeout=600)
    assert proc.returncode == 0, tail
    assert set(modules) == set(conformance_main.extended_modules()), tail
    assert all(not m["failed"] for m in modules.values()), tail
    # What was left out is what docs/conformance.md lists, and nothing that applies is skipped
    # silently: every exclusion has a reason.
    assert all(reason for reason in conformance_main.NOT_APPLICABLE.values())
    assert sum(m["passed"] for m in modules.values()) >= 1500, tail
