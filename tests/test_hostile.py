"""The hostile corpus (issue 15): scripts a learner might paste by accident, each run headless.

Every file in tests/hostile/ starts with a line

    # expect: exit=N [stdin=open|closed] [args="--more --cli-options"] [output="text"]...

and is run as ``asyncio-playground run FILE --timeout 2 --quiet`` in a subprocess, stdin either a
pipe nobody writes to (``open``) or /dev/null (``closed``, the default).  Each must: end within
the timeout + 3 s, exit with N, print every ``output`` text, print no frame of the playground's
own code, and leave no process behind (the files that start one run ``sleep 99.123``; the CLI's
own process, threads included, is gone when it exits).
"""
from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

import asyncio_playground

HERE = Path(__file__).parent / "hostile"
TIMEOUT = 2.0
PKG_DIR = str(Path(asyncio_playground.__file__).resolve().parent) + os.sep
MARKER = "99.123"     # the argument of the `sleep` the subprocess cases start
TAG_VAR = "PLAYGROUND_HOSTILE_CASE"   # names the case in its run's environment (``_sleepers``)


def _spec(path: Path) -> dict:
    for line in importlib.util.decode_source(path.read_bytes()).splitlines()[:3]:
        if line.startswith("# expect:"):
            words = shlex.split(line[len("# expect:"):])
            spec = {"exit": None, "stdin": "closed", "output": []}
            for word in words:
                key, _, value = word.partition("=")
                if key == "output":
                    spec["output"].append(value)
                else:
                    spec[key] = value
            spec["exit"] = int(spec["exit"])
            return spec
    raise AssertionError(f"{path.name}: no '# expect:' line")


CASES = sorted(p.name for p in HERE.glob("*.py"))


def _sleepers(tag: str) -> list[int]:
    """pids of the `sleep 99.123` processes alive now that this case's run started (Linux: /proc;
    the case's run and what it starts have ``TAG_VAR=tag`` in their environment).  Another
    test's, or another CI lane's (a chroot's processes show in the host's /proc), are not."""
    pids = []
    mark = f"{TAG_VAR}={tag}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes().split(b"\0")
                if cmd[:2] != [b"sleep", MARKER.encode()]:
                    continue
                env = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if mark in env:
                pids.append(int(entry.name))
    return pids


def test_the_corpus_holds_the_cases_of_the_issue():
    needed = {"old_style_run_forever.py", "old_style_run_until_complete.py", "swallow_cancel.py",
              "swallow_child.py", "input_module.py", "nondaemon_thread.py", "sys_exit_task.py",
              "keyboard_interrupt_task.py", "del_builtins_len.py", "subprocess_sleep.py",
              "add_reader_leftover.py", "utf8_bom.py", "latin1_cookie.py", "set_event_loop_none.py",
              "busy_module.py", "sleep_module.py", "call_soon_exit.py", "memory_hog_task.py",
              "memory_hog_module.py"}
    assert needed <= set(CASES)


@pytest.mark.parametrize("name", CASES)
def test_hostile_script_ends_in_time_with_the_right_exit_code(name):
    path = HERE / name
    spec = _spec(path)
    read_end, write_end = os.pipe()     # stdin=open: a pipe nobody writes to
    # Only this case's sleepers count: one another test left dying, or the other CI lane's (its
    # chroot's processes show in this /proc), must not fail this one (seen in CI runs:
    # input_eof.py and swallow_cancel.py, which start none, "outlived" by another's sleeper).
    tag = f"{os.getpid()}-{name}-{time.monotonic_ns()}"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUTF8": "1", TAG_VAR: tag}
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "asyncio_playground", "run", str(path), "--timeout", str(TIMEOUT),
             "--quiet", *shlex.split(spec.get("args", ""))],
            stdin=read_end if spec["stdin"] == "open" else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=HERE)
        try:
            out, err = proc.communicate(timeout=TIMEOUT + 3)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"{name} still running {TIMEOUT + 3:g} s after start:\n"
                        f"{out.decode(errors='replace')[-2000:]}\n{err.decode(errors='replace')[-2000:]}")
        took = time.monotonic() - t0
    finally:
        os.close(read_end)
        os.close(write_end)
    text = out.decode("utf-8", "replace") + err.decode("utf-8", "replace")
    assert proc.returncode == spec["exit"], f"{name}: exit {proc.returncode}, took {took:.2f} s\n{text[-3000:]}"
    for needle in spec["output"]:
        assert needle in text, f"{name}: {needle!r} not in\n{text[-3000:]}"
    frames = [line for line in text.splitlines()
              if re.search(r'File ".*"', line) and (PKG_DIR in line or "asyncio_playground" + os.sep in line)]
    assert not frames, f"{name}: the playground's own frames shown:\n" + "\n".join(frames)
    if sys.platform.startswith("linux"):
        deadline = time.monotonic() + 1.0
        while _sleepers(tag) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not _sleepers(tag), f"{name}: a subprocess outlived the run"
