"""Tracebacks as the learner should read them: Python's own text, minus the playground's frames.

Which frames are the playground's is one rule (``_current.is_engine_file``: the engine's folder
as imported and as resolved), plus ``concurrent.futures``: the hop that carries ``main()``'s
exception from the loop back to the module thread, where ``asyncio.run(main())`` raises it.
"""
from __future__ import annotations

import collections
import concurrent.futures
import os
import traceback
import types

from ._current import ENGINE_DIRS

__all__ = ["TB_LIMIT", "exception_headline", "innermost", "strip_engine_frames", "user_traceback"]

#: Traceback entries a traceback keeps (the innermost): CPython's default sys.tracebacklimit.
TB_LIMIT = 1000

# (and PySide6's import hook, "shibokensupport/...": it wraps every import statement in the
# process, so an error raised inside an import showed two frames python would not have)
_HIDDEN = (*ENGINE_DIRS, os.path.dirname(os.path.abspath(concurrent.futures.__file__)) + os.sep,
           "shibokensupport/")


def innermost(tb, most: int = TB_LIMIT):
    """The traceback ``tb`` from its ``most``-th entry before the end on: its last ``most``
    entries (a walk along ``tb_next``, nothing formatted: cheap however deep the recursion)."""
    entries = collections.deque(maxlen=most)
    while tb is not None:
        entries.append(tb)
        tb = tb.tb_next
    return entries[0] if entries else None


def user_traceback(exc: BaseException, filename: str) -> str:
    """The traceback as Python prints it, minus the playground's own frames (and the
    concurrent.futures hop that carries main()'s exception back to the module thread)."""
    # The innermost TB_LIMIT entries, as Python's own printer keeps sys.tracebacklimit (1000):
    # a 10**6-deep recursion is not walked whole (it took half a minute, past any --timeout).
    te = traceback.TracebackException(type(exc), exc, innermost(exc.__traceback__))
    for item in _chain(te):
        item.stack = traceback.StackSummary.from_list(
            [fs for fs in item.stack if not fs.filename.startswith(_HIDDEN)])
    return "".join(te.format())


def exception_headline(exc: BaseException, most: int = 3) -> str:
    """``exc`` in one line, as the last line of its traceback names it (``ValueError: bad``); an
    exception group adds what it holds, nested groups flattened (``ExceptionGroup: unhandled errors
    in a TaskGroup (1 sub-exception): ValueError: bad``; past ``most``: "; and 17 more").  A status
    bar's words, made from the exception itself rather than read back from the printed boxes."""
    def one(e: BaseException) -> str:
        kind, module = type(e).__qualname__, type(e).__module__
        if module not in ("builtins", "__main__"):
            kind = f"{module}.{kind}"
        text = e.msg if isinstance(e, SyntaxError) and e.msg else str(e)
        first = text.strip().splitlines()[0] if text.strip() else ""
        return f"{kind}: {first}" if first else kind

    def leaves(group: BaseExceptionGroup):
        for sub in group.exceptions:
            yield from leaves(sub) if isinstance(sub, BaseExceptionGroup) else (one(sub),)

    headline = one(exc)
    if isinstance(exc, BaseExceptionGroup):
        found = list(leaves(exc))
        headline += ": " + "; ".join(found[:most]) + (f"; and {len(found) - most} more"
                                                       if len(found) > most else "")
    return headline


def _chain(te):
    seen = set()
    while te is not None and id(te) not in seen:
        seen.add(id(te))
        yield te
        for sub in getattr(te, "exceptions", None) or ():
            yield from _chain(sub)
        te = te.__cause__ or te.__context__


def strip_engine_frames(exc: BaseException) -> None:
    """Take the playground's frames (and the concurrent.futures hop) out of ``exc.__traceback__``
    itself, for tracebacks that others print from the exception later (asyncio's "Task exception
    was never retrieved", a lesson's own ``traceback.print_exc()`` afterwards)."""
    entries = []
    tb = exc.__traceback__
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_HIDDEN):
            entries.append(tb)
        tb = tb.tb_next
    rebuilt = None
    for tb in reversed(entries):
        rebuilt = types.TracebackType(rebuilt, tb.tb_frame, tb.tb_lasti, tb.tb_lineno)
    exc.__traceback__ = rebuilt
