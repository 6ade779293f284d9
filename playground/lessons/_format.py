"""Finding lessons and reading them: the file names, the sidecar (TOML front matter + Markdown),
:class:`Lesson`, :func:`load`, :func:`discover`, :func:`groups`.  Files are read, never executed."""
from __future__ import annotations

import ast
import importlib.util
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from .._ast import parse

#: Course order.  File names start with the short prefix so a group's files sort together.
GROUPS = ("Basics", "Many at once", "Time", "Cancellation", "Errors", "Coordination", "Pitfalls",
          "Threads", "Introspection", "Challenges")
_PREFIXES = {"basics": "Basics", "many": "Many at once", "time": "Time", "cancel": "Cancellation",
             "errors": "Errors", "coord": "Coordination", "pitfalls": "Pitfalls",
             "threads": "Threads", "intro": "Introspection", "challenge": "Challenges"}
#: The group whose lessons are challenges: each needs a ``[challenge]`` table (_challenge.py).
CHALLENGE_GROUP = "Challenges"
#: Where a script without a known prefix is listed.
USER_GROUP = "My scripts"
ENV_VAR = "ASYNCIO_PLAYGROUND_LESSONS"
SIDECAR_SUFFIX = ".md"
#: Front-matter keys; everything else is said once, elsewhere (see _MOVED).
_FRONT_KEYS = ("needs", "expect", "predict", "challenge")
_NEEDS_FORM = 'needs must be a table: needs = { modules = ["httpx"], python = ">=3.12" }'
_MOVED = {"title": "the title is the first '# ' heading below the front matter",
          "group": "the group comes from the file name's prefix (basics_, many_, ...)",
          "order": "the order is the number in the file name (basics_02_... is 2)",
          "question": "the question is the '## Question' section below the front matter",
          "text": "the lesson text is the Markdown below the title"}


@dataclass(frozen=True)
class Lesson:
    path: Path                                         # the script
    slug: str
    group: str
    title: str
    order: int
    text: str                                          # markdown, under the title
    # {"text", "choices": [...], "answer": the correct choice's text, "why"}; "answers" lists every
    # choice marked [x] (validate() wants exactly one).
    question: dict | None = field(default=None, hash=False)
    expect: tuple = field(default=(), hash=False)      # tuple of check dicts
    needs: dict = field(default_factory=dict, hash=False)  # {"modules": [...], "python": "3.12"}
    # The [predict] table: what the learner is asked to predict before a run (_predict.py).
    predict: dict | None = field(default=None, hash=False)
    # The [challenge] table: the interleaving the learner, as the scheduler, must bring about
    # ({"goal": [checks], "hint", "winning_schedule": [choices], "fixed": file}; _challenge.py).
    challenge: dict | None = field(default=None, hash=False)
    error: str | None = None                           # "file:line: why" it could not be read
    # Where the metadata came from, for validate(): the sidecar (None: defaults from the script),
    # line numbers in it ("title", "question", "choice[2]", "expect[1]", "expect[1].state"...), and
    # problems with its layout found while reading it, as (line, message).
    sidecar: Path | None = field(default=None, compare=False)
    lines: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    problems: tuple = field(default=(), compare=False, hash=False, repr=False)


# -- loading ------------------------------------------------------------------------------------------

def default_directory() -> Path:
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    here = Path(__file__).resolve().parent.parent        # asyncio_playground/ (or playground/)
    shipped = here / "examples"            # installed: asyncio_playground/examples/
    return shipped if shipped.is_dir() else here.parent / "examples"   # a checkout's examples/


def sidecar_path(path: str | os.PathLike) -> Path:
    """Where the lesson text and checks of the script at *path* live: ``NAME.md`` beside it."""
    return Path(path).with_suffix(SIDECAR_SUFFIX)


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
    """Read one lesson (the script and its sidecar, if any) without executing anything."""
    path = Path(path)
    side = sidecar_path(path)
    if side.is_file():
        return _from_sidecar(path, side)
    source = path.read_text(encoding="utf-8", errors="replace")
    try:
        tree = parse(source, filename=str(path))
    except SyntaxError as exc:
        # A user's half-edited file must still be openable in the window, so this is not fatal.
        return _defaults(path, None, error=f"{_shown(path)}:{exc.lineno}: {exc.msg}")
    return _defaults(path, ast.get_docstring(tree))


def _defaults(path: Path, doc: str | None, error: str | None = None) -> Lesson:
    """A script without a sidecar: group and order from its name, title and text from its
    docstring (first line = title)."""
    title, text = "", ""
    if doc:
        first, _, rest = doc.strip().partition("\n")
        title, text = first.strip().rstrip("."), rest.strip()
    slug = path.stem
    return Lesson(path=path, slug=slug, group=_group_of(slug), title=title or _humanise(slug),
                  order=_order_of(slug), text=text, error=error)


def _group_of(slug: str) -> str:
    return _PREFIXES.get(slug.split("_", 1)[0].lower(), USER_GROUP)


def _order_of(slug: str) -> int:
    digits = re.search(r"_(\d+)(?:_|$)", slug)
    return int(digits.group(1)) if digits else 0


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
        if isinstance(out.get("modules"), (list, tuple)):
            out["modules"] = [str(n) for n in out["modules"]]
        return out
    return {}        # validate() says what is wrong with it


def _group_key(group: str) -> tuple:
    return (GROUPS.index(group), "") if group in GROUPS else (len(GROUPS), group.lower())


def _course_key(lesson: Lesson) -> tuple:
    return (*_group_key(lesson.group), lesson.order, lesson.slug)


def missing_needs(lesson: Lesson) -> list[str]:
    """What this interpreter lacks to run *lesson* (empty = nothing): ``["module 'httpx'",
    "Python 3.14"]``."""
    modules, python = _lacking(lesson)
    return [f"module {m!r}" for m in modules] + ([f"Python {python}"] if python else [])


def _lacking(lesson: Lesson) -> tuple[list[str], str | None]:
    """(the modules *lesson* needs that this interpreter cannot import, the Python version it
    needs when this one is older, else None)."""
    needs = lesson.needs if isinstance(lesson.needs, dict) else {}
    modules = needs.get("modules", ())
    missing = [m for m in (modules if isinstance(modules, (list, tuple)) else ())
               if isinstance(m, str) and _cannot_import(m)]
    want = needs.get("python")
    if want:
        condition = python_condition(want, bare=True)
        if condition is None:
            return missing, None      # validate() reports it
        op, version = condition
        if not python_holds(f"{op}{version[0]}.{version[1]}"):
            # ">=3.14" reads "3.14" ("needs Python 3.14+"), "<3.12" stays "<3.12"
            return missing, f"{version[0]}.{version[1]}" if op == ">=" else f"<{version[0]}.{version[1]}"
    return missing, None


def _cannot_import(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except (ImportError, ValueError):        # "a.b" whose parent is missing, or an odd name
        return True


def why_cannot_run(lesson: Lesson) -> str | None:
    """Why this interpreter cannot run *lesson*, in a few words: ``"needs Python 3.14+"``,
    ``"needs module 'httpx'"``, ``"needs Python 3.14+ and module 'httpx'"``; None when it can.

    What the window's Run button and ``asyncio-playground run`` refuse with (what to install:
    :func:`how_to_run`).  Only the lesson's declared ``needs`` count: running is never tried."""
    modules, python = _lacking(lesson)
    parts = ([_python_words(python)] if python else []) + [f"module {m!r}" for m in modules]
    if not parts:
        return None
    return "needs " + (parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}")


def _python_words(python: str) -> str:
    """``"3.14"`` → "Python 3.14+", ``"<3.12"`` → "a Python older than 3.12"."""
    return f"a Python older than {python[1:]}" if python.startswith("<") else f"Python {python}+"


def how_to_run(lesson: Lesson) -> str | None:
    """What to install so that *lesson* runs (None: it runs here), for a learner: the Python to
    start the playground with, and the ``pip install`` line for missing modules (it assumes the
    distribution is named as the module, as ``httpx`` is).  An imperative that follows "To run
    it, " or "cannot run X: it needs ...; "."""
    modules, python = _lacking(lesson)
    if not modules and not python:
        return None
    this = ".".join(map(str, sys.version_info[:3]))
    steps = []
    if python and python.startswith("<"):
        steps.append(f"start asyncio-playground with a Python older than {python[1:]} (this is "
                     f"Python {this})")
    elif python:
        steps.append(f"install Python {python} or newer (python.org, or `uv python install "
                     f"{python}`) and start asyncio-playground with it (this is Python {this})")
    if modules:
        steps.append(f"install {', '.join(modules)} into the Python that runs the playground: "
                     f"`{sys.executable} -m pip install {' '.join(modules)}`")
    return "; ".join(steps)


# -- the sidecar ----------------------------------------------------------------------------------------

_FENCE = re.compile(r"\s{0,3}(```|~~~)")
_TITLE = re.compile(r"#[ \t]+(\S.*?)(?:[ \t]+#+)?[ \t]*$")
_QUESTION = re.compile(r"##[ \t]+Question[ \t]*#*[ \t]*$", re.IGNORECASE)
_WHY = re.compile(r"###[ \t]+Why[ \t]*#*[ \t]*$", re.IGNORECASE)
_CHOICE = re.compile(r"[ ]{0,3}[-*+][ \t]+\[([ xX])\](?:[ \t]+(.*))?$")
_ITEM = re.compile(r"[ ]{0,3}[-*+][ \t]+\S")
_TOML_HEADER = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(r"\s*([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')\s*(?:\.|=)")


def _from_sidecar(path: Path, side: Path) -> Lesson:
    base = _defaults(path, None)
    try:
        raw = side.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return replace(base, sidecar=side, error=f"{_shown(side)}:1: cannot read: {exc}")
    lines: dict[str, int] = {}
    problems: list[tuple[int, str]] = []
    error = None
    rows = raw.splitlines()
    meta: dict = {}
    body_from = 0
    if rows and rows[0].strip() == "+++":
        close = next((k for k in range(1, len(rows)) if rows[k].strip() == "+++"), None)
        if close is None:       # the whole file would be TOML: nothing else is worth saying
            problems.append((1, "the front matter opened with '+++' here is never closed by a "
                                "'+++' line"))
            return replace(base, sidecar=side, problems=tuple(problems))
        front = rows[1:close]
        body_from = close + 1
        lines.update(_toml_lines(front, first_line=2))
        try:
            meta = tomllib.loads("\n".join(front))
        except tomllib.TOMLDecodeError as exc:
            line, message = _toml_error(exc, first_line=2, last_line=close + 1)
            error = f"{_shown(side)}:{line}: front matter: {message}"
    elif raw.lstrip().startswith("+++"):
        problems.append((1, "the front matter must start on the first line with '+++'"))
    for key in meta:
        if key not in _FRONT_KEYS:
            hint = _MOVED.get(key) or f"known keys: {', '.join(_FRONT_KEYS)}"
            problems.append((lines.get(key, 1), f"unknown front-matter key {key!r}: {hint}"))
    expect = meta.get("expect", [])
    if not isinstance(expect, list) or not all(isinstance(e, dict) for e in expect):
        problems.append((lines.get("expect", 1), "expect must be a list of tables: start each "
                                                 "check with an [[expect]] line (two brackets)"))
        expect = [e for e in expect if isinstance(e, dict)] if isinstance(expect, list) else []
    needs = meta.get("needs")
    if needs is not None and not isinstance(needs, (dict, list)):
        problems.append((lines.get("needs", 1), _NEEDS_FORM))
    predict = meta.get("predict")
    challenge = meta.get("challenge")
    title, text, question = _read_body(rows, body_from, lines, problems)
    return replace(base, title=title or base.title, text=text, question=question,
                    expect=tuple(expect), needs=_normalise_needs(needs), error=error, sidecar=side,
                    lines=lines, problems=tuple(problems), predict=predict, challenge=challenge)


#: ``<!-- python >=3.12 -->`` ... ``<!-- end python -->`` in a lesson's Markdown: lines shown only
#: on those Pythons (where asyncio itself behaves differently; the checks' ``python`` key is the
#: same condition).  Invisible in any other Markdown viewer, which shows every variant.
# Which Python, in every place a lesson file says it: a check's `python = ">=3.12"`, a text
# block's `<!-- python <3.12 -->`, and the front matter's `needs = { python = ">=3.13" }`.  One
# syntax, one parser (python_condition); `needs` also reads the old spelling "3.13" as ">=3.13".
_PYTHON_RE = re.compile(r"^(>=|<)\s*3\.(\d+)$")
_NEEDS_RE = re.compile(r"^(>=|<)?\s*(\d+)\.(\d+)$")
_ONLY_ON = re.compile(r"\s*<!--\s*python\s+(.*?)\s*-->\s*$")
_BLANKS = re.compile(r"\n\s*\n(\s*\n)+")
_ONLY_END = re.compile(r"\s*<!--\s*end\s+python\s*-->\s*$")


def python_condition(text, *, bare: bool = False) -> tuple[str, tuple[int, int]] | None:
    """``">=3.12"`` → ``(">=", (3, 12))``, ``"<3.12"`` → ``("<", (3, 12))``; None when ``text``
    is no such condition.  ``bare``: a version alone (``"3.13"``, the old spelling of
    ``needs.python``) means ``">="`` it."""
    m = _NEEDS_RE.match(text.strip()) if isinstance(text, str) else None
    if m is None or (m.group(1) is None and not bare):
        return None
    return m.group(1) or ">=", (int(m.group(2)), int(m.group(3)))


def python_holds(condition: str, version: tuple = sys.version_info[:2]) -> bool | None:
    """Whether ``">=3.12"`` / ``"<3.12"`` holds on ``version`` (None: not such a condition)."""
    parsed = python_condition(condition)
    if parsed is None:
        return None
    op, wanted = parsed
    return version >= wanted if op == ">=" else version < wanted


def _for_this_python(rows: list[str], start: int, problems: list) -> list[str]:
    """*rows* with the ``<!-- python ... -->`` blocks that do not hold here blanked (line numbers
    stay as they are), and the marker lines themselves blanked."""
    out = list(rows)
    open_at, keep = None, True
    fence = None
    for k in range(start, len(rows)):
        row = rows[k]
        m = _FENCE.match(row)
        if fence is not None or m:
            if fence is None:
                fence = m.group(1)
            elif m and m.group(1) == fence:
                fence = None
            if not keep:
                out[k] = ""
            continue
        begin, end = _ONLY_ON.match(row), _ONLY_END.match(row)
        if begin:
            if open_at is not None:
                problems.append((k + 1, f"a '<!-- python ... -->' block inside the one opened on "
                                        f"line {open_at + 1}: close that one first"))
            holds = python_holds(begin.group(1))
            if holds is None:
                problems.append((k + 1, f"{begin.group(1)!r} is not a Python condition such as "
                                        "\">=3.12\" or \"<3.12\""))
                holds = True
            open_at, keep = k, holds
            out[k] = ""
        elif end:
            if open_at is None:
                problems.append((k + 1, "'<!-- end python -->' without a '<!-- python ... -->' "
                                        "before it"))
            open_at, keep = None, True
            out[k] = ""
        elif not keep:
            out[k] = ""
    if open_at is not None:
        problems.append((open_at + 1, "this '<!-- python ... -->' block is never closed by "
                                      "'<!-- end python -->'"))
    return out


def _read_body(rows: list[str], start: int, lines: dict,
               problems: list) -> tuple[str, str, dict | None]:
    """The Markdown part: title, text, question.  Records line numbers (1-based) in *lines*.
    Text meant for other Pythons (``<!-- python <3.12 -->`` blocks) is left out."""
    rows = _for_this_python(rows, start, problems)
    title_at = question_at = why_at = None
    fence = None
    for k in range(start, len(rows)):
        row = rows[k]
        m = _FENCE.match(row)
        if fence is not None:
            if m and m.group(1) == fence:
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        if question_at is None:
            if title_at is None and _TITLE.match(row):
                title_at = k
            elif _QUESTION.match(row):
                question_at = k
        elif why_at is None and _WHY.match(row):
            why_at = k
    text_end = question_at if question_at is not None else len(rows)
    if title_at is None:
        problems.append((start + 1, "no title: the lesson text must start with a '# Title' "
                                    "heading"))
        title, text_from = "", start
    else:
        title, text_from = _TITLE.match(rows[title_at]).group(1), title_at + 1
        lines["title"] = title_at + 1
        before = next((k for k in range(start, title_at) if rows[k].strip()), None)
        if before is not None:
            problems.append((before + 1, "text before the title: the first '# ' heading must come "
                                         "first"))
    text = _BLANKS.sub("\n\n", "\n".join(rows[text_from:text_end])).strip()
    if question_at is None:
        return title, text, None
    lines["question"] = question_at + 1
    q_end = why_at if why_at is not None else len(rows)
    prose: list[str] = []
    choices: list[list] = []          # [text, marked [x]]
    for k in range(question_at + 1, q_end):
        row = rows[k]
        m = _CHOICE.match(row)
        if m:
            choices.append([(m.group(2) or "").strip(), m.group(1) in "xX"])
            lines[f"choice[{len(choices) - 1}]"] = k + 1
        elif not choices:
            prose.append(row)
        elif not row.strip():
            continue
        elif row[:1] in " \t" and not _ITEM.match(row):
            choices[-1][0] = f"{choices[-1][0]} {row.strip()}".strip()     # a wrapped choice
        elif _ITEM.match(row):
            problems.append((k + 1, "a choice needs a checkbox: '- [ ] wrong' or '- [x] right'"))
        else:
            problems.append((k + 1, "text after the choices: the explanation goes under '### Why'"))
    why = ""
    if why_at is not None:
        lines["why"] = why_at + 1
        why = _BLANKS.sub("\n\n", "\n".join(rows[why_at + 1:])).strip()
    marked = [c[0] for c in choices if c[1]]
    question = {"text": "\n".join(prose).strip(), "choices": [c[0] for c in choices],
                "answer": marked[0] if len(marked) == 1 else None, "why": why, "answers": marked}
    return title, text, question


def _toml_lines(front: list[str], first_line: int) -> dict[str, int]:
    """Line numbers of the front matter's keys and tables: ``needs``, ``expect`` (its first
    ``[[expect]]``), ``expect[i]`` (the i-th ``[[expect]]`` header) and ``expect[i].key``."""
    found: dict[str, int] = {}
    counts: dict[str, int] = {}
    table = ""
    quote = None                      # inside a multi-line string: its delimiter
    for k, row in enumerate(front):
        line = first_line + k
        if quote is not None:
            if row.count(quote) % 2:
                quote = None
            continue
        for delim in ('"""', "'''"):
            if row.count(delim) % 2:
                quote = delim
        header = _TOML_HEADER.match(row)
        if header and not _TOML_KEY.match(row):
            name = header.group(2).strip().strip("\"'")
            if header.group(1) == "[[":
                index = counts.get(name, 0)
                counts[name] = index + 1
                table = f"{name}[{index}]"
                found.setdefault(name, line)
            else:
                table = name
            found.setdefault(table, line)
            continue
        key = _TOML_KEY.match(row)
        if key:
            name = key.group(1).strip("\"'")
            found.setdefault(f"{table}.{name}" if table else name, line)
    return found


def _toml_error(exc: tomllib.TOMLDecodeError, first_line: int, last_line: int) -> tuple[int, str]:
    """tomllib says "Invalid value (at line 3, column 5)" about the front matter alone: move the
    line into the file."""
    message = str(exc)
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)", message)
    if m:
        return first_line + int(m.group(1)) - 1, f"{message[:m.start()]} (column {m.group(2)})"
    m = re.search(r"\s*\(at end of document\)", message)
    if m:
        return last_line, f"{message[:m.start()]} (at the end of the front matter)"
    return first_line, message


def _shown(path: Path) -> str:
    """*path* as messages show it: relative to the working directory when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)
