"""Where a task's cleanup lives: the ``finally`` blocks, the ``except`` clauses that catch
``CancelledError`` and the ``with``/``async with`` exits around the line where CancelledError
landed — read from the source that ran (``linecache``, which the runner fills with it).

The tracer times the cleanup (from the landing to the task's end); this module says which lines
it is made of, so a cancellation story reads "its cleanup (finally, lines 20–21) ran 0.1 ms"
without tracing every line the task runs.
"""
from __future__ import annotations

import ast
import functools
import linecache

from ._ast import parse

__all__ = ["cleanup_blocks", "describe"]

# Exception names an ``except`` clause catches CancelledError by (a bare ``except:`` does too).
_CATCHES = {"CancelledError", "BaseException"}


@functools.lru_cache(maxsize=64)
def _tree(filename: str, source: str):
    try:
        return parse(source, filename)
    except (SyntaxError, ValueError):
        return None


def _catches_cancel(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type
    if kinds is None:
        return True
    names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    for name in names:
        last = name.attr if isinstance(name, ast.Attribute) else getattr(name, "id", None)
        if last in _CATCHES:
            return True
    return False


def _span(stmts) -> tuple[int, int]:
    return stmts[0].lineno, max(getattr(s, "end_lineno", s.lineno) or s.lineno for s in stmts)


def cleanup_blocks(filename: str, line: int) -> list[tuple[str, int, int]]:
    """``(what, first, last)`` for each cleanup block around ``line`` of ``filename``, innermost
    first: ``("finally", 20, 21)``, ``("except CancelledError", 18, 19)``,
    ``("async with", 12, 12)`` (a with statement's exit runs on its own line)."""
    source = "".join(linecache.getlines(filename))
    tree = _tree(filename, source) if source else None
    if tree is None:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))) and node.body:
            first, last = _span(node.body)
            if not first <= line <= last:
                continue
            for handler in node.handlers:
                if _catches_cancel(handler) and handler.body:
                    a, b = _span(handler.body)
                    label = ast.unparse(handler.type) if handler.type is not None else ""
                    found.append((node.lineno, f"except {label}".strip(), a, b))
            if node.finalbody:
                a, b = _span(node.finalbody)
                found.append((node.lineno, "finally", a, b))
        elif isinstance(node, (ast.With, ast.AsyncWith)) and node.body:
            first, last = _span(node.body)
            if first <= line <= last:
                word = "async with" if isinstance(node, ast.AsyncWith) else "with"
                found.append((node.lineno, word, node.lineno, node.lineno))
    found.sort(key=lambda f: -f[0])     # innermost (latest-starting) first
    return [(what, a, b) for _start, what, a, b in found]


def describe(filename: str | None, line: int | None) -> str:
    """The cleanup blocks around ``line`` in words ("finally, lines 20–21"), "" when none."""
    if not filename or not line:
        return ""
    parts = []
    for what, a, b in cleanup_blocks(filename, line):
        where = f"line {a}" if a == b else f"lines {a}–{b}"
        parts.append(f"{what}, {where}" if not what.endswith("with") else f"the exit of {what} "
                     f"at {where}")
    return "; ".join(parts)
