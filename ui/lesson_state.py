"""What the lesson panel holds for one lesson, as plain data: the learner's prediction (a draft or
committed) and its comparison with the last run, what that run showed, whether the "Watch for"
paragraph was released, and the quiz.  No widget, no Qt: the window keeps one per lesson
(``LessonPanel.state()`` when leaving a lesson, ``LessonPanel.set_lesson(lesson, state)`` when
coming back), so that switching lessons loses nothing.

The records are frozen; their values are copies (an order is a tuple, picks a dict the panel
never changes).  ``dataclasses.replace`` makes a changed one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PredictionState:
    """The prediction box of one lesson.

    Attributes:
        draft: what the inputs hold while nothing is committed, by kind: an order (tuple of the
            texts, top first), end states ({task spec: state, or None where nothing is picked
            yet}), or seconds (0.0: not answered).  None: as a fresh lesson shows them.
        committed: the committed prediction (``PredictionBox.committed_value()``: a list, a
            dict or seconds); None: nothing committed.
        comparison: the last run compared with ``committed`` (a ``lessons.Comparison``); None:
            none yet (or the prediction was changed since).
        problem: why the last run could not be compared ("no task matches ..."), or None.
        uncompared: the last run of the lesson ended while nothing was committed (the box says
            to commit first, then run again).
    """
    draft: Any = None
    committed: Any = None
    comparison: Any = None
    problem: str | None = None
    uncompared: bool = False


@dataclass(frozen=True)
class QuizState:
    """The check question of one lesson.

    Attributes:
        chosen: the text of the selected choice (None: none selected).
        graded: the text of the choice last checked (None: Check not pressed yet).
        correct: whether ``graded`` was right (None: not checked yet; the result is hidden).
        wrong: wrong answers so far (the second one reveals the answer).
    """
    chosen: str | None = None
    graded: str | None = None
    correct: bool | None = None
    wrong: int = 0


@dataclass(frozen=True)
class LessonState:
    """Everything the lesson panel shows for one lesson that the lesson's files do not say.

    Attributes:
        slug: the lesson it belongs to (``set_lesson`` refuses a state of another lesson).
        prediction: the :class:`PredictionState`.
        findings: the ``lessons.Finding`` list of the last run of the lesson ("What the run
            showed"), as a tuple; empty before a run (or while ``running``).
        run: the run ``findings`` belong to, or the run of the lesson going on (``running``);
            None before any.  ``LessonPanel.run_finished`` for that run is then answered from
            this state (nothing is checked or compared twice).
        running: ``run`` had not ended when the state was taken.
        edited: ``run`` ran the learner's edited code.
        cause: why ``run`` fell short of the lesson when the cause is not its code
            (``lessons.Cause``), or None.
        watch_released: the "Watch for" paragraph, held back while a prediction is asked for, is
            shown (a run of the lesson has ended).
        quiz: the :class:`QuizState`.
    """
    slug: str = ""
    prediction: PredictionState = PredictionState()
    findings: tuple = ()
    run: Any = None
    running: bool = False
    edited: bool = False
    cause: Any = None
    watch_released: bool = False
    quiz: QuizState = QuizState()
