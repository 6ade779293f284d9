"""The lesson library: find, read and check the scripts in ``examples/``.

A lesson is an ordinary Python script.  Its module docstring is the lesson text (first line = title,
the rest markdown), and a module-level literal ``LESSON = {...}`` carries the structured part::

    LESSON = {
        "group": "Basics", "title": "...", "order": 2,
        "question": {"text": "...", "choices": ["...", "..."], "answer": 1, "why": "..."},
        "expect": [{"check": "overlap", "tasks": ["fetch-A", "fetch-B"]}, ...],
        "needs": ["httpx"],                      # optional; or {"modules": [...], "python": "3.12"}
    }

Files are parsed with :mod:`ast`, never executed, so listing the library is safe and cheap; a file
without ``LESSON`` (any user script) still loads, with defaults taken from its name and docstring.

``check(lesson, table, events, outcome)`` turns ``expect`` into human-readable failures by reading a
finished run's :class:`playground.TaskTable` and tracer events (see docs/engine-api.md).

Check vocabulary (every check is a dict with a ``"check"`` key).  A *task spec* is a task name, else a
coroutine ``__qualname__`` (so ``"main"`` finds the task running ``main()`` whatever asyncio named
it) or an :mod:`fnmatch` pattern (``"worker-*"``); a spec that matches several tasks applies to all.

========================  ==========================================================================
``outcome``               ``value``: the run's outcome (``completed``, ``failed``, ``cancelled``...)
``task_count``            ``min`` / ``max`` tasks created; optional ``task`` spec to count only those
``state``                 ``task`` (or ``tasks``) ended/are in ``state``
``all_states``            every task is in ``state``; optional ``except``: list of specs to skip
``overlap``               the lifetimes (first step → end) of all ``tasks`` overlap pairwise
``no_overlap``            no two of ``tasks`` were alive at the same time (they ran one after another)
``order``                 ``tasks`` ``by`` ``"start"`` (first step) or ``"end"`` happened in this order
``total_under``           the run's task activity (first task created → last task ended) < ``seconds``
``total_over``            ... > ``seconds``
``duration``              ``task`` lived (created → ended) at least ``min`` / at most ``max`` seconds
``waited_on``             ``task`` waited at least ``min`` (default 1) times on ``kind`` (str or list)
``cancel_requested``      ``cancel()`` was called on ``task``; optional ``by`` spec (``None``: no task)
``parent``                ``task`` was created by ``parent`` (a spec, or ``None`` for the root)
``exception``             ``task`` failed with an exception of class name ``type``
``result``                ``task``'s result summary contains ``contains``
``output_contains``       the output (optionally of one ``task`` / ``stream``) contains ``text``
``output_lacks``          ... does not contain ``text``
``output_order``          ``texts`` appear in the output in this order
``block``                 loop blocked ≥ ``min_seconds`` ``min_count`` (1) to ``max_count`` times
``no_block``              the loop was never blocked ≥ ``seconds`` (default 0.2)
========================  ==========================================================================
"""
from __future__ import annotations

import ast
import fnmatch
import importlib.util
import os
import re
import sys
from dataclasses import dataclass, field, replace
from itertools import combinations
from pathlib import Path
from typing import Any, Iterable

__all__ = ["GROUPS", "Lesson", "check", "discover", "groups", "load", "missing_needs", "validate"]

#: Course order.  File names start with the short prefix so a group's files sort together.
GROUPS = ("Basics", "Many at once", "Time", "Cancellation", "Errors", "Coordination", "Pitfalls",
          "Threads", "Introspection")
_PREFIXES = {"basics": "Basics", "many": "Many at once", "time": "Time", "cancel": "Cancellation",
             "errors": "Errors", "coord": "Coordination", "pitfalls": "Pitfalls",
             "threads": "Threads", "intro": "Introspection"}
#: Where a script without ``LESSON`` (and without a known prefix) is listed.
USER_GROUP = "My scripts"
ENV_VAR = "ASYNCIO_PLAYGROUND_LESSONS"

_STATES = ("pending", "running", "waiting", "done", "cancelled", "failed")
_WAIT_KINDS = ("task", "gather", "sleep", "future", "io", "lock", "event", "condition", "semaphore",
               "queue", "thread", "yield", "timeout", "other")     # see docs/engine-api.md


@dataclass(frozen=True)
class Lesson:
    path: Path
    slug: str
    group: str
    title: str
    order: int
    text: str                                          # markdown, the docstring minus its title line
    question: dict | None = field(default=None, hash=False)
    expect: tuple = field(default=(), hash=False)      # tuple of check dicts
    needs: dict = field(default_factory=dict, hash=False)  # {"modules": [...], "python": "3.12"}
    error: str | None = None                           # why LESSON could not be read, if it couldn't


# -- loading ------------------------------------------------------------------------------------------

def default_directory() -> Path:
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    here = Path(__file__).resolve().parent
    shipped = here / "examples"            # installed: asyncio_playground/examples/
    return shipped if shipped.is_dir() else here.parent / "examples"   # a checkout's examples/


def discover(directory: str | os.PathLike | None = None) -> list[Lesson]:
    """Every ``*.py`` in *directory* (default: ``$ASYNCIO_PLAYGROUND_LESSONS`` or ``examples/``),
    in course order.  Files starting with ``_`` are helpers, not lessons."""
    root = Path(directory) if directory is not None else default_directory()
    if not root.is_dir():
        return []
    found = [load(p) for p in root.glob("*.py") if not p.name.startswith("_")]
    return sorted(found, key=_course_key)


def groups(lessons: Iterable[Lesson]) -> list[tuple[str, list[Lesson]]]:
    """``[(group, [lessons...]), ...]``: known groups in course order, then others alphabetically."""
    by_group: dict[str, list[Lesson]] = {}
    for lesson in sorted(lessons, key=_course_key):
        by_group.setdefault(lesson.group, []).append(lesson)
    return sorted(by_group.items(), key=lambda item: _group_key(item[0]))


def load(path: str | os.PathLike) -> Lesson:
    """Read one lesson without executing it."""
    path = Path(path)
    slug = path.stem
    source = path.read_text(encoding="utf-8", errors="replace")
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as exc:
        # A user's half-edited file must still be openable in the window, so this is not fatal.
        return _defaults(path, slug, None, error=f"{path.name}:{exc.lineno}: {exc.msg}")
    doc = ast.get_docstring(tree)
    meta, error = _literal_lesson(tree, path)
    if meta is None:
        return _defaults(path, slug, doc, error=error)
    base = _defaults(path, slug, doc)
    try:
        return replace(base, group=str(meta.get("group") or base.group),
                       title=str(meta.get("title") or base.title),
                       order=int(meta.get("order", base.order)), question=meta.get("question"),
                       expect=tuple(meta.get("expect") or ()),
                       needs=_normalise_needs(meta.get("needs")))
    except (TypeError, ValueError) as exc:
        return _defaults(path, slug, doc, error=f"{path.name}: bad LESSON field: {exc}")


def _literal_lesson(tree: ast.Module, path: Path) -> tuple[dict | None, str | None]:
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) and node.value is not None else [])
        if any(isinstance(t, ast.Name) and t.id == "LESSON" for t in targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:     # a name, a call, an f-string...: not data we can read unexecuted
                value = None
            if not isinstance(value, dict):
                return None, f"{path.name}:{node.lineno}: LESSON must be a literal dict"
            return value, None
    return None, None


def _defaults(path: Path, slug: str, doc: str | None, error: str | None = None) -> Lesson:
    title_line, text = _split_doc(doc)
    prefix = slug.split("_", 1)[0].lower()
    digits = re.search(r"_(\d+)(?:_|$)", slug)
    return Lesson(
        path=path, slug=slug,
        group=_PREFIXES.get(prefix, USER_GROUP),
        title=title_line or _humanise(slug),
        order=int(digits.group(1)) if digits else 0,
        text=text, error=error,
    )


def _split_doc(doc: str | None) -> tuple[str, str]:
    if not doc:
        return "", ""
    first, _, rest = doc.strip().partition("\n")
    return first.strip().rstrip("."), rest.strip()


def _humanise(slug: str) -> str:
    words = [w for w in slug.split("_") if w and not w.isdigit()]
    if words and words[0].lower() in _PREFIXES and len(words) > 1:
        words = words[1:]
    text = " ".join(words) or slug
    return text[:1].upper() + text[1:]


def _normalise_needs(needs: Any) -> dict:
    if not needs:
        return {}
    if isinstance(needs, (list, tuple)):
        return {"modules": [str(n) for n in needs]}
    if isinstance(needs, dict):
        out = dict(needs)
        if "modules" in out:
            out["modules"] = [str(n) for n in out["modules"]]
        return out
    raise TypeError(f"needs must be a list or a dict, not {type(needs).__name__}")


def _group_key(group: str) -> tuple:
    return (GROUPS.index(group), "") if group in GROUPS else (len(GROUPS), group.lower())


def _course_key(lesson: Lesson) -> tuple:
    return (*_group_key(lesson.group), lesson.order, lesson.slug)


def missing_needs(lesson: Lesson) -> list[str]:
    """What this interpreter lacks to run *lesson* (empty = nothing)."""
    missing = [f"module {m!r}" for m in lesson.needs.get("modules", ())
               if importlib.util.find_spec(m) is None]
    want = lesson.needs.get("python")
    if want:
        wanted = tuple(int(p) for p in str(want).split("."))
        if sys.version_info[:len(wanted)] < wanted:
            missing.append(f"Python {want}")
    return missing


# -- validation (the metadata test uses it; the window could show it next to a user's lesson) ----------

# check -> its keys; "?" marks an optional key.
_CHECK_KEYS = {name: ({k for k in spec.split() if k[0] != "?"},
                      {k[1:] for k in spec.split() if k[0] == "?"}) for name, spec in {
    "outcome": "value", "task_count": "?min ?max ?task", "state": "state ?task ?tasks",
    "all_states": "state ?except", "overlap": "tasks", "no_overlap": "tasks", "order": "tasks ?by",
    "total_under": "seconds", "total_over": "seconds", "duration": "task ?min ?max",
    "waited_on": "task kind ?min", "cancel_requested": "task ?by", "parent": "task parent",
    "exception": "task type", "result": "task contains", "output_contains": "text ?task ?stream",
    "output_lacks": "text ?task ?stream", "output_order": "texts ?task ?stream",
    "block": "min_seconds ?min_count ?max_count ?task", "no_block": "?seconds",
}.items()}


def validate(lesson: Lesson) -> list[str]:
    """Problems with a lesson's metadata (empty = fine)."""
    problems = [lesson.error] if lesson.error else []
    q = lesson.question
    if q is not None:
        if not isinstance(q, dict) or not {"text", "choices", "answer", "why"} <= set(q):
            problems.append("question needs text, choices, answer and why")
        elif not (isinstance(q["choices"], list) and len(q["choices"]) >= 2
                  and isinstance(q["answer"], int) and 0 <= q["answer"] < len(q["choices"])):
            problems.append("question: answer must index into at least two choices")
    for i, exp in enumerate(lesson.expect):
        name = exp.get("check") if isinstance(exp, dict) else None
        if name not in _CHECK_KEYS:
            problems.append(f"expect[{i}]: unknown check {name!r}")
            continue
        required, optional = _CHECK_KEYS[name]
        keys = set(exp) - {"check"}
        if required - keys:
            problems.append(f"expect[{i}] {name}: missing {sorted(required - keys)}")
        if keys - required - optional:
            problems.append(f"expect[{i}] {name}: unknown keys {sorted(keys - required - optional)}")
        if name == "state" and not ({"task", "tasks"} & keys):
            problems.append(f"expect[{i}] state: needs task or tasks")
        if "state" in exp and exp["state"] not in _STATES:
            problems.append(f"expect[{i}] {name}: unknown state {exp['state']!r}")
        if name == "waited_on" and not set(_specs(exp, "kind")) <= set(_WAIT_KINDS):
            problems.append(f"expect[{i}] waited_on: unknown kind in {exp['kind']!r}")
    return problems


# -- checking a finished run ----------------------------------------------------------------------------

def check(lesson_or_expect: Lesson | Iterable[dict], table: Any, events: list, outcome: str) -> list[str]:
    """Compare a finished run with what the lesson expects; returns failures (empty = pass)."""
    expect = (lesson_or_expect.expect if isinstance(lesson_or_expect, Lesson)
              else tuple(lesson_or_expect))
    ctx = _Context(table, events, outcome)
    failures = []
    for exp in expect:
        fn = _CHECKS.get(exp.get("check"))
        if fn is None:
            failures.append(f"unknown check {exp.get('check')!r}")
            continue
        try:
            failures.extend(fn(ctx, exp))
        except _NoMatch as exc:
            failures.append(f"{exp['check']}: {exc}")
    return failures


class _NoMatch(Exception):
    pass


class _Context:
    """A finished run, indexed once for all checks; ``_c_<name>`` methods are the checks."""

    def __init__(self, table: Any, events: list, outcome: str):
        self.rows = list(_rows(table))
        self.by_tid = {row.tid: row for row in self.rows}
        self.events = list(events)
        self.outcome = outcome
        # An unfinished task is treated as alive until the run's end (or the last thing we saw).
        ends = [e[1] for e in self.events if e[0] == "run" and e[2] == "end"]
        self.run_end = ends[-1] if ends else max(
            (e[3] if e[0] == "step" else e[2] for e in self.events if e[0] != "run"), default=0.0)

    def match(self, spec: str) -> list:
        # Names win over coroutine names: "work" means the task named so, not every work().
        hits = ([r for r in self.rows if r.name == spec]
                or [r for r in self.rows if r.coro == spec]
                or [r for r in self.rows if fnmatch.fnmatchcase(r.name or "", spec)]
                or [r for r in self.rows if fnmatch.fnmatchcase(r.coro or "", spec)])
        if not hits:
            raise _NoMatch(f"no task matches {spec!r} (tasks: {self.names()})")
        return hits

    def names(self) -> str:
        return ", ".join(repr(r.name) for r in self.rows) or "none"

    def interval(self, row) -> tuple[float, float]:
        start = row.first_start if row.first_start is not None else row.created
        return start, row.ended if row.ended is not None else self.run_end

    def output(self, exp: dict) -> str:
        tids = {r.tid for r in self.match(exp["task"])} if exp.get("task") else None
        stream = exp.get("stream")
        return "".join(e[4] for e in self.events if e[0] == "output"
                       and (tids is None or e[1] in tids) and (stream is None or e[3] == stream))

    def span(self) -> float:
        starts = [r.created for r in self.rows if r.created is not None]
        if not starts:
            begins = [e[1] for e in self.events if e[0] == "run" and e[2] == "start"]
            return self.run_end - begins[0] if begins else 0.0
        return max(self.interval(r)[1] for r in self.rows) - min(starts)

    def _c_outcome(self, exp):
        return [] if self.outcome == exp["value"] else [
            f"outcome: expected {exp['value']!r}, got {self.outcome!r}"]

    def _c_task_count(self, exp):
        rows = self.match(exp["task"]) if exp.get("task") else self.rows
        n, what = len(rows), f"tasks matching {exp['task']!r}" if exp.get("task") else "tasks"
        lo, hi = exp.get("min", 0), exp.get("max", float("inf"))
        return [] if lo <= n <= hi else [
            f"task_count: expected {lo} to {hi} {what}, got {n} ({self.names()})"]

    def _c_state(self, exp):
        return [f"state: task {r.name!r} is {r.state!r}, expected {exp['state']!r}"
                for spec in _specs(exp) for r in self.match(spec) if r.state != exp["state"]]

    def _c_all_states(self, exp):
        if not self.rows:
            return ["all_states: the run created no tasks"]
        skip = {r.tid for spec in exp.get("except", ()) for r in self.match(spec)}
        return [f"all_states: task {r.name!r} is {r.state!r}, expected {exp['state']!r}"
                for r in self.rows if r.tid not in skip and r.state != exp["state"]]

    def _expand(self, exp) -> list:
        return [r for spec in _specs(exp) for r in self.match(spec)]

    def _overlaps(self, a, b) -> bool:
        (a0, a1), (b0, b1) = self.interval(a), self.interval(b)
        return max(a0, b0) < min(a1, b1)

    def _c_overlap(self, exp, want=True):
        return [f"{exp['check']}: tasks {a.name!r} and {b.name!r} were "
                f"{'not ' if want else ''}alive at the same time"
                for a, b in combinations(self._expand(exp), 2) if self._overlaps(a, b) != want]

    def _c_no_overlap(self, exp):
        return self._c_overlap(exp, want=False)

    def _c_order(self, exp):
        by = exp.get("by", "end")
        rows = self._expand(exp)
        key = (lambda r: self.interval(r)[0]) if by == "start" else (lambda r: self.interval(r)[1])
        got = [r.name for r in sorted(rows, key=key)]
        want = [r.name for r in rows]
        return [] if got == want else [f"order: expected {by} order {want}, got {got}"]

    def _c_total_under(self, exp, under=True):
        span, limit = self.span(), exp["seconds"]
        if (span < limit) if under else (span > limit):
            return []
        return [f"{exp['check']}: the run's tasks took {span:.3f} s, expected "
                f"{'under' if under else 'over'} {limit} s"]

    def _c_total_over(self, exp):
        return self._c_total_under(exp, under=False)

    def _c_duration(self, exp):
        out = []
        for r in self.match(exp["task"]):
            took = self.interval(r)[1] - r.created
            if "min" in exp and took < exp["min"]:
                out.append(f"duration: task {r.name!r} lived {took:.3f} s, expected at least {exp['min']}")
            if "max" in exp and took > exp["max"]:
                out.append(f"duration: task {r.name!r} lived {took:.3f} s, expected at most {exp['max']}")
        return out

    def _c_waited_on(self, exp):
        kinds = _specs(exp, "kind")
        want = exp.get("min", 1)
        out = []
        for r in self.match(exp["task"]):
            seen = [e[3] for e in self.events if e[0] == "wait" and e[1] == r.tid]
            n = sum(k in kinds for k in seen)
            if n < want:
                out.append(f"waited_on: task {r.name!r} waited on {'/'.join(kinds)} {n} time(s), "
                           f"expected at least {want} (its waits: {sorted(set(seen)) or 'none'})")
        return out

    def _c_cancel_requested(self, exp):
        out = []
        by_any = "by" not in exp
        by_tids = None if by_any or exp["by"] is None else {r.tid for r in self.match(exp["by"])}
        for r in self.match(exp["task"]):
            reqs = [e for e in self.events if e[0] == "cancel" and e[1] == r.tid]
            if not by_any:
                reqs = [e for e in reqs if (e[3] is None if by_tids is None else e[3] in by_tids)]
            if not reqs:
                by = "" if by_any else f" by {exp['by']!r}"
                out.append(f"cancel_requested: nobody{by} asked task {r.name!r} to cancel")
        return out

    def _c_parent(self, exp):
        parents = None if exp["parent"] is None else {r.tid for r in self.match(exp["parent"])}
        out = []
        for r in self.match(exp["task"]):
            ok = r.parent is None if parents is None else r.parent in parents
            if not ok:
                got = self.by_tid[r.parent].name if r.parent in self.by_tid else r.parent
                out.append(f"parent: task {r.name!r} was created by {got!r}, expected {exp['parent']!r}")
        return out

    def _c_exception(self, exp):
        out = []
        for r in self.match(exp["task"]):
            got = r.exc[0] if r.exc else None
            if r.state != "failed" or got != exp["type"]:
                out.append(f"exception: task {r.name!r} is {r.state!r} with {got!r}, "
                           f"expected it to fail with {exp['type']}")
        return out

    def _c_result(self, exp):
        return [f"result: task {r.name!r} returned {r.summary!r}, expected it to contain "
                f"{exp['contains']!r}" for r in self.match(exp["task"])
                if r.state != "done" or exp["contains"] not in (r.summary or "")]

    def _c_output_contains(self, exp):
        text = self.output(exp)
        return [] if exp["text"] in text else [
            f"output_contains: {exp['text']!r} not in the output ({_tail(text)})"]

    def _c_output_lacks(self, exp):
        found = exp["text"] in self.output(exp)
        return [f"output_lacks: {exp['text']!r} is in the output"] if found else []

    def _c_output_order(self, exp):
        text, pos = self.output(exp), 0
        for piece in exp["texts"]:
            found = text.find(piece, pos)
            if found < 0:
                where = "not in the output" if piece not in text else "too early in the output"
                return [f"output_order: {piece!r} is {where} ({_tail(text)})"]
            pos = found + len(piece)
        return []

    def _blocks(self, exp, threshold):
        tids = {r.tid for r in self.match(exp["task"])} if exp.get("task") else None
        return [e for e in self.events if e[0] == "block" and e[3] >= threshold
                and (tids is None or e[1] in tids)]

    def _c_block(self, exp):
        n = len(self._blocks(exp, exp["min_seconds"]))
        lo, hi = exp.get("min_count", 1), exp.get("max_count")
        durations = [round(e[3], 3) for e in self.events if e[0] == "block"]
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" + (f"..{hi}" if hi is not None else "+")
            return [f"block: the loop was blocked >= {exp['min_seconds']} s {n} time(s), expected "
                    f"{want} (blocks seen: {durations or 'none'})"]
        return []

    def _c_no_block(self, exp):
        return [f"no_block: the loop was blocked {e[3]:.3f} s at {e[4]}:{e[5]}"
                for e in self._blocks(exp, exp.get("seconds", 0.2))]


def _rows(table: Any) -> Iterable:
    """TaskRows from a TaskTable (its ``rows`` list), or from any iterable/mapping of rows."""
    rows = getattr(table, "rows", table) if table is not None else []
    return sorted(rows.values() if hasattr(rows, "values") else rows, key=lambda r: r.tid)


def _specs(exp: dict, key: str = "tasks") -> list[str]:
    value = exp.get(key, exp.get("task") if key == "tasks" else None)
    return [value] if isinstance(value, str) else list(value or [])


def _tail(text: str, n: int = 160) -> str:
    return "output was empty" if not text else "output: " + repr(text[-n:])


_CHECKS = {name[3:]: fn for name, fn in vars(_Context).items() if name.startswith("_c_")}
assert set(_CHECKS) == set(_CHECK_KEYS), set(_CHECKS) ^ set(_CHECK_KEYS)
