"""The headless command: output, summary, exit codes, Chrome trace, timeouts."""
import json
import os
import subprocess
import sys
import textwrap

import pytest


def cli(*args, timeout=60):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "asyncio_playground", *args], capture_output=True,
                          text=True, timeout=timeout, env=env)


CONCURRENT = """
    import asyncio

    async def fetch(source):
        print(f"Starting {source}")
        await asyncio.sleep(0.2)
        print(f"Done {source}")
        return source.upper()

    async def main():
        a = asyncio.create_task(fetch("a"), name="fetch-a")
        b = asyncio.create_task(fetch("b"), name="fetch-b")
        print(await a, await b)

    asyncio.run(main())
"""


def test_run_prints_output_summary_timeline_and_writes_a_chrome_trace(tmp_path):
    script = tmp_path / "conc.py"
    script.write_text(textwrap.dedent(CONCURRENT))
    trace = tmp_path / "out.json"
    proc = cli("run", str(script), "--trace", str(trace))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[:2] == ["Starting a", "Starting b"]
    assert "A B" in proc.stdout
    assert "fetch-a" in proc.stdout and "✓ done" in proc.stdout and "'A'" in proc.stdout
    data = json.loads(trace.read_text())
    tasks = [e for e in data["traceEvents"] if e.get("cat") == "task"]
    assert [t["name"] for t in tasks][1:] == ["fetch-a", "fetch-b"]
    for t in tasks:
        assert t["ph"] == "X" and t["args"]["state"] == "done" and "result" in t["args"]
        assert t["args"]["coro"] in ("main", "fetch")
    assert tasks[1]["args"]["parent"] == tasks[0]["tid"]
    assert len({t["tid"] for t in tasks}) == 3            # one lane per task
    steps = [e for e in data["traceEvents"] if e.get("cat") == "step"]
    assert steps and all(e["ph"] == "X" and e["dur"] >= 0 for e in steps)
    a, b = tasks[1], tasks[2]
    assert a["ts"] < b["ts"] + b["dur"] and b["ts"] < a["ts"] + a["dur"]   # overlapping lanes


@pytest.mark.parametrize("content, code, needle", [
    (None, 2, "No such file"),
    ("async def main(:\n    pass\n", 2, "line 1, column 16: SyntaxError"),
    ("print('hi')\n", 2, "nothing to run"),
    ("import asyncio\nraise RuntimeError('at import')\nasyncio.run(None)\n", 1, "RuntimeError: at import"),
    ("import asyncio\nasync def main():\n    1/0\nasyncio.run(main())\n", 1, "ZeroDivisionError"),
])
def test_bad_input_exit_codes_and_messages(tmp_path, content, code, needle):
    path = tmp_path / "lesson.py"
    if content is not None:
        path.write_text(content)
    proc = cli("run", str(path))
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert needle in proc.stderr
    assert "playground/_" not in proc.stderr   # no traceback from the playground's own code


def test_usage_error_exits_2():
    proc = cli("run")
    assert proc.returncode == 2 and "usage" in proc.stderr


def test_timeout_cancels_every_task_and_runs_finally(tmp_path):
    path = tmp_path / "forever.py"
    path.write_text(textwrap.dedent("""
        import asyncio
        async def main():
            try:
                await asyncio.sleep(60)
            finally:
                print("finally ran")
        asyncio.run(main())
    """))
    proc = cli("run", str(path), "--timeout", "0.3")
    assert proc.returncode == 124, proc.stderr
    assert "finally ran" in proc.stdout and "cancelled" in proc.stdout
    assert "destroyed but it is pending" not in proc.stderr


def test_ctrl_c_cancels_every_task_runs_finally_and_exits_promptly(tmp_path):
    import signal
    import time
    path = tmp_path / "forever.py"
    path.write_text(textwrap.dedent("""
        import asyncio
        async def worker(n):
            try:
                await asyncio.sleep(60)
            finally:
                print(f"finally {n}", flush=True)
        async def main():
            print("ready", flush=True)
            await asyncio.gather(worker(1), worker(2))
        asyncio.run(main())
    """))
    proc = subprocess.Popen([sys.executable, "-m", "asyncio_playground", "run", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert proc.stdout.readline().strip() == "ready"
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    # Typically ~0.2 s here; the bound is loose because CI machines are shared and noisy.
    assert time.monotonic() - t0 < 3.0
    assert proc.returncode == 130, err
    assert "finally 1" in out and "finally 2" in out
    assert "Traceback" not in err and "destroyed but it is pending" not in err
