"""The lesson library: find, read and check the lessons in ``examples/``.

A lesson is two files side by side:

* ``NAME.py``, an ordinary asyncio script and nothing else (``python NAME.py`` runs it); the editor
  shows it as it is.
* ``NAME.md``, its *sidecar*: a TOML front matter between ``+++`` lines (machine data: ``needs`` and
  the ``[[expect]]`` checks a run must pass), then Markdown: the first ``# `` heading is the title,
  the text under it is the lesson, and a ``## Question`` section holds the check question, whose
  choices are ``- [ ]`` / ``- [x]`` items (``[x]`` = correct) followed by a ``### Why`` section.

The group and the order come from the file name (``basics_02_...`` is the second lesson of Basics);
nothing is stated twice.  A ``.py`` without a sidecar (any user script) still loads, with defaults
from its name and docstring.  Files are read, never executed, so listing the library is safe.

``docs/authoring.md`` is the teacher's reference; its check and vocabulary tables are
:func:`authoring_tables` (``python -m asyncio_playground._docs`` regenerates them, and a test fails
while they are out of date).  :func:`validate` reports problems as ``file:line: message``;
:func:`check_main` is ``asyncio-playground lessons check [PATH...]`` (also
``python -m asyncio_playground.lessons check [PATH...]``).  :func:`check` turns a lesson's
``expect`` into human-readable failures by reading a finished run's :class:`TaskTable` and tracer
events (see docs/engine-api.md); :func:`explain` says what the run showed, one :class:`Finding` (✓ or
✗ and plain words with the measured value) per expectation.  A lesson's ``[predict]`` table asks
the learner for a prediction; :func:`compare` holds it against the run (:class:`Comparison`).
:func:`why_cannot_run` says why this interpreter cannot run a lesson ("needs Python 3.14+"; None
when it can) and :func:`how_to_run` what to install; :func:`likely_cause` says when a run fell
short of its lesson for a reason outside the code (stopped, the network, a busy machine...).
A challenge lesson (the ``challenge_`` group, a ``[challenge]`` table) has a goal, an interleaving
the learner brings about by choosing the steps: :func:`goal_reached` / :func:`goal_failures` /
:func:`explain_goal` hold a run against it, :func:`winning_schedule` and :func:`fixed_path` give
its winning schedule and its fixed version.

Inside: ``_format`` (file names, the sidecar, :class:`Lesson`, :func:`load`, :func:`discover`),
``_validate`` (:func:`validate`, :func:`check_main`), ``_checks`` (:data:`CHECKS`, :func:`check`,
:func:`explain`), ``predictions`` (:data:`PREDICTIONS`, :func:`compare`), ``_challenge`` (the
``[challenge]`` table), ``_authoring`` (:func:`authoring_tables`).
"""
from ._authoring import authoring_tables
from ._challenge import explain_goal, fixed_path, goal_failures, goal_reached, winning_schedule
from ._checks import CHECKS, Finding, check, explain
from ._format import (CHALLENGE_GROUP, ENV_VAR, GROUPS, SIDECAR_SUFFIX, USER_GROUP, Lesson,
                      default_directory,
                      discover, groups, how_to_run, load, missing_needs, sidecar_path,
                      why_cannot_run)
from .predictions import PREDICTIONS, Comparison, compare
from ._shortfall import Cause, likely_cause
from ._validate import check_main, validate

__all__ = ["CHALLENGE_GROUP", "CHECKS", "Cause", "Comparison", "ENV_VAR", "Finding", "GROUPS",
           "Lesson", "PREDICTIONS", "SIDECAR_SUFFIX", "USER_GROUP", "authoring_tables", "check",
           "check_main", "compare", "default_directory", "discover", "explain", "explain_goal",
           "fixed_path", "goal_failures", "goal_reached", "groups", "how_to_run", "likely_cause",
           "load", "missing_needs", "sidecar_path", "validate", "why_cannot_run",
           "winning_schedule"]
