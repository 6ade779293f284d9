"""Predictions: a lesson's ``[predict]`` table asks the learner to commit to what a run will do, and
:func:`compare` holds that prediction against the finished run's trace (never against an answer
key: an edited script is compared with what *it* did).

The kinds (:data:`PREDICTIONS`):

* ``finish_order``: the order ``tasks`` finish in (the learner drags them into order);
* ``end_states``: how each of ``tasks`` ends: done, cancelled or failed;
* ``duration``: about how long the run takes (its tasks' span), or ``task``'s lifetime, within
  ``tolerance`` (a fraction of the measured time, default 0.25; never tighter than 0.1 s);
* ``output_order``: the order ``lines`` (texts the script prints) appear in the output.

Every kind takes ``ask`` (the question put to the learner; a default per kind) and ``explain``
(Markdown shown once the run is compared).
"""
from __future__ import annotations

import random
from typing import Any, NamedTuple

from ._checks import (_Context, _NoMatch, _q, _secs, _specs, _Type, _is_spec, _num, SPECS, TEXT,
                      TEXTS)

#: The end states a learner may predict (the order the window offers them in).
END_STATES = ("done", "cancelled", "failed")


class _Kind(NamedTuple):
    doc: str                      # Markdown: what the learner predicts
    ask: str                      # the default question
    required: dict
    optional: dict


_STATES = _Type("list of end states", lambda v: None if isinstance(v, list) and len(v) >= 2 and all(
    s in END_STATES for s in v) else f"{v!r} is not a list of two or more of: {', '.join(END_STATES)}")
_TOLERANCE = _Type("fraction", lambda v: None if _num(v) and 0 < v < 1 else
                   f"{v!r} is not a fraction between 0 and 1")
_SPEC = _Type("task spec", lambda v: None if _is_spec(v) else f"{v!r} is not a task spec (a string)")
_COMMON = {"ask": TEXT, "explain": TEXT}

#: Every kind of prediction, with its keys (``kind`` itself is required in every ``[predict]``).
PREDICTIONS: dict[str, _Kind] = {
    "finish_order": _Kind("the order `tasks` finish in (the learner drags them into order); tasks "
                          "that end within 2 ms of each other may come in either order",
                          "In which order will these tasks finish? Drag them into order, first "
                          "at the top.", {"tasks": SPECS}, {}),
    "end_states": _Kind("how each of `tasks` ends: `done`, `cancelled` or `failed` (`states` "
                        "narrows the choices)",
                        "How will each of these tasks end?", {"tasks": SPECS},
                        {"states": _STATES}),
    "duration": _Kind("about how many seconds the run's tasks take (first created → last ended), "
                      "or `task`'s lifetime; right within `tolerance` (a fraction of the "
                      "measured time, default 0.25, never under 0.1 s)",
                      "About how long will the run take?", {},
                      {"task": _SPEC, "tolerance": _TOLERANCE}),
    "output_order": _Kind("the order the texts `lines` first appear in the output (the learner "
                          "drags them into order)",
                          "In which order will these lines be printed? Drag them into order, "
                          "first at the top.", {"lines": TEXTS}, {}),
}

#: Ends closer together than this count as a tie in ``finish_order``.
TIE = 0.002


class Item(NamedTuple):
    """One line of a comparison: what the learner predicted beside what the run showed."""
    predicted: str
    actual: str
    ok: bool
    tid: int | None = None        # the task the run's side is about, if any
    t: float | None = None        # when (loop time), if anything happened


class Comparison(NamedTuple):
    """A prediction held against a run: ``items`` side by side, ``ok`` when all of them agree,
    ``divergence`` (plain words about the first item that does not, None when all agree) and
    where to point on the timeline: ``tid`` (a task) and ``t`` (loop time), either may be None."""
    kind: str
    items: tuple
    ok: bool
    divergence: str | None
    tid: int | None
    t: float | None


def ask(predict: dict) -> str:
    """The question the window asks for ``predict``."""
    kind = PREDICTIONS.get(predict.get("kind"))
    return str(predict.get("ask") or (kind.ask if kind else ""))


def choices(predict: dict, seed: str = "") -> list[str]:
    """What the learner orders or labels: ``tasks`` or ``lines``.  For an order, a shuffle that is
    the same for the same ``seed`` (the lesson's slug) and never the order the author listed."""
    kind = predict.get("kind")
    items = _specs(predict, "lines" if kind == "output_order" else "tasks")
    if kind in ("finish_order", "output_order") and len(items) > 1:
        shuffled = list(items)
        rng = random.Random(seed or "|".join(items))
        while shuffled == items:
            rng.shuffle(shuffled)
        return shuffled
    return list(items)


def states(predict: dict) -> list[str]:
    """The end states offered for an ``end_states`` prediction."""
    return list(predict.get("states") or END_STATES)


def compare(predict: dict, prediction: Any, table: Any, events: list, outcome: str = "",
            filename: str | None = None) -> Comparison:
    """Hold ``prediction`` against a finished run.

    ``prediction`` is, by kind: ``finish_order`` a list of the task specs in the predicted order;
    ``end_states`` a dict spec -> state; ``duration`` seconds; ``output_order`` a list of the
    texts in the predicted order.  Raises ``ValueError`` when a spec matches no task of the run
    (its message names the tasks there were)."""
    ctx = _Context(table, events, outcome)
    kind = predict.get("kind")
    try:
        if kind == "finish_order":
            return _finish_order(ctx, list(prediction))
        if kind == "end_states":
            return _end_states(ctx, dict(prediction), table, filename)
        if kind == "duration":
            return _duration(ctx, float(prediction), predict)
        if kind == "output_order":
            return _output_order(ctx, list(prediction))
    except _NoMatch as exc:
        raise ValueError(str(exc)) from None
    raise ValueError(f"unknown kind of prediction {kind!r} (one of: {', '.join(PREDICTIONS)})")


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(n, f"{n}th")


def _one(ctx: _Context, spec: str):
    return ctx.match(spec)[0]


def _finish_order(ctx: _Context, order: list[str]) -> Comparison:
    rows = {spec: _one(ctx, spec) for spec in order}
    inf = float("inf")
    actual = sorted(rows.values(), key=lambda r: (r.ended is None, r.ended or inf, r.tid))
    place = {r.tid: i for i, r in enumerate(actual)}

    def end(row) -> float:
        return row.ended if row.ended is not None else inf

    def when(row) -> str:
        return f"{ctx.at(row.ended)}" if row.ended is not None else "still running"

    items = []
    for i, spec in enumerate(order):
        got, said = actual[i], rows[spec]
        ok = got.tid == said.tid or abs(end(got) - end(said)) <= TIE
        items.append(Item(f"{i + 1}. {_q(said)}", f"{i + 1}. {_q(got)} ({when(got)})", ok,
                          got.tid, got.ended))
    bad = next((i for i, item in enumerate(items) if not item.ok), None)
    if bad is None:
        return Comparison("finish_order", tuple(items), True, None, None, None)
    said, got = rows[order[bad]], actual[bad]
    words = (f"You put {_q(said)} {_ordinal(bad + 1)}, but {_q(got)} finished "
             f"{_ordinal(bad + 1)} ({when(got)}); {_q(said)} finished "
             f"{_ordinal(place[said.tid] + 1)} ({when(said)}).")
    return Comparison("finish_order", tuple(items), False, words, got.tid, got.ended)


def _end_words(row) -> str:
    return {"done": "ended done", "cancelled": "ended cancelled", "failed": "failed"}.get(
        row.state, f"was still {row.state} when the run ended")


def _end_states(ctx: _Context, said: dict, table: Any, filename: str | None) -> Comparison:
    items = []
    first = None
    for spec, state in said.items():
        row = _one(ctx, spec)
        detail = row.state
        if row.state == "failed" and row.exc:
            detail += f" ({row.exc[0]})"
        if row.ended is not None:
            detail += f", {ctx.at(row.ended)}"
        ok = row.state == state
        items.append(Item(f"{_q(row)}: {state}", f"{_q(row)}: {detail}", ok, row.tid, row.ended))
        if not ok and first is None:
            first = (row, state)
    if first is None:
        return Comparison("end_states", tuple(items), True, None, None, None)
    row, state = first
    words = f"You said {_q(row)} would end {state}; it {_end_words(row)}"
    if row.ended is not None:
        words += f" {ctx.at(row.ended)}"
    if row.state == "failed" and row.exc:
        words += f" with {row.exc[0]}: {row.exc[1]}".rstrip(": ")
    story = table.cancel_story(row.tid, filename=filename) if hasattr(table, "cancel_story") \
        else None
    if story and row.state == "cancelled":
        words += f": {story}"
    return Comparison("end_states", tuple(items), False, words + ".", row.tid, row.ended)


def _duration(ctx: _Context, seconds: float, predict: dict) -> Comparison:
    if predict.get("task"):
        row = max(ctx.match(predict["task"]), key=ctx.lifetime)
        took, who, tid, t = ctx.lifetime(row), _q(row), row.tid, ctx.interval(row)[1]
        what = f"{who} took"
    else:
        took, who, tid, t = ctx.span(), "the run", None, ctx.run_end
        what = "the run's tasks took"
    slack = max(predict.get("tolerance", 0.25) * took, 0.1)
    ok = abs(seconds - took) <= slack
    item = Item(f"about {seconds:g} s", f"{_secs(took)}", ok, tid, t)
    if ok:
        return Comparison("duration", (item,), True, None, None, None)
    words = (f"You said about {seconds:g} s; {what} {_secs(took)} ({_how_far(seconds, took, who)}; "
             f"within {_secs(slack)} counts as right).")
    return Comparison("duration", (item,), False, words, tid, t)


def _how_far(guess: float, took: float, who: str) -> str:
    """How a duration guess missed, said from the longer side: "the run took 2.0× longer than your
    guess" / "your guess was 2.0× longer than the run took" (a difference in seconds where the
    ratio would round to 1.0×)."""
    if guess <= 0:
        return "your guess was no time at all"
    if took <= 0:
        return f"{who} took no measurable time"
    longer, shorter = max(guess, took), min(guess, took)
    ratio = longer / shorter
    by = f"{ratio:.1f}× longer" if ratio >= 1.05 else f"{_secs(longer - shorter)} longer"
    if took > guess:
        return f"{who} took {by} than your guess"
    return f"your guess was {by} than {who} took"


def _output_order(ctx: _Context, order: list[str]) -> Comparison:
    outputs = [e for e in ctx.events if e.event == "output"]
    text = "".join(e.text for e in outputs)
    starts, pos = [], 0
    for e in outputs:
        starts.append(pos)
        pos += len(e.text)

    def first(line):          # (offset, tid, t) of its first appearance, None: never printed
        at = text.find(line)
        if at < 0:
            return None
        k = max(i for i, s in enumerate(starts) if s <= at)
        return at, outputs[k].tid, outputs[k].t

    seen = {line: first(line) for line in order}
    actual = sorted(order, key=lambda line: (seen[line] is None, seen[line] or (0,)))

    def when(line) -> str:
        hit = seen[line]
        if hit is None:
            return "never printed"
        who = ctx.by_tid.get(hit[1])
        return (f"by {_q(who)} " if who is not None else "") + ctx.at(hit[2])

    items = [Item(f"{i + 1}. {line!r}", f"{i + 1}. {actual[i]!r} ({when(actual[i])})",
                  actual[i] == line, (seen[actual[i]] or (0, None))[1],
                  (seen[actual[i]] or (0, None, None))[2]) for i, line in enumerate(order)]
    bad = next((i for i, item in enumerate(items) if not item.ok), None)
    if bad is None:
        return Comparison("output_order", tuple(items), True, None, None, None)
    said, got = order[bad], actual[bad]
    words = (f"You put {said!r} {_ordinal(bad + 1)}, but {got!r} came {_ordinal(bad + 1)} "
             f"({when(got)}).")
    return Comparison("output_order", tuple(items), False, words, items[bad].tid, items[bad].t)


def problems(predict: Any) -> list[tuple[str | None, str]]:
    """What is wrong with a ``[predict]`` table, as (key or None, message)."""
    if not isinstance(predict, dict):
        return [(None, "predict must be a table: [predict] then kind = \"finish_order\" ...")]
    kind = predict.get("kind")
    if kind not in PREDICTIONS:
        return [("kind", f"predict: kind {kind!r} is not one of: {', '.join(PREDICTIONS)}"
                 if kind is not None else "predict: no kind = \"...\" line")]
    spec = PREDICTIONS[kind]
    out: list[tuple[str | None, str]] = []
    keys = set(predict) - {"kind"}
    missing = set(spec.required) - keys
    if missing:
        out.append((None, f"predict {kind}: missing {sorted(missing)}"))
    known = {**spec.required, **spec.optional, **_COMMON}
    for key in sorted(keys - set(known)):
        out.append((key, f"predict {kind}: unknown key {key!r} (known: {', '.join(known)})"))
    for key in sorted(keys & set(known)):
        problem = known[key].problem(predict[key])
        if problem:
            out.append((key, f"predict {kind}: {key}: {problem}"))
    many = _specs(predict, "lines" if kind == "output_order" else "tasks")
    if spec.required and not missing and len(many) < 2 and kind != "end_states":
        out.append((None, f"predict {kind}: needs at least two to put in order"))
    if len(set(many)) != len(many):
        out.append((None, f"predict {kind}: an item is listed twice"))
    return out
