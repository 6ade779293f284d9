"""``asyncio-playground``: the window, or the same engine headless.

    asyncio-playground                                  open the window
    asyncio-playground --version
    asyncio-playground run LESSON|PATH [--trace OUT.json] [--timeout S] [--block-limit S]
                           [--network M] [--quiet] [--memory-limit MB] [--schedule SCHEDULE.json]
                           [-- ARGS...]
    asyncio-playground list
    asyncio-playground lessons check [PATH...]
    asyncio-playground screenshot [LESSON] OUT.png [--at SECONDS] [--schedule FILE] [--steps N]
    asyncio-playground install-desktop [--data-dir DIR]   the window in the desktop's app menu

``run`` takes a lesson's slug (as ``list`` shows it) or a file's path; a path that exists wins.
Everything after ``--`` is the script's own arguments: it sees ``sys.argv == [PATH, *ARGS]``.
It exits 0 when the script completed, 1 when it raised, 2 for usage errors or a file that cannot
be loaded (a lesson this Python cannot run, too: ``list`` marks those, with the reason; a
--schedule that does not fit the program), 124 when --timeout stopped it, 130 on Ctrl+C;
``sys.exit(n)`` in the script exits n and its own KeyboardInterrupt 130, as ``python FILE`` would.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import sys
from pathlib import Path

from .vocab import NetworkMode

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TIMEOUT, EXIT_INTERRUPTED = 0, 1, 2, 124, 130
DIST = "asyncio-playground"


def version() -> str:
    """The installed distribution's version; a checkout's pyproject.toml, else "unknown"."""
    from importlib import metadata
    try:
        return metadata.version(DIST)
    except Exception:  # not installed (PackageNotFoundError), or broken metadata
        pass
    try:
        import tomllib
        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        with open(pyproject, "rb") as f:
            data = tomllib.load(f)["project"]
        if data.get("name") == DIST:
            return str(data["version"])
    except Exception:
        pass
    return "unknown"


class _Version(argparse.Action):
    # Like action="version", but the metadata is read only when --version is given.
    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="print the version and exit"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"{DIST} {version()}")
        from ._portability import guards_off   # nothing on Linux; elsewhere, what is off
        for line in guards_off():
            print(f"  on this system: {line}")
        parser.exit(EXIT_OK)


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog=DIST,
                description="Learn asyncio by watching it run.  With no command, opens the window.")
    p.add_argument("--version", action=_Version)
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    r = sub.add_parser("run", help="run a lesson or file headless and print its tasks",
                       usage="%(prog)s LESSON|PATH [options] [-- ARGS...]",
                       epilog="ARGS after -- are the script's own: sys.argv == [PATH, *ARGS].")
    r.add_argument("path", metavar="LESSON|PATH",
                   help="a lesson's slug (see `asyncio-playground list`) or a Python file")
    r.add_argument("--trace", metavar="OUT.json", help="write a Chrome Trace Event JSON file")
    r.add_argument("--timeout", type=float, metavar="S", help="stop the run after S seconds")
    r.add_argument("--block-limit", type=float, default=5.0, metavar="S",
                   help="interrupt code that blocks the event loop for longer than S seconds (default 5)")
    r.add_argument("--network", choices=[m.value for m in NetworkMode], default=NetworkMode.OFFLINE.value,
                   help="offline (default): httpx requests to the tutorial's demo host are answered "
                        "by a local server; live: they go to the internet")
    r.add_argument("--quiet", action="store_true", help="don't print the task summary and timeline")
    r.add_argument("--memory-limit", type=float, metavar="MB",
                   help="stop the run once it has grown the process by MB megabytes "
                        "(default: half the machine's memory; 0: no limit)")
    r.add_argument("--speed", type=_speed, default=(1.0, False), metavar="X",
                   help="run the loop's clock at X times real time (0.25: slow motion; 10: fast), "
                        "or 'skip-idle': jump to the next timer whenever nothing is ready. sleep, "
                        "call_later, timeouts and the trace all follow loop time")
    r.add_argument("--schedule", metavar="SCHEDULE.json",
                   help="be the scheduler: step the run on loop time, each step the one this "
                        "schedule chooses (a JSON list of choices, or a saved run), then "
                        "asyncio's order (--timeout then counts loop seconds)")
    sub.add_parser("list", help="list the lessons by group")
    ls = sub.add_parser("lessons", help="work on lesson files (see `lessons check -h`)")
    lsub = ls.add_subparsers(dest="lessons_command", parser_class=_Parser, metavar="check")
    c = lsub.add_parser("check", help="validate lessons: their sidecar .md metadata and "
                                             "`expect` checks (file:line: message)")
    c.add_argument("paths", nargs="*", metavar="PATH",
                   help="lesson files or folders (default: the lessons `list` shows)")
    s = sub.add_parser("screenshot", help="render the window offscreen to a PNG")
    s.add_argument("args", nargs="+", metavar="[LESSON] OUT.png")
    s.add_argument("--tab", metavar="TITLE", help="show this tab of the run's views (Timeline, "
                   "Findings, Resources, Who awaits whom, Loop, Compare)")
    s.add_argument("--at", type=float, default=1.0, metavar="SECONDS")
    s.add_argument("--select", metavar="TASK", help="select this task (its cancellation story shows)")
    s.add_argument("--size", default="1400x900", metavar="WxH", help="window size (default 1400x900)")
    s.add_argument("--schedule", metavar="SCHEDULE.json", help="play the scheduler: pause, run, "
                   "make this schedule's choices and hold there (a challenge mid-play)")
    s.add_argument("--steps", type=int, metavar="N", help="pause, run and take N steps in "
                   "asyncio's order (after --schedule's choices) and hold there")
    s.add_argument("--hint", action="store_true", help="show a challenge's hint")
    d = sub.add_parser("install-desktop", help="add the window to the desktop's application menu (Linux: "
                                              "a .desktop entry and the icon under ~/.local/share)")
    d.add_argument("--data-dir", metavar="DIR", help="where to install (default: $XDG_DATA_HOME or ~/.local/share)")
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `asyncio-playground list | head`: the reader left; so do we
        sys.stdout = open(os.devnull, "w")
        return EXIT_OK


def _split_script_args(argv: list[str]) -> tuple[list[str], list[str] | None]:
    """``run FILE [options] -- ARGS...`` -> (everything before ``--``, ARGS); ARGS is None when the
    command is not ``run`` or there is no ``--`` (argparse then sees ``--`` as usual)."""
    command = next((a for a in argv if not a.startswith("-")), None)
    if command != "run" or "--" not in argv:
        return argv, None
    i = argv.index("--")
    return argv[:i], argv[i + 1:]


def _main(argv):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:   # the window, as the parser would decide, without building it (~5 ms of start-up)
        from .ui.app import main as window_main
        return window_main(argv)
    head, script_args = _split_script_args(argv)
    args = _parser().parse_args(head)
    if args.command == "run":
        args.script_args = script_args or []
        return cmd_run(args)
    if args.command == "list":
        return cmd_list()
    if args.command == "lessons":
        if args.lessons_command is None:
            print(f"usage: {DIST} lessons check [PATH...]", file=sys.stderr)
            return EXIT_USAGE
        return cmd_lessons_check(args.paths)
    if args.command == "screenshot":
        if len(args.args) > 2:
            _parser().error("screenshot takes [LESSON] OUT.png")
        lesson, out = (args.args if len(args.args) == 2 else (None, args.args[0]))
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from .ui.app import render_screenshot
        try:
            size = tuple(int(n) for n in args.size.lower().split("x"))
            if len(size) != 2 or min(size) < 200:
                raise ValueError
        except ValueError:
            _parser().error(f"--size takes WIDTHxHEIGHT (each at least 200), not {args.size!r}")
        schedule = None
        if args.schedule:
            from ._schedule import ScheduleError, load_schedule
            try:
                schedule = load_schedule(args.schedule)
            except ScheduleError as exc:
                print(f"{DIST}: {exc}", file=sys.stderr)
                return EXIT_USAGE
        if args.steps is not None and args.steps < 0:
            _parser().error("--steps takes a number of steps >= 0")
        return render_screenshot(lesson, out, args.at, select=args.select, size=size, tab=args.tab,
                                 schedule=schedule, steps=args.steps, hint=args.hint)
    if args.command == "install-desktop":
        from .ui.desktop import install
        for path in install(args.data_dir):
            print(f"wrote {path}")
        return EXIT_OK
    from .ui.app import main as window_main
    return window_main(argv)


def cmd_list() -> int:
    from . import lessons
    found = lessons.discover()
    for group, items in lessons.groups(found):
        print(group)
        for lesson in items:
            why = lessons.why_cannot_run(lesson)
            mark = f"  [cannot run here: {why}]" if why else ""   # `run` refuses it, saying why
            print(f"  {lesson.slug:45} {lesson.title}{mark}")
    return EXIT_OK


def cmd_lessons_check(paths: list[str]) -> int:
    from . import lessons
    check_main = getattr(lessons, "check_main", None)
    if check_main is None:
        print(f"{DIST}: `lessons check` is not available in this version", file=sys.stderr)
        return EXIT_USAGE
    code = check_main(list(paths))
    return EXIT_OK if code is None else int(code)


class UnknownLesson(Exception):
    pass


def resolve_lesson(target: str) -> str:
    """A path that exists, else the file of the lesson with that slug (``basics_02...``, with or
    without ``.py``).  Raises UnknownLesson for a bare name that is neither; a path-like target
    that does not exist is returned as is (the runner then says "No such file")."""
    if os.path.exists(target):
        return target
    from . import lessons
    slug = target[:-3] if target.endswith(".py") else target
    found = lessons.discover()
    for lesson in found:
        if lesson.slug == slug:
            return str(lesson.path)
    if os.sep in target or (os.altsep and os.altsep in target):
        return target
    import difflib
    slugs = [lesson.slug for lesson in found]
    close = [s for s in slugs if slug.lower() in s] or difflib.get_close_matches(slug, slugs, n=3)
    close = close[:3]
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise UnknownLesson(f"no lesson or file named {target!r}{hint}; "
                        f"`{DIST} list` shows the lesson slugs")


def _cannot_run(path: str) -> str | None:
    """Why the lesson at ``path`` cannot run on this interpreter, and what to install (None: it
    can, or ``path`` is no lesson: a script without a sidecar declares no needs)."""
    from . import lessons
    try:
        if not lessons.sidecar_path(path).is_file():
            return None
        lesson = lessons.load(path)
    except (OSError, ValueError):
        return None                   # the runner says what is wrong with the file
    why = lessons.why_cannot_run(lesson)
    if why is None:
        return None
    return f"cannot run {lesson.slug}: it {why}; {lessons.how_to_run(lesson)}"


def _what_the_run_showed(run, table, scheduled=False) -> str:
    """For a lesson (a file with a sidecar): each of its expectations, ✓ or ✗, in words (run on a
    --schedule, a challenge's goal instead)."""
    from . import lessons
    if not lessons.sidecar_path(run.path).exists():
        return ""
    try:
        lesson = lessons.load(run.path)
    except (OSError, ValueError):
        return ""
    if scheduled and lesson.challenge:
        goal = lessons.explain_goal(lesson, table, list(run.tracer.events), run.outcome or "")
        lines = [f"  {'✓' if f.ok else '✗'} {f.text}" for f in goal]
        won = "reached: you won" if goal and all(f.ok for f in goal) else "not reached"
        return f"\nthe challenge's goal, {won}:\n" + "\n".join(lines) + "\n"
    findings = lessons.explain(lesson, table, list(run.tracer.events), run.outcome or "")
    if not findings:
        return ""
    lines = [f"  {'✓' if f.ok else '✗'} {f.text}" for f in findings]
    return "\nwhat the run showed:\n" + "\n".join(lines) + "\n"


def _speed(text: str) -> tuple[float, bool]:
    """``--speed``: a positive number, or ``skip-idle`` (1x, jumping over idle time)."""
    if text.strip().lower() in ("skip-idle", "skip_idle", "idle"):
        return 1.0, True
    try:
        speed = float(text)
    except ValueError:
        speed = math.nan
    if not (0 < speed < math.inf):
        raise argparse.ArgumentTypeError(f"expected a positive number or 'skip-idle', not {text!r}")
    return speed, False


def cmd_run(args) -> int:
    from . import _loop, _runner, _table
    from ._export import summary_lines, timeline_lines

    out, err = sys.stdout, sys.stderr
    try:
        path = resolve_lesson(args.path)
    except UnknownLesson as exc:
        print(f"{DIST}: {exc}", file=err)
        return EXIT_USAGE
    refused = _cannot_run(path)
    if refused:
        print(f"{DIST}: {refused}", file=err)
        return EXIT_USAGE
    schedule = None
    if getattr(args, "schedule", None):
        from ._schedule import ScheduleError, load_schedule, start_on_schedule
        try:
            schedule = load_schedule(args.schedule)
        except ScheduleError as exc:
            print(f"{DIST}: {exc}", file=err)
            return EXIT_USAGE

    def echo(stream, text):
        (err if stream == "stderr" else out).write(text)
        (err if stream == "stderr" else out).flush()

    loop = _loop.new_event_loop()
    speed, skip_idle = args.speed
    if (speed, skip_idle) != (1.0, False):
        loop.set_speed(speed, skip_idle=skip_idle)
    block_limit = args.block_limit
    if args.timeout is not None and block_limit is not None:
        # A blocked loop cannot outlast the timeout; a hair later than it, so the timeout's own
        # timer (due first) is what ends the run: exit 124, whichever way the run was stuck.
        block_limit = min(block_limit, max(args.timeout, 0.1) + 0.25)
    run = _runner.Run(path, loop=loop, network=args.network, block_limit=block_limit,
                      echo=echo, argv=getattr(args, "script_args", None) or [], stdin=sys.stdin,
                      memory_limit=_memory_limit(getattr(args, "memory_limit", None)))
    run.hold_unretrieved = True   # asyncio's exit-time messages after the traceback (dispose())
    status = {"timeout": False, "interrupted": False}

    async def go():
        if schedule is not None:   # stepped on loop time, in the schedule's order (_schedule)
            status["scheduler"] = start_on_schedule(run, schedule)
        else:
            run.start()
        if args.timeout is not None:
            try:
                # --timeout is wall seconds: loop time runs at ``speed`` (skip-idle: may jump).
                await asyncio.wait_for(run.wait(), args.timeout * speed)
            except TimeoutError:
                status["timeout"] = True
                run.stop("timeout")
        return await run.wait()

    def on_sigint():
        status["interrupted"] = True
        run.stop("interrupted")

    try:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
        try:
            loop.run_until_complete(go())
        except _runner.LoadError as exc:
            print(f"{DIST}: {exc}", file=err)
            return EXIT_USAGE
        finally:
            loop.remove_signal_handler(signal.SIGINT)
        table = _table.TaskTable()
        table.apply(run.tracer.events)
        from ._findings import finding_lines, findings   # what the run showed (issue 22)
        found = findings(run) if not args.quiet else []
        said = "\n" + "\n".join(finding_lines(found, table.started)) + "\n" if found else ""
        if said and found[0].kind == "hang":   # Stop or --timeout ended a hung run: that first
            out.write(said)
            said = ""
        if not args.quiet and table.rows:
            out.write("\n" + "\n".join(summary_lines(table, run.path)) + "\n\n")
            out.write("\n".join(timeline_lines(table)) + "\n")
            from ._resources import resource_summary   # issue 23: its Locks, Queues... (or "")
            out.write(resource_summary(run.tracer.events, table, run.path))
            out.write(_what_the_run_showed(run, table, scheduled=schedule is not None))
        for block in table.blocks:
            if block.tid in table.by_tid:
                who = f"task '{table.by_tid[block.tid].name}'"
            else:   # no task: module code (a line of the file) or a plain callback (no line)
                who = "module code" if block.filename else "a callback (its name is in the output)"
            where = f" at {os.path.basename(block.filename)}:{block.lineno}" if block.filename else ""
            out.write(f"loop blocked for {block.duration:.2f} s by {who}{where}\n")
        for error in table.errors:
            name = table.by_tid[error.tid].name if error.tid in table.by_tid else "-"
            exc = f": {error.exc.type}: {error.exc.message}" if error.exc else ""
            out.write(f"asyncio: {error.message} (task '{name}'){exc}\n")
        out.write(said)
        if args.trace:
            # A saved run: the Chrome trace plus what the window needs to replay it.
            from .replay import save_run
            from ._schedule import schedule_of
            save_run(run.tracer.events, args.trace, source=run.source, filename=run.path,
                     schedule=schedule_of(run))
            out.write(f"trace written to {args.trace} (Perfetto opens it; so does File → Open "
                      "run… in the window)\n")
        if run.error:
            err.write(run.error if run.error.endswith("\n") else run.error + "\n")
        run.dispose()   # asyncio's exit-time messages, after the traceback (as `python FILE`)
        if status.get("scheduler") is not None and status["scheduler"].error is not None:
            err.write(f"{DIST}: {status['scheduler'].error}\n")
            return _leave(run, EXIT_USAGE, stopped=True)
        if status["interrupted"]:
            err.write("interrupted: every task was cancelled\n")
            return _leave(run, EXIT_INTERRUPTED, stopped=True)
        if status["timeout"]:
            err.write(f"timed out after {args.timeout:g} s: every task was cancelled\n")
            return _leave(run, EXIT_TIMEOUT, stopped=True)
        if run.exit_code is not None:   # sys.exit(n) in the script: n, as `python FILE` gives
            return _leave(run, run.exit_code)
        if run.interrupted:             # the script raised KeyboardInterrupt itself
            return _leave(run, EXIT_INTERRUPTED)
        return _leave(run, EXIT_OK if run.outcome in ("completed", "cancelled") else EXIT_FAILED)
    finally:
        with loop:  # cancels anything left, runs finally blocks, closes
            pass


def _memory_limit(mb):
    """--memory-limit MB in bytes: "auto" when not given, None for 0 (no limit)."""
    if mb is None:
        return "auto"
    return int(mb * (1 << 20)) if mb > 0 else None


def _leave(run, code: int, stopped: bool = False) -> int:
    """``code``, or exit the process now with it when threads the script started are still
    running: Python cannot stop them, and they must not keep the process alive (nor, once the run
    was stopped, an executor job still busy make the loop's shutdown wait for it)."""
    import threading
    busy = stopped and any(t.is_alive() and not t.daemon and t is not threading.current_thread()
                           for t in threading.enumerate())
    if run.leftover_threads() or busy:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
