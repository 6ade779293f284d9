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


# -- --version, lessons by slug, script arguments, `lessons check` ---------------------------------

def test_version_comes_from_the_package_metadata():
    from importlib.metadata import version
    proc = cli("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"asyncio-playground {version('asyncio-playground')}\n"


def test_version_falls_back_without_metadata(monkeypatch, tmp_path):
    import importlib.metadata
    import tomllib
    from pathlib import Path

    from asyncio_playground import _cli

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    # a checkout: pyproject.toml beside the package's folder
    pyproject = Path(_cli.__file__).resolve().parent.parent / "pyproject.toml"
    if pyproject.exists():
        assert _cli.version() == tomllib.loads(pyproject.read_text())["project"]["version"]
    monkeypatch.setattr(_cli, "__file__", str(tmp_path / "pkg" / "_cli.py"))
    assert _cli.version() == "unknown"


QUICK = "import asyncio\nasync def main():\n    print({text!r})\nasyncio.run(main())\n"


def lessons_env(tmp_path, **files):
    folder = tmp_path / "lessons"
    folder.mkdir()
    for name, text in files.items():
        (folder / f"{name}.py").write_text(QUICK.format(text=text))
    return dict(ASYNCIO_PLAYGROUND_LESSONS=str(folder))


def cli_in(cwd, *args, env=(), timeout=60):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **dict(env))
    return subprocess.run([sys.executable, "-m", "asyncio_playground", *args], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=cwd)


def test_run_takes_a_lesson_slug_and_an_existing_path_wins(tmp_path):
    env = lessons_env(tmp_path, basics_01_hello="from the lesson")
    here = tmp_path / "here"
    here.mkdir()
    for target in ("basics_01_hello", "basics_01_hello.py"):
        proc = cli_in(here, "run", target, "--quiet", env=env)
        assert (proc.returncode, proc.stdout) == (0, "from the lesson\n"), proc.stderr
    (here / "basics_01_hello").write_text(QUICK.format(text="from the file here"))
    proc = cli_in(here, "run", "basics_01_hello", "--quiet", env=env)
    assert (proc.returncode, proc.stdout) == (0, "from the file here\n"), proc.stderr


def test_run_an_unknown_lesson_exits_2_and_says_how_to_list_them(tmp_path):
    env = lessons_env(tmp_path, basics_01_hello="hi", basics_02_bye="bye")
    proc = cli_in(tmp_path, "run", "basics", env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no lesson or file named 'basics'" in proc.stderr
    assert "did you mean basics_01_hello, basics_02_bye?" in proc.stderr
    assert "asyncio-playground list" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


SHOW_ARGV = """
    import asyncio
    import sys

    import helper_beside_it

    async def main():
        print(sys.argv)
        print(sys.path[0])
        print(helper_beside_it.WORD)

    asyncio.run(main())
"""


def test_run_gives_the_script_its_argv_and_its_folder_on_sys_path(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "helper_beside_it.py").write_text("WORD = 'helper imported'\n")
    script = folder / "show.py"
    script.write_text(textwrap.dedent(SHOW_ARGV))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = cli_in(elsewhere, "run", "../project/show.py", "--quiet", "--", "a", "b c", "--timeout", "--")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [
        str(["../project/show.py", "a", "b c", "--timeout", "--"]), str(folder.resolve()), "helper imported"]
    # without `--` the script gets no arguments; options after the path are the CLI's
    proc = cli_in(elsewhere, "run", str(script), "--quiet")
    assert proc.returncode == 0 and proc.stdout.splitlines()[0] == str([str(script)]), proc.stderr
    # `python FILE ARGS` gives the same
    plain = subprocess.run([sys.executable, str(script), "x"], capture_output=True, text=True,
                           cwd=elsewhere, timeout=60)
    assert plain.stdout.splitlines()[0] == str([str(script), "x"])


def test_run_restores_argv_path_and_forgets_helper_modules(pg_loop, tmp_path):
    import asyncio_playground as playground
    folder = tmp_path / "project"
    (folder / "helper_pkg").mkdir(parents=True)
    (folder / "helper_pkg" / "__init__.py").write_text("from . import inner\n")
    (folder / "helper_pkg" / "inner.py").write_text("WORD = 'pkg'\n")
    (folder / "helper_beside_it.py").write_text("WORD = 'v1'\n")
    script = folder / "show.py"
    script.write_text(textwrap.dedent(SHOW_ARGV).replace("import helper_beside_it\n",
                                                         "import helper_beside_it\nimport helper_pkg\n"))
    argv, path = sys.argv, list(sys.path)
    seen = []

    async def go(*runs):
        for run in runs:
            run.start()
        seen.append((list(sys.argv), sys.path[0]))
        return [await run.wait() for run in runs]

    def outputs(run):
        return "".join(ev[4] for ev in run.tracer.events if ev[0] == "output")

    one = playground.Run(script, loop=pg_loop, argv=["--flag", 3])
    assert pg_loop.run_until_complete(go(one)) == ["completed"]
    assert seen[-1] == ([str(script), "--flag", "3"], str(folder.resolve()))
    assert outputs(one).splitlines()[::2] == [str([str(script), "--flag", "3"]), "v1"]
    assert sys.argv is argv and sys.path == path
    assert not {"helper_beside_it", "helper_pkg", "helper_pkg.inner"} & set(sys.modules)
    # an edited helper is imported afresh by the next run; two live runs restore once, at the end
    (folder / "helper_beside_it.py").write_text("WORD = 'v2'\n")
    two, three = (playground.Run(script, loop=pg_loop) for _ in range(2))
    assert pg_loop.run_until_complete(go(two, three)) == ["completed", "completed"]
    assert all(outputs(r).splitlines()[2] == "v2" for r in (two, three))
    assert sys.argv is argv and sys.path == path and "helper_beside_it" not in sys.modules


def test_lessons_check_validates_lesson_files(tmp_path):
    (tmp_path / "good_01_x.py").write_text(QUICK.format(text="hi"))
    (tmp_path / "bad_01_y.py").write_text(QUICK.format(text="hi"))
    (tmp_path / "bad_01_y.md").write_text('+++\n[[expect]]\ncheck = "overlapp"\n+++\n# Bad\n\nText.\n')
    proc = cli_in(tmp_path, "lessons", "check", "good_01_x.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = cli_in(tmp_path, "lessons", "check", ".")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "bad_01_y.md:3:" in proc.stdout and "overlapp" in proc.stdout
    assert "good_01_x" not in proc.stdout
    proc = cli_in(tmp_path, "lessons")
    assert proc.returncode == 2 and "lessons check" in proc.stderr


def test_shipped_lessons_pass_lessons_check():
    proc = cli("lessons", "check")
    assert proc.returncode == 0, proc.stdout + proc.stderr


BLOCKS_AND_LOSES_AN_ERROR = """
    import asyncio
    import gc
    import time

    async def hog():
        time.sleep(0.3)

    async def boom():
        raise ValueError("lost")

    async def main():
        await asyncio.create_task(hog(), name="hog")
        asyncio.create_task(boom(), name="boom")
        await asyncio.sleep(0.05)
        gc.collect()     # asyncio reports the lost exception when the task is collected: now

    asyncio.run(main())
"""


def test_run_reports_blocks_and_errors_asyncio_would_only_log(tmp_path):
    path = tmp_path / "lesson.py"
    path.write_text(textwrap.dedent(BLOCKS_AND_LOSES_AN_ERROR))
    proc = cli("run", str(path), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "loop blocked for 0.3" in proc.stdout and "by task 'hog' at lesson.py:7" in proc.stdout
    assert "asyncio: Task exception was never retrieved (task 'boom'): ValueError: lost" in proc.stdout


# -- the window without a display ------------------------------------------------------------------

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland only")


@linux_only
@pytest.mark.parametrize("env_kind", ["no display", "xcb without DISPLAY"])
def test_window_without_a_display_says_what_is_missing_and_exits_2(env_kind):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    if env_kind == "xcb without DISPLAY":
        env["QT_QPA_PLATFORM"] = "xcb"
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent("""\
        import sys
        from asyncio_playground._cli import main
        code = main([])
        core = sys.modules.get("PySide6.QtCore")
        assert core is None or core.QCoreApplication.instance() is None, "checked before Qt starts"
        sys.exit(code)
    """)], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "cannot open the window" in proc.stderr
    assert "QT_QPA_PLATFORM=offscreen asyncio-playground screenshot" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_display_problem_cases():
    from asyncio_playground.ui.display import problem

    def check(env, platform="linux", missing=(), answers=True):
        return problem(env, platform=platform, lookup=lambda name: name not in missing,
                       connect=lambda display: answers)

    assert "there is no display" in check({})
    assert check({}, platform="darwin") is None and check({}, platform="win32") is None
    assert check({"QT_QPA_PLATFORM": "offscreen"}) is None
    assert check({"QT_QPA_PLATFORM": "wayland"}) is None
    assert check({"WAYLAND_DISPLAY": "wayland-0"}) is None
    assert check({"DISPLAY": ":0"}) is None
    assert check({"QT_QPA_PLATFORM": "xcb:foo", "DISPLAY": ":0"}) is None
    assert "no X server answers at DISPLAY=:7" in check({"DISPLAY": ":7"}, answers=False)
    message = check({"DISPLAY": ":0"}, missing={"libxcb-cursor.so.0"})
    assert "libxcb-cursor.so.0" in message
    assert "sudo apt-get install libxcb-cursor0\n" in message
    assert "QT_QPA_PLATFORM=offscreen" in message
    message = check({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":0", "WAYLAND_DISPLAY": "w"},
                    missing={"libxcb-icccm.so.4", "libxkbcommon-x11.so.0"})
    assert "sudo apt-get install libxcb-icccm4 libxkbcommon-x11-0\n" in message


def test_xcb_libraries_come_from_the_installed_plugin():
    from asyncio_playground.ui import display
    names = display.xcb_libraries()
    assert "libxcb-cursor.so.0" in names and "libxcb.so.1" in names
    assert not any(name.startswith(("libQt6", "libicu", "libc.so")) for name in names)
    assert all(display.package_for(name) for name in names)
    assert display.package_for("libfoo-bar.so.2") == "libfoo-bar2"
    assert display.package_for("libfoo3.so.1") == "libfoo3-1"
    missing = display.missing_xcb_libraries(lambda name: name != "libxcb-cursor.so.0")
    assert missing == ["libxcb-cursor.so.0"]


@linux_only
def test_x_server_check_connects_to_tcp_and_abstract_unix_sockets():
    import socket

    from asyncio_playground.ui.display import _x_server_answers
    with socket.socket() as server:                    # "host:N" is TCP port 6000 + N
        server.bind(("127.0.0.1", 0))
        server.listen()
        number = server.getsockname()[1] - 6000
        assert _x_server_answers(f"127.0.0.1:{number}.0")
    assert not _x_server_answers(f"127.0.0.1:{number}")
    number = 40000 + os.getpid() % 10000               # ":N" is /tmp/.X11-unix/XN, or Linux's
    with socket.socket(socket.AF_UNIX) as server:      # abstract socket of that name
        server.bind(f"\0/tmp/.X11-unix/X{number}")
        server.listen()
        assert _x_server_answers(f":{number}") and _x_server_answers(f"unix:{number}.0")
    assert not _x_server_answers(f":{number}")
    assert _x_server_answers("/private/tmp/com.apple.launchd.x/org.xquartz:0")   # unknown form


def test_summary_tells_each_cancellation_with_cause_and_landing_line(tmp_path):
    script = tmp_path / "group.py"
    script.write_text(textwrap.dedent("""
        import asyncio

        async def upload():
            await asyncio.sleep(10)

        async def check():
            await asyncio.sleep(0.01)
            raise ValueError("file too large")

        async def main():
            async with asyncio.TaskGroup() as tg:
                tg.create_task(upload(), name="upload")
                tg.create_task(check(), name="check-size")

        asyncio.run(main())
    """))
    proc = cli("run", str(script))
    assert proc.returncode == 1
    assert ("  upload: cancelled by its TaskGroup ('check-size'): 'check-size' raised ValueError: "
            "file too large at line 9 → CancelledError landed at line 5") in proc.stdout
    assert "ended cancelled (re-raised)" in proc.stdout


def test_run_a_lesson_says_what_the_run_showed(tmp_path):
    done = cli("run", "basics_02_concurrent_tasks")
    assert done.returncode == 0, done.stderr
    assert "what the run showed:" in done.stdout
    assert "✓ 'fetch-A' and 'fetch-B' ran at the same time for 1.0" in done.stdout
    script = tmp_path / "plain.py"          # not a lesson (no sidecar): nothing to hold it to
    script.write_text("import asyncio\nasyncio.run(asyncio.sleep(0))\n")
    assert "what the run showed" not in cli("run", str(script)).stdout


def test_a_callbacks_block_is_not_blamed_on_module_code(tmp_path):
    script = tmp_path / "cb.py"
    script.write_text("import asyncio, time\n\nasync def main():\n"
                      "    asyncio.get_running_loop().call_soon(time.sleep, 0.3)\n"
                      "    await asyncio.sleep(0.5)\n\nasyncio.run(main())\n")
    done = cli("run", str(script))
    assert done.returncode == 0, done.stderr
    assert "by a callback" in done.stdout and "module code" not in done.stdout


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="this Python runs every shipped lesson")
def test_list_marks_and_run_refuses_a_lesson_this_python_cannot_run():
    listed = cli("list")
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines() if line.startswith("  ")}
    assert lines["intro_04_call_graph"].endswith("[cannot run here: needs Python 3.14+]")
    assert "cannot run" not in lines["basics_01_sequential_await"]
    this = ".".join(map(str, sys.version_info[:3]))
    for target in ("intro_04_call_graph", os.path.join("examples", "intro_04_call_graph.py")):
        proc = subprocess.run([sys.executable, "-m", "asyncio_playground", "run", target],
                              capture_output=True, text=True, timeout=60,
                              env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
                              cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        assert proc.returncode == 2, proc.stdout + proc.stderr     # as for a file it cannot load
        assert proc.stdout == ""                                   # nothing ran
        assert proc.stderr.startswith("asyncio-playground: cannot run intro_04_call_graph: it "
                                      "needs Python 3.14+; install Python 3.14 or newer")
        assert f"(this is Python {this})" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_run_refuses_a_lesson_whose_module_is_missing_and_says_what_to_install(tmp_path):
    env = lessons_env(tmp_path, basics_01_hello="hi", basics_02_needy="never printed")
    (tmp_path / "lessons" / "basics_02_needy.md").write_text(
        '+++\nneeds = { modules = ["no_such_module_for_the_test"] }\n\n[[expect]]\n'
        'check = "outcome"\nvalue = "completed"\n+++\n# Needy\n\nIt needs a module.\n')
    listed = cli_in(tmp_path, "list", env=env)
    assert "basics_02_needy" in listed.stdout and \
        "[cannot run here: needs module 'no_such_module_for_the_test']" in listed.stdout
    assert listed.stdout.count("cannot run here") == 1
    proc = cli_in(tmp_path, "run", "basics_02_needy", env=env)
    assert proc.returncode == 2 and proc.stdout == "", proc.stdout + proc.stderr
    assert "needs module 'no_such_module_for_the_test'" in proc.stderr
    assert f"{sys.executable} -m pip install no_such_module_for_the_test" in proc.stderr
    assert cli_in(tmp_path, "run", "basics_01_hello", "--quiet", env=env).returncode == 0


@pytest.mark.parametrize("python, runs_here", [
    (">=3.11", True), (">=99.1", False), ("<3.11", False), ("99.1", False)])
def test_which_python_a_lesson_needs_has_one_syntax(tmp_path, python, runs_here):
    # Issue 21: `needs = { python = ">=3.13" }` in the front matter, as a check's `python` and a
    # text block's `<!-- python >=3.13 -->` say it (one parser: lessons.python_condition); the
    # old spelling, a bare version, still reads as ">=" it.
    (tmp_path / "basics_01_x.py").write_text(QUICK.format(text="ran"))
    (tmp_path / "basics_01_x.md").write_text(
        f'+++\nneeds = {{ python = "{python}" }}\n+++\n# X\n\nText.\n\n**Watch for:** it.\n')
    checked = cli_in(tmp_path, "lessons", "check", "basics_01_x.py")
    assert "needs: python" not in checked.stdout + checked.stderr
    ran = cli_in(tmp_path, "run", "basics_01_x.py", "--quiet")
    if runs_here:
        assert ran.returncode == 0 and "ran" in ran.stdout, ran.stderr
    else:
        want = "a Python older than 3.11" if python.startswith("<") else "Python 99.1+"
        assert ran.returncode == 2 and f"it needs {want}" in ran.stderr, ran.stderr
    bad = tmp_path / "basics_01_x.md"
    bad.write_text('+++\nneeds = { python = "3.12+" }\n+++\n# X\n\nText.\n')
    checked = cli_in(tmp_path, "lessons", "check", "basics_01_x.py")
    assert 'needs: python must be a condition like ">=3.13"' in checked.stdout + checked.stderr


def test_the_guards_a_system_lacks_are_named(monkeypatch):
    # Issue 21: the memory limit reads /proc, interrupting time.sleep needs pthread_kill, the
    # interruptible stdin needs select() on a descriptor.  Tested on Linux, where none is off
    # (--version then prints the version only: test_version_comes_from_the_package_metadata).
    from asyncio_playground import _memory, _portability
    if sys.platform == "linux":
        assert _portability.guards_off() == []
    monkeypatch.setattr(_memory, "rss", lambda: None)
    monkeypatch.delattr("signal.pthread_kill", raising=False)
    off = _portability.guards_off()
    assert any("memory limit is off" in line for line in off)
    assert any("pure-Python loops only" in line for line in off)
