"""Why a run of a lesson did not show what the lesson expects, when the likely cause lies outside
the lesson's code: :func:`likely_cause`.  The ✗ lines (:func:`explain`) say *what* happened; this
says whether to blame the run's circumstances (a Python too old for the lesson, a Stop, the
network, a busy machine) rather than the code, and only when the trace points there."""
from __future__ import annotations

import sys
from typing import Any, NamedTuple

from ._checks import _CHECKS, _Context, _NoMatch, _q, _and, applies
from ._format import Lesson, why_cannot_run

#: Exception classes (by name, as the task table keeps them) that mean "the network failed":
#: httpx's transport errors and the socket-level ones under them.  ``TimeoutError`` is left out:
#: ``asyncio.timeout`` raises it too, and lessons time things out on purpose.
NETWORK_ERRORS = frozenset({
    "ConnectError", "ConnectTimeout", "ReadError", "ReadTimeout", "WriteError", "WriteTimeout",
    "PoolTimeout", "NetworkError", "TransportError", "ProxyError", "RemoteProtocolError",
    "LocalProtocolError", "UnsupportedProtocol", "ConnectionError", "ConnectionRefusedError",
    "ConnectionResetError", "ConnectionAbortedError", "gaierror",
    "herror", "SSLError", "SSLCertVerificationError", "ClientConnectorError",
})

#: A timing check missed by at most this factor (measured / limit) is within what a busy machine
#: does to a run: its sleeps wake late, its threads wait for a core.
LOAD_FACTOR = 2.0
#: Ends (or starts) this close together may come in either order on a busy machine.
LOAD_GAP = 0.05


class Cause(NamedTuple):
    """Why a run fell short of its lesson: ``kind`` (``"needs"``, ``"stopped"``, ``"cancelled"``,
    ``"network"`` or ``"load"``) and ``text``, words for the learner that complete "N of M
    expectations did not hold: ..."."""
    kind: str
    text: str


def likely_cause(lesson: Lesson, table: Any, events: list, outcome: str, *,
                 error: str | None = None, network: str | None = None) -> Cause | None:
    """The likely cause of a run of *lesson* not showing everything it expects, when that cause is
    not the lesson's code (a :class:`Cause`); None when there is none to name (then the ✗ lines
    say what the code did), or when every expectation held.

    In this order:

    * ``needs``: this interpreter lacks what the lesson ``needs`` (:func:`why_cannot_run`);
    * ``stopped``: the run was stopped (Stop, closing the window, ``--timeout``, Ctrl+C: a cancel
      with cause ``stop``);
    * ``cancelled``: a task was cancelled from the window (its row's Cancel: cause ``button``);
    * ``network``: a task, or the script, failed with a network error (:data:`NETWORK_ERRORS`)
      that no ``exception`` check expects; *network* (``"live"``/``"offline"``, the run's
      ``NetworkMode``) adds what to try;
    * ``load``: only timings failed, each in the "slower than expected" direction and by a margin
      a busy machine can cause (:data:`LOAD_FACTOR`, :data:`LOAD_GAP`).  (An edited script's
      timings are the edit's doing: the window says so instead.)

    *error* is the run's ``Run.error`` (the traceback text), if any."""
    ctx = _Context(table, events, outcome)
    failed = []
    for exp in lesson.expect:
        if not isinstance(exp, dict) or not applies(exp):
            continue
        fn = _CHECKS.get(exp.get("check"))
        try:
            bad = fn is None or bool(fn(ctx, exp))
        except (_NoMatch, KeyError, ValueError, ZeroDivisionError):
            bad = True
        if bad:
            failed.append(exp)
    if not failed:
        return None
    lacking = why_cannot_run(lesson)
    if lacking:
        this = ".".join(map(str, sys.version_info[:2]))
        return Cause("needs", f"this Python ({this}) cannot run the lesson: it {lacking}")
    cancels = [e for e in ctx.events if e.event == "cancel"]
    if any(getattr(e, "cause", None) == "stop" for e in cancels):
        return Cause("stopped", "the run was stopped before its end")
    clicked = list(dict.fromkeys(e.tid for e in cancels if getattr(e, "cause", None) == "button"))
    if clicked:
        names = [_q(ctx.by_tid[t]) for t in clicked if t in ctx.by_tid] or ["a task"]
        return Cause("cancelled", f"you cancelled {_and(names)} from the window")
    net = _network_error(ctx, lesson, error)
    if net:
        words = f"the run failed on the network ({net})"
        if network == "live":
            words += (": with Network set to Live its requests go to the internet; is this "
                      "machine online? Offline answers them from the built-in demo API")
        return Cause("network", words)
    if all(_slow_by_load(ctx, exp) for exp in failed):
        return Cause("load", "only timings were off, late by a margin a busy machine can cause "
                             "(run it again)")
    return None


def _network_error(ctx: _Context, lesson: Lesson, error: str | None) -> str | None:
    """"ConnectError: [Errno -2] Name or service not known" for the first task that failed with a
    network error no ``exception`` check expects; else one named in the run's traceback."""
    expected = {exp.get("type") for exp in lesson.expect
                if isinstance(exp, dict) and exp.get("check") == "exception"}
    for row in ctx.rows:
        exc = getattr(row, "exc", None)
        if row.state == "failed" and exc and exc[0] in NETWORK_ERRORS and exc[0] not in expected:
            return f"{exc[0]}: {exc[1]}".rstrip(": ") if len(exc) > 1 else str(exc[0])
    for line in reversed((error or "").strip().splitlines()):
        name = line.split(":", 1)[0].strip().rsplit(".", 1)[-1]
        if name in NETWORK_ERRORS and name not in expected:
            return line.strip()
    return None


def _slow_by_load(ctx: _Context, exp: dict) -> bool:
    """Whether this failed expectation is a timing that came out late by a margin a busy machine
    explains (never one that came out early, nor anything that is not a timing)."""
    check = exp.get("check")
    try:
        if check == "duration":
            scale = 1.0
            if exp.get("relative_to"):
                scale = ctx.lifetime(max(ctx.match(exp["relative_to"]), key=ctx.lifetime))
                if scale <= 0:
                    return False
            for row in ctx.match(exp["task"]):
                took = ctx.lifetime(row)
                if took < exp.get("min", 0) * scale:
                    return False                         # too quick: no load does that
                if "max" in exp and took > exp["max"] * scale * LOAD_FACTOR:
                    return False
            return True
        if check == "total_under":
            return ctx.span() <= exp["seconds"] * LOAD_FACTOR
        if check == "no_block":
            limit = exp.get("seconds", 0.2)
            return all(e.duration <= limit * LOAD_FACTOR for e in ctx._blocks(exp, limit))
        if check == "order":
            i = 0 if exp.get("by", "end") == "start" else 1
            times = [ctx.interval(r)[i] for r in ctx._expand(exp)]
            # Listed order, as measured: every inversion must be a near tie.
            return all(a - b <= LOAD_GAP for k, a in enumerate(times) for b in times[k + 1:])
    except (_NoMatch, KeyError, ValueError, TypeError):
        return False
    return False


__all__ = ["Cause", "LOAD_FACTOR", "LOAD_GAP", "NETWORK_ERRORS", "likely_cause"]
