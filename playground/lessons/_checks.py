"""The check vocabulary (:data:`CHECKS`: every check, its keys and what their values may be) and
:func:`check`, which holds a finished run's task table and tracer events against a lesson's
``[[expect]]`` list."""
from __future__ import annotations

import fnmatch
import re
import sys
from functools import cached_property
from itertools import combinations
from typing import Any, Callable, Iterable, NamedTuple

from ..events import named
from ..vocab import CancelCause, FindingKind, RunOutcome, TaskState, WaitKind
from ._format import _PYTHON_RE, Lesson, python_holds


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
FINDING = _Type("finding kind", _word(FindingKind), keyed=False)
BY = _Type('`"start"` or `"end"`', _one_of("start", "end"))
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
    holds = python_holds(condition, version)
    return True if holds is None else holds     # a bad condition: validation reports it


STREAM = _Type('`"stdout"` or `"stderr"`', _one_of("stdout", "stderr"))
RESOURCE = _Type("object spec", lambda v: None if _is_spec(v) else f"{v!r} is not an object spec "
                 "(a string: the object's name, e.g. \"db_lock\")")
#: What ``peak`` counts, and the methods a task waits in (``Waiter.op``).
PEAKS = {"items": "items in it (a Queue)", "waiters": "tasks waiting on it",
         "holders": "tasks holding it (a Lock, a Condition's lock, a Semaphore's permits)"}
WAIT_OPS = ("acquire", "wait", "get", "put", "join", "reset", "abort")
PEAK_OF = _Type(" or ".join(f'`"{k}"`' for k in PEAKS), _one_of(*PEAKS))
WAIT_OP = _Type(" / ".join(f'`"{k}"`' for k in WAIT_OPS), _one_of(*WAIT_OPS))
#: The words the Resources view says an object's state in (``ResourceState.state``).
_RESOURCE_STATE_RE = re.compile(
    r"(locked|unlocked|set|clear|filling|draining|resetting|broken|empty|full|no permit left|"
    r"1 permit left|\d+ permits left|1 item|\d+ items|shut down(, (1 item|\d+ items))?)")
RESOURCE_STATE = _Type("object state", lambda v: None if isinstance(v, str) and
                       _RESOURCE_STATE_RE.fullmatch(v) else
                       f"{v!r} is not an object state (locked, unlocked, set, clear, \"2 permits "
                       "left\", \"no permit left\", empty, full, \"3 items\", shut down, filling, "
                       "draining, resetting, broken)")


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
    "held_by": _Check("`resource` (a Lock, a Condition, a Semaphore: see *Object specs*) was "
                      "taken by `tasks` in the order listed: each acquisition by one of them, in "
                      "the order they happened (a task that took it twice is listed twice; a spec "
                      "that matches several tasks stands for them all, in the order they were "
                      "created); acquisitions by tasks not listed are left out",
                      {"resource": RESOURCE, "tasks": SPECS}, {}),
    "wait_order": _Check("`tasks` waited on `resource`, and were let through (took the lock or "
                         "a permit, got an item, were woken; `by = \"end\"`, the default) or "
                         "lined up (`\"start\"`) in the order listed: each wait of one of them "
                         "(in method `op` only, if given), as in `held_by`",
                         {"resource": RESOURCE, "tasks": SPECS}, {"by": BY, "op": WAIT_OP}),
    "peak": _Check("at its busiest moment `resource` had at least `min` and at most `max` "
                   "(give one or both) of what `of` counts, at once: "
                   + "; ".join(f"`{k}`, {v}" for k, v in PEAKS.items()),
                   {"resource": RESOURCE, "of": PEAK_OF}, {"min": COUNT, "max": COUNT}),
    "resource_state": _Check("`resource` ended the run in `state`, the word the Resources view "
                             "shows: `locked`/`unlocked` (Lock, Condition), `set`/`clear` "
                             "(Event), `\"2 permits left\"`/`\"1 permit left\"`/`\"no permit "
                             "left\"` (Semaphore), `empty`/`\"3 items\"`/`full`/`shut down` "
                             "(Queue), `filling`/`draining`/`resetting`/`broken` (Barrier)",
                             {"resource": RESOURCE, "state": RESOURCE_STATE}, {}),
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
    "finding": _Check("the run showed a finding of `kind` (docs/findings.md; about `task` and "
                      "at `line`, if given): what the lesson teaches the learner to spot.  A "
                      "lesson's `finding` checks are the findings it teaches: its run must show "
                      "no other kind (a test holds every lesson to that)",
                      {"kind": FINDING}, {"task": SPEC, "line": COUNT}),
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
                 (CancelCause, "`cause` of `cancel_requested`"),
                 (FindingKind, "`kind` of `finding`"))


# -- checking a finished run ----------------------------------------------------------------------------

def check(lesson_or_expect: Lesson | Iterable[dict], table: Any, events: list, outcome: str) -> list[str]:
    """Compare a finished run with what the lesson expects; returns failures (empty = pass)."""
    return [f for finding in _findings(lesson_or_expect, table, events, outcome, words=False)
            for f in finding.failures]


class Finding(NamedTuple):
    """One expectation held against one run: ``ok`` (the check passed), ``text`` (what the run
    showed, in plain words with the measured value: "'fetch-A' and 'fetch-B' ran at the same time
    for 0.99 s"; when the check failed, what happened instead), ``check`` (its name) and
    ``failures`` (the check's own messages, as :func:`check` returns them; empty when ``ok``)."""
    ok: bool
    text: str
    check: str
    failures: tuple = ()


def explain(lesson_or_expect: Lesson | Iterable[dict], table: Any, events: list,
            outcome: str) -> list[Finding]:
    """What a finished run showed, one :class:`Finding` per expectation that applies on this
    Python, in the lesson's order: the lesson panel's "What the run showed" and the tests read it."""
    return _findings(lesson_or_expect, table, events, outcome, words=True)


def _findings(lesson_or_expect, table, events, outcome, *, words: bool) -> list[Finding]:
    expect = (lesson_or_expect.expect if isinstance(lesson_or_expect, Lesson)
              else tuple(lesson_or_expect))
    # Built for the first expectation that applies: a run with nothing to check (a script
    # opened from disk) costs nothing here, however many events it logged.
    ctx = None
    out = []
    for exp in expect:
        if isinstance(exp, dict) and not applies(exp):
            continue
        if ctx is None:
            ctx = _Context(table, events, outcome)
        name = exp.get("check") if isinstance(exp, dict) else None
        fn = _CHECKS.get(name) if isinstance(name, str) else None
        if fn is None:
            message = f"unknown check {exp.get('check') if isinstance(exp, dict) else exp!r}"
            out.append(Finding(False, message, str(name), (message,)))
            continue
        try:
            failures = list(fn(ctx, exp))
        except _NoMatch as exc:
            failures = [f"{name}: {exc}"]
        except KeyError as exc:
            failures = [f"{name}: missing key {exc}"]
        text = ""
        if words:
            try:
                text = _WORDS[name](ctx, exp, not failures)
            except (_NoMatch, KeyError, ValueError, ZeroDivisionError):
                text = ""
            text = text or "; ".join(failures) or name
        out.append(Finding(not failures, text, name, tuple(failures)))
    return out


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
        self._raw = events
        self.outcome = outcome

    # The records by name, and the run's end, on first use: most checks read the table only, and
    # naming every record of a 10,000-task run (430,000 events) took >1 s as the run ended.
    @cached_property
    def events(self) -> list:
        return _records(self._raw)

    @cached_property
    def run_end(self) -> float:
        """An unfinished task is treated as alive until the run's end (or the last thing we saw)."""
        ends = [e.t for e in self.events if e.event == "run" and e.phase == "end"]
        return ends[-1] if ends else max(
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

    def origin(self) -> float:
        """When the run started (loop time): the zero of the times the learner is shown."""
        begins = [e.t for e in self.events if e.event == "run" and e.phase == "start"]
        if begins:
            return begins[0]
        return min((r.created for r in self.rows if r.created is not None), default=0.0)

    def at(self, t: float | None) -> str:
        """A loop time in words, as seconds since the run started: "at 1.00 s"."""
        return "never" if t is None else f"at {_secs(t - self.origin())}"

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

    # -- the run's synchronisation objects (issue 23): who held them, in what order waiters got
    # in, their peaks and their state at the end, read from the run's ResourceTable

    @cached_property
    def resources(self):
        """The run's synchronisation objects (``asyncio_playground.ResourceTable``), folded on
        first use: most checks never read them."""
        from .._resources import ResourceTable
        table = ResourceTable()
        table.apply(self._raw)
        return table

    def resource(self, spec: str):
        """The one object ``spec`` names: its name (``"db_lock"``, ``"self.jobs"``, ``"Lock #1"``),
        else its class (``"Lock"``, when the run made one), else a pattern with ``*`` and ``?``
        (objects library code made only by their exact name)."""
        rows = self.resources.rows
        mine = [r for r in rows if not r.library]
        hits = ([r for r in rows if r.name == spec]
                or [r for r in mine if r.cls == spec]
                or [r for r in mine if fnmatch.fnmatchcase(r.name or "", spec)])
        if not hits:
            names = ", ".join(repr(r.name) for r in mine) or "none"
            raise _NoMatch(f"no object matches {spec!r} (objects: {names})")
        if len(hits) > 1:
            raise _NoMatch(f"{spec!r} matches {len(hits)} objects "
                           f"({', '.join(repr(r.name) for r in hits)}): name one")
        return hits[0]

    def _holder_of(self, res):
        """Whose holds are ``res``'s: a Condition made over the program's own Lock has that
        Lock's; a queue, an event or a barrier is never held."""
        if res.kind not in ("lock", "condition", "semaphore"):
            raise _NoMatch(f"{_r(res)} is {_a(res.cls)}: no task holds one (read it with "
                           f"wait_order or peak)")
        by_rid = self.resources.by_rid
        if res.kind == "condition" and res.lock is not None and res.lock in by_rid:
            return by_rid[res.lock]
        return res

    def _held(self, exp) -> tuple:
        """(object, the tids listed, [(tid, since)] of their acquisitions in order)."""
        res = self.resource(exp["resource"])
        want = [r.tid for r in self._expand(exp)]
        keep = set(want)
        return res, want, [(tid, t0) for tid, t0, _t1 in self._holder_of(res).holds
                           if tid in keep]

    def _waits(self, exp) -> tuple:
        """(object, the tids listed, [(tid, start, end or None)] of their waits, by start or by
        end as ``by`` says; a wait that never ended comes last)."""
        res = self.resource(exp["resource"])
        want = [r.tid for r in self._expand(exp)]
        keep, op = set(want), exp.get("op")
        waits = [(tid, t0, t1) for tid, t0, t1, wop, _f, _l in res.waits
                 if tid in keep and (op is None or wop == op)]
        if exp.get("by", "end") == "end":       # stable: waits let through together keep their line
            waits.sort(key=lambda w: (w[2] is None, w[2] or 0.0))
        return res, want, waits

    def _names(self, tids) -> str:
        return ", ".join(repr(self.by_tid[t].name if t in self.by_tid else t) for t in tids) \
            or "none of them"

    def _c_held_by(self, exp):
        res, want, holds = self._held(exp)
        got = [tid for tid, _t in holds]
        if got == want:
            return []
        if not got:
            return [f"held_by: none of {self._names(dict.fromkeys(want))} took {_r(res)}, "
                    f"expected {self._names(want)}"]
        return [f"held_by: {_r(res)} was taken by {self._names(got)}, expected "
                f"{self._names(want)}"]

    def _c_wait_order(self, exp):
        res, want, waits = self._waits(exp)
        got = [tid for tid, _t0, _t1 in waits]
        if got == want:
            return []
        op = f" (in {exp['op']})" if exp.get("op") else ""
        if not got:
            return [f"wait_order: none of {self._names(dict.fromkeys(want))} waited on "
                    f"{_r(res)}{op}, expected {self._names(want)}"]
        how = "lined up" if exp.get("by", "end") == "start" else "were let through"
        return [f"wait_order: the tasks waiting on {_r(res)}{op} {how} in the order "
                f"{self._names(got)}, expected {self._names(want)}"]

    def peak(self, res, of: str) -> tuple[int, float | None]:
        """The most ``of`` (items, waiters, holders) ``res`` had at once, and when it first did."""
        if of == "items":
            if res.kind != "queue":
                raise _NoMatch(f"{_r(res)} is {_a(res.cls)}: only a queue has items")
            best, when = 0, None
            for t, op in zip(res.op_t, res.ops):
                if op[2] > best:
                    best, when = op[2], t
            return best, when
        if of == "waiters":
            spans = [(t0, t1) for _tid, t0, t1, *_ in res.waits]
        else:
            spans = [(t0, t1) for _tid, t0, t1 in self._holder_of(res).holds]
        # A sweep: at one moment, ends before starts (a hand-over is not two at once), except
        # an interval that ends where it starts, which counts for that moment.
        marks = sorted([(t0, 1, 1) for t0, _t1 in spans]
                       + [(float("inf") if t1 is None else t1, 2 if t1 == t0 else 0, -1)
                          for t0, t1 in spans])
        best, when, now = 0, None, 0
        for t, _order, step in marks:
            now += step
            if now > best:
                best, when = now, t
        return best, when

    def _c_peak(self, exp):
        res = self.resource(exp["resource"])
        n, _when = self.peak(res, exp["of"])
        lo, hi = exp.get("min", 0), exp.get("max", float("inf"))
        return [] if lo <= n <= hi else [
            f"peak: {_r(res)} had {n} {exp['of']} at once at its busiest, expected "
            f"{_bounds(exp)}"]

    def _c_resource_state(self, exp):
        res = self.resource(exp["resource"])
        state = self.resources.state(res.rid).state
        return [] if state == exp["state"] else [
            f"resource_state: {_r(res)} ended {state!r}, expected {exp['state']!r}"]

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

    @cached_property
    def findings(self) -> list:
        """The run's findings (``asyncio_playground.findings``), its source read from its file."""
        from .._findings import findings
        return findings(self._raw)

    def _matching_findings(self, exp) -> list:
        tids = {r.tid for r in self.match(exp["task"])} if exp.get("task") else None
        return [f for f in self.findings if f.kind == exp["kind"]
                and (tids is None or f.tid in tids)
                and (exp.get("line") is None or f.line == exp["line"])]

    def _c_finding(self, exp):
        if self._matching_findings(exp):
            return []
        shown = ", ".join(sorted({str(f.kind) for f in self.findings})) or "none"
        where = "".join(f" {k} {exp[k]!r}" for k in ("task", "line") if exp.get(k) is not None)
        return [f"finding: no {exp['kind']!r} finding{where} (findings: {shown})"]

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


def _r(res) -> str:
    """An object as the Resources view names it: "Lock 'db_lock'", "'Lock #1'"."""
    name = res.name or "?"
    return repr(name) if name.startswith(res.cls) else f"{res.cls} {name!r}"


def _a(cls: str) -> str:
    return f"{'an' if cls[:1] in 'AEIOU' else 'a'} {cls}"


def _bounds(exp) -> str:
    lo, hi = exp.get("min"), exp.get("max")
    if lo is not None and hi is not None:
        return f"exactly {lo}" if lo == hi else f"{lo} to {hi}"
    return f"at least {lo}" if lo is not None else f"at most {hi}"


def _tail(text: str, n: int = 160) -> str:
    return "output was empty" if not text else "output: " + repr(text[-n:])


_CHECKS = {name[3:]: fn for name, fn in vars(_Context).items() if name.startswith("_c_")}
assert set(_CHECKS) == set(CHECKS), set(_CHECKS) ^ set(CHECKS)


# -- what a run showed, in plain words (explain()) -------------------------------------------------------
# One function per check: (context, expectation, whether the check passed) -> a sentence saying what
# was measured.  The verdict is always the check's own (_c_<name>); these only put it in words.

def _and(items: list[str], most: int = 4) -> str:
    items = list(items)
    if len(items) > most:
        items = items[:most - 1] + [f"{len(items) - most + 1} more"]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _q(row) -> str:
    """A task as the learner knows it: its name, or ``main()`` for an unnamed task running main."""
    name = row.name or ""
    if row.coro and re.fullmatch(r"Task-\d+", name):
        return f"{row.coro}()"
    return repr(name)


def _secs(seconds: float) -> str:
    """Seconds as a learner reads them: "1.00 s", or "0.4 ms" below a hundredth of a second."""
    return f"{seconds * 1000:.1f} ms" if abs(seconds) < 0.01 else f"{seconds:.2f} s"


_ENDED = {"done": "ended done", "cancelled": "ended cancelled", "failed": "failed",
          "pending": "is still pending", "running": "is still running",
          "waiting": "is still waiting"}
_OUTCOME_WORDS = {"completed": "the script ran to its end", "failed": "the script raised",
                  "cancelled": "the run was stopped (cancelled)"}



def _w_outcome(ctx, exp, ok):
    said = _OUTCOME_WORDS.get(str(ctx.outcome), f"the run ended {ctx.outcome}")
    if ok:
        return said
    return f"{said}; the lesson expects: {_OUTCOME_WORDS.get(exp['value'], exp['value'])}"


def _w_task_count(ctx, exp, ok):
    rows = ctx.match(exp["task"]) if exp.get("task") else ctx.rows
    what = f" matching {exp['task']!r}" if exp.get("task") else ""
    said = f"the run created {len(rows)} task{'s' * (len(rows) != 1)}{what}"
    if ok:
        return said
    lo, hi = exp.get("min"), exp.get("max")
    want = (f"{lo} to {hi}" if lo is not None and hi is not None else
            f"at least {lo}" if lo is not None else f"at most {hi}")
    return f"{said}; the lesson expects {want}"


def _state_words(rows, state, ok, every=""):
    if ok:
        names = [_q(r) for r in rows]
        if every:
            return f"{every} {len(rows)} task{'s' * (len(rows) != 1)} {_ENDED.get(state, state)}"
        return f"{_and(names)} {_ENDED.get(state, state)}"
    bad = [r for r in rows if r.state != state]
    return "; ".join(f"{_q(r)} {_ENDED.get(r.state, r.state)}" for r in bad[:3]) + \
        f" (the lesson expects {_ENDED.get(state, state).replace('is still ', '')})"


def _w_state(ctx, exp, ok):
    return _state_words(ctx._expand(exp), exp["state"], ok)


def _w_all_states(ctx, exp, ok):
    skip = {r.tid for spec in _specs(exp, "except") for r in ctx.match(spec)}
    rows = [r for r in ctx.rows if r.tid not in skip]
    if not rows:
        return "the run created no tasks"
    every = "all" if len(rows) > 1 else "its"
    words = _state_words(rows, exp["state"], ok, every=every)
    if ok and skip:
        words += f" (apart from {_and([_q(ctx.by_tid[t]) for t in sorted(skip)])})"
    return words


def _pair_words(ctx, a, b) -> str:
    (a0, a1), (b0, b1) = ctx.interval(a), ctx.interval(b)
    together = min(a1, b1) - max(a0, b0)
    if together > 0:
        return f"{_q(a)} and {_q(b)} ran at the same time for {_secs(together)}"
    first, second = (a, b) if a0 <= b0 else (b, a)
    gap = ctx.interval(second)[0] - ctx.interval(first)[1]
    return (f"{_q(first)} and {_q(second)} ran one after another: {_q(second)} started "
            f"{_secs(gap)} after {_q(first)} ended ({ctx.at(ctx.interval(first)[1])})")


def _w_overlap(ctx, exp, ok, want=True):
    rows = ctx._expand(exp)
    pairs = list(combinations(rows, 2))
    if not pairs:
        return ""
    if ok:
        if len(pairs) == 1:
            return _pair_words(ctx, *pairs[0])
        spans = [min(ctx.interval(a)[1], ctx.interval(b)[1]) - max(ctx.interval(a)[0],
                 ctx.interval(b)[0]) for a, b in pairs]
        if want:
            return (f"{_and([_q(r) for r in rows])} all ran at the same time (every two of "
                    f"them together for at least {_secs(min(spans))})")
        return f"{_and([_q(r) for r in rows])} ran one after another, never two at once"
    bad = next((a, b) for a, b in pairs if ctx._overlaps(a, b) != want)
    return _pair_words(ctx, *bad)


def _w_no_overlap(ctx, exp, ok):
    return _w_overlap(ctx, exp, ok, want=False)


def _w_order(ctx, exp, ok):
    by = exp.get("by", "end")
    rows = ctx._expand(exp)
    i = 0 if by == "start" else 1
    got = sorted(rows, key=lambda r: ctx.interval(r)[i])
    verb = "started" if by == "start" else "finished"
    times = ", ".join(_secs(ctx.interval(r)[i] - ctx.origin()) for r in got)
    said = f"{_and([_q(r) for r in got])} {verb} in that order (at {times})"
    if ok:
        return said
    return f"{said}; the lesson expects {_and([_q(r) for r in rows])}"


def _w_duration(ctx, exp, ok):
    rows = ctx.match(exp["task"])
    if exp.get("relative_to"):
        ref = max(ctx.match(exp["relative_to"]), key=ctx.lifetime)
        scale = ctx.lifetime(ref)
        parts = []
        for r in rows:
            took = ctx.lifetime(r)
            parts.append(f"{_q(r)} took {_secs(took)}, {took / scale:.1f}× the {_secs(scale)} "
                         f"{_q(ref)} took")
        unit = "×"
    else:
        parts = [f"{_q(r)} took {_secs(ctx.lifetime(r))}" for r in rows]
        unit = " s"
    bounds = [f"{words} {exp[key]}{unit}" for key, words in (("min", "at least"),
                                                             ("max", "at most")) if key in exp]
    said = "; ".join(parts[:3])
    want = " and ".join(bounds)
    return f"{said} (the lesson expects {want})" if ok else f"{said}; the lesson expects {want}"


def _w_waited_on(ctx, exp, ok):
    kinds = _specs(exp, "kind")
    out = []
    for r in ctx.match(exp["task"]):
        waits = [e for e in ctx.events if e.event == "wait" and e.tid == r.tid]
        hits = list(dict.fromkeys(e.detail or e.kind for e in waits if e.kind in kinds))
        if hits:
            n = sum(e.kind in kinds for e in waits)
            times = f" ({n} waits)" if n > len(hits[:2]) else ""
            out.append(f"{_q(r)} waited on {_and(hits[:2] + ([f'{len(hits) - 2} more'] if len(hits) > 2 else []))}{times}")
        else:
            seen = sorted({e.kind for e in waits})
            out.append(f"{_q(r)} never waited on {'/'.join(kinds)} (its waits: "
                       f"{', '.join(seen) or 'none'})")
    return "; ".join(out[:3])


def _in_order(ctx, tids, most: int = 8) -> str:
    """Tasks in order, a task met again marked so: "'greedy', 'alice', 'bob', then 'greedy'
    again"; one task every time: "'producer' 4 times"."""
    def name(tid):
        row = ctx.by_tid.get(tid)
        return _q(row) if row is not None else f"task {tid}"
    if not tids:
        return "nobody"
    if len(tids) > 1 and len(set(tids)) == 1:
        return f"{name(tids[0])} {len(tids)} times"
    seen, names = set(), []
    for tid in tids:
        names.append(name(tid) + (" again" if tid in seen else ""))
        seen.add(tid)
    if len(names) > most:
        names = names[:most - 1] + [f"… ({len(tids)} in all)"]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])}, then {names[-1]}"


def _times(ctx, times, most: int = 8) -> str:
    shown = [_secs(t - ctx.origin()) if t is not None else "still waiting at the end"
             for t in times[:most]]
    return ", ".join(shown) + (", …" if len(times) > most else "")


def _who(ctx, tids) -> tuple[str, str]:
    """(subject, how often) for a sentence: ("'producer'", " 4 times") when one task did it
    every time, else (the tasks in order, "")."""
    if len(tids) > 1 and len(set(tids)) == 1:
        row = ctx.by_tid.get(tids[0])
        return (_q(row) if row is not None else f"task {tids[0]}"), f" {len(tids)} times"
    return _in_order(ctx, tids), ""


def _w_held_by(ctx, exp, ok):
    res, want, holds = ctx._held(exp)
    if not holds:
        said = f"none of {_in_order(ctx, list(dict.fromkeys(want)))} took {_r(res)}"
    else:
        who, often = _who(ctx, [tid for tid, _t in holds])
        order = ", in that order" if len({tid for tid, _t in holds}) > 1 else ""
        said = (f"{_r(res)} was taken by {who}{often}{order} "
                f"(at {_times(ctx, [t for _tid, t in holds])})")
    return said if ok else f"{said}; the lesson expects {_in_order(ctx, want)}"


def _w_wait_order(ctx, exp, ok):
    res, want, waits = ctx._waits(exp)
    op = f" (in {exp['op']})" if exp.get("op") else ""
    several = len({w[0] for w in waits}) > 1
    who, often = _who(ctx, [w[0] for w in waits])
    if not waits:
        said = f"none of {_in_order(ctx, list(dict.fromkeys(want)))} waited on {_r(res)}{op}"
    elif exp.get("by", "end") == "start":
        said = (f"{who} lined up on {_r(res)}{op}{often}{' in that order' if several else ''} "
                f"(at {_times(ctx, [w[1] for w in waits])})")
    else:
        said = (f"{who} waited on {_r(res)}{op}{often} and "
                f"{'were let through in that order' if several else 'was let through'} "
                f"(at {_times(ctx, [w[2] for w in waits])})")
    return said if ok else f"{said}; the lesson expects {_in_order(ctx, want)}"


def _w_peak(ctx, exp, ok):
    res = ctx.resource(exp["resource"])
    of = exp["of"]
    n, when = ctx.peak(res, of)
    s = "s" * (n != 1)
    if not n:
        said = {"items": f"{_r(res)} never held an item",
                "waiters": f"no task ever waited on {_r(res)}",
                "holders": f"no task ever held {_r(res)}"}[of]
    else:
        said = {"items": f"at its fullest {_r(res)} held {n} item{s} at once",
                "waiters": f"at its busiest {n} task{s} waited on {_r(res)} at once",
                "holders": f"at its busiest {n} task{s} held {_r(res)} at once"}[of]
        if when is not None:
            said += f" (first {ctx.at(when)})"
    return said if ok else f"{said}; the lesson expects {_bounds(exp)}"


def _state_after(state: str) -> str:
    return f"with {state}" if ("left" in state or "item" in state) and "," not in state else state


def _w_resource_state(ctx, exp, ok):
    res = ctx.resource(exp["resource"])
    said = f"{_r(res)} ended the run {_state_after(ctx.resources.state(res.rid).state)}"
    return said if ok else f"{said}; the lesson expects {_state_after(exp['state'])}"


def _w_cancel_requested(ctx, exp, ok):
    out = []
    for r in ctx.match(exp["task"]):
        asked = [e for e in ctx.events if e.event == "cancel" and e.tid == r.tid]
        if not asked:
            out.append(f"nobody asked {_q(r)} to cancel")
            continue
        parts = []
        for e in asked[:3]:
            who = f"by {_q(ctx.by_tid[e.by])}" if e.by in ctx.by_tid else "from outside any task"
            parts.append(f"{who} (cause: {getattr(e, 'cause', None)}) {ctx.at(e.t)}")
        said = f"{_q(r)} was asked to cancel {'; '.join(parts)}"
        if not ok:
            want = []
            if "by" in exp:
                want.append("from outside any task" if _no_task(exp["by"]) else f"by {exp['by']!r}")
            if exp.get("cause"):
                want.append(f"for cause {exp['cause']!r}")
            said += f"; the lesson expects a request {' '.join(want)}"
        out.append(said)
    return "; ".join(out[:3])


def _w_parent(ctx, exp, ok):
    out = []
    for r in ctx.match(exp["task"]):
        got = _q(ctx.by_tid[r.parent]) if r.parent in ctx.by_tid else None
        out.append((r, "outside any task" if got is None else f"by {got}"))
    by: dict[str, list] = {}
    for r, who in out:
        by.setdefault(who, []).append(_q(r))
    said = "; ".join(f"{_and(names)} {'was' if len(names) == 1 else 'were'} created {who}"
                     for who, names in by.items())
    if ok:
        return said
    want = "outside any task" if _no_task(exp["parent"]) else f"by {exp['parent']!r}"
    return f"{said}; the lesson expects {want}"


def _w_exception(ctx, exp, ok):
    out = []
    for r in ctx.match(exp["task"]):
        if r.state == "failed" and r.exc:
            out.append(f"{_q(r)} failed with {r.exc[0]}: {r.exc[1]}".rstrip(": "))
        else:
            out.append(f"{_q(r)} {_ENDED.get(r.state, r.state)}")
    said = "; ".join(out[:3])
    return said if ok else f"{said}; the lesson expects it to fail with {exp['type']}"


def _w_result(ctx, exp, ok):
    out = [f"{_q(r)} returned {r.summary}" if r.state == "done" else
           f"{_q(r)} {_ENDED.get(r.state, r.state)}" for r in ctx.match(exp["task"])]
    said = "; ".join(out[:3])
    return said if ok else f"{said}; the lesson expects a result containing {exp['contains']!r}"


def _whose(ctx, exp) -> str:
    return f" of {exp['task']!r}" if exp.get("task") else ""


def _w_output_contains(ctx, exp, ok):
    return (f"the output{_whose(ctx, exp)} shows {exp['text']!r}" if ok else
            f"the output{_whose(ctx, exp)} never shows {exp['text']!r}")


def _w_output_lacks(ctx, exp, ok):
    return (f"the output{_whose(ctx, exp)} never shows {exp['text']!r}" if ok else
            f"the output{_whose(ctx, exp)} shows {exp['text']!r}")


def _w_output_order(ctx, exp, ok):
    texts = [repr(t) for t in exp["texts"]]
    if ok:
        return f"the output{_whose(ctx, exp)} shows {', then '.join(texts)}"
    failure = ctx._c_output_order(exp)
    return failure[0].split(": ", 1)[1].split(" (", 1)[0] + \
        f"; the lesson expects {', then '.join(texts)}" if failure else ""


def _w_block(ctx, exp, ok):
    blocks = ctx._blocks(exp, exp["min_seconds"])
    longest = max((e.duration for e in blocks), default=None)
    n = len(blocks)
    said = (f"the loop was blocked for {exp['min_seconds']} s or more {n} time"
            f"{'s' * (n != 1)}" + (f" (longest {_secs(longest)})" if longest else ""))
    if ok:
        return said
    lo, hi = exp.get("min_count", 1), exp.get("max_count")
    return f"{said}; the lesson expects {lo}" + (f" to {hi}" if hi is not None else " or more")


def _w_no_block(ctx, exp, ok):
    limit = exp.get("seconds", 0.2)
    if ok:
        return f"the loop was never blocked for {limit} s or more"
    e = max(ctx._blocks(exp, limit), key=lambda e: e.duration)
    return f"the loop was blocked for {_secs(e.duration)} at line {e.lineno}"


def _w_finding(ctx, exp, ok):
    kind = FindingKind.parse(exp["kind"])
    if ok:
        f = ctx._matching_findings(exp)[0]
        return f"the run showed {kind.title}" + (f" at line {f.line}" if f.line else "") + \
            f": {f.why}"
    return f"the run did not show {kind.title}, which the lesson expects"


def _w_total_under(ctx, exp, ok):
    return f"the run's tasks took {_secs(ctx.span())} (the lesson expects under {exp['seconds']} s)"


def _w_total_over(ctx, exp, ok):
    return f"the run's tasks took {_secs(ctx.span())} (the lesson expects over {exp['seconds']} s)"


_WORDS = {name: globals()[f"_w_{name}"] for name in CHECKS}
