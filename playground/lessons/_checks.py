"""The check vocabulary (:data:`CHECKS`: every check, its keys and what their values may be) and
:func:`check`, which holds a finished run's task table and tracer events against a lesson's
``[[expect]]`` list."""
from __future__ import annotations

import fnmatch
import re
import sys
from itertools import combinations
from typing import Any, Callable, Iterable, NamedTuple

from ..events import named
from ..vocab import CancelCause, RunOutcome, TaskState, WaitKind
from ._format import Lesson


# -- the check vocabulary: every check, its keys and what their values may be -------------------------

class _Type(NamedTuple):
    """What a check key accepts: *label* for the docs, *problem(value)* -> None when fine."""
    label: str
    problem: Callable[[Any], str | None]
    keyed: bool = True              # prefix problems with the key (words name themselves)


def _is_spec(v) -> bool:
    return isinstance(v, str) and bool(v.strip())


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0


def _word(vocab) -> Callable[[Any], str | None]:
    def problem(v):
        try:
            vocab.parse(v)
        except ValueError as exc:
            return str(exc)
        return None
    return problem


def _words(vocab) -> Callable[[Any], str | None]:
    one = _word(vocab)

    def problem(v):
        if isinstance(v, list) and v:
            return next(filter(None, map(one, v)), None)
        return one(v)
    return problem


def _one_of(*values) -> Callable[[Any], str | None]:
    return lambda v: None if v in values else f"{v!r} is not one of: {', '.join(map(repr, values))}"


SPEC = _Type("task spec", lambda v: None if _is_spec(v) else f"{v!r} is not a task spec (a string)")
SPECS = _Type("task spec or list of them", lambda v: None if _is_spec(v) or (
    isinstance(v, list) and v and all(map(_is_spec, v))) else f"{v!r} is not a task spec or a list "
    "of them")
SPEC_OR_NONE = _Type("task spec, or `false`: no task", lambda v: None if _is_spec(v) or v in (
    False, None) else f"{v!r} is neither a task spec nor false")
SECONDS = _Type("seconds", lambda v: None if _num(v) else f"{v!r} is not a number of seconds ≥ 0")
NUMBER = _Type("number", lambda v: None if _num(v) else f"{v!r} is not a number ≥ 0")
COUNT = _Type("count", lambda v: None if _num(v) and float(v).is_integer() else
              f"{v!r} is not a whole number ≥ 0")
TEXT = _Type("text", lambda v: None if isinstance(v, str) and v else f"{v!r} is not a non-empty "
             "string")
TEXTS = _Type("list of texts", lambda v: None if isinstance(v, list) and v and all(
    isinstance(x, str) and x for x in v) else f"{v!r} is not a list of strings")
STATE = _Type("task state", _word(TaskState), keyed=False)
KINDS = _Type("wait kind or list of them", _words(WaitKind), keyed=False)
OUTCOME = _Type("run outcome", _word(RunOutcome), keyed=False)
CAUSE = _Type("cancel cause", _word(CancelCause), keyed=False)
BY = _Type('`"start"` or `"end"`', _one_of("start", "end"))
_PYTHON_RE = re.compile(r"^(>=|<)\s*3\.(\d+)$")
PYTHON = _Type('`">=3.12"` or `"<3.12"`', lambda v: None if isinstance(v, str) and _PYTHON_RE.match(
    v.strip()) else f"{v!r} is not a Python condition such as \">=3.12\" or \"<3.12\"")

#: Keys every check takes.  ``python`` limits a check to the Pythons where asyncio behaves so
#: (``wait_for`` cancels differently on 3.11 and 3.12+, say): elsewhere it is skipped.
COMMON_KEYS = {"python": PYTHON}


def applies(exp: dict, version: tuple = sys.version_info[:2]) -> bool:
    """Whether ``exp`` holds on this Python (its ``python`` condition, if any)."""
    condition = exp.get("python")
    if not isinstance(condition, str):
        return True
    m = _PYTHON_RE.match(condition.strip())
    if m is None:
        return True     # validation reports it
    wanted = (3, int(m.group(2)))
    return version >= wanted if m.group(1) == ">=" else version < wanted
STREAM = _Type('`"stdout"` or `"stderr"`', _one_of("stdout", "stderr"))


class _Check(NamedTuple):
    doc: str                        # Markdown: when the check passes
    required: dict                  # key -> _Type
    optional: dict


#: Every check, in the order the docs list them.  ``check()`` runs ``_Context._c_<name>``.
CHECKS: dict[str, _Check] = {
    "outcome": _Check("the run ended with outcome `value`",
                      {"value": OUTCOME}, {}),
    "task_count": _Check("the run created between `min` and `max` tasks (counting only those "
                         "matching `task`, if given)",
                         {}, {"min": COUNT, "max": COUNT, "task": SPEC}),
    "state": _Check("every task matching `task` (or `tasks`) ended in (or is still in) `state`; "
                    "give one of `task` / `tasks`",
                    {"state": STATE}, {"task": SPEC, "tasks": SPECS}),
    "all_states": _Check("every task is in `state`, except those matching a spec in `except`",
                         {"state": STATE}, {"except": SPECS}),
    "overlap": _Check("every two of `tasks` were alive (first step → end) at the same time",
                      {"tasks": SPECS}, {}),
    "no_overlap": _Check("no two of `tasks` were alive at the same time: they ran one after "
                         "another",
                         {"tasks": SPECS}, {}),
    "order": _Check("`tasks` started (`by = \"start\"`, their first step) or ended (`\"end\"`, the "
                    "default) in the order listed",
                    {"tasks": SPECS}, {"by": BY}),
    "duration": _Check("`task` lived (created → ended) at least `min` and at most `max` seconds; "
                       "with `relative_to`, `min` and `max` are multiples of that task's lifetime "
                       "(the longest, if the spec matches several): `max = 1.5` means \"less than "
                       "half as long again\"",
                       {"task": SPEC}, {"min": NUMBER, "max": NUMBER, "relative_to": SPEC}),
    "waited_on": _Check("`task` waited at least `min` (default 1) times on `kind`",
                        {"task": SPEC, "kind": KINDS}, {"min": COUNT}),
    "cancel_requested": _Check("something called `cancel()` on `task`; with `by`, it was that "
                               "task (`false`: no task, e.g. a timeout's timer or the window); "
                               "with `cause`, for that reason (one request must match both)",
                               {"task": SPEC}, {"by": SPEC_OR_NONE, "cause": CAUSE}),
    "parent": _Check("`task` was created by `parent` (`false`: outside any task, e.g. by module "
                     "code or another thread)",
                     {"task": SPEC, "parent": SPEC_OR_NONE}, {}),
    "exception": _Check("`task` failed with an exception of class `type` (its name)",
                        {"task": SPEC, "type": TEXT}, {}),
    "result": _Check("`task` ended done and its result, as shown in the task table, contains "
                     "`contains`",
                     {"task": SPEC, "contains": TEXT}, {}),
    "output_contains": _Check("the output (of one `task` / `stream`, if given) contains `text`",
                              {"text": TEXT}, {"task": SPEC, "stream": STREAM}),
    "output_lacks": _Check("the output (of one `task` / `stream`, if given) does not contain "
                           "`text`",
                           {"text": TEXT}, {"task": SPEC, "stream": STREAM}),
    "output_order": _Check("`texts` appear in the output (of one `task` / `stream`) in this order",
                           {"texts": TEXTS}, {"task": SPEC, "stream": STREAM}),
    "block": _Check("the loop was blocked for `min_seconds` or longer between `min_count` "
                    "(default 1) and `max_count` times (in `task`, if given)",
                    {"min_seconds": SECONDS}, {"min_count": COUNT, "max_count": COUNT,
                                                "task": SPEC}),
    "no_block": _Check("the loop was never blocked for `seconds` (default 0.2) or longer",
                       {}, {"seconds": SECONDS}),
    "total_under": _Check("*wall clock, avoid:* the run's task activity (first task created → last "
                          "task ended) took less than `seconds`; prefer `overlap`, `order` or "
                          "`duration` with `relative_to`, which hold on a slow machine too",
                          {"seconds": SECONDS}, {}),
    "total_over": _Check("*wall clock, avoid:* ... took more than `seconds`",
                         {"seconds": SECONDS}, {}),
}

#: The vocabularies the checks use, for the docs: (vocabulary, the keys that take its words).
_VOCABULARIES = ((TaskState, "`state`"), (WaitKind, "`kind` of `waited_on`"),
                 (RunOutcome, "`value` of `outcome`"),
                 (CancelCause, "`cause` of `cancel_requested`"))


# -- checking a finished run ----------------------------------------------------------------------------

def check(lesson_or_expect: Lesson | Iterable[dict], table: Any, events: list, outcome: str) -> list[str]:
    """Compare a finished run with what the lesson expects; returns failures (empty = pass)."""
    expect = (lesson_or_expect.expect if isinstance(lesson_or_expect, Lesson)
              else tuple(lesson_or_expect))
    ctx = _Context(table, events, outcome)
    failures = []
    for exp in expect:
        if isinstance(exp, dict) and not applies(exp):
            continue
        name = exp.get("check") if isinstance(exp, dict) else None
        fn = _CHECKS.get(name) if isinstance(name, str) else None
        if fn is None:
            failures.append(f"unknown check {exp.get('check')!r}")
            continue
        try:
            failures.extend(fn(ctx, exp))
        except _NoMatch as exc:
            failures.append(f"{exp['check']}: {exc}")
        except KeyError as exc:
            failures.append(f"{exp['check']}: missing key {exc}")
    return failures


class _NoMatch(Exception):
    pass


def _records(events: Iterable) -> list:
    """Tracer records by name; plain tuples (older code paths, JSON) are converted."""
    out = []
    for ev in events:
        if not hasattr(ev, "_fields"):
            try:
                ev = named(ev)
            except (KeyError, IndexError, TypeError):     # a kind of event no check reads
                continue
        out.append(ev)
    return out


def _when(ev) -> float:
    """When a record's activity ended."""
    if ev.event == "step":
        return ev.t1
    if ev.event == "block":
        return ev.t0 + ev.duration
    return ev.t


def _no_task(value) -> bool:
    return value is None or value is False


class _Context:
    """A finished run, indexed once for all checks; ``_c_<name>`` methods are the checks."""

    def __init__(self, table: Any, events: list, outcome: str):
        self.rows = list(_rows(table))
        self.by_tid = {row.tid: row for row in self.rows}
        self.events = _records(events)
        self.outcome = outcome
        # An unfinished task is treated as alive until the run's end (or the last thing we saw).
        ends = [e.t for e in self.events if e.event == "run" and e.phase == "end"]
        self.run_end = ends[-1] if ends else max(
            (_when(e) for e in self.events if e.event != "run"), default=0.0)

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

    def lifetime(self, row) -> float:
        return self.interval(row)[1] - row.created

    def output(self, exp: dict) -> str:
        tids = {r.tid for r in self.match(exp["task"])} if exp.get("task") else None
        stream = exp.get("stream")
        return "".join(e.text for e in self.events if e.event == "output"
                       and (tids is None or e.tid in tids) and (stream is None or e.stream == stream))

    def span(self) -> float:
        starts = [r.created for r in self.rows if r.created is not None]
        if not starts:
            begins = [e.t for e in self.events if e.event == "run" and e.phase == "start"]
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
        skip = {r.tid for spec in _specs(exp, "except") for r in self.match(spec)}
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
        scale, of = 1.0, ""
        if exp.get("relative_to"):
            ref = max(self.match(exp["relative_to"]), key=self.lifetime)
            scale = self.lifetime(ref)
            of = f" × the {scale:.3f} s task {ref.name!r} lived"
            if scale <= 0:
                return [f"duration: task {ref.name!r} lived 0 s: nothing to compare with"]
        out = []
        for r in self.match(exp["task"]):
            took = self.lifetime(r)
            shown = f"{took:.3f} s" + (f" ({took / scale:.2f}{of})" if of else "")
            for key, bad, words in (("min", took < exp.get("min", 0) * scale, "at least"),
                                    ("max", "max" in exp and took > exp["max"] * scale, "at most")):
                if key in exp and bad:
                    out.append(f"duration: task {r.name!r} lived {shown}, expected {words} "
                               f"{exp[key]}{of or ' s'}")
        return out

    def _c_waited_on(self, exp):
        kinds = _specs(exp, "kind")
        want = exp.get("min", 1)
        out = []
        for r in self.match(exp["task"]):
            seen = [e.kind for e in self.events if e.event == "wait" and e.tid == r.tid]
            n = sum(k in kinds for k in seen)
            if n < want:
                out.append(f"waited_on: task {r.name!r} waited on {'/'.join(kinds)} {n} time(s), "
                           f"expected at least {want} (its waits: {sorted(set(seen)) or 'none'})")
        return out

    def _c_cancel_requested(self, exp):
        out = []
        by_any = "by" not in exp
        by_tids = None if by_any or _no_task(exp["by"]) else {r.tid for r in self.match(exp["by"])}
        cause = exp.get("cause")
        for r in self.match(exp["task"]):
            asked = [e for e in self.events if e.event == "cancel" and e.tid == r.tid]
            reqs = asked if by_any else [
                e for e in asked if (e.by is None if by_tids is None else e.by in by_tids)]
            if cause is not None:
                reqs = [e for e in reqs if getattr(e, "cause", None) == cause]
            if not reqs:
                by = "" if by_any else " from outside any task" if by_tids is None else \
                    f" by {exp['by']!r}"
                why = "" if cause is None else f" for cause {cause!r} (causes seen: " \
                    f"{sorted({str(getattr(e, 'cause', None)) for e in asked}) or 'none'})"
                out.append(f"cancel_requested: nobody{by} asked task {r.name!r} to cancel{why}")
        return out

    def _c_parent(self, exp):
        parents = None if _no_task(exp["parent"]) else {r.tid for r in self.match(exp["parent"])}
        out = []
        for r in self.match(exp["task"]):
            ok = r.parent is None if parents is None else r.parent in parents
            if not ok:
                got = self.by_tid[r.parent].name if r.parent in self.by_tid else r.parent
                want = "outside any task" if parents is None else repr(exp["parent"])
                out.append(f"parent: task {r.name!r} was created by {got!r}, expected {want}")
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
        return [e for e in self.events if e.event == "block" and e.duration >= threshold
                and (tids is None or e.tid in tids)]

    def _c_block(self, exp):
        n = len(self._blocks(exp, exp["min_seconds"]))
        lo, hi = exp.get("min_count", 1), exp.get("max_count")
        durations = [round(e.duration, 3) for e in self.events if e.event == "block"]
        if n < lo or (hi is not None and n > hi):
            want = f"{lo}" + (f"..{hi}" if hi is not None else "+")
            return [f"block: the loop was blocked >= {exp['min_seconds']} s {n} time(s), expected "
                    f"{want} (blocks seen: {durations or 'none'})"]
        return []

    def _c_no_block(self, exp):
        return [f"no_block: the loop was blocked {e.duration:.3f} s at {e.filename}:{e.lineno}"
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
assert set(_CHECKS) == set(CHECKS), set(_CHECKS) ^ set(CHECKS)
