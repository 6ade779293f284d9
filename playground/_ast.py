"""``ast.parse`` and ``compile`` with the cyclic collector held off.

Facts that shaped this module: CPython 3.11 checks the recursion depth of its AST constructor (and
of the AST-to-code conversion) on the way in and on the way out; a collection that starts inside
may finalise a failed task whose exception asyncio then formats, which builds ASTs of its own, and
the parse fails with ``SystemError: AST constructor recursion depth mismatch`` (seen in CI on
3.11.7, parsing a lesson while an earlier run's tasks were collected).  Every parse of the engine
goes through here.  Where the collector is off already (the engine's policy while a window starts),
nothing changes.
"""
from __future__ import annotations

import ast
import gc
from contextlib import contextmanager

__all__ = ["collector_held", "compile_tree", "parse"]


@contextmanager
def collector_held():
    """No automatic collection inside the block (an explicit ``gc.collect()`` still runs)."""
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def parse(source, filename: str = "<unknown>", mode: str = "exec") -> ast.AST:
    """``ast.parse(source, filename, mode)`` with the collector held off.  The depth counter is the
    interpreter's, not the thread's: a parse in another thread at the same moment (a run's module
    thread, asyncio formatting a traceback) trips it too, so a SystemError is tried again twice."""
    with collector_held():
        for attempt in range(3):
            try:
                return ast.parse(source, filename, mode)
            except SystemError:
                if attempt == 2:
                    raise


def compile_tree(tree: ast.AST, filename: str):
    """``compile(tree, filename, "exec")`` with the same care (it walks the same counter)."""
    with collector_held():
        for attempt in range(3):
            try:
                return compile(tree, filename, "exec")
            except SystemError:
                if attempt == 2:
                    raise
