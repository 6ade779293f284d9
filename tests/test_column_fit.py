"""The task table's column fit at 100,000 rows (``TaskTableView._measure`` and ``_fit_columns``).

What it must keep while being cheap: the columns end as wide as measuring every sampled cell
makes them (``reference_wanted``: the measuring loop as it was before the fit was made cheap, kept
here as the reference), folded the same way in a narrow pane, user-sized columns kept; and a fit
with nothing changed sets no width again.
"""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PySide6.QtCore import Qt

from asyncio_playground import TaskTable
from asyncio_playground.events import named
from asyncio_playground.ui.task_delegate import _INDENT
from asyncio_playground.ui.task_model import TaskTableModel
from asyncio_playground.ui.task_view import _PAD, _SAMPLE, TaskTableView

T0 = 1000.0
N = 100_000
M = TaskTableModel


def big_events(n: int = N, t0: float = T0) -> list[tuple]:
    """``n`` tasks under 'main': every tenth a grandchild (an indented name), some with long
    names, every third ended with a result of its own length, the others waiting."""
    ev = [("task", 1, t0, None, "main", "main"), ("step", 1, t0, t0 + 0.001),
          ("wait", 1, t0 + 0.001, "gather", f"gather({n} tasks)", "x.py", 3)]
    for tid in range(2, n + 2):
        t = t0 + tid * 1e-5
        parent = tid - 1 if tid % 10 == 0 else 1
        name = f"job-{tid}" if tid % 997 else f"job-{tid}-with-a-rather-long-name"
        ev += [("task", tid, t, parent, name, "job" if tid % 7 else "job_with_a_longer_coroutine"),
               ("step", tid, t, t + 1e-6)]
        if tid % 3 == 0:
            ev.append(("end", tid, t + 2e-6, "done", repr("r" * (tid % 50)), None))
        else:
            ev.append(("wait", tid, t + 2e-6, "sleep", f"sleep({tid % 13})", "x.py", 9))
    return [named(e) for e in ev]


@pytest.fixture(scope="module")
def events_100k():
    return big_events()


@pytest.fixture
def big_table(events_100k):
    table = TaskTable()
    table.apply(events_100k)
    return table


@pytest.fixture
def big_model(big_table):
    model = TaskTableModel()
    model.set_table(big_table)
    assert model.rowCount() == N + 1
    yield model
    model.set_table(None)


def _view(qtbot, model, width: int) -> TaskTableView:
    view = TaskTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(width, 300)
    view.show()
    qtbot.waitExposed(view)
    return view


def sampled_rows(n: int) -> list[int]:
    """The rows a first measuring pass reads: the first and the last ``_SAMPLE // 2``."""
    return [*range(min(n, _SAMPLE // 2)), *range(max(_SAMPLE // 2, n - _SAMPLE // 2), n)]


def reference_wanted(view, rows) -> dict[int, int]:
    """What the content columns ask for after measuring ``rows``: every cell of each, the way
    ``_measure`` measured before it skipped anything (max of the texts and the header title,
    capped at ``_MAX_CHARS``)."""
    model, fm = view.model(), view.fontMetrics()
    avg = fm.averageCharWidth()
    wanted = {}
    for col in view._CONTENT:
        widest = 0
        for r in rows:
            cell = model.index(r, col)
            w = fm.horizontalAdvance(str(cell.data() or "")) + _PAD
            if col == M.NAME_COL:
                w += _INDENT * (cell.data(M.DepthRole) or 0)
            widest = max(widest, w)
        wanted[col] = min(max(widest, view.header_min_width(col)), view._MAX_CHARS[col] * avg)
    return wanted


def columns(view) -> tuple[list[int], list[bool]]:
    header = view.horizontalHeader()
    n = view.model().columnCount()
    return [header.sectionSize(c) for c in range(n)], [header.isSectionHidden(c) for c in range(n)]


def refit_from_scratch(view) -> None:
    """A fit that looks at everything (nothing remembered from the last one)."""
    view._fit_key = None
    view._fit_columns()


def settle(qtbot, view) -> None:
    """Wait until the fit timer has measured every queued row and stopped."""
    qtbot.waitUntil(lambda: not view._fit_timer.isActive() and not view._unmeasured, timeout=5000)


def test_measuring_100k_rows_gives_the_reference_widths(qtbot, big_model):
    view = _view(qtbot, big_model, 1400)
    settle(qtbot, view)
    n = big_model.rowCount()
    expected = reference_wanted(view, sampled_rows(n))
    assert view._wanted == expected
    # Measured in 0-budget slices (one row a call), the same.
    view._forget_widths()
    calls = 1
    while not view._measure(budget=0.0):
        calls += 1
    assert calls == len(sampled_rows(n))
    assert view._wanted == expected
    # The same table measured by the reference gives the same columns, at every pane width.
    other = _view(qtbot, big_model, 1400)
    settle(qtbot, other)
    for width in (1400, 900, 560, 420):
        view.resize(width, 300)
        other.resize(width, 300)
        qtbot.waitUntil(lambda: view.viewport().width() < width and other.viewport().width() < width)
        other._wanted = dict(expected)
        refit_from_scratch(other)
        view._fit_columns()
        assert columns(view) == columns(other), width
        assert view.folded == other.folded
    assert view.folded    # the narrowest pane folds columns away


def test_live_rows_remeasured_as_before(qtbot, big_model, big_table):
    """Rows that change after the first pass (the last ones measured are read again) widen the
    columns exactly as measuring them all again would; the widths only grow."""
    view = _view(qtbot, big_model, 1400)
    settle(qtbot, view)
    n = big_model.rowCount()
    first = reference_wanted(view, sampled_rows(n))
    # The last rows end with long results, and a new row comes with a long name.
    t = T0 + 10
    last = [big_model.tid_at(r) for r in range(n - 40, n)]
    events = [("end", tid, t, "done", repr("long result " * 4), None) for tid in last if tid % 3]
    events.append(("task", N + 2, t, 1, "a-new-task-with-the-longest-name-of-all", "job"))
    big_model.apply(big_table.apply([named(e) for e in events]))
    assert view._fit_timer.isActive()
    settle(qtbot, view)
    again = reference_wanted(view, [*range(n - 40, n + 1)])
    expected = {col: max(first[col], again[col]) for col in first}
    assert view._wanted == expected
    assert expected[M.RESULT_COL] > first[M.RESULT_COL]
    assert expected[M.NAME_COL] > first[M.NAME_COL]
    assert view.columnWidth(M.NAME_COL) == expected[M.NAME_COL]


def test_a_call_reads_one_row_past_its_budget_and_never_a_capped_column(qtbot, big_model):
    """A "Waiting on" cell can cost ~0.1 ms at 100,000 tasks (the words find the task's place in
    the line): the budget is checked after every row, and a column at its ``_MAX_CHARS`` is
    not read again (no cell can widen it)."""
    reads = []
    words = {"text": "Semaphore 'gate'"}

    def wait_words(row):
        reads.append(row.tid)
        return words["text"], "in full"

    big_model.wait_words = wait_words
    view = _view(qtbot, big_model, 1400)
    view._fit_timer.stop()
    view._forget_widths()
    reads.clear()
    assert view._measure(budget=0.0) is False
    assert len(reads) <= 1          # one row, not a block of them
    while not view._measure(budget=0.0):
        pass
    n = big_model.rowCount()
    assert view._wanted == reference_wanted(view, sampled_rows(n))
    # Words longer than the column's cap: read until the column reaches it, then no more.
    words["text"] = "Semaphore(2000) 'a-semaphore-with-a-long-name' · 98765th in line"
    view._forget_widths()
    reads.clear()
    assert view._measure() is True
    assert len(reads) <= 2
    cap = view._MAX_CHARS[M.WAIT_COL] * view.fontMetrics().averageCharWidth()
    assert view._wanted[M.WAIT_COL] == cap
    reads.clear()
    assert view._wanted == reference_wanted(view, sampled_rows(n))


def test_a_fit_with_nothing_changed_sets_nothing(qtbot, big_model, monkeypatch):
    view = _view(qtbot, big_model, 560)
    settle(qtbot, view)
    assert view.folded
    set_widths, set_hidden, resized = [], [], []
    monkeypatch.setattr(view, "setColumnWidth", lambda c, w: set_widths.append((c, w)))
    monkeypatch.setattr(view, "setColumnHidden", lambda c, h: set_hidden.append((c, h)))
    view.horizontalHeader().sectionResized.connect(lambda *a: resized.append(a))
    before = columns(view)
    for _ in range(3):
        view._fit_columns()
        view._measure_some()        # the timer's shot: remeasures the last rows, fits
        refit_from_scratch(view)    # a fit that looks at everything: to the same widths
    assert (set_widths, set_hidden, resized) == ([], [], [])
    assert columns(view) == before


def test_a_fit_follows_every_change_it_reads(qtbot, big_model):
    """Whatever changed (the pane's width, a column sized by hand, the fold button, settings,
    a fit to content), the fit leaves the columns as a fit that looks at everything would."""
    view = _view(qtbot, big_model, 1400)
    settle(qtbot, view)
    header = view.horizontalHeader()

    def check():
        view._fit_columns()
        fitted = columns(view), set(view.folded)
        refit_from_scratch(view)
        assert (columns(view), set(view.folded)) == fitted

    check()
    view.resize(560, 300)
    qtbot.waitUntil(lambda: view.viewport().width() < 560)
    check()
    assert view.folded and all(view.isColumnHidden(c) for c in view.folded)
    view.fold_button.click()             # unfolded: every column shown, the table scrolls
    check()
    assert not any(view.isColumnHidden(c) for c in view._FOLDABLE)
    view.fold_button.click()
    check()
    header.resizeSection(M.NAME_COL, 150)   # by hand: kept
    assert view.user_widths == {M.NAME_COL: 150}
    check()
    assert view.columnWidth(M.NAME_COL) == 150
    view.resize(900, 300)
    qtbot.waitUntil(lambda: view.viewport().width() > 600)
    check()
    assert view.columnWidth(M.NAME_COL) == 150
    view.set_user_widths({str(M.RESULT_COL): 77})
    check()
    assert view.columnWidth(M.RESULT_COL) == 77 and view.columnWidth(M.NAME_COL) != 150
    view.fit_to_content()
    check()
    assert view.user_widths == {}
    view._wanted[M.NAME_COL] += 5      # what measuring finds next
    check()
    assert view.columnWidth(M.NAME_COL) == view._wanted[M.NAME_COL]
    view._fitting = True               # a column resized by someone else than the user
    view.setColumnWidth(M.STATE_COL, 30)
    view._fitting = False
    check()
    assert view.columnWidth(M.STATE_COL) == view.fixed_widths()[M.STATE_COL]
    font = view.font()
    font.setPointSize(font.pointSize() + 4)
    view.setFont(font)                 # presentation mode: measured afresh
    check()
    assert view._wanted == reference_wanted(view, sampled_rows(big_model.rowCount()))
    wide = view.horizontalHeader().sectionSize(M.ACTION_COL)
    assert wide == view.fixed_widths()[M.ACTION_COL]


def test_hidden_columns_come_back_with_room(qtbot, big_model):
    view = _view(qtbot, big_model, 420)
    settle(qtbot, view)
    assert view.folded == set(view._FOLDABLE)
    view.resize(1400, 300)
    qtbot.waitUntil(lambda: not view.folded)
    assert not any(view.isColumnHidden(c) for c in range(big_model.columnCount()))
    widths, _ = columns(view)
    for col in (M.NAME_COL, M.CORO_COL, M.WAIT_COL):
        assert widths[col] == view._wanted[col]
    assert widths[M.RESULT_COL] >= view._wanted[M.RESULT_COL]
    assert view.horizontalHeader().logicalIndex(0) == M.ACTION_COL
    assert view.model().headerData(M.NAME_COL, Qt.Orientation.Horizontal) == "Name"
