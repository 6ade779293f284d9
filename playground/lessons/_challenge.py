"""Challenges (issue 24, "You are the scheduler"): lessons whose goal is an interleaving.  The
learner steps the run and picks which ready task runs next (and when the clock moves on) until the
run shows the goal -- a lost update, a deadlock, a timeout -- that asyncio's own order never
reaches.

A challenge's sidecar has a ``[challenge]`` table::

    [challenge]
    hint = "Let bob read the balance before alice writes it back."
    winning_schedule = ["main", "alice", "bob", "bob", "alice", "bob"]
    fixed = "_challenge_01_lost_update_fixed.py"

    [[challenge.goal]]
    check = "output_lacks"
    text = "final balance: 175"

* ``goal`` (required): checks, in the ``[[expect]]`` vocabulary, that all hold on a winning run
  (and not on a run in asyncio's order: the lesson's ``[[expect]]`` list says what that one shows).
* ``winning_schedule`` (required): a schedule that wins (``asyncio_playground.schedule``: task
  names, ``{run = "worker", nth = 2}``, ``{advance = true}``...), for the tests and a "show me".
* ``fixed`` (optional): the file name, beside the lesson, of the fixed version -- the same program
  made safe (a Lock, an Event, a shield...): no schedule reaches the goal there.  Name it with a
  leading ``_`` so it is not listed as a lesson of its own.
* ``hint`` (optional): a sentence that points the learner at the interleaving.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ._checks import Finding, check, explain
from ._format import CHALLENGE_GROUP, Lesson

#: The keys of a [challenge] table: name -> required.
KEYS = {"goal": True, "winning_schedule": True, "fixed": False, "hint": False}


def goal_failures(lesson: Lesson, table: Any, events: list, outcome: str) -> list[str]:
    """Why a finished run did not reach the challenge's goal (empty: it did; the learner won)."""
    goal = _goal(lesson)
    if not goal:
        return ["not a challenge: the lesson has no [challenge] goal"]
    return check(goal, table, events, outcome)


def goal_reached(lesson: Lesson, table: Any, events: list, outcome: str) -> bool:
    """Whether a finished run reached the challenge's goal."""
    return bool(_goal(lesson)) and not goal_failures(lesson, table, events, outcome)


def explain_goal(lesson: Lesson, table: Any, events: list, outcome: str) -> list[Finding]:
    """The goal's checks held against a finished run, in words, one ✓/✗ :class:`Finding` each."""
    return explain(_goal(lesson), table, events, outcome)


def winning_schedule(lesson: Lesson) -> list[dict]:
    """The challenge's winning schedule, parsed (raises ScheduleError for a bad one)."""
    from .._schedule import parse_schedule
    challenge = lesson.challenge if isinstance(lesson.challenge, dict) else {}
    return parse_schedule(challenge.get("winning_schedule", []))


def fixed_path(lesson: Lesson) -> Path | None:
    """The fixed version's file (beside the lesson), or None when the challenge names none."""
    challenge = lesson.challenge if isinstance(lesson.challenge, dict) else {}
    name = challenge.get("fixed")
    return lesson.path.parent / name if isinstance(name, str) and name else None


def _goal(lesson: Lesson) -> list:
    challenge = lesson.challenge if isinstance(lesson.challenge, dict) else {}
    goal = challenge.get("goal")
    return [g for g in goal if isinstance(g, dict)] if isinstance(goal, list) else []


def problems(lesson: Lesson, expect_problems) -> list[tuple[int, str]]:
    """``(line, message)`` for what is wrong with the lesson's [challenge] table;
    ``expect_problems(i, check, lines, where)`` checks one goal check as [[expect]] ones are."""
    lines = lesson.lines
    challenge = lesson.challenge
    at = lines.get("challenge", 0)
    if challenge is None:
        if lesson.group == CHALLENGE_GROUP and lesson.sidecar is not None:
            return [(1, "a challenge lesson needs a [challenge] table: its goal and "
                        "winning_schedule (docs/authoring.md, Challenges)")]
        return []
    if not isinstance(challenge, dict):
        return [(at, "challenge must be a table: [challenge]")]
    out = []
    for key in sorted(set(challenge) - set(KEYS)):
        out.append((lines.get(f"challenge.{key}", at),
                    f"challenge: unknown key {key!r} (known: {', '.join(KEYS)})"))
    for key in [k for k, required in KEYS.items() if required and k not in challenge]:
        out.append((at, f"challenge: missing {key!r}"))
    goal = challenge.get("goal")
    if "goal" in challenge:
        if not isinstance(goal, list) or not goal or not all(isinstance(g, dict) for g in goal):
            out.append((lines.get("challenge.goal", at), "challenge: goal must be a list of "
                        "checks: [[challenge.goal]] tables, each with a check = \"...\" line"))
        else:
            for i, exp in enumerate(goal):
                out.extend(expect_problems(i, exp, lines, "challenge.goal"))
    if "winning_schedule" in challenge:
        from .._schedule import ScheduleError, parse_schedule
        try:
            if not parse_schedule(challenge["winning_schedule"]):
                raise ScheduleError("it is empty")
        except ScheduleError as exc:
            out.append((lines.get("challenge.winning_schedule", at),
                        f"challenge: winning_schedule: {exc}"))
    fixed = challenge.get("fixed")
    if fixed is not None:
        if not isinstance(fixed, str) or not fixed.endswith(".py") or "/" in fixed \
                or "\\" in fixed:
            out.append((lines.get("challenge.fixed", at), "challenge: fixed must be the file "
                        f"name of a script beside the lesson, such as \"_{lesson.slug}_fixed.py\""))
        elif not (lesson.path.parent / fixed).is_file():
            out.append((lines.get("challenge.fixed", at), f"challenge: fixed: no {fixed} beside "
                        "the lesson"))
    hint = challenge.get("hint")
    if hint is not None and not (isinstance(hint, str) and hint.strip()):
        out.append((lines.get("challenge.hint", at), "challenge: hint must be a sentence"))
    return out
