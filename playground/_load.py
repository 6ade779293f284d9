"""Loading a run's file: read it as Python reads source, compile it, say why it cannot run.

``LoadError`` (with file, line and column when known) is what ``Run.start()`` raises when the
file cannot be run at all; nothing is started then.
"""
from __future__ import annotations

import ast
import importlib.util
import linecache
from pathlib import Path

from ._ast import compile_tree, parse

__all__ = ["LoadError", "compile_lesson", "module_mentions", "read_source", "remember_source"]


class LoadError(Exception):
    """The file cannot be run at all (missing, not Python, a syntax error, nothing to run).

    Attributes:
        filename, lineno, offset: where, when known (1-based line and column).
    """

    def __init__(self, message, *, filename=None, lineno=None, offset=None):
        super().__init__(message)
        self.filename, self.lineno, self.offset = filename, lineno, offset


def _describe_syntax_error(err: SyntaxError, filename: str) -> LoadError:
    lines = [f'File "{filename}", line {err.lineno}, column {err.offset}: '
             f"{type(err).__name__}: {err.msg}"]
    if err.text:
        text = err.text.rstrip("\n")
        stripped = text.lstrip()
        lines.append("    " + stripped)
        if err.offset:
            lines.append("    " + " " * max(0, err.offset - 1 - (len(text) - len(stripped))) + "^")
    return LoadError("\n".join(lines), filename=filename, lineno=err.lineno, offset=err.offset)


def remember_source(source: str, filename: str) -> None:
    """Make tracebacks quote ``source`` for ``filename``: the text that ran, not the file on disk.

    A lesson edited in the window runs from the editor's text under the lesson's own path; without
    this, ``traceback`` (through ``linecache``) would quote the file on disk, carets and all, under
    lines that are not what ran.  An entry whose mtime is None is never re-checked against the disk.
    """
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def compile_lesson(source: str, filename: str):
    """Compile and check there is something to run; raises LoadError."""
    remember_source(source, filename)
    try:
        tree = parse(source, filename)
        code = compile_tree(tree, filename)
    except SyntaxError as err:
        raise _describe_syntax_error(err, filename) from None
    except ValueError as err:  # e.g. source with NUL bytes
        raise LoadError(f"{filename} is not a Python source file ({err})", filename=filename) from None
    has_main = any(isinstance(node, (ast.AsyncFunctionDef, ast.FunctionDef)) and node.name == "main"
                   for node in tree.body)
    runs = any(isinstance(node, ast.Call) and (
        (isinstance(node.func, ast.Attribute) and node.func.attr in
         ("run", "run_until_complete", "run_forever", "Runner"))
        or (isinstance(node.func, ast.Name) and node.func.id in ("run", "Runner")))
        for node in ast.walk(tree))
    if not (has_main or runs):
        raise LoadError(f"{filename}: nothing to run: define `async def main()` "
                        "or call `asyncio.run(...)`", filename=filename)
    return code


def read_source(path) -> str:
    path = Path(path)
    if not path.exists():
        raise LoadError(f"No such file: {path}", filename=str(path))
    if path.is_dir():
        raise LoadError(f"{path} is a directory, not a Python file", filename=str(path))
    try:
        data = path.read_bytes()
    except OSError as err:
        raise LoadError(f"Cannot read {path}: {err.strerror}", filename=str(path)) from None
    if b"\0" in data[:8192]:
        raise LoadError(f"{path} is not a Python source file (it looks binary)", filename=str(path))
    # As Python reads source: a UTF-8 BOM or a `# coding:` cookie picks the encoding (PEP 263),
    # UTF-8 otherwise; newlines are made universal.
    try:
        return importlib.util.decode_source(data)
    except SyntaxError as err:   # an unknown encoding in the cookie, or a BOM contradicting it
        raise LoadError(f"{path}: {err.msg}", filename=str(path), lineno=err.lineno) from None
    except (UnicodeDecodeError, LookupError) as err:
        raise LoadError(f"{path} is not a Python source file (not text in its encoding: {err})",
                        filename=str(path)) from None


def module_mentions(source: str, name: str) -> bool:
    """Whether the module-level code of ``source`` uses ``name`` (reads it: ``main()``,
    ``asyncio.run(main())``, ``anyio.run(main)``, ``if __name__ == "__main__": main()``), outside
    the bodies of functions and classes.  False for source that does not parse."""
    try:
        tree = parse(source)
    except (SyntaxError, ValueError):
        return False
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            # Its decorators, defaults and bases run at module level; its body does not.
            todo.extend(getattr(node, "decorator_list", ()))
            args = getattr(node, "args", None)
            if args is not None:
                todo.extend(args.defaults + [d for d in args.kw_defaults if d is not None])
            todo.extend(getattr(node, "bases", ()))
            continue
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
            return True
        todo.extend(ast.iter_child_nodes(node))
    return False
