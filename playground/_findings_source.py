"""What the findings need to know about a run's source, read from its syntax tree once.

The tracer records what tasks did, not the program's text: which object an ``await`` waits on by
name ("Event 'ready'"), who in the program could ever complete it (``ready.set()``), which lock
a task holds while it waits (the ``async with`` around its line), whether a ``create_task(...)``
result was dropped (a bare expression statement), whether a ``while`` loop only polls.  This
module answers those from the source with :mod:`ast`, approximately and conservatively: names are
matched by their last component (``self.ready`` and ``ready`` are one name), and two names are
one object when the program passes one as the other (a call's argument and the callee's
parameter, an assignment); a doubt makes a finding less likely, never more.

Nothing here runs the program.  A source that does not parse gives empty facts (no finding that
needs them is made).
"""
from __future__ import annotations

import ast
import bisect
from functools import cached_property

from ._ast import parse

__all__ = ["SourceFacts", "COMPLETERS"]

#: The method that waits -> the methods that can end that wait, by the kind of object
#: (``WaitKind`` words); what the hang doctor looks for in the program.
COMPLETERS = {
    "event": ("set",),
    "condition": ("notify", "notify_all"),
    "queue": ("put", "put_nowait"),           # a get waits for a put
    "queue.join": ("task_done",),
    "queue.put": ("get", "get_nowait"),       # a put on a full queue waits for a get
    "barrier": ("wait",),
    "future": ("set_result", "set_exception", "cancel"),
    "lock": ("release",),
    "semaphore": ("release",),
}
#: What the objects are called in words.
OBJECT_WORDS = {"event": "Event", "condition": "Condition", "queue": "Queue", "barrier": "Barrier",
                "future": "future", "lock": "Lock", "semaphore": "Semaphore"}

_CONSTRUCTORS = {"Event": "event", "Condition": "condition", "Barrier": "barrier", "Queue": "queue",
                 "LifoQueue": "queue", "PriorityQueue": "queue", "Lock": "lock",
                 "Semaphore": "semaphore", "BoundedSemaphore": "semaphore"}
_TASK_MAKERS = ("create_task", "ensure_future")
_SPAWNING = ("create_task", "ensure_future", "gather", "wait_for", "shield",
             "run_coroutine_threadsafe", "start_soon")
_TIMEOUT_MAKERS = ("timeout", "timeout_at", "wait_for")
_SPAWNERS = ("to_thread", "run_in_executor", "call_soon", "call_later", "call_at",
             "call_soon_threadsafe", "Thread", "submit", "add_done_callback", "Timer")


def _parse(source: str, filename: str):
    """``ast.parse`` as every engine parse is made (``_ast.parse``: the collector held off, a
    SystemError of CPython 3.11's depth counter tried again); None: not Python."""
    try:
        return parse(source, filename)
    except (SyntaxError, ValueError, SystemError):
        return None


def _per_line(method):
    """Cache ``method(self, line)`` in ``self._cache``: the fold asks about the same lines often."""
    name = method.__name__

    def cached(self, line):
        key = (name, line)
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = method(self, line)
            return value
    cached.__doc__ = method.__doc__
    cached.__name__ = name
    return cached


def last_name(node) -> str | None:
    """``ready`` for ``ready``, ``self.ready`` and ``objs.ready``; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _Func:
    __slots__ = ("qualname", "name", "node", "is_async", "first", "last", "calls", "refs", "spawns",
                 "parent")

    def __init__(self, qualname, node, parent):
        self.qualname = qualname
        self.name = node.name
        self.node = node
        self.is_async = isinstance(node, ast.AsyncFunctionDef)
        self.first = node.lineno
        self.last = node.end_lineno
        self.calls: set[str] = set()   # simple names it calls (and awaits)
        self.spawns: set[str] = set()  # simple names whose coroutine it hands to a new task
        self.refs: set[str] = set()    # simple names it passes on without calling (callbacks)
        self.parent = parent


class _Union:
    def __init__(self):
        self.up: dict[str, str] = {}

    def find(self, x):
        up = self.up
        root = x
        while up.get(root, root) != root:
            root = up[root]
        while x != root:
            up[x], x = root, up.get(x, x)
        return root

    def join(self, a, b):
        if a and b and a != b:
            ra, rb = self.find(a), self.find(b)
            if ra != rb:
                self.up[ra] = rb


class SourceFacts:
    """Facts about one source text (see the module docstring); every answer is cached."""

    def __init__(self, source: str | None, filename: str | None = None):
        self.filename = filename
        self.source = source or ""
        self.lines = self.source.splitlines()
        self.tree = _parse(source, filename or "<run>") if source else None
        self.funcs: dict[str, _Func] = {}        # qualname -> _Func
        self.by_name: dict[str, list[_Func]] = {}
        self._spans: list[tuple[int, int, _Func]] = []
        self.aliases = _Union()
        # (method, alias root) -> [(line, _Func or None)] of its calls; refs (callbacks) apart
        self._method_calls: dict[str, list[tuple]] = {}   # method -> [(name, line, func)]
        self._method_refs: dict[str, list[tuple]] = {}    # method -> [(name, line, func)]
        self.unresolved_methods: set[str] = set()   # methods called on a receiver with no name
        self.spawned: set[str] = set()     # function names handed to a thread or a callback
        self._stmts: dict[int, list] = {}  # line -> statements starting there (innermost last)
        self._cache: dict = {}             # (question, line) -> answer
        self._spawn_args: set[int] = set()   # ids of calls whose coroutine becomes a task
        if self.tree is not None:
            for node in ast.walk(self.tree):
                if isinstance(node, ast.Call) and last_name(node.func) in _SPAWNING:
                    self._spawn_args.update(id(a) for a in node.args if isinstance(a, ast.Call))
            self._walk()

    # -- the one walk ---------------------------------------------------------------------------
    def _walk(self):
        funcs_ctx: list[_Func | None] = [None]
        names_ctx: list[str] = []

        def visit(node, func, qual):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = ".".join(qual + [node.name])
                f = _Func(qualname, node, func)
                self.funcs[qualname] = f
                self.by_name.setdefault(node.name, []).append(f)
                self._spans.append((node.lineno, node.end_lineno, f))
                for d in node.decorator_list:
                    visit(d, func, qual)
                for d in node.args.defaults + node.args.kw_defaults:
                    if d is not None:
                        visit(d, func, qual)
                for child in node.body:
                    visit(child, f, qual + [node.name, "<locals>"])
                return
            if isinstance(node, ast.ClassDef):
                for child in node.body:
                    visit(child, func, qual + [node.name])
                for d in node.decorator_list + node.bases:
                    visit(d, func, qual)
                return
            if isinstance(node, ast.Lambda):
                visit(node.body, func, qual)
                return
            if isinstance(node, ast.stmt):
                self._stmts.setdefault(node.lineno, []).append(node)
            if isinstance(node, ast.Call):
                self._call(node, func)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                pass
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                self.aliases.join(last_name(node.targets[0]), last_name(node.value))
            for child in ast.iter_child_nodes(node):
                visit(child, func, qual)

        for node in self.tree.body:
            visit(node, None, [])
        # A method referenced without being called (``call_later(1, ready.set)``): a callback.
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                for arg in list(node.args) + [k.value for k in node.keywords]:
                    if isinstance(arg, ast.Attribute):
                        self._method_refs.setdefault(arg.attr, []).append(
                            (last_name(arg.value), arg.lineno, self.func_at(arg.lineno)))
        self._spans.sort(key=lambda s: (s[0], -s[1]))
        # Parameters bound by calls of the program's own functions are one object with the
        # arguments they receive.
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                callee = last_name(node.func)
                for f in self.by_name.get(callee, ()):
                    self._bind(f, node)
                if isinstance(node.func, ast.Name) and callee in self._classes:
                    for f in self.by_name.get("__init__", ()):
                        if f.qualname == f"{callee}.__init__":
                            self._bind(f, node)

    @cached_property
    def _classes(self) -> set[str]:
        return {n.name for n in ast.walk(self.tree) if isinstance(n, ast.ClassDef)} if self.tree else set()

    def _bind(self, f: _Func, call: ast.Call):
        args = f.node.args
        params = [a.arg for a in args.posonlyargs + args.args]
        if params and params[0] in ("self", "cls") and (
                isinstance(call.func, ast.Attribute) or f.name == "__init__"):
            params = params[1:]
        for param, arg in zip(params, call.args):
            self.aliases.join(param, last_name(arg))
        names = {a.arg for a in args.args + args.kwonlyargs}
        for kw in call.keywords:
            if kw.arg in names:
                self.aliases.join(kw.arg, last_name(kw.value))

    def _call(self, node: ast.Call, func: _Func | None):
        target = node.func
        name = last_name(target)
        if func is not None and name:
            (func.spawns if id(node) in self._spawn_args else func.calls).add(name)
        if isinstance(target, ast.Attribute):
            receiver = last_name(target.value)
            if receiver is None:
                self.unresolved_methods.add(target.attr)
            else:
                self._method_calls.setdefault(target.attr, []).append(
                    (receiver, node.lineno, func))
        if name in _SPAWNERS or name in _TASK_MAKERS:
            for arg in list(node.args) + [k.value for k in node.keywords]:
                if isinstance(arg, ast.Name):
                    self.spawned.add(arg.id)
                    if func is not None:
                        func.refs.add(arg.id)
                elif isinstance(arg, ast.Attribute):
                    self.spawned.add(arg.attr)
                elif isinstance(arg, ast.Call) and name in _TASK_MAKERS:
                    pass   # create_task(f(x)): f is called, counted above

    # -- places ---------------------------------------------------------------------------------
    def line_text(self, line) -> str:
        return self.lines[line - 1].strip() if line and 0 < line <= len(self.lines) else ""

    def func_at(self, line) -> _Func | None:
        """The innermost function whose ``def`` spans ``line``."""
        best = None
        if not line:
            return None
        for first, last, f in self._spans:
            if first > line:
                break
            if line <= last:
                best = f   # later spans that start at or before line and contain it are inner
        return best

    @_per_line
    def statements_at(self, line) -> list:
        """The statements that span ``line``, outermost first, within its function."""
        f = self.func_at(line)
        body = f.node.body if f is not None else (self.tree.body if self.tree else [])
        out = []
        stack = list(body)
        while stack:
            node = stack.pop()
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if node.lineno <= line <= (node.end_lineno or node.lineno):
                out.append(node)
                stack = [c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)] + \
                    [h for h in getattr(node, "handlers", ())]
        return out

    def _exprs_at(self, line):
        """Expressions of the innermost statement at ``line`` (its nested statements excluded)."""
        stmts = [s for s in self.statements_at(line) if isinstance(s, ast.stmt)]
        if not stmts:
            return []
        stmt = stmts[-1]
        out = []
        stack = [c for c in ast.iter_child_nodes(stmt) if not isinstance(c, ast.stmt)]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(c for c in ast.iter_child_nodes(node)
                         if not isinstance(c, (ast.stmt, ast.Lambda)))
        return out

    # -- what a line waits on -------------------------------------------------------------------
    @_per_line
    def waited_object(self, line) -> tuple[str, str, str | None] | None:
        """``(name, shown, method)`` of what the ``await`` / ``async with`` at ``line`` waits on:
        ``("ready", "ready", "wait")`` for ``await ready.wait()``, ``("lock", "self.lock",
        None)`` for ``async with self.lock:``; None when it is not a named object."""
        stmts = self.statements_at(line)
        for stmt in reversed(stmts):
            if isinstance(stmt, ast.AsyncWith) and stmt.lineno == line:
                for item in stmt.items:
                    name = last_name(item.context_expr)
                    if name:
                        return name, ast.unparse(item.context_expr), None
        for node in self._exprs_at(line):
            if isinstance(node, ast.Await):
                value = node.value
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
                    name = last_name(value.func.value)
                    if name:
                        return name, ast.unparse(value.func.value), value.func.attr
                name = last_name(value)
                if name:
                    return name, ast.unparse(value), None
        return None

    @_per_line
    def held_locks(self, line) -> list[tuple[str, str, int]]:
        """``(name, shown, line)`` of the ``async with X:`` blocks (in ``line``'s function) whose
        body holds ``line``: what a task suspended there holds."""
        out = []
        for stmt in self.statements_at(line):
            if isinstance(stmt, ast.AsyncWith) and stmt.body and stmt.body[0].lineno <= line:
                for item in stmt.items:
                    name = last_name(item.context_expr)
                    if name and not self._is_timeout(item.context_expr):
                        out.append((name, ast.unparse(item.context_expr), stmt.lineno))
        return out

    @staticmethod
    def _is_timeout(expr) -> bool:
        return isinstance(expr, ast.Call) and last_name(expr.func) in _TIMEOUT_MAKERS

    @_per_line
    def has_deadline(self, line) -> bool:
        """Whether the wait at ``line`` has a deadline: inside ``async with asyncio.timeout(..)``,
        or a call with ``timeout=`` on the line (``asyncio.wait(..., timeout=1)``)."""
        for stmt in self.statements_at(line):
            if isinstance(stmt, ast.AsyncWith) and any(self._is_timeout(i.context_expr)
                                                       for i in stmt.items):
                return True
        for node in self._exprs_at(line):
            if isinstance(node, ast.Call):
                if last_name(node.func) in ("wait_for", "timeout", "timeout_at"):
                    return True
                if any(k.arg == "timeout" and not (isinstance(k.value, ast.Constant)
                                                   and k.value.value is None)
                       for k in node.keywords):
                    return True
        return False

    @_per_line
    def gather_returns_exceptions(self, line) -> bool:
        """Whether the ``gather(...)`` awaited at ``line`` passes ``return_exceptions=True``
        (or anything but a literal False)."""
        for node in self._exprs_at(line):
            if isinstance(node, ast.Call) and last_name(node.func) == "gather":
                for k in node.keywords:
                    if k.arg == "return_exceptions":
                        return not (isinstance(k.value, ast.Constant) and not k.value.value)
        return False

    # -- who could complete a wait --------------------------------------------------------------
    def completer_sites(self, name: str, methods) -> tuple[list[tuple], bool]:
        """``([(line, func or None), ...], doubt)``: where the program calls one of ``methods``
        on the object called ``name`` (or a name passed as it).  ``doubt`` when it may also
        happen where nothing here can tell: the method passed on as a callback, called on a
        receiver with no name, or from a function handed to a thread or a callback."""
        key = ("sites", name, tuple(methods))
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        hit = self._cache[key] = self._completer_sites(name, methods)
        return hit

    def _completer_sites(self, name, methods):
        root = self.aliases.find(name)
        sites = []
        doubt = False
        for method in methods:
            for receiver, line, func in self._method_calls.get(method, ()):
                if receiver and self.aliases.find(receiver) == root:
                    sites.append((line, func))
                    if func is None or self._spawned(func):
                        doubt = True
            for receiver, line, func in self._method_refs.get(method, ()):
                if receiver and self.aliases.find(receiver) == root:
                    doubt = True
            if method in self.unresolved_methods:
                doubt = True
        return sites, doubt

    def _spawned(self, func: _Func) -> bool:
        """Whether ``func`` (or a function that calls it) is handed to a thread or callback."""
        seen = set()
        stack = [func.name]
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            if n in self.spawned:
                return True
            for f in self.funcs.values():
                if n in f.calls and not f.is_async:
                    stack.append(f.name)
        return False

    def reach(self, qualname: str, direct: bool = False) -> frozenset[str]:
        """The qualnames of the program's functions the coroutine ``qualname`` may run or start,
        itself included (calls matched by simple name, transitively); ``direct``: only what it
        runs itself, not the coroutines it hands to new tasks nor the callbacks it passes on."""
        key = ("reach", qualname, direct)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        out = set()
        start = self.funcs.get(qualname)
        stack = [start] if start is not None else []
        while stack:
            f = stack.pop()
            if f.qualname in out:
                continue
            out.add(f.qualname)
            for n in (f.calls if direct else f.calls | f.spawns | f.refs):
                stack.extend(self.by_name.get(n, ()))
        hit = self._cache[key] = frozenset(out)
        return hit

    # -- dropped tasks, polling loops, except lines ---------------------------------------------
    @cached_property
    def bare_task_calls(self) -> list[tuple[int, str | None, str | None, str]]:
        """``(line, enclosing function's qualname, the coroutine function's name, the call as
        written)`` of each
        ``asyncio.create_task(...)`` / ``ensure_future(...)`` / ``loop.create_task(...)`` whose
        result is dropped (an expression statement).  A TaskGroup's ``tg.create_task`` keeps its
        task and is not one."""
        out = []
        if self.tree is None:
            return out
        groups = self._taskgroup_names
        for node in ast.walk(self.tree):
            if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
                continue
            call = node.value
            func = call.func
            if last_name(func) not in _TASK_MAKERS:
                continue
            if isinstance(func, ast.Attribute):
                receiver = last_name(func.value)
                if receiver in groups or (receiver and receiver != "asyncio"
                                          and "loop" not in receiver.lower()):
                    continue
            coro = call.args[0] if call.args else None
            coro_name = last_name(coro.func) if isinstance(coro, ast.Call) else None
            f = self.func_at(node.lineno)
            text = ast.get_source_segment(self.source, call) or ast.unparse(call)
            out.append((node.lineno, f.qualname if f else None, coro_name, " ".join(text.split())))
        return out

    @cached_property
    def future_names(self) -> set[str]:
        """Alias roots of the names bound to a plain future (``loop.create_future()``,
        ``asyncio.Future()``): the futures the program completes itself."""
        out = set()
        if self.tree is None:
            return out
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call) \
                    and last_name(node.value.func) in ("create_future", "Future"):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                out.update(self.aliases.find(n) for n in map(last_name, targets) if n)
        return out

    @cached_property
    def object_types(self) -> dict[str, str]:
        """Alias root -> what it is (a ``WaitKind`` word: event, lock, queue...) for the names
        bound to ``asyncio.Event()``, ``asyncio.Lock()``, ``asyncio.Queue(...)``..."""
        out: dict[str, str] = {}
        if self.tree is None:
            return out
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call):
                kind = _CONSTRUCTORS.get(last_name(node.value.func))
                if kind is None:
                    continue
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for n in map(last_name, targets):
                    if n:
                        out.setdefault(self.aliases.find(n), kind)
        return out

    @cached_property
    def _taskgroup_names(self) -> set[str]:
        names = set()
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.AsyncWith, ast.With)):
                for item in node.items:
                    if item.optional_vars is not None and isinstance(item.context_expr, ast.Call) \
                            and last_name(item.context_expr.func) == "TaskGroup":
                        names.add(last_name(item.optional_vars))
            elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                    and last_name(node.value.func) == "TaskGroup":
                names.update(last_name(t) for t in node.targets)
        return names - {None}

    def bare_coroutine_calls(self, name: str) -> list[int]:
        """Lines where the program's coroutine function ``name`` is called as a statement of its
        own (its coroutine dropped at once: never awaited)."""
        out = []
        if self.tree is None:
            return out
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
                    and last_name(node.value.func) == name:
                out.append(node.lineno)
        return sorted(out)

    def calls_on_line(self, line, name: str) -> bool:
        return any(isinstance(n, ast.Call) and last_name(n.func) == name for n in self._exprs_at(line))

    def is_async_function(self, name: str) -> bool:
        return any(f.is_async for f in self.by_name.get(name, ()))

    @cached_property
    def polling_loops(self) -> dict[str, list[tuple[int, bool]]]:
        """Function qualname -> ``[(line, zero, while line)]`` of its ``while`` loops that only
        poll: their body's one ``await`` is an ``asyncio.sleep`` at ``line`` (``zero``: a literal
        0), beside at most three simple statements (a check and a ``break``, a counter), and the
        loop can end (a condition, or a ``break``/``return``)."""
        out: dict[str, list] = {}
        for f in self.funcs.values():
            if not f.is_async:
                continue
            for node in ast.walk(f.node):
                if not isinstance(node, ast.While):
                    continue
                sleeps, others, bad = [], 0, False
                for stmt in node.body:
                    for sub in ast.walk(stmt):
                        if isinstance(sub, (ast.For, ast.While, ast.AsyncFor, ast.AsyncWith,
                                            ast.FunctionDef, ast.AsyncFunctionDef)):
                            bad = True
                        elif isinstance(sub, ast.Await):
                            v = sub.value
                            if isinstance(v, ast.Call) and last_name(v.func) == "sleep":
                                sleeps.append(sub)
                            else:
                                bad = True
                    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Await)):
                        others += 1
                if bad or len(sleeps) != 1 or others > 3:
                    continue
                endless = isinstance(node.test, ast.Constant) and node.test.value
                if endless and not any(isinstance(sub, (ast.Break, ast.Return))
                                       for stmt in node.body for sub in ast.walk(stmt)):
                    continue   # a worker that runs until cancelled, not a poll
                sleep = sleeps[0].value
                arg = sleep.args[0] if sleep.args else None
                zero = isinstance(arg, ast.Constant) and arg.value == 0
                out.setdefault(f.qualname, []).append((sleeps[0].lineno, zero, node.lineno))
        return out

    @cached_property
    def polling_loops_by_sleep(self) -> dict[int, int]:
        """The line of each polling loop's sleep -> the line of its ``while``."""
        return {sleep: loop for loops in self.polling_loops.values() for sleep, _z, loop in loops}

    @_per_line
    def except_line(self, line) -> int | None:
        """The line of the ``except`` that catches ``CancelledError`` (or everything) raised at
        ``line``: the handler of the innermost ``try`` around it in its function."""
        for stmt in reversed(self.statements_at(line)):
            if isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))) and stmt.body and \
                    stmt.body[0].lineno <= line <= stmt.body[-1].end_lineno:
                for handler in stmt.handlers:
                    if self._catches_cancel(handler.type):
                        return handler.lineno
        return None

    @staticmethod
    def _catches_cancel(expr) -> bool:
        if expr is None:
            return True
        names = [last_name(e) for e in (expr.elts if isinstance(expr, ast.Tuple) else [expr])]
        return any(n in ("CancelledError", "BaseException") for n in names)

    def line_of_def(self, qualname) -> int | None:
        f = self.funcs.get(qualname)
        return f.first if f is not None else None


def nearest(lines: list[int], line: int | None) -> int | None:
    """The entry of the sorted ``lines`` nearest ``line`` (the first when ``line`` is None)."""
    if not lines:
        return None
    if line is None:
        return lines[0]
    i = bisect.bisect_left(lines, line)
    near = [x for x in (lines[i - 1] if i else None, lines[i] if i < len(lines) else None)
            if x is not None]
    return min(near, key=lambda x: abs(x - line))
