"""Validation: a lesson's problems as ``file:line: message`` (lines point into the sidecar), and
:func:`check_main`, which is ``asyncio-playground lessons check [PATH...]``."""
from __future__ import annotations

import ast
import difflib
import re
from pathlib import Path
from typing import Any

from .._ast import parse
from . import _challenge, predictions
from ._checks import CHECKS, COMMON_KEYS, _is_spec, _num
from ._format import (_NEEDS_FORM, SIDECAR_SUFFIX, Lesson, _shown, default_directory, load,
                      python_condition, sidecar_path)


# -- validation -----------------------------------------------------------------------------------------

def validate(lesson: Lesson) -> list[str]:
    """Problems with a lesson's text, question and checks, as ``file:line: message`` (empty = fine).

    Lines point into the sidecar (``NAME.md``); a lesson without one is only checked for what the
    script itself says (a syntax error, a leftover ``LESSON`` dict)."""
    where = lesson.sidecar or lesson.path
    shown = _shown(where)
    lines = lesson.lines
    found: list[tuple[int, str]] = list(lesson.problems)
    if lesson.sidecar is None:
        found.extend(_script_problems(lesson.path))
    q = lesson.question
    if q is not None:
        found.extend(_question_problems(q, lines))
    found.extend(_needs_problems(lesson.needs, lines.get("needs", 0)))
    for i, exp in enumerate(lesson.expect):
        found.extend(_expect_problems(i, exp, lines))
    if lesson.predict is not None:
        found.extend((lines.get(f"predict.{key}") or lines.get("predict", 0), message)
                     for key, message in predictions.problems(lesson.predict))
    found.extend(_challenge.problems(lesson, _expect_problems))
    out = [lesson.error] if lesson.error else []
    out += [f"{shown}:{line}: {message}" if line else f"{shown}: {message}"
            for line, message in sorted(found, key=lambda p: p[0])]
    return out


def _script_problems(path: Path) -> list[tuple[int, str]]:
    try:
        tree = parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return []                     # load() put it in lesson.error
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "LESSON"
                                                for t in node.targets):
            return [(node.lineno, f"LESSON dicts are no longer read: move the lesson's text, "
                                  f"question and checks to {sidecar_path(path).name} "
                                  f"(see docs/authoring.md)")]
    return []


def _question_problems(q: Any, lines: dict) -> list[tuple[int, str]]:
    at = lines.get("question", 0)
    if not isinstance(q, dict) or not {"text", "choices", "answer", "why"} <= set(q):
        return [(at, "question needs text, choices, answer and why")]
    out = []
    choices = [str(c) for c in q["choices"]] if isinstance(q["choices"], list) else []
    if not str(q["text"]).strip():
        out.append((at, "question: no question text between '## Question' and the choices"))
    if len(choices) < 2:
        out.append((at, "question: needs at least two choices ('- [ ] ...' lines)"))
    if not all(str(c).strip() for c in choices):
        out.append((at, "question: a choice has no text"))
    if len(set(choices)) != len(choices):
        out.append((at, "question: two choices say the same thing"))
    marked = q.get("answers", [q["answer"]] if q["answer"] is not None else [])
    if not marked:
        out.append((at, "question: no choice is marked correct: write '- [x]' before the right "
                        "one"))
    elif len(marked) > 1:
        second = [j for j, c in enumerate(choices) if c in marked][1:2]
        out.append((lines.get(f"choice[{second[0]}]", at) if second else at,
                    f"question: {len(marked)} choices are marked [x]; mark exactly one"))
    elif q["answer"] not in choices:
        out.append((at, f"question: the answer {q['answer']!r} is not one of the choices"))
    if not str(q["why"]).strip():
        out.append((lines.get("why", at), "question: no explanation: add a '### Why' section after "
                                          "the choices"))
    return out


def _needs_problems(needs: Any, at: int) -> list[tuple[int, str]]:
    if not isinstance(needs, dict):
        return [(at, _NEEDS_FORM)]
    out = []
    for key in sorted(set(needs) - {"modules", "python"}):
        out.append((at, f"needs: unknown key {key!r} (known: modules, python)"))
    modules = needs.get("modules", [])
    if not isinstance(modules, list) or not all(_is_spec(m) for m in modules):
        out.append((at, "needs: modules must be a list of module names"))
    if "python" in needs and python_condition(needs["python"], bare=True) is None:
        out.append((at, f"needs: python must be a condition like \">=3.13\" (as a check's "
                        f"`python`), not {needs['python']!r}"))
    return out


def _expect_problems(i: int, exp: Any, lines: dict, where: str = "expect") -> list[tuple[int, str]]:
    """One check's problems; ``where``: the list it is in (``expect``, ``challenge.goal``)."""
    def at(key: str | None = None) -> int:
        return (key and lines.get(f"{where}[{i}].{key}")) or lines.get(f"{where}[{i}]") or \
            lines.get(where) or lines.get(where.split(".")[0], 0)

    me = f"{where}[{i}]"
    if not isinstance(exp, dict):
        return [(at(), f"{me}: a check must be a table, not {exp!r}")]
    name = exp.get("check")
    if not isinstance(name, str) or name not in CHECKS:
        if name is None:
            return [(at(), f"{me}: no check = \"...\" line")]
        close = difflib.get_close_matches(str(name), CHECKS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else " (docs/authoring.md lists the checks)"
        return [(at("check"), f"{me}: unknown check {name!r}{hint}")]
    spec = CHECKS[name]
    keys = set(exp) - {"check"}
    out = []
    missing = set(spec.required) - keys
    if missing:
        out.append((at(), f"{me} {name}: missing {sorted(missing)}"))
    if name == "state" and not ({"task", "tasks"} & keys):
        out.append((at(), f"{me} state: needs task or tasks"))
    if name == "peak" and not ({"min", "max"} & keys):
        out.append((at(), f"{me} peak: needs min, max or both"))
    known = {**spec.required, **spec.optional, **COMMON_KEYS}
    for key in sorted(keys - set(known)):
        out.append((at(key), f"{me} {name}: unknown key {key!r} (known: "
                             f"{', '.join(known) or 'none'})"))
    for key in sorted(keys & set(known)):
        kind = known[key]
        problem = kind.problem(exp[key])
        if problem:
            prefix = f"{key}: " if kind.keyed else ""
            out.append((at(key), f"{me} {name}: {prefix}{problem}"))
    lo, hi = exp.get("min"), exp.get("max")
    if _num(lo) and _num(hi) and lo > hi:
        out.append((at("min"), f"{me} {name}: min {lo} is above max {hi}"))
    return out


# -- `asyncio-playground lessons check [PATH...]` ------------------------------------------------------

def check_main(paths: list[str] | None = None) -> int:
    """Validate the lessons in *paths* (files or folders; default: the library the window shows,
    i.e. ``$ASYNCIO_PLAYGROUND_LESSONS`` or the shipped lessons).  Prints ``file:line: message``
    lines and a summary; returns 0 when everything is clean, else 1."""
    targets = list(paths) if paths else [str(default_directory())]
    scripts: dict[Path, None] = {}
    messages: list[str] = []
    for arg in targets:
        p = Path(arg)
        if p.is_dir():
            scripts.update(dict.fromkeys(sorted(x for x in p.glob("*.py")
                                                if not x.name.startswith("_"))))
            for md in sorted(p.glob(f"*{SIDECAR_SUFFIX}")):
                if not md.with_suffix(".py").exists() and _looks_like_sidecar(md):
                    messages.append(f"{_shown(md)}:1: no {md.stem}.py beside this lesson text")
        elif p.suffix in (".py", SIDECAR_SUFFIX) and p.is_file():
            script = p.with_suffix(".py")
            if script.is_file():
                scripts[script] = None
            else:
                messages.append(f"{_shown(p)}:1: no {script.name} beside this lesson text")
        else:
            messages.append(f"{arg}: not a lesson (.py or .md) or a folder of lessons")
    bad = 0
    for script in scripts:
        try:
            found = validate(load(script))
        except OSError as exc:
            found = [f"{_shown(script)}: cannot read: {exc}"]
        bad += bool(found)
        messages.extend(found)
    for message in messages:
        print(message)
    n = len(scripts)
    checked = f"{n} lesson{'s' * (n != 1)} checked"
    if messages:
        print(f"{checked}: {len(messages)} problem{'s' * (len(messages) != 1)}"
              + (f" in {bad} of them" if bad else ""))
        return 1
    print(f"{checked}: no problems")
    return 0


def _looks_like_sidecar(md: Path) -> bool:
    try:
        with md.open(encoding="utf-8", errors="replace") as f:
            return f.readline().strip() == "+++"
    except OSError:
        return False
