"""The task table's view: a Cancel button on every live row (first column, so it is never scrolled
off), state dots, indented names, columns sized to their content.  The cells themselves (dots,
names, the Cancel button and its clicks) are painted by ``TaskDelegate`` in ``task_delegate.py``."""
from __future__ import annotations

import json
import time

from PySide6.QtCore import QEvent, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QAccessible, QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QInputDialog, QMenu, QTableView, QToolButton

from asyncio_playground.vocab import LIVE_STATES
from .task_delegate import _DOT, _INDENT, _ROW_HEIGHT, TaskDelegate
from .task_model import TaskTableModel

_PAD = 18         # px around a cell's text (margins, the style's focus/selection inset)
_SAMPLE = 200     # rows measured when sizing columns to their content (first and last ones)
_FIT_MS = 120            # content changed: columns refit this much later (at most ~8 Hz)
_FIT_AGAIN_MS = 20       # ... and again this soon while measuring a burst of new rows
_MEASURE_BUDGET = 0.002  # seconds of measuring per timer shot
_TEXT_W_MAX = 4096       # text widths kept (cell texts measured once; live ones keep changing)


class TaskTableView(QTableView):
    """The task table: one row per task, a Cancel button on live rows.

    Owns no task data (only Qt's selection and the widths the user gave columns by hand):
    everything shown comes from the ``TaskTableModel``.

    Layout: the Cancel column is moved to the left edge (visual position 0), so a live row's
    Cancel button is on screen however narrow the pane.  The other columns are sized to their
    content (measured on up to ``_SAMPLE`` rows, growing while a run adds rows); when the pane is
    too narrow for all of it, the widest columns give way first, names eliding on the left
    (``…mirror-2``) and the others in the middle, with the full text in each cell's tooltip.  A
    column the user resizes by hand keeps that width (``user_widths``, which the window keeps in
    its settings) until ``fit_to_content()``.

    Signals:
        cancelRequested(int): the user asked to cancel the task with this tid (Cancel button,
            or Delete on a selected live row).
        cancelWithMessage(int, str): the same with a message for ``cancel(msg)`` (the row's
            context menu).
        taskSelected(int): the selected task's tid, or -1 when the selection is cleared.
        columnsResized(): the user resized a column by hand (or asked to fit them again).

    Attributes:
        placeholder: what an empty table says (the window sets it: "Press Run (F5)…").
    """

    cancelRequested = Signal(int)
    cancelWithMessage = Signal(int, str)
    taskSelected = Signal(int)
    columnsResized = Signal()

    # Columns that share the room left after the fixed ones; the widest gives way first.
    _CONTENT = (TaskTableModel.NAME_COL, TaskTableModel.CORO_COL, TaskTableModel.WAIT_COL,
                TaskTableModel.RESULT_COL)
    # Longest text a content column asks room for, in average character widths.
    _MAX_CHARS = {TaskTableModel.NAME_COL: 40, TaskTableModel.CORO_COL: 32,
                  TaskTableModel.WAIT_COL: 44, TaskTableModel.RESULT_COL: 64}
    # Narrowest a content column gets when the pane is short of room, in character widths.
    # Folded away (in this order) when the pane cannot show every column at its narrowest.
    _FOLDABLE = (TaskTableModel.CORO_COL, TaskTableModel.ELAPSED_COL)
    # Names keep the most: they are what a learner reads a row by.
    _MIN_CHARS = {TaskTableModel.NAME_COL: 13, TaskTableModel.CORO_COL: 6,
                  TaskTableModel.WAIT_COL: 10, TaskTableModel.RESULT_COL: 10}

    def __init__(self, parent=None):
        super().__init__(parent)
        self._delegate = TaskDelegate(self)
        self._delegate.cancelClicked.connect(self.cancelRequested)
        # Only the three custom columns go through Python; the others keep Qt's C++ delegate,
        # which matters when a run with thousands of tasks repaints the table every frame.
        for col in (TaskTableModel.STATE_COL, TaskTableModel.NAME_COL, TaskTableModel.ACTION_COL):
            self.setItemDelegateForColumn(col, self._delegate)
        # Middle elision keeps both ends: "task 'fet…' · line 34", "ValueError: …too long".
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Tab and Shift+Tab move on to the next pane, as everywhere else in the window; inside the
        # table the arrow keys move (Qt's default walked cells and rows and never let Tab out).
        self.setTabKeyNavigation(False)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setMouseTracking(True)  # hover state for the Cancel buttons
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.placeholder = ""
        vheader = self.verticalHeader()
        vheader.hide()
        # Fixed row heights: the view never measures 10,000 rows to lay them out.
        vheader.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        hheader = self.horizontalHeader()
        hheader.setHighlightSections(False)
        hheader.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        hheader.setMinimumSectionSize(24)
        hheader.setStretchLastSection(False)
        hheader.setSectionsMovable(False)
        hheader.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        hheader.customContextMenuRequested.connect(self._header_menu)
        self._fitting = False
        self.user_widths: dict[int, int] = {}   # column -> width the user gave it by hand
        self.folded: set[int] = set()           # columns hidden because the pane is too narrow
        # Never silently: a button at the header's right end says how many are folded away and
        # shows them (the table then scrolls sideways) until clicked again.
        self.unfolded = False
        self.fold_button = QToolButton(hheader, objectName="foldButton", autoRaise=True)
        self.fold_button.hide()
        self.fold_button.clicked.connect(self._toggle_fold)
        self._wanted: dict[int, int] = {}       # column -> width its content asks for (grows)
        self._measured = 0                      # rows measured so far (of the current table)
        # What each row was last painted to show (row -> model.paint_key): see dataChanged.
        self._painted: dict[int, tuple] = {}
        self._unmeasured: list[int] = []        # rows queued for _measure, last first
        self._text_w: dict[str, int] = {}       # cell text -> its width + _PAD, in _text_w_fm
        self._text_w_fm = None
        self._fit_key = None                    # what the last fit read (_fit_inputs)
        self._fit_timer = QTimer(self, singleShot=True, interval=_FIT_MS)
        self._fit_timer.timeout.connect(self._measure_some)
        hheader.sectionResized.connect(self._on_section_resized)
        self._update_metrics()

    def setModel(self, model):
        old = self.selectionModel()
        if old is not None:
            old.selectionChanged.disconnect(self._on_selection)
        old_model = self.model()
        if old_model is not None:
            old_model.rowsInserted.disconnect(self._content_changed)
            old_model.dataChanged.disconnect(self._content_changed)
            old_model.modelReset.disconnect(self._model_reset)
        self._painted.clear()
        self._fit_key = None
        super().setModel(model)
        if model is None:
            return
        self.selectionModel().selectionChanged.connect(self._on_selection)
        model.rowsInserted.connect(self._content_changed)
        model.modelReset.connect(self._model_reset)
        model.dataChanged.connect(self._content_changed)
        header = self.horizontalHeader()
        header.setSectionResizeMode(TaskTableModel.ACTION_COL, QHeaderView.ResizeMode.Fixed)
        if header.visualIndex(TaskTableModel.ACTION_COL) != 0:
            header.moveSection(header.visualIndex(TaskTableModel.ACTION_COL), 0)
        self._forget_widths()
        self._measure_and_fit()

    # -- column widths ---------------------------------------------------------------------------
    def _update_metrics(self) -> None:
        fm = self.fontMetrics()
        self._row_h = max(_ROW_HEIGHT, fm.height() + 8)
        self.verticalHeader().setDefaultSectionSize(self._row_h)
        self._delegate.row_height = self._row_h

    def _forget_widths(self) -> None:
        """Column contents are measured afresh (another model or run, another font)."""
        self._wanted, self._measured, self._unmeasured = {}, 0, []
        self._fit_key = None

    def fixed_widths(self) -> dict[int, int]:
        """The widths of the columns that do not share: Cancel, State and Elapsed."""
        fm = self.fontMetrics()
        header = self.horizontalHeader().fontMetrics()
        model = self.model()
        title = (lambda col: model.headerData(col, Qt.Orientation.Horizontal) or "") if model else (lambda col: "")
        words = ("pending", "running", "waiting", "done", "cancelled", "failed")
        return {
            TaskTableModel.ACTION_COL: fm.horizontalAdvance("Cancel") + 26,
            TaskTableModel.STATE_COL: max(_DOT + 7 + max(fm.horizontalAdvance(w) for w in words) + 14,
                                          header.horizontalAdvance(title(TaskTableModel.STATE_COL)) + _PAD),
            TaskTableModel.ELAPSED_COL: max(fm.horizontalAdvance("88.88 s") + _PAD,
                                            header.horizontalAdvance(title(TaskTableModel.ELAPSED_COL)) + _PAD),
        }

    def header_min_width(self, col: int) -> int:
        """The narrowest ``col`` can be without cutting its header title."""
        model = self.model()
        title = (model.headerData(col, Qt.Orientation.Horizontal) or "") if model is not None else ""
        return self.horizontalHeader().fontMetrics().horizontalAdvance(title) + _PAD

    def _model_reset(self) -> None:
        self._forget_widths()   # another run: measured afresh
        self._painted.clear()
        self._content_changed()

    def dataChanged(self, top_left, bottom_right, roles=()):  # noqa: N802 (Qt's virtual)
        """Repaint the changed cells that are on screen, and of those rows only the ones that now
        paint something else than when they were last painted (``TaskTableModel.paint_key``,
        kept by ``paintEvent``).

        Qt repaints the whole viewport for any range, even one of rows scrolled far off: with
        thousands of live tasks every frame changes some rows, while the ten on screen mostly
        step and wait again on the same line, which looks the same.  The Elapsed clock's tick
        (its own signal, that column only) repaints that column's cells on screen."""
        model = self.model()
        if QAccessible.isActive() or model is None or not hasattr(model, "paint_key") \
                or not top_left.isValid() or not bottom_right.isValid():
            super().dataChanged(top_left, bottom_right, roles)
            return
        viewport = self.viewport()
        first = self.rowAt(0)
        if first < 0:          # no row on screen (an empty table)
            return
        last = self.rowAt(viewport.height() - 1)
        if last < 0:
            last = model.rowCount() - 1
        top, bottom = max(top_left.row(), first), min(bottom_right.row(), last)
        if top > bottom:       # nothing on screen changed
            return
        left, right = top_left.column(), bottom_right.column()
        if left == right == TaskTableModel.ELAPSED_COL:   # the clock's tick
            rows = (top, bottom)
        else:
            key, painted = model.paint_key, self._painted
            changed = [r for r in range(top, bottom + 1) if painted.get(r) != key(r)]
            if not changed:
                return
            rows = (changed[0], changed[-1])
            left, right = 0, model.columnCount() - 1
        xs = [(self.columnViewportPosition(c), self.columnWidth(c)) for c in range(left, right + 1)
              if not self.isColumnHidden(c)]
        if not xs:
            return
        x0 = min(x for x, _w in xs)
        x1 = max(x + w for x, w in xs)
        y0 = self.rowViewportPosition(rows[0])
        y1 = self.rowViewportPosition(rows[1]) + self.rowHeight(rows[1])
        viewport.update(QRect(x0, y0, x1 - x0, y1 - y0))

    def _content_changed(self, *_args) -> None:
        if not self._fit_timer.isActive():
            self._fit_timer.start()

    def _measure(self, budget: float | None = None) -> bool:
        """Grow ``_wanted`` with what the rows not measured yet need (at most ``_SAMPLE`` rows in
        all: the first ones and, in a long run, the latest).  With a ``budget`` (seconds), stop
        after about that long and return False: the next call goes on where this one stopped (a
        burst of new rows is measured over a few timer shots, not in one ~10 ms stall).

        The budget is checked after every row (a cell of a waiting task can cost ~0.1 ms to read
        at 100,000 tasks: the "Waiting on" words find the task's place in line), a column that
        already asks for its ``_MAX_CHARS`` is not read again (nothing can widen it), and the
        width of a text is measured once (``_text_w``): the same columns as measuring every
        cell of every row, for a fraction of the time."""
        model = self.model()
        if model is None:
            return True
        n = model.rowCount()
        if n < self._measured:
            self._forget_widths()
        if not self._unmeasured:
            rows = range(self._measured, n) if n <= _SAMPLE else \
                [*range(min(self._measured, _SAMPLE // 2), _SAMPLE // 2),
                 *range(max(self._measured, n - _SAMPLE // 2), n)]
            # Live rows change (waiting on, result): remeasure the last rows measured, cheaply.
            rows = [*range(max(0, min(self._measured, n) - 40), min(self._measured, n)), *rows]
            rows.reverse()                # taken from the end: measured in order
            self._unmeasured = rows
            self._measured = n
        pending = self._unmeasured
        if not pending:
            return True
        fm = self.fontMetrics()     # one QFontMetrics for every cell (fontMetrics() makes one)
        if self._text_w_fm is None or fm != self._text_w_fm:   # another font, another screen
            self._text_w, self._text_w_fm = {}, fm
        elif len(self._text_w) > _TEXT_W_MAX:
            self._text_w.clear()
        text_w, advance = self._text_w, fm.horizontalAdvance
        avg = fm.averageCharWidth()
        wanted = self._wanted
        # A column's width is max(widest cell, header) capped at _MAX_CHARS: once at the cap, no
        # cell can change it.  Every content column gets its entry once a row is measured.
        limits = {}
        for col in self._CONTENT:
            floor, cap = self.header_min_width(col), self._MAX_CHARS[col] * avg
            wanted[col] = min(max(wanted.get(col, 0), floor), cap)
            limits[col] = cap
        cols = [col for col in self._CONTENT if wanted[col] < limits[col]]
        index, data = model.index, model.data
        depth_role, name_col = int(TaskTableModel.DepthRole), TaskTableModel.NAME_COL
        stop = None if budget is None else time.perf_counter() + budget
        clock = time.perf_counter
        while pending:
            r = pending.pop()
            if r >= n:                    # rows went away (a new table): nothing to measure
                continue
            capped = False
            for col in cols:
                cell = index(r, col)
                text = data(cell, 0)
                text = str(text) if text else ""
                w = text_w.get(text)
                if w is None:
                    w = text_w[text] = advance(text) + _PAD
                if col == name_col:
                    w += _INDENT * (data(cell, depth_role) or 0)
                if w > wanted[col]:
                    if w >= limits[col]:
                        w, capped = limits[col], True
                    wanted[col] = w
            if capped:
                cols = [col for col in cols if wanted[col] < limits[col]]
            if stop is not None and pending and clock() >= stop:
                return False
        return True

    def _measure_and_fit(self) -> None:
        self._measure()
        self._fit_columns()

    def _measure_some(self) -> None:
        """The fit timer: measure for ~2 ms, fit, and come back soon while rows remain."""
        done = self._measure(_MEASURE_BUDGET)
        self._fit_columns()
        self._fit_timer.setInterval(_FIT_MS if done else _FIT_AGAIN_MS)
        if not done:
            self._fit_timer.start()

    def _fit_columns(self) -> None:
        """Give each column its content's width when the pane has room; otherwise shrink the widest
        content columns first (never below ``_MIN_CHARS`` nor their header).  Columns the user
        sized by hand keep their width."""
        model = self.model()
        if model is None or model.columnCount() != len(TaskTableModel.COLUMNS):
            return
        # Nothing it reads changed since the last fit (the timer refits ~8 times a second while a
        # run is live, mostly to the same widths): nothing to do.
        key = self._fit_inputs(model)
        if key == self._fit_key:
            return
        fm = self.fontMetrics()
        avg = fm.averageCharWidth()
        fixed = self.fixed_widths()
        header_min = {col: self.header_min_width(col) for col in self._CONTENT}
        widths = dict(fixed)
        for col in self._CONTENT:
            widths[col] = self._wanted.get(col, header_min[col])
        widths.update(self.user_widths)
        # A narrow pane first folds away the columns a row is least read by (their text is in the
        # Name cell's tooltip); they come back when there is room.
        hidden = set()
        room = self.viewport().width()

        def least(col):
            if col in self.user_widths or col not in self._CONTENT:
                return widths[col]
            return min(widths[col], max(self._MIN_CHARS.get(col, 0) * avg + _PAD, header_min[col])
                       + (_INDENT if col == TaskTableModel.NAME_COL else 0))
        for col in self._FOLDABLE:
            if sum(least(c) for c in widths if c not in hidden) <= room:
                break
            hidden.add(col)
            if len(hidden) == 1:      # the fold button takes the header's right end from now on
                room -= self._fold_button_width()
        self._show_fold_button(hidden)
        if self.unfolded:
            hidden = set()
        if hidden != self.folded:
            self.folded = hidden
            self._fitting = True     # hiding a section "resizes" it to 0: not the user's doing
            try:
                for col in self._FOLDABLE:
                    self.setColumnHidden(col, col in hidden)
            finally:
                self._fitting = False
        for col in hidden:
            widths.pop(col)
        shared = [c for c in self._CONTENT if c not in self.user_widths and c not in hidden]
        spare = room - sum(widths.values())
        if spare < 0 and shared:
            floor = {c: min(widths[c], max(self._MIN_CHARS[c] * avg + _PAD, header_min[c]))
                     for c in shared}
            if TaskTableModel.NAME_COL in floor:   # room for the elbow of a child task too
                floor[TaskTableModel.NAME_COL] = min(widths[TaskTableModel.NAME_COL],
                                                     floor[TaskTableModel.NAME_COL] + _INDENT)
            # Water-filling: lower a common ceiling on the widest columns until they all fit.
            need = -spare
            while need > 0:
                movable = [c for c in shared if widths[c] > floor[c]]
                if not movable:
                    # All at their floor: a last squeeze down to the header titles, then the
                    # table scrolls sideways (Cancel stays at the left).
                    lower = {c: min(widths[c], header_min[c]) for c in shared}
                    if lower == floor:
                        break
                    floor = lower
                    continue
                top = max(widths[c] for c in movable)
                tops = [c for c in movable if widths[c] == top]
                target = max([widths[c] for c in movable if widths[c] < top], default=0)
                for c in tops:
                    take = min(top - max(target, floor[c]), -(-need // len(tops)), need)
                    widths[c] -= take
                    need -= take
        elif spare > 0 and TaskTableModel.RESULT_COL in shared:
            widths[TaskTableModel.RESULT_COL] += spare   # the last column takes what is left
        self._fitting = True
        try:
            for col, width in widths.items():
                if self.columnWidth(col) != width:
                    self.setColumnWidth(col, int(width))
        finally:
            self._fitting = False
        self._fit_key = self._fit_inputs(model)

    def _fit_inputs(self, model) -> tuple:
        """Everything ``_fit_columns`` reads, and the columns as they are: when all of it is as the
        last fit left it, fitting again would set the same widths and fold the same columns."""
        header = self.horizontalHeader()
        n = len(TaskTableModel.COLUMNS)
        return (id(model), self.fontMetrics(), header.fontMetrics(), self.viewport().width(),
                header.width(), header.height(), self.unfolded,
                tuple(sorted(self._wanted.items())), tuple(sorted(self.user_widths.items())),
                tuple(header.sectionSize(c) for c in range(n)),
                tuple(header.isSectionHidden(c) for c in range(n)))

    def _on_section_resized(self, col, _old, new):
        if not self._fitting and col != TaskTableModel.ACTION_COL and new > 0:
            self.user_widths[col] = new
            self.columnsResized.emit()

    def set_user_widths(self, widths) -> None:
        """Restore widths the user gave columns by hand (``{column: px}``, or its JSON text)."""
        if isinstance(widths, str):
            try:
                widths = json.loads(widths)
            except ValueError:
                widths = {}
        if not isinstance(widths, dict):
            widths = {}
        self.user_widths = {int(c): max(24, int(w)) for c, w in widths.items()
                            if str(c).isdigit() and 0 <= int(c) < len(TaskTableModel.COLUMNS)
                            and int(c) != TaskTableModel.ACTION_COL and str(w).isdigit()}
        self._fit_columns()

    def user_widths_json(self) -> str:
        return json.dumps({str(c): w for c, w in sorted(self.user_widths.items())})

    def fit_to_content(self) -> None:
        """Forget the widths set by hand: every column sized to its content again."""
        self.user_widths = {}
        self._measure_and_fit()
        self.columnsResized.emit()

    def _header_menu(self, pos) -> None:
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction("Fit columns to content", self.fit_to_content)
        menu.popup(self.horizontalHeader().mapToGlobal(pos))
        self._menu = menu

    def _show_fold_button(self, foldable: set[int]) -> None:
        """The fold button: "+N" while columns are folded away, "Fold" while the learner keeps
        them shown in a pane too narrow for them, hidden when everything fits."""
        button, model = self.fold_button, self.model()
        if not foldable:
            button.hide()
            return
        names = " and ".join(str(model.headerData(c, Qt.Orientation.Horizontal)) for c in sorted(foldable))
        if self.unfolded:
            button.setText("Fold")
            button.setToolTip(f"Fold {names} away again: this pane is too narrow for every column")
        else:
            button.setText(f"+{len(foldable)}")
            button.setToolTip(f"{names} {'are' if len(foldable) > 1 else 'is'} folded away: this pane "
                              "is too narrow.  Click to show them (the table scrolls sideways), or "
                              "widen the pane; a name's tooltip says them too.")
        button.adjustSize()
        header = self.horizontalHeader()
        button.setFixedHeight(header.height() - 2)
        button.move(header.width() - button.width() - 1, 1)
        button.show()
        button.raise_()

    def _fold_button_width(self) -> int:
        button = self.fold_button
        button.setText("Fold" if self.unfolded else "+2")    # the wider of what it says
        return button.sizeHint().width() + 2

    def _toggle_fold(self) -> None:
        self.unfolded = not self.unfolded
        self._fit_columns()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._fit_columns()

    def changeEvent(self, event):
        super().changeEvent(event)
        self._fit_key = None      # a style, a font, a palette…: the next fit looks at everything
        if event.type() == QEvent.Type.FontChange:   # presentation mode: rows and columns follow
            self._update_metrics()
            self._forget_widths()
            self._measure_and_fit()

    def paintEvent(self, event):
        super().paintEvent(event)
        model = self.model()
        if model is not None and hasattr(model, "paint_key"):
            # What the rows painted now show (rows scrolled in are painted as they come in).
            n, key, painted = model.rowCount(), model.paint_key, self._painted
            for rect in event.region():
                top = self.rowAt(rect.top())
                if top < 0:
                    continue
                bottom = self.rowAt(rect.bottom())
                for r in range(top, (bottom if bottom >= 0 else n - 1) + 1):
                    painted[r] = key(r)
        if self.placeholder and (model is None or model.rowCount() == 0):
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.viewport().rect().adjusted(12, 12, -12, -12),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                             | Qt.TextFlag.TextWordWrap, self.placeholder)
            painter.end()

    # -- selection, cancelling ---------------------------------------------------------------------
    def select_tid(self, tid: int) -> None:
        """Select the row of *tid* (or clear the selection for -1) and scroll it into view."""
        model = self.model()
        row = model.row_of(tid) if model is not None and tid >= 0 else -1
        if row < 0:
            self.clearSelection()
            return
        self.selectRow(row)
        self.scrollTo(model.index(row, 0))

    def selected_tid(self) -> int:
        """The selected row's tid, or -1."""
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        return rows[0].data(TaskTableModel.TidRole) if rows else -1

    def cancel_selected(self) -> bool:
        """Ask to cancel the selected task (Delete); False when no live task is selected."""
        rows = self.selectionModel().selectedRows() if self.selectionModel() else []
        if rows and rows[0].data(TaskTableModel.StateRole) in LIVE_STATES:
            self.cancelRequested.emit(rows[0].data(TaskTableModel.TidRole))
            return True
        return False

    def _on_selection(self, *_):
        rows = self.selectionModel().selectedRows()
        self.taskSelected.emit(rows[0].data(TaskTableModel.TidRole) if rows else -1)

    def contextMenuEvent(self, event):
        """Cancel, or cancel with a message, from the row under the cursor (never a nested
        event loop: the menu pops up, the message dialog opens non-modally)."""
        index = self.indexAt(event.pos())
        if not index.isValid() or index.data(TaskTableModel.StateRole) not in LIVE_STATES:
            return
        tid = index.data(TaskTableModel.TidRole)
        name = self.model().index(index.row(), TaskTableModel.NAME_COL).data()
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.addAction("Cancel\tDel", lambda: self.cancelRequested.emit(tid))
        menu.addAction("Cancel with message…", lambda: self.ask_cancel_message(tid, name))
        menu.popup(event.globalPos())
        self._menu = menu

    def ask_cancel_message(self, tid: int, name: str | None = None) -> QInputDialog:
        """Open (non-modally) the dialog asking for the message of ``cancel(msg)``."""
        dialog = QInputDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowTitle("Cancel with a message")
        dialog.setLabelText(f"Message for {name or f'task {tid}'}.cancel(msg); it becomes the "
                            "CancelledError's argument:")
        dialog.textValueSelected.connect(lambda text: self.cancelWithMessage.emit(tid, text))
        dialog.open()
        return dialog

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Delete and not event.modifiers() and self.cancel_selected():
            return
        super().keyPressEvent(event)
