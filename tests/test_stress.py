"""Regression test for the PySide6 6.12.0 + Python 3.11 abort (docs/design-facts.md).

PySide6 6.12.0 on Python 3.11 kills the interpreter ("Fatal Python error: none_dealloc" /
"bool_dealloc") after ~1,000 qasync callbacks or ~600 signal emits.  This runs >= 200k loop
callbacks and >= 20k Qt signal emits (None/bool/int/tuple payloads, direct and queued connections,
slots that call back into the loop) in one process on the playground loop.  It runs in a
subprocess so an abort is reported as a failure with the interpreter's stderr instead of killing
pytest.  (Checked: with PySide6-Essentials 6.12.0 on 3.11.7 this aborts with ``bool_dealloc``.)

The full-size version (1M callbacks, 100k emits) is ``python -m bench.stress``.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _playground_loop_missing() -> bool:
    try:
        import asyncio_playground as playground
    except Exception:
        return True
    return not hasattr(playground, "new_event_loop")


@pytest.mark.skipif(_playground_loop_missing(), reason="playground.new_event_loop() not there yet")
@pytest.mark.timeout(120)
def test_200k_callbacks_and_20k_signal_emits_do_not_abort():
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONFAULTHANDLER"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "bench.stress", "--callbacks", "200000", "--emits", "20000",
         "--chains", "500", "--tasks", "200", "--hops", "100"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=110)
    report = f"exit status {proc.returncode}\n--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-6000:]}"
    assert proc.returncode == 0, "the stress run failed or aborted:\n" + report
    counts = dict(line.split(None, 1) for line in proc.stdout.splitlines() if len(line.split(None, 1)) == 2)
    assert int(counts["callbacks"]) >= 200_000, report
    assert int(counts["emits"]) >= 20_000, report
    assert int(counts["slot_calls"]) > int(counts["emits"]), report
    assert "stress: OK" in proc.stdout, report
