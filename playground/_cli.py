"""``asyncio-playground``: the window, or the same engine headless.

    asyncio-playground                                  open the window
    asyncio-playground run PATH [--trace OUT.json] [--timeout S] [--block-limit S] [--network M]
    asyncio-playground list
    asyncio-playground screenshot [LESSON] OUT.png [--at SECONDS]

``run`` exits 0 when the script completed, 1 when it raised, 2 for usage errors or a file that
cannot be loaded, 124 when --timeout stopped it, 130 on Ctrl+C.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_TIMEOUT, EXIT_INTERRUPTED = 0, 1, 2, 124, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="asyncio-playground",
                description="Learn asyncio by watching it run.  With no command, opens the window.")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    r = sub.add_parser("run", help="run a file headless and print its tasks")
    r.add_argument("path")
    r.add_argument("--trace", metavar="OUT.json", help="write a Chrome Trace Event JSON file")
    r.add_argument("--timeout", type=float, metavar="S", help="stop the run after S seconds")
    r.add_argument("--block-limit", type=float, default=5.0, metavar="S",
                   help="interrupt code that blocks the event loop for longer than S seconds (default 5)")
    r.add_argument("--network", choices=("offline", "live"), default="offline",
                   help="offline (default): httpx requests to the tutorial's demo host are answered "
                        "by a local server; live: they go to the internet")
    r.add_argument("--quiet", action="store_true", help="don't print the task summary and timeline")
    sub.add_parser("list", help="list the lessons by group")
    s = sub.add_parser("screenshot", help="render the window offscreen to a PNG")
    s.add_argument("args", nargs="+", metavar="[LESSON] OUT.png")
    s.add_argument("--at", type=float, default=1.0, metavar="SECONDS")
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # `asyncio-playground list | head`: the reader left; so do we
        sys.stdout = open(os.devnull, "w")
        return EXIT_OK


def _main(argv):
    args = _parser().parse_args(argv)
    if args.command == "run":
        return cmd_run(args)
    if args.command == "list":
        return cmd_list()
    if args.command == "screenshot":
        if len(args.args) > 2:
            _parser().error("screenshot takes [LESSON] OUT.png")
        lesson, out = (args.args if len(args.args) == 2 else (None, args.args[0]))
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from .ui.app import render_screenshot
        return render_screenshot(lesson, out, args.at)
    from .ui.app import main as window_main
    return window_main(argv or [])


def cmd_list() -> int:
    from . import lessons
    found = lessons.discover()
    for group, items in lessons.groups(found):
        print(group)
        for lesson in items:
            print(f"  {lesson.slug:45} {lesson.title}")
    return EXIT_OK


def cmd_run(args) -> int:
    from . import _loop, _runner, _table
    from ._export import chrome_trace, summary_lines, timeline_lines

    out, err = sys.stdout, sys.stderr

    def echo(stream, text):
        (err if stream == "stderr" else out).write(text)
        (err if stream == "stderr" else out).flush()

    loop = _loop.new_event_loop()
    run = _runner.Run(args.path, loop=loop, network=args.network,
                         block_limit=args.block_limit, echo=echo)
    status = {"timeout": False, "interrupted": False}

    async def go():
        run.start()
        if args.timeout is not None:
            try:
                await asyncio.wait_for(run.wait(), args.timeout)
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
            print(f"asyncio-playground: {exc}", file=err)
            return EXIT_USAGE
        finally:
            loop.remove_signal_handler(signal.SIGINT)
        table = _table.TaskTable()
        table.apply(run.tracer.events)
        if not args.quiet and table.rows:
            out.write("\n" + "\n".join(summary_lines(table)) + "\n\n")
            out.write("\n".join(timeline_lines(table)) + "\n")
        for ev in table.blocks:
            _, tid, _t0, dur, filename, lineno = ev
            name = table.by_tid[tid].name if tid in table.by_tid else "module code"
            where = f"{os.path.basename(filename)}:{lineno}" if filename else "?"
            out.write(f"loop blocked for {dur:.2f} s by task '{name}' at {where}\n")
        for ev in table.errors:
            _, tid, _t, message, exc = ev
            name = table.by_tid[tid].name if tid in table.by_tid else "-"
            out.write(f"asyncio: {message} (task '{name}')" + (f": {exc[0]}: {exc[1]}" if exc else "") + "\n")
        if args.trace:
            with open(args.trace, "w", encoding="utf-8") as f:
                json.dump(chrome_trace(run.tracer), f)
            out.write(f"trace written to {args.trace}\n")
        if run.error:
            err.write(run.error if run.error.endswith("\n") else run.error + "\n")
        if status["interrupted"]:
            err.write("interrupted: every task was cancelled\n")
            return EXIT_INTERRUPTED
        if status["timeout"]:
            err.write(f"timed out after {args.timeout:g} s: every task was cancelled\n")
            return EXIT_TIMEOUT
        return EXIT_OK if run.outcome in ("completed", "cancelled") else EXIT_FAILED
    finally:
        with loop:  # cancels anything left, runs finally blocks, closes
            pass
