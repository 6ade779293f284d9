"""The lesson panel: the lesson's text, its prediction (predict, then run), what the last run
showed (the lesson's expectations, ✓ or ✗), and its check question.  For a challenge (issue 24,
"You are the scheduler"): its goal, a hint, "Show me a schedule that wins", whether the last run
reached the goal (✓ or ✗, the goal's checks), and then the fixed version to try to break
(:class:`ChallengeBox`).

What it shows for a lesson beyond the lesson's files is a plain ``LessonState``
(``ui/lesson_state.py``): :meth:`LessonPanel.state` takes it, ``set_lesson(lesson, state)`` shows
it again, so the window can keep one per lesson."""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QFrame, QHBoxLayout, QLabel, QPushButton, QRadioButton,
                               QScrollArea, QTextBrowser, QVBoxLayout, QWidget)

from . import colors, lazy_module
from .lesson_state import LessonState, QuizState
from .prediction_box import PredictionBox, bad_color, ok_color
from .rich_text import markdown_html

_lessons = lazy_module("asyncio_playground.lessons")   # imported once a lesson is shown
html = lazy_module("html")


def _cannot_run(lesson) -> str:
    """The note above the lesson text: "This Python cannot run this lesson: it needs Python
    3.14+. To run it, install ..." ("" when it can)."""
    if lesson is None:
        return ""
    try:
        why = _lessons.why_cannot_run(lesson)
        how = _lessons.how_to_run(lesson) if why else None
    except (ImportError, AttributeError, TypeError, ValueError):  # odd metadata: no note, no crash
        return ""
    if not why:
        return ""
    return f"This Python cannot run this lesson: it {why}." + (f" To run it, {how}." if how else "")


_WATCH = re.compile(r"(?:^|\n\n)(\*\*Watch for:\*\*.*?)(?=\n\s*\n|\Z)", re.DOTALL)


def _split_watch(text: str) -> tuple[str, str]:
    """The lesson text without its "**Watch for:**" paragraph, and that paragraph ("" if none).
    A lesson that asks for a prediction keeps it back until a run: it tells what happens."""
    m = _WATCH.search(text)
    if m is None:
        return text, ""
    return (text[:m.start()] + text[m.end():]).strip(), m.group(1).strip()


def _same_file(a, b) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except (OSError, TypeError, ValueError):
        return False


# == challenges (issue 24) ===========================================================================
_GOAL = re.compile(r"\*\*Your goal:\*\*\s*(.+?[.!?])(?=\s|$)", re.DOTALL)
_FIXED_NAME = re.compile(r"^_(challenge_\w+)_fixed\.py$")


def challenge_of(lesson):
    """(the challenge lesson, whether ``lesson`` is its fixed version) for a challenge or the
    fixed version of one (``_challenge_01_lost_update_fixed.py`` beside its challenge); None for
    any other lesson."""
    if lesson is None:
        return None
    if isinstance(getattr(lesson, "challenge", None), dict):
        return lesson, False
    path = Path(getattr(lesson, "path", "") or "")
    m = _FIXED_NAME.match(path.name)
    if m is None:
        return None
    sibling = path.with_name(f"{m.group(1)}.py")
    try:
        challenge = _lessons.load(sibling) if sibling.is_file() else None
        fixed = _lessons.fixed_path(challenge) if challenge is not None else None
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    if challenge is None or fixed is None or not _same_file(fixed, path):
        return None
    return challenge, True


def goal_sentence(lesson) -> str:
    """The challenge's goal in one sentence, from its text's "**Your goal:**" paragraph."""
    m = _GOAL.search(getattr(lesson, "text", "") or "")
    return " ".join(m.group(1).split()) if m else "reach the goal its checks describe."


class ChallengeBox(QFrame):
    """A challenge's goal, a Hint, "Show me a schedule that wins" and, after a run of it, whether
    the goal was reached (✓ or ✗, each of the goal's checks); once it was, "Try to break the fix"
    (the challenge's ``fixed`` file).  Shown for the fixed version too, which no schedule should
    bring to the goal.

    Signals:
        winRequested(): play the challenge's winning schedule (a fresh run, step by step).
        fixedRequested(str): open this file (the fixed version).

    Attributes:
        goal, hint, verdict: QLabels; hint_button, win_button, fixed_button: QPushButtons.
        findings: the goal's ``lessons.Finding`` list for the last run (empty before one).
        reached: whether the last run reached the goal (None: no run ended yet).
    """

    winRequested = Signal()
    fixedRequested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="challengeBox")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel("Challenge — you are the scheduler", self)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.goal = QLabel(self, objectName="challengeGoal", wordWrap=True,
                           textFormat=Qt.TextFormat.RichText)
        self.hint_button = QPushButton("Hint", self, objectName="challengeHint")
        self.win_button = QPushButton("Show me a schedule that wins", self, objectName="challengeWin")
        self.fixed_button = QPushButton("Try to break the fix", self, objectName="challengeFixed")
        self.hint = QLabel(self, objectName="challengeHintText", wordWrap=True,
                           textFormat=Qt.TextFormat.RichText)
        self.verdict = QLabel(self, objectName="challengeVerdict", wordWrap=True,
                              textFormat=Qt.TextFormat.RichText)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint_button.setToolTip("A sentence that points at the interleaving, without the schedule")
        self.win_button.setToolTip("Run the challenge again from the start on its winning schedule, "
                                   "one step at a time: watch the Loop tab and the table; then "
                                   "Step back (Shift+F10) and choose for yourself")
        self.fixed_button.setToolTip("Open the fixed version: the same program made safe.  No "
                                     "schedule should reach the goal there — try")
        self.hint_button.clicked.connect(self._show_hint)
        self.win_button.clicked.connect(self.winRequested)
        self.fixed_button.clicked.connect(self._open_fixed)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        for button in (self.hint_button, self.win_button, self.fixed_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 8, 10, 8)
        box.setSpacing(4)
        box.addWidget(self.title)
        box.addWidget(self.goal)
        box.addLayout(buttons)
        box.addWidget(self.hint)
        box.addWidget(self.verdict)
        self.challenge = None        # the challenge lesson shown (for its fixed version too)
        self.is_fixed = False
        self.findings: list = []
        self.reached: bool | None = None
        self.set_lesson(None)

    @property
    def active(self) -> bool:
        return self.challenge is not None

    def set_lesson(self, lesson) -> None:
        """Show ``lesson``'s challenge (or its fixed version's); hidden for any other lesson."""
        found = challenge_of(lesson)
        self.challenge, self.is_fixed = found if found is not None else (None, False)
        self.findings, self.reached = [], None
        self.hint.hide()
        self.verdict.hide()
        self.fixed_button.hide()
        if self.challenge is None:
            self.hide()
            return
        goal = html.escape(goal_sentence(self.challenge))
        if self.is_fixed:
            self.title.setText("The fix — try to break it")
            self.goal.setText(f"The fixed version of <i>{html.escape(self.challenge.title)}</i>. "
                              f"<b>The same goal:</b> {goal} No schedule should reach it here: "
                              "pause, run, and pick the steps as you did.")
            self.win_button.setText("Try the winning schedule here")
        else:
            self.title.setText("Challenge — you are the scheduler")
            self.goal.setText(f"<b>Goal:</b> {goal} Pause (F8), Run (F5), then choose each step: "
                              "Step (F10) runs asyncio's choice, a double-click in the Loop tab's "
                              "ready queue runs that task; Step back (Shift+F10) takes one back.")
            self.win_button.setText("Show me a schedule that wins")
        hint = (self.challenge.challenge or {}).get("hint")
        self.hint.setText(f"<b>Hint:</b> {html.escape(str(hint))}" if hint else "")
        self.hint_button.setVisible(bool(hint))
        self.hint_button.setEnabled(True)
        self.show()

    def _show_hint(self) -> None:
        self.hint.show()
        self.hint_button.setEnabled(False)

    def _open_fixed(self) -> None:
        if self.challenge is not None:
            fixed = _lessons.fixed_path(self.challenge)
            if fixed is not None:
                self.fixedRequested.emit(str(fixed))

    def run_started(self) -> None:
        if self.active:
            self.findings, self.reached = [], None
            self.verdict.setText("<i>Running… whether the goal is reached is said when the run "
                                 "ends.</i>")
            self.verdict.show()

    def run_finished(self, table, events, outcome: str) -> bool | None:
        """Hold the goal's checks against a finished run: ✓ or ✗, each check in words.  Returns
        whether the goal was reached (None: not a challenge)."""
        if not self.active:
            return None
        self.findings = _lessons.explain_goal(self.challenge, table, events, str(outcome))
        self.reached = bool(self.findings) and all(f.ok for f in self.findings)
        ok, bad = ok_color(), bad_color()
        if self.reached:
            head = (f"<b style='color:{bad}'>✓ Goal reached: the fix is broken.</b>" if self.is_fixed
                    else f"<b style='color:{ok}'>✓ Goal reached — you won.</b> Every order you "
                         "picked is one asyncio may take.")
        else:
            head = (f"<b style='color:{ok}'>✗ Goal not reached: the fix held.</b>" if self.is_fixed
                    else f"<b style='color:{bad}'>✗ Goal not reached in this run.</b> Step back "
                         "(Shift+F10) and choose differently, or run again.")
            if str(outcome) == "cancelled":
                head += " (The run was stopped before its end.)"
        rows = "".join(
            f"<tr><td valign='top'><b style='color:{ok if f.ok else bad}'>{'✓' if f.ok else '✗'}"
            f"</b>&nbsp;</td><td>{html.escape(f.text, quote=False)}</td></tr>" for f in self.findings)
        self.verdict.setText(f"{head}<table cellspacing='0' cellpadding='1'>{rows}</table>")
        self.verdict.show()
        self.fixed_button.setVisible(bool(self.reached) and not self.is_fixed)
        return self.reached


class LessonPanel(QWidget):
    """Shows a lesson: title, markdown text, the prediction box (when the lesson asks for one),
    "What the run showed" (after a run of the lesson ends), then the question with a Check button.

    Everything scrolls as one page (the text browser grows to its document's height), so a long
    lesson text never squeezes the question into a corner.

    The question (``lesson.question``: text, choices, answer = the correct choice's text, why) is
    graded by value.  A wrong answer gets a hint (where to look: the lesson text, the run) and one
    more try before the answer is revealed; picking another choice re-enables Check.

    After a run of the shown lesson (:meth:`run_started`, :meth:`run_finished`, wired by the
    window), each of the lesson's expectations is listed in plain words with ✓ or ✗ from that
    run's trace (``lessons.explain``); a ✗ says what the run did instead.  A committed prediction
    is compared with the same run (``PredictionBox.compare_run``).  When expectations fail for a
    reason outside the code (this Python lacks what the lesson needs, the run was stopped, the
    network failed, a busy machine made it late: ``lessons.likely_cause``), the heading says so.

    State: :meth:`state` is everything above that the lesson's files do not say (the prediction,
    the comparison, the findings and their run, the released "Watch for", the quiz) as a plain
    ``LessonState``; ``set_lesson(lesson, state)`` shows the lesson as that state says, without
    checking, comparing or emitting anything again.

    Signals:
        answered(bool): the user checked an answer (True when correct).
        taskPointed(int): show this task on the timeline (the prediction's first divergence).
        runExplained(object): a finished run was explained (the list of ``lessons.Finding``).
        momentPointed(object, str): mark this loop time on the timeline (float; None clears),
            labelled: where a committed prediction and the run first differed.

    Attributes:
        text: the QTextBrowser with the rendered lesson.
        prediction: the PredictionBox (hidden when the lesson asks for no prediction).
        findings_box, findings: the "What the run showed" frame and its rich-text QLabel.
        findings_list: the last run's ``lessons.Finding`` list (empty before a run).
        check_button: the "Check" QPushButton.
        result: the QLabel saying correct/incorrect and why.
    """

    answered = Signal(bool)
    taskPointed = Signal(int)
    runExplained = Signal(object)
    momentPointed = Signal(object, str)
    winRequested = Signal()          # the challenge box's "Show me a schedule that wins"
    fixedRequested = Signal(str)     # ...and its "Try to break the fix": open this file

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        page = QWidget()
        self.title = QLabel(page)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.note = QLabel(page)   # what this interpreter lacks to run the lesson, if anything
        self.note.setWordWrap(True)
        self.note.setStyleSheet(f"QLabel {{ background: {colors.color('banner-warn').name()}; "
                                f"color: {colors.color('banner-text').name()}; border-radius: 4px;"
                                " padding: 4px 8px; }")
        self.note.hide()
        self.challenge = ChallengeBox(page)      # a challenge's goal, hint and verdict (issue 24)
        self.challenge.winRequested.connect(self.winRequested)
        self.challenge.fixedRequested.connect(self.fixedRequested)
        self.text = QTextBrowser(page)
        self.text.setOpenExternalLinks(True)
        self.text.setFrameShape(QFrame.Shape.NoFrame)
        self.text.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.text.viewport().setAutoFillBackground(False)
        self.text.document().setDocumentMargin(0)
        self.text.document().documentLayout().documentSizeChanged.connect(self._fit_text)
        self.prediction = PredictionBox(page)
        self.prediction.taskPointed.connect(self.taskPointed)
        self.prediction.compared.connect(
            lambda c: self.momentPointed.emit(None if c.ok else c.t,
                                              "" if c.ok else "your prediction and the run differ"))
        self.findings_box = QFrame(page, objectName="findingsBox")
        self.findings_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.findings_title = QLabel("What the run showed", self.findings_box)
        ffont = self.findings_title.font()
        ffont.setBold(True)
        self.findings_title.setFont(ffont)
        self.findings = QLabel(self.findings_box)
        self.findings.setWordWrap(True)
        self.findings.setTextFormat(Qt.TextFormat.RichText)
        self.findings.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        f = QVBoxLayout(self.findings_box)
        f.setContentsMargins(10, 8, 10, 8)
        f.addWidget(self.findings_title)
        f.addWidget(self.findings)
        self.findings_box.hide()
        self.findings_list: list = []
        self.question_box = QFrame(page)
        self.question_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.question = QLabel(self.question_box)
        self.question.setWordWrap(True)
        self.question.setTextFormat(Qt.TextFormat.MarkdownText)
        qfont = self.question.font()
        qfont.setBold(True)
        self.question.setFont(qfont)
        self.choices_layout = QVBoxLayout()
        self.choices_layout.setSpacing(2)
        self.group = QButtonGroup(self)
        self.check_button = QPushButton("Check", self.question_box)
        self.check_button.setEnabled(False)
        self.result = QLabel(self.question_box)
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.hide()
        row = QHBoxLayout()
        row.addWidget(self.check_button)
        row.addStretch(1)
        q = QVBoxLayout(self.question_box)
        q.setContentsMargins(10, 8, 10, 8)
        q.addWidget(self.question)
        q.addLayout(self.choices_layout)
        q.addLayout(row)
        q.addWidget(self.result)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addWidget(self.title)
        layout.addWidget(self.note)
        layout.addWidget(self.challenge)
        layout.addWidget(self.text)
        layout.addWidget(self.prediction)
        layout.addWidget(self.findings_box)
        layout.addWidget(self.question_box)
        layout.addStretch(1)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(page)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)
        self.check_button.clicked.connect(self.check)
        self.group.buttonToggled.connect(lambda *_: self.check_button.setEnabled(True))
        self._question: dict | None = None
        self._labels: dict = {}
        self._wrong = 0               # wrong answers to this question so far
        self._graded: str | None = None   # the choice last checked, and whether it was right
        self._correct: bool | None = None
        self._lesson = None
        self._run = None              # the run of this lesson that started last
        self._explained = False       # ...and findings_list is what it showed (it has ended)
        self._edited = False          # ...it ran edited code
        self._cause = None            # ...why it fell short, when not the code (lessons.Cause)
        self._held_back = ""          # the "Watch for" paragraph, until the first run ends
        self.set_lesson(None)

    def _fit_text(self, size) -> None:
        self.text.setFixedHeight(int(size.height()) + 4)

    def state(self) -> LessonState:
        """What the panel shows now beyond the lesson's files, as a plain :class:`LessonState`."""
        if self._lesson is None:
            return LessonState()
        checked = self.group.checkedId()
        chosen = (str(self._question["choices"][checked])
                  if self._question is not None and checked >= 0 else None)
        running = self._run is not None and not self._explained
        return LessonState(
            slug=self._lesson.slug, prediction=self.prediction.state(),
            findings=tuple(self.findings_list), run=self._run, running=running,
            edited=self._edited, cause=self._cause,
            watch_released=self.prediction.predict is not None and not self._held_back
            and bool(_split_watch(self._lesson.text or "")[1]),
            quiz=QuizState(chosen=chosen, graded=self._graded, correct=self._correct,
                           wrong=self._wrong))

    def set_lesson(self, lesson, state: LessonState | None = None) -> None:
        """Show `lesson` (a playground.lessons.Lesson) or an empty panel for None: fresh, or as
        ``state`` (from :meth:`state`, for this lesson) says.  Restoring shows the committed
        prediction, its comparison, what the last run showed and the quiz's result as they were;
        nothing is checked, compared or emitted again.  Raises ValueError for a state of another
        lesson."""
        if state is not None and (lesson is None or state.slug != lesson.slug):
            raise ValueError(f"a state of lesson {state.slug!r} cannot be shown for "
                             f"{getattr(lesson, 'slug', None)!r}")
        state = state or LessonState()
        self._lesson = lesson
        self._run = state.run
        self._explained = state.run is not None and not state.running
        self._edited, self._cause = state.edited, state.cause
        self.findings_list = list(state.findings)
        self.prediction.set_predict(getattr(lesson, "predict", None),
                                    seed=lesson.slug if lesson is not None else "",
                                    state=state.prediction)
        self.title.setText(lesson.title if lesson is not None else "")
        note = _cannot_run(lesson)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.challenge.set_lesson(lesson)
        if state.running:
            self.challenge.run_started()
        text = lesson.text if lesson is not None and lesson.text else ""
        self._held_back = ""
        if self.prediction.predict is not None and not state.watch_released:
            text, self._held_back = _split_watch(text)
            if self._held_back:
                text += ("\n\n*What to watch for on the timeline appears here after your first "
                         "run: predict first.*")
        self.text.setMarkdown(text)
        self._show_findings(state.running)
        for button in self.group.buttons():
            self.group.removeButton(button)
        while self.choices_layout.count():
            # Hidden now: deleteLater() alone would leave them on screen until the event loop
            # gets round to deferred deletes.
            row = self.choices_layout.takeAt(0).widget()
            row.hide()
            row.deleteLater()
        self._labels = {}
        self._wrong, self._graded, self._correct = 0, None, None
        self.result.hide()
        self.check_button.setEnabled(False)
        q = lesson.question if lesson is not None else None
        self._question = q if isinstance(q, dict) and q.get("choices") else None
        self.question_box.setVisible(self._question is not None)
        self.scroll.verticalScrollBar().setValue(0)
        if self._question is None:
            return
        self.question.setText(str(self._question.get("text", "")))
        for i, choice in enumerate(self._question["choices"]):
            # A radio button cannot wrap its text, so the text is a word-wrapping label beside it
            # (clicking the label picks the choice, like a radio button's own text would).
            row = QWidget(self.question_box)
            button = QRadioButton(row)
            label = QLabel(str(choice), row)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.MarkdownText)
            label.installEventFilter(self)
            self._labels[label] = button
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            line.addWidget(label, 1)
            self.group.addButton(button, i)
            self.choices_layout.addWidget(row)
        self._restore_quiz(state.quiz)

    def _restore_quiz(self, quiz: QuizState) -> None:
        choices = [str(c) for c in self._question["choices"]]
        if quiz.chosen in choices:
            self.group.button(choices.index(quiz.chosen)).setChecked(True)
        if quiz.correct is None or quiz.graded not in choices:
            self.check_button.setEnabled(quiz.chosen in choices)
            return
        self._wrong = max(int(quiz.wrong), 0)
        self._graded, self._correct = quiz.graded, quiz.correct
        self._show_result()
        # Check waits for another pick after a wrong answer, as it did when it was graded.
        self.check_button.setEnabled(quiz.chosen in choices and (
            quiz.correct or quiz.chosen != quiz.graded))

    def _show_findings(self, running: bool) -> None:
        """The "What the run showed" box as the panel's state says.  A challenge's [[expect]]
        describe a run in asyncio's own order (for the tests): its box says the goal instead."""
        if self.challenge.active:
            self.findings_box.hide()
        elif running:
            self.findings.setText("<i>Running… the lesson's expectations are checked when the "
                                  "run ends.</i>")
            self.findings_box.show()
        elif self.findings_list:
            self.findings.setText(self._findings_html(self.findings_list, self._edited,
                                                      self._cause))
            self.findings_box.show()
        else:
            self.findings_box.hide()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if event.type() == event.Type.MouseButtonRelease and obj in self._labels:
            self._labels[obj].setChecked(True)
            return True
        return super().eventFilter(obj, event)

    def choose(self, choice: int | str) -> None:
        """Select a choice, as a click would: by its text, or by its 0-based position."""
        if isinstance(choice, str):
            choice = [str(c) for c in self._question["choices"]].index(choice)
        self.group.button(choice).setChecked(True)

    def check(self) -> bool:
        """Grade the selected choice.  Correct: say so with the explanation.  Wrong: the first
        time, ask for another try; after that, show the right answer and the explanation."""
        if self._question is None or self.group.checkedId() < 0:
            return False
        choices = [str(c) for c in self._question["choices"]]
        answer = self._question.get("answer")
        picked = choices[self.group.checkedId()]
        correct = answer is not None and picked == str(answer)
        self._graded, self._correct = picked, correct
        if not correct:
            self._wrong += 1
            self.check_button.setEnabled(False)      # until another choice is picked
        self._show_result()
        self.answered.emit(correct)
        return correct

    def _show_result(self) -> None:
        """The verdict on the last checked choice: ✓ and why; a first ✗ with a hint; a second ✗
        with the answer and why."""
        choices = [str(c) for c in self._question["choices"]]
        answer = self._question.get("answer")
        why = str(self._question.get("why", ""))
        if self._correct:
            text = f"<b style='color:{ok_color()}'>✓ Correct.</b> {why}"
        elif self._wrong <= 1:
            text = (f"<b style='color:{bad_color()}'>✗ Not quite.</b> {self._hint()} Have "
                    "another look and try again.")
        else:
            right = f" The answer is *{answer}*." if str(answer) in choices else ""
            text = f"<b style='color:{bad_color()}'>✗ Not quite.</b>{right} {why}"
        self.result.setText(markdown_html(text))
        self.result.show()

    def _hint(self) -> str:
        """Where to look after a first wrong answer, without giving the answer away: the lesson
        text always; a run of the lesson, when this Python can run it and it checks anything."""
        lesson = self._lesson
        if lesson is None or not lesson.text:
            return ""
        hint = "*Hint:* look again at the lesson text above"
        if getattr(lesson, "expect", None) and not _cannot_run(lesson):
            hint += (", and at what a run of the lesson shows (Run, F5: the timeline and *What "
                     "the run showed*)")
        return hint + "."

    # == runs of the shown lesson ==================================================================
    def run_started(self, run) -> None:
        """A run started (any run the window starts): if it runs the shown lesson's file, the last
        run's findings are stale until it ends."""
        if self._lesson is None or not _same_file(getattr(run, "path", None), self._lesson.path):
            return
        self._run, self._explained = run, False
        self._edited, self._cause = False, None
        self.findings_list = []
        self._show_findings(running=True)
        self.challenge.run_started()

    def run_finished(self, run, table, outcome: str) -> list:
        """A run ended: if it is the shown lesson's latest run, list each expectation ✓ or ✗ from
        its trace, and compare a committed prediction with it.  Returns the findings (empty for
        a run of another file)."""
        if self._lesson is None or run is None or not _same_file(run.path, self._lesson.path):
            return []
        if self._run is not None and run is not self._run:     # an older run of it, restarted
            return []
        if self.challenge.active and run.tracer.events:
            self.challenge.run_finished(table, run.tracer.events, str(outcome))
        if run is self._run and self._explained:
            # Already explained (the state shown was taken after this run ended): as it was.
            return list(self.findings_list)
        self._run = run    # (None when the lesson was opened again while this run went on)
        events = run.tracer.events
        if not events:          # it never started (a syntax error): nothing to say
            self._explained, self.findings_list = True, []
            self.findings_box.hide()
            return []
        if self._held_back:             # the prediction's moment has passed: say what to watch
            self.text.setMarkdown(_split_watch(self._lesson.text)[0] + "\n\n" + self._held_back)
            self._held_back = ""
        found = _lessons.explain(self._lesson, table, events, str(outcome))
        self._explained = True
        self.findings_list = found
        self._edited = self._was_edited(run)
        self._cause = None
        if not all(f.ok for f in found):
            self._cause = _lessons.likely_cause(self._lesson, table, events, str(outcome),
                                                error=getattr(run, "error", None),
                                                network=getattr(run, "network", None))
        self._show_findings(running=False)
        self.prediction.compare_run(table, events, str(outcome), filename=run.path)
        self.scroll.ensureWidgetVisible(self.prediction if self.prediction.isVisibleTo(self)
                                        else self.findings_box, 0, 0)
        self.runExplained.emit(found)
        return found

    def _was_edited(self, run) -> bool:
        source = getattr(run, "source", None)
        try:
            original = Path(self._lesson.path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        return source is not None and source != original

    @staticmethod
    def _findings_html(found: list, edited: bool, cause=None) -> str:
        lines = []
        for f in found:
            mark = (f"<b style='color:{ok_color()}'>✓</b>" if f.ok else
                    f"<b style='color:{bad_color()}'>✗</b>")
            lines.append(f"<tr><td valign='top'>{mark}&nbsp;</td>"
                         f"<td>{html.escape(f.text, quote=False)}</td></tr>")
        bad = sum(not f.ok for f in found)
        # A busy machine is no excuse for an edited script: its timings are the edit's.
        said = None if cause is None or (edited and cause.kind == "load") else cause.text
        if not bad:
            head = f"All {len(found)} of the lesson's expectations held in this run."
        elif said:
            head = (f"{bad} of {len(found)} expectations did not hold: "
                    f"{html.escape(said, quote=False)}. ✗ says what happened instead.")
        elif edited:
            head = (f"Your edited code did something else: {bad} of {len(found)} expectations "
                    "did not hold, and ✗ says what happened instead.")
        else:
            head = (f"{bad} of {len(found)} expectations did not hold in this run; ✗ says what "
                    "happened instead.")
        return f"{head}<table cellspacing='0' cellpadding='1'>{''.join(lines)}</table>"
