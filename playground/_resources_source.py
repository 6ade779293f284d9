"""What a lesson calls the synchronisation objects it makes, read from the line that makes them.

``db_lock = asyncio.Lock()`` makes a Lock called ``db_lock``; ``self.jobs = asyncio.Queue()`` a
Queue called ``self.jobs``.  The tracker (``_resource_hooks``) knows the frame that called the
constructor, and so the exact call (``co_positions`` of the frame's current instruction: the
call's line, end line and columns, which are its ``ast.Call`` node's); this module maps every call
of the source to the name it is bound to, from the syntax tree, once per run:

* an assignment's target, as written (``lock``, ``self.lock``, ``locks["db"]``; ``Cls.lock`` in a
  class body), the walrus too; unpacking pairs targets with values (``a, b = Lock(), Lock()``);
* through ``x or Lock()`` and ``Lock() if c else None``;
* an element of a list or tuple display (``locks[0]``), a value of a dict display
  (``locks["db"]``), the element of a comprehension (``locks[i]``: ``i`` counts the objects the call
  made, in order: ``Site.indexed``);
* a keyword argument (``Worker(lock=asyncio.Lock())``: ``lock``), an argument by position to a
  function, method or class of the program (``round_("safe", asyncio.Lock())`` with ``def
  round_(label, lock)``: ``lock``), and a parameter's default.

Anything else (``return asyncio.Lock()``, an argument to a function the program does not define)
has no name here; the tracker then numbers it ("Lock #2").  Nothing here runs the program, and a
source that does not parse gives no names.
"""
from __future__ import annotations

import ast

from ._ast import parse

__all__ = ["Site", "call_names"]


class Site:
    """A call's name: ``text`` (``"locks"``), and whether the call runs once per element of a
    comprehension (``indexed``: the tracker writes ``locks[0]``, ``locks[1]``...)."""

    __slots__ = ("text", "indexed")

    def __init__(self, text: str, indexed: bool = False):
        self.text = text
        self.indexed = indexed

    def __repr__(self):
        return f"Site({self.text!r}{', indexed' if self.indexed else ''})"


def _key(node) -> tuple:
    return (node.lineno, node.end_lineno, node.col_offset, node.end_col_offset)


class _Namer:
    """Names the calls of one source (``names``), reading targets as the program writes them."""

    def __init__(self, source: str):
        self.source = source
        self.names: dict = {}
        self.params: dict = {}   # a function's (or class's) name -> its positional parameters

    def collect(self, tree) -> None:
        """The positional parameters of the program's functions, methods (without ``self``) and
        classes (their ``__init__``'s); a name defined twice with other parameters is left out."""
        seen: dict = {}

        def note(name, params):
            if seen.setdefault(name, params) != params:
                seen[name] = None

        methods = set()
        funcs = (ast.FunctionDef, ast.AsyncFunctionDef)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if isinstance(stmt, funcs):
                        methods.add(stmt)
                        static = any(isinstance(d, ast.Name) and d.id == "staticmethod"
                                     for d in stmt.decorator_list)
                        args = [a.arg for a in (*stmt.args.posonlyargs, *stmt.args.args)]
                        args = args if static else args[1:]
                        note(stmt.name, args)
                        if stmt.name == "__init__":
                            note(node.name, args)
        for node in ast.walk(tree):
            if isinstance(node, funcs) and node not in methods:
                note(node.name, [a.arg for a in (*node.args.posonlyargs, *node.args.args)])
        self.params = {name: params for name, params in seen.items() if params is not None}

    def text(self, node) -> str | None:
        """``node`` as the program writes it (else as ``ast.unparse`` would), on one line."""
        try:
            text = ast.get_source_segment(self.source, node) or ast.unparse(node)
        except Exception:   # an odd tree: no name rather than an error
            return None
        return text if len(text) <= 60 and "\n" not in text else None

    def target(self, node, owner: str | None) -> str | None:
        if isinstance(node, ast.Name):
            return f"{owner}.{node.id}" if owner else node.id
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            return self.text(node)
        return None

    def bind(self, value, name: str | None, indexed: bool = False) -> None:
        """Name the calls of ``value`` (an expression bound to ``name``)."""
        if name is None or value is None:
            return
        if isinstance(value, ast.Call):
            self.names.setdefault(_key(value), Site(name, indexed))
        elif isinstance(value, ast.BoolOp):
            for operand in value.values:
                self.bind(operand, name, indexed)
        elif isinstance(value, ast.IfExp):
            self.bind(value.body, name, indexed)
            self.bind(value.orelse, name, indexed)
        elif isinstance(value, (ast.List, ast.Tuple)):
            for i, elt in enumerate(value.elts):
                self.bind(elt, f"{name}[{i}]")
        elif isinstance(value, ast.Dict):
            for key, item in zip(value.keys, value.values):
                text = self.text(key) if key is not None else None
                if text is not None:
                    self.bind(item, f"{name}[{text}]")
        elif isinstance(value, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            self.bind(value.elt, name, True)
        elif isinstance(value, ast.DictComp):
            self.bind(value.value, name, True)
        elif isinstance(value, ast.Await):
            self.bind(value.value, name, indexed)

    def assign(self, targets, value, owner) -> None:
        for target in targets:
            pairs = (isinstance(target, (ast.Tuple, ast.List))
                     and isinstance(value, (ast.Tuple, ast.List))
                     and len(target.elts) == len(value.elts))
            if pairs:
                for t, v in zip(target.elts, value.elts):
                    self.assign([t], v, owner)
            else:
                self.bind(value, self.target(target, owner))

    def visit(self, node, owner=None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                for stmt in child.body:   # class attributes: Cls.lock
                    if isinstance(stmt, ast.Assign):
                        self.assign(stmt.targets, stmt.value, child.name)
                    elif isinstance(stmt, ast.AnnAssign):
                        self.assign([stmt.target], stmt.value, child.name)
                self.visit(child)
                continue
            if isinstance(child, ast.Assign):
                self.assign(child.targets, child.value, owner)
            elif isinstance(child, ast.AnnAssign) and child.value is not None:
                self.assign([child.target], child.value, owner)
            elif isinstance(child, ast.NamedExpr):
                self.bind(child.value, self.target(child.target, None))
            elif isinstance(child, ast.keyword) and child.arg:
                self.bind(child.value, child.arg)
            elif isinstance(child, ast.Call) and child.args:
                # an argument by position: the parameter of the program's function it is bound to
                func = child.func
                callee = func.id if isinstance(func, ast.Name) else \
                    func.attr if isinstance(func, ast.Attribute) else None
                params = self.params.get(callee)
                if params:
                    for param, arg in zip(params, child.args):
                        if isinstance(arg, ast.Starred):
                            break
                        self.bind(arg, param)
            elif isinstance(child, ast.arguments):
                params = [*child.posonlyargs, *child.args]
                for param, default in zip(params[len(params) - len(child.defaults):],
                                          child.defaults):
                    self.bind(default, param.arg)
                for param, default in zip(child.kwonlyargs, child.kw_defaults):
                    self.bind(default, param.arg)
            self.visit(child)


def call_names(source: str | None, filename: str = "<run>") -> dict:
    """``(lineno, end_lineno, col_offset, end_col_offset)`` of each call -> its ``Site``."""
    if not source:
        return {}
    try:
        tree = parse(source, filename)
    except (SyntaxError, ValueError, SystemError, MemoryError, RecursionError):
        return {}
    namer = _Namer(source)
    try:
        namer.collect(tree)
        namer.visit(tree)
    except RecursionError:   # a pathologically deep program: the names found so far
        pass
    return namer.names
