"""The prediction box of the lesson panel: the learner commits to a prediction (the lesson's
``[predict]`` table), runs, and sees it beside what the run did, the first divergence in words.

The comparison is ``asyncio_playground.lessons.compare``: against the run's trace, never against
an answer key, so an edited script is compared with what it did.

What the box holds (the draft, the committed prediction, the last comparison) is also a plain
``PredictionState`` (``ui/lesson_state.py``): :meth:`PredictionBox.state` takes it,
``set_predict(predict, seed, state)`` shows it again.

Markdown from a lesson (``explain``, the quiz's texts) is rendered by Qt's Markdown reader, as the
lesson text is: :func:`markdown_html`.
"""
from __future__ import annotations

from asyncio_playground.vocab import TaskState
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QFrame, QGridLayout,
                               QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton,
                               QVBoxLayout, QWidget)

from . import lazy_module
from .rich_text import markdown_html
from .lesson_state import PredictionState

html = lazy_module("html")    # imported once a lesson is shown (not for the window's first paint)
predictions = lazy_module("asyncio_playground.lessons.predictions")   # once a lesson is shown


def ok_color() -> str:
    """The ✓ colour of the active theme (the "done" state's, readable on the base)."""
    from . import colors
    return colors.state_ink(TaskState.DONE).name()


def bad_color() -> str:
    """The ✗ colour of the active theme (the "failed" state's, readable on the base)."""
    from . import colors
    return colors.state_ink(TaskState.FAILED).name()

_PICK = "— pick —"
_COMMITTED = ("Committed. Now run the lesson (F5): when it ends, your prediction is compared "
              "with what happened.")
_NOT_COMPARED = "That run was not compared: commit a prediction first, then run again."


class PredictionBox(QFrame):
    """Ask for a prediction, hold it once committed, compare it with a finished run.

    Kinds (``predict["kind"]``): ``finish_order`` and ``output_order`` show a list the learner
    drags into order (or moves with the ↑/↓ buttons, Alt+Up/Down); ``end_states`` one drop-down
    per task (done / cancelled / failed); ``duration`` a number of seconds.

    Signals:
        committed(object): the learner committed this prediction (see :meth:`value`).
        compared(object): a run was compared with it (an ``lessons.Comparison``).
        taskPointed(int): show this task (the first divergence's) on the timeline.

    Attributes:
        order: the QListWidget of an order prediction (None for other kinds).
        combos: {task spec: QComboBox} of an ``end_states`` prediction.
        seconds: the QDoubleSpinBox of a ``duration`` prediction.
        commit_button, change_button, point_button: "Commit prediction", "Change it",
            "Show on timeline".
        result: the QLabel with the comparison.
    """

    committed = Signal(object)
    compared = Signal(object)
    taskPointed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("predictionBox")
        self.heading = QLabel("Predict, then run", self)
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.ask = QLabel(self)
        self.ask.setWordWrap(True)
        self.ask.setTextFormat(Qt.TextFormat.MarkdownText)
        self.inputs = QWidget(self)
        self._inputs = QVBoxLayout(self.inputs)
        self._inputs.setContentsMargins(0, 0, 0, 0)
        self.commit_button = QPushButton("Commit prediction", self)
        self.commit_button.setToolTip("Lock in your prediction, then press Run (F5): the run is "
                                      "compared with it when it ends")
        self.change_button = QPushButton("Change it", self)
        self.change_button.hide()
        self.point_button = QPushButton("Show on timeline", self)
        self.point_button.setToolTip("Select the task where the run first differed from your "
                                     "prediction, in the table and on the timeline")
        self.point_button.hide()
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.result = QLabel(self)
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.RichText)
        self.result.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.commit_button)
        buttons.addWidget(self.change_button)
        buttons.addWidget(self.point_button)
        buttons.addStretch(1)
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 8, 10, 8)
        box.setSpacing(6)
        box.addWidget(self.heading)
        box.addWidget(self.ask)
        box.addWidget(self.inputs)
        box.addLayout(buttons)
        box.addWidget(self.status)
        box.addWidget(self.result)
        self.commit_button.clicked.connect(self.commit)
        self.change_button.clicked.connect(self.reopen)
        self.point_button.clicked.connect(self._point)
        self.predict: dict | None = None
        self.order: QListWidget | None = None
        self.combos: dict[str, QComboBox] = {}
        self.seconds: QDoubleSpinBox | None = None
        self._committed = None          # the committed value, None: not committed
        self.comparison = None
        self._problem: str | None = None   # why the last run could not be compared
        self._uncompared = False           # the last run ended with nothing committed
        self.set_predict(None)

    # == building ======================================================================================
    def set_predict(self, predict: dict | None, seed: str = "",
                    state: PredictionState | None = None) -> None:
        """Ask for ``predict`` (a lesson's ``[predict]`` table), or hide for None.  With ``state``
        (from :meth:`state`), show the prediction as it was: the draft or the committed value,
        the comparison with ✓/✗ and the status line; nothing is compared again and no signal is
        emitted.  Parts of ``state`` that no longer fit ``predict`` (its sidecar was edited) are
        dropped."""
        while self._inputs.count():
            item = self._inputs.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        self.order, self.combos, self.seconds = None, {}, None
        self._committed = None
        self.comparison = None
        self._problem, self._uncompared = None, False
        self.result.hide()
        self.result.clear()
        self.point_button.hide()
        self.change_button.hide()
        ok = isinstance(predict, dict) and not predictions.problems(predict)
        self.predict = predict if ok else None
        self.setVisible(self.predict is not None)
        if self.predict is None:
            return
        self.ask.setText(predictions.ask(predict))
        kind = predict["kind"]
        if kind in ("finish_order", "output_order"):
            self._build_order(predictions.choices(predict, seed))
        elif kind == "end_states":
            self._build_states(predictions.choices(predict), predictions.states(predict))
        else:
            self._build_seconds()
        self._set_locked(False)
        self._update_commit()
        if state is not None:
            self._restore(state)

    def _build_order(self, items: list[str]) -> None:
        row = QWidget(self.inputs)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        order = QListWidget(row)
        order.setObjectName("predictionOrder")
        order.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        order.setDefaultDropAction(Qt.DropAction.MoveAction)
        order.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        order.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        order.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        order.setToolTip("Drag to reorder (or select one and use ↑ / ↓, Alt+Up / Alt+Down)")
        for text in items:
            order.addItem(QListWidgetItem(text))
        order.setCurrentRow(0)
        # Every item on screen: the list is exactly as tall as its rows.
        height = sum(order.sizeHintForRow(i) for i in range(order.count()))
        order.setFixedHeight(height + 2 * order.frameWidth() + 4)
        order.installEventFilter(self)
        moves = QVBoxLayout()
        self.up_button = QPushButton("↑", row, toolTip="Move the selected one up (Alt+Up)")
        self.down_button = QPushButton("↓", row, toolTip="Move the selected one down (Alt+Down)")
        for button in (self.up_button, self.down_button):
            button.setFixedWidth(32)
            moves.addWidget(button)
        moves.addStretch(1)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(+1))
        line.addWidget(order, 1)
        line.addLayout(moves)
        self.order = order
        self._inputs.addWidget(row)

    def _build_states(self, tasks: list[str], states: list[str]) -> None:
        grid_box = QWidget(self.inputs)
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(1, 1)
        for i, spec in enumerate(tasks):
            combo = QComboBox(grid_box)
            combo.addItems([_PICK, *states])
            combo.currentIndexChanged.connect(self._update_commit)
            grid.addWidget(QLabel(spec, grid_box), i, 0)
            grid.addWidget(combo, i, 1, Qt.AlignmentFlag.AlignLeft)
            self.combos[spec] = combo
        self._inputs.addWidget(grid_box)

    def _build_seconds(self) -> None:
        row = QWidget(self.inputs)
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        spin = QDoubleSpinBox(row, decimals=1, minimum=0.0, maximum=120.0, singleStep=0.1,
                              suffix=" s", value=0.0)
        spin.setSpecialValueText("? s")         # 0: not answered yet
        spin.valueChanged.connect(self._update_commit)
        line.addWidget(QLabel("about", row))
        line.addWidget(spin)
        line.addStretch(1)
        self.seconds = spin
        self._inputs.addWidget(row)

    # == its state, as plain data ===================================================================
    def state(self) -> PredictionState:
        """What the box shows now, as a :class:`PredictionState` (no widgets in it)."""
        if self.predict is None:
            return PredictionState()
        draft = None
        if not self.is_committed():
            if self.order is not None:
                draft = tuple(self._order_texts())
            elif self.combos:
                draft = {spec: (None if combo.currentText() == _PICK else combo.currentText())
                         for spec, combo in self.combos.items()}
            elif self.seconds is not None:
                draft = self.seconds.value()
        committed = self._committed
        if isinstance(committed, list):
            committed = list(committed)
        elif isinstance(committed, dict):
            committed = dict(committed)
        return PredictionState(draft=draft, committed=committed, comparison=self.comparison,
                               problem=self._problem, uncompared=self._uncompared)

    def _restore(self, state: PredictionState) -> None:
        committed = state.committed
        shown = committed if committed is not None else state.draft
        if shown is not None and not self._show_value(shown):
            return                    # the lesson's [predict] changed: a fresh prediction
        if committed is not None:
            self._committed = list(committed) if isinstance(committed, (list, tuple)) else (
                dict(committed) if isinstance(committed, dict) else committed)
            self._set_locked(True)
            self.status.setText(_COMMITTED)
            if state.comparison is not None:
                self._show_comparison(state.comparison)
            elif state.problem:
                self._show_problem(state.problem)
        elif state.uncompared:
            self._uncompared = True
            self.status.setText(_NOT_COMPARED)

    def _show_value(self, value) -> bool:
        """Put ``value`` (a draft or a committed prediction) in the inputs; False when it does
        not fit them."""
        if self.order is not None:
            texts = [str(v) for v in value] if isinstance(value, (list, tuple)) else None
            if texts is None or sorted(texts) != sorted(self._order_texts()):
                return False
            self.order.clear()
            for text in texts:
                self.order.addItem(QListWidgetItem(text))
            self.order.setCurrentRow(0)
            return True
        if self.combos:
            if not isinstance(value, dict) or set(value) != set(self.combos):
                return False
            picks = {spec: value[spec] or _PICK for spec in self.combos}
            if any(self.combos[spec].findText(pick) < 0 for spec, pick in picks.items()):
                return False
            for spec, pick in picks.items():
                self.combos[spec].setCurrentText(pick)
            return True
        if self.seconds is not None:
            try:
                self.seconds.setValue(float(value))
            except (TypeError, ValueError):
                return False
            return True
        return False

    def _order_texts(self) -> list[str]:
        return [self.order.item(i).text() for i in range(self.order.count())]

    # == the learner's side ============================================================================
    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        if obj is self.order and event.type() == event.Type.KeyPress and \
                event.modifiers() & Qt.KeyboardModifier.AltModifier and \
                event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.move_selected(-1 if event.key() == Qt.Key.Key_Up else +1)
            return True
        return super().eventFilter(obj, event)

    def move_selected(self, step: int) -> None:
        """Move the selected item of an order prediction ``step`` places (-1: up)."""
        order = self.order
        if order is None or self.is_committed():
            return
        row = order.currentRow()
        to = row + step
        if row < 0 or not 0 <= to < order.count():
            return
        item = order.takeItem(row)
        order.insertItem(to, item)
        order.setCurrentRow(to)

    def value(self):
        """The prediction as it stands: a list (an order), {spec: state}, or seconds; None while
        it is incomplete."""
        if self.predict is None:
            return None
        if self.order is not None:
            return self._order_texts()
        if self.combos:
            picked = {spec: combo.currentText() for spec, combo in self.combos.items()}
            return None if _PICK in picked.values() else picked
        if self.seconds is not None:
            return self.seconds.value() or None
        return None

    def _update_commit(self, *_args) -> None:
        self.commit_button.setEnabled(not self.is_committed() and self.value() is not None)
        if not self.is_committed():
            self.status.setText("Make your prediction and commit it before you run." if
                                self.value() is None else "Commit it, then run (F5).")

    def is_committed(self) -> bool:
        return self._committed is not None

    def committed_value(self):
        """The committed prediction (None: nothing committed)."""
        return self._committed

    def commit(self) -> bool:
        """Lock in the prediction; the next runs are compared with it."""
        value = self.value()
        if self.predict is None or value is None:
            return False
        self._committed = value
        self._uncompared = False
        self._set_locked(True)
        self.status.setText(_COMMITTED)
        self.committed.emit(value)
        return True

    def reopen(self) -> None:
        """Unlock the prediction to change it (drops the comparison)."""
        self._committed = None
        self.comparison = None
        self._problem, self._uncompared = None, False
        self.result.hide()
        self.point_button.hide()
        self._set_locked(False)
        self._update_commit()

    def _set_locked(self, locked: bool) -> None:
        self.inputs.setEnabled(not locked)
        self.commit_button.setVisible(not locked)
        self.change_button.setVisible(locked)
        if self.order is not None:
            self.order.setDragDropMode(QAbstractItemView.DragDropMode.NoDragDrop if locked else
                                       QAbstractItemView.DragDropMode.InternalMove)
            if locked:               # a committed order has no "selected" item
                self.order.clearSelection()
        self._update_commit()

    # == the run's side ================================================================================
    def compare_run(self, table, events, outcome: str = "", filename: str | None = None):
        """Compare the committed prediction with a finished run and show it; returns the
        ``Comparison`` (None when nothing was committed: the box says to commit first)."""
        if self.predict is None:
            return None
        if not self.is_committed():
            self._uncompared = True
            self.status.setText(_NOT_COMPARED)
            return None
        try:
            comparison = predictions.compare(self.predict, self._committed, table, events, outcome,
                                          filename=filename)
        except ValueError as exc:      # the edited script no longer has a task the lesson names
            self._show_problem(str(exc))
            return None
        self._show_comparison(comparison)
        self.compared.emit(comparison)
        if comparison.tid is not None:
            self.taskPointed.emit(comparison.tid)
        return comparison

    def _show_comparison(self, comparison) -> None:
        self.comparison, self._problem = comparison, None
        self.result.setText(self._html(comparison))
        self.result.show()
        self.point_button.setVisible(comparison.tid is not None)
        self.status.setText("Compared with the last run of the lesson.")

    def _show_problem(self, problem: str) -> None:
        self.comparison, self._problem = None, problem
        self.result.setText(f"<b>Cannot compare with this run:</b> {html.escape(problem)}")
        self.result.show()
        self.point_button.hide()

    def _point(self) -> None:
        if self.comparison is not None and self.comparison.tid is not None:
            self.taskPointed.emit(self.comparison.tid)

    def _html(self, c) -> str:
        rows = []
        for item in c.items:
            mark = (f"<b style='color:{ok_color()}'>✓</b>" if item.ok else
                    f"<b style='color:{bad_color()}'>✗</b>")
            rows.append(f"<tr><td>{html.escape(item.predicted, quote=False)}</td><td>{mark}</td>"
                        f"<td>{html.escape(item.actual, quote=False)}</td></tr>")
        table = ("<table cellspacing='0' cellpadding='2'><tr><th align='left'>You predicted</th>"
                 "<th></th><th align='left'>The run showed</th></tr>" + "".join(rows) + "</table>")
        if c.ok:
            head = f"<b style='color:{ok_color()}'>✓ Your prediction matched the run.</b>"
        else:
            head = (f"<b style='color:{bad_color()}'>✗ First difference:</b> "
                    f"{html.escape(c.divergence or '', quote=False)}")
        explain = self.predict.get("explain") if self.predict else None
        tail = markdown_html(explain) if explain else ""
        return f"{head}<br>{table}{tail}"
