"""Who awaits whom: ``Wait.targets``, ``TaskTable.awaited_by``/``await_chain`` and the await view.

The engine half runs a lesson on the playground loop — main awaits a gather of two tasks, one of
which runs a TaskGroup of two children while the other awaits a third task — and reads the
snapshot of the run while everything is suspended.  The widget half feeds that table (and
synthetic ones) to ``AwaitView``.
"""
from __future__ import annotations

import json
import os
import random

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QModelIndex, Qt  # noqa: E402

import asyncio_playground as playground  # noqa: E402
from asyncio_playground.events import Wait, named  # noqa: E402
from asyncio_playground.ui import colors  # noqa: E402
from asyncio_playground.ui.await_model import AwaitTreeModel  # noqa: E402
from asyncio_playground.ui.await_view import AwaitView  # noqa: E402
from helpers import run_script, until  # noqa: E402

LESSON = """
    import asyncio

    async def leaf(n):
        await asyncio.sleep(0.5)                          # leaf-line
        return n

    async def group_body():
        async with asyncio.TaskGroup() as tg:             # taskgroup-line
            tg.create_task(leaf(1), name="tg-child-1")
            tg.create_task(leaf(2), name="tg-child-2")
        return "group"

    async def waiter(other):
        return await other                                # await-line

    async def consumer(q):
        return await q.get()

    async def main():
        q = asyncio.Queue()
        asyncio.get_running_loop().call_later(0.5, q.put_nowait, 1)
        target = asyncio.create_task(consumer(q), name="target")
        a = asyncio.create_task(group_body(), name="grouper")
        b = asyncio.create_task(waiter(target), name="waiter")
        await asyncio.gather(a, b)                        # gather-line

    asyncio.run(main())
"""


def fold(events):
    table = playground.TaskTable()
    table.apply(events)
    return table


def line_of(run, text):
    return next(i for i, line in enumerate(open(run.path).read().splitlines(), 1) if text in line)


def settled(table, names):
    """Every task named is known and suspended."""
    rows = {r.name: r for r in table.rows}
    return all(n in rows and rows[n].state == "waiting" for n in names)


NAMES = ("Task-1", "grouper", "waiter", "target", "tg-child-1", "tg-child-2")


@pytest.fixture(scope="module")
def lesson_run(tmp_path_factory):
    """The lesson's run: its events while everything waits (the snapshot), and all its events."""
    loop = playground.new_event_loop()
    snapshot = []

    async def snap(run):
        await until(lambda: settled(fold(list(run.tracer.events)), NAMES))
        snapshot.extend(run.tracer.events)

    try:
        run, table = run_script(loop, tmp_path_factory.mktemp("await"), LESSON, snap)
    finally:
        loop.close()
    assert run.outcome == "completed"
    return run, snapshot, table


def tids(table):
    return {r.name: r.tid for r in table.rows}


# -- the engine -------------------------------------------------------------------------------
def test_wait_records_name_the_awaited_tasks(lesson_run):
    run, snapshot, _ = lesson_run
    table = fold(snapshot)
    t = tids(table)
    waits = {ev.tid: ev for ev in map(named, snapshot) if ev.event == "wait"}   # each task's latest
    main = waits[t["Task-1"]]
    assert (main.kind, main.detail, main.targets) == ("gather", "gather of 2", (t["grouper"], t["waiter"]))
    assert main.lineno == line_of(run, "# gather-line")
    group = waits[t["grouper"]]
    assert (group.kind, group.detail) == ("future", "TaskGroup of 2")
    assert group.targets == (t["tg-child-1"], t["tg-child-2"])
    assert group.lineno == line_of(run, "# taskgroup-line")
    awaiting = waits[t["waiter"]]
    assert (awaiting.kind, awaiting.detail, awaiting.targets) == ("task", "task 'target'", (t["target"],))
    for name in ("target", "tg-child-1", "tg-child-2"):
        assert waits[t[name]].targets == ()
    assert waits[t["target"]].kind == "queue" and waits[t["tg-child-1"]].kind == "sleep"
    # the fold keeps the current targets on the row
    assert table.by_tid[t["Task-1"]].targets == (t["grouper"], t["waiter"])
    assert table.by_tid[t["target"]].targets == ()


def test_awaited_by_and_await_chain(lesson_run):
    _, snapshot, _ = lesson_run
    table = fold(snapshot)
    t = tids(table)
    assert table.awaited_by(t["grouper"]) == [t["Task-1"]]
    assert table.awaited_by(t["waiter"]) == [t["Task-1"]]
    assert table.awaited_by(t["tg-child-1"]) == [t["grouper"]]
    assert table.awaited_by(t["tg-child-2"]) == [t["grouper"]]
    assert table.awaited_by(t["target"]) == [t["waiter"]]
    assert table.awaited_by(t["Task-1"]) == []
    assert table.awaited_by(999) == []
    names = {tid: name for name, tid in t.items()}
    chain = lambda name: [names[tid] for tid in table.await_chain(t[name])]  # noqa: E731
    assert chain("tg-child-2") == ["Task-1", "grouper", "tg-child-2"]
    assert chain("grouper") == ["Task-1", "grouper", "tg-child-1", "tg-child-2"]
    assert chain("target") == ["Task-1", "waiter", "target"]
    assert chain("Task-1") == ["Task-1", "grouper", "tg-child-1", "tg-child-2", "waiter", "target"]
    assert table.await_chain(999) == []


def test_nothing_is_awaited_once_the_run_is_over(lesson_run):
    _, _, table = lesson_run
    assert all(r.targets == () for r in table.rows)
    assert all(table.awaited_by(r.tid) == [] for r in table.rows)
    assert {r.state for r in table.rows} == {"done"}


def test_the_fold_is_incremental(lesson_run):
    """Event by event, the reverse index always equals the one rebuilt from the rows."""
    _, _, full = lesson_run
    run_events = lesson_run[0].tracer.events
    table = playground.TaskTable()
    for ev in run_events:
        table.apply([ev])
        expected = {}
        for row in table.rows:
            for target in row.targets:
                expected.setdefault(target, []).append(row.tid)
        for row in table.rows:
            assert sorted(table.awaited_by(row.tid)) == sorted(expected.get(row.tid, []))


def test_records_without_targets_and_json(lesson_run):
    run, snapshot, _ = lesson_run
    old = named(("wait", 1, 0.0, "sleep", "sleep(1)", "x.py", 3))   # a record from before targets
    assert old.targets == () and isinstance(old, Wait)
    table = fold([named(("task", 1, 0.0, None, "a", "a")), ("wait", 1, 0.0, "sleep", "sleep(1)", "x.py", 3)])
    assert table.by_tid[1].waiting == ("sleep", "sleep(1)", "x.py", 3) and table.by_tid[1].targets == ()
    # JSON turns targets into lists; read back, the table is the same
    back = [named(ev) for ev in json.loads(json.dumps(snapshot))]
    again, direct = fold(back), fold(snapshot)
    for row in direct.rows:
        assert again.by_tid[row.tid].targets == row.targets
        assert again.awaited_by(row.tid) == direct.awaited_by(row.tid)


def test_asyncio_wait_wait_for_and_gather_of_non_tasks(pg_loop, tmp_path):
    seen = []

    async def snap(run):
        await until(lambda: settled(fold(list(run.tracer.events)), ("Task-1", "a", "b")))
        seen.extend(run.tracer.events)

    run, table = run_script(pg_loop, tmp_path, """
        import asyncio

        async def sleeper(d):
            await asyncio.sleep(d)

        async def main():
            loop = asyncio.get_running_loop()
            a = asyncio.create_task(sleeper(0.3), name="a")
            b = asyncio.create_task(sleeper(0.3), name="b")
            await asyncio.wait([a, b])
            fut = loop.create_future()
            loop.call_later(0.01, fut.set_result, 1)
            c = asyncio.create_task(sleeper(0.01), name="c")
            await asyncio.gather(fut, c)   # a future and a task: only the task is a target
            await asyncio.wait_for(asyncio.create_task(sleeper(0.01), name="d"), 5)

        asyncio.run(main())
    """, snap)
    t = tids(table)
    snap_table = fold(seen)
    main_wait = snap_table.by_tid[t["Task-1"]]
    assert main_wait.waiting[:2] == ("wait", "asyncio.wait")
    assert main_wait.targets == (t["a"], t["b"])
    gather = [ev for ev in map(named, run.tracer.events) if ev.event == "wait" and ev.kind == "gather"]
    assert [(ev.detail, ev.targets) for ev in gather] == [("gather of 2", (t["c"],))]
    # wait_for(task): 3.11 waits on a future of its own (kind timeout), 3.12+ on the task itself
    [wait_for] = [ev for ev in map(named, run.tracer.events) if ev.event == "wait" and ev.tid == t["Task-1"]
                  and ev.kind in ("timeout", "task")]
    assert wait_for.targets == (t["d"],)


# -- synthetic tables -------------------------------------------------------------------------
def synthetic(*waits, live=range(1, 6)):
    """Tasks 1..5 (named t1..t5); ``waits`` are (tid, kind, detail, targets)."""
    events = [named(("task", tid, 0.0, None, f"t{tid}", "coro")) for tid in live]
    events += [named(("wait", tid, 1.0, kind, detail, "x.py", 10 + tid, tuple(targets)))
               for tid, kind, detail, targets in waits]
    return events


def test_await_chain_survives_a_cycle():
    # 1 awaits 2, 2 awaits 3, 3 awaits 2: a deadlock
    table = fold(synthetic((1, "task", "task 't2'", [2]), (2, "task", "task 't3'", [3]),
                           (3, "task", "task 't2'", [2])))
    assert table.await_chain(1) == [1, 2, 3]
    assert table.await_chain(3) == [1, 2, 3]
    assert sorted(table.awaited_by(2)) == [1, 3]


# -- the widget -------------------------------------------------------------------------------
@pytest.fixture
def view(qtbot):
    widget = AwaitView()
    qtbot.addWidget(widget)
    widget.resize(500, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def rows_of(model, index=QModelIndex(), depth=0):
    """(depth, column 0, column 1, column 2) for every node, depth first."""
    out = []
    for r in range(model.rowCount(index)):
        child = model.index(r, 0, index)
        out.append((depth, child.data(), model.index(r, 1, index).data(), model.index(r, 2, index).data()))
        out.extend(rows_of(model, child, depth + 1))
    return out


def test_tree_shows_the_gather_and_the_taskgroup_children_under_their_awaiter(view, lesson_run, qtmodeltester):
    _, snapshot, _ = lesson_run
    table = fold(snapshot)
    view.set_table(table)
    model = view.await_model
    qtmodeltester.check(model)
    assert rows_of(model) == [
        (0, "Task-1", "waiting", ""),
        (1, "gather of 2", "gather", ""),
        (2, "grouper", "waiting", ""),
        (3, "TaskGroup of 2", "future", ""),
        (4, "tg-child-1", "waiting", "sleep(0.5)"),     # leaves say what they wait on
        (4, "tg-child-2", "waiting", "sleep(0.5)"),
        (2, "waiter", "waiting", ""),
        (3, "target", "waiting", "Queue.get"),
    ]
    main = model.index(0, 0)
    assert main.data(Qt.ItemDataRole.DecorationRole) == colors.state_color("waiting")
    gather = model.index(0, 0, main)
    assert gather.data(AwaitTreeModel.KindRole) == "group"
    assert gather.data(AwaitTreeModel.TidRole) == tids(table)["Task-1"]   # a group belongs to its awaiter
    assert gather.data(Qt.ItemDataRole.DecorationRole) == colors.WAIT_COLORS["gather"]
    tip = model.index_of(tids(table)["target"]).data(Qt.ItemDataRole.ToolTipRole)
    assert "waits on Queue.get at line" in tip and "awaited by 'waiter'" in tip
    assert all(view.isExpanded(model.index_of(tid)) for tid in tids(table).values()
               if model.rowCount(model.index_of(tid)))


def test_click_selects_the_task_and_highlight_marks_its_chain(view, lesson_run, qtbot):
    _, snapshot, _ = lesson_run
    table = fold(snapshot)
    t = tids(table)
    view.set_table(table)
    model = view.await_model
    index = model.index_of(t["tg-child-2"])
    view.scrollTo(index)
    with qtbot.waitSignal(view.taskSelected) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    assert blocker.args == [t["tg-child-2"]]
    gather = model.index(0, 0, model.index_of(t["Task-1"]))   # "gather of 2": selects its awaiter
    with qtbot.waitSignal(view.taskSelected) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(gather).center())
    assert blocker.args == [t["Task-1"]]

    with qtbot.assertNotEmitted(view.taskSelected):
        view.highlight(t["tg-child-1"])
    assert view.currentIndex() == model.index_of(t["tg-child-1"])
    marked = {(i.data(), i.data(AwaitTreeModel.KindRole)) for i in all_indexes(model)
              if i.data(AwaitTreeModel.ChainRole)}
    assert marked == {("Task-1", "task"), ("gather of 2", "group"), ("grouper", "task"),
                      ("TaskGroup of 2", "group"), ("tg-child-1", "task")}
    bold = model.index_of(t["grouper"]).data(Qt.ItemDataRole.FontRole)
    assert bold is not None and bold.bold()
    assert model.index_of(t["waiter"]).data(Qt.ItemDataRole.FontRole) is None
    assert model.index_of(t["grouper"]).data(Qt.ItemDataRole.BackgroundRole) == model.chain_brush
    view.highlight(-1)
    assert not any(i.data(AwaitTreeModel.ChainRole) for i in all_indexes(model))


def all_indexes(model, parent=QModelIndex()):
    for r in range(model.rowCount(parent)):
        index = model.index(r, 0, parent)
        yield index
        yield from all_indexes(model, index)


def test_frame_by_frame_equals_a_rebuild(view, lesson_run, qtmodeltester):
    """Fed the run's events a few at a time, the tree always equals one built from scratch."""
    run, _, _ = lesson_run
    events = run.tracer.events
    table = playground.TaskTable()
    view.set_table(table)
    model = view.await_model
    qtmodeltester.check(model)
    fresh = AwaitTreeModel()
    t = None
    for i in range(0, len(events), 3):
        changed = table.apply(events[i:i + 3])
        view.refresh(changed)
        if t is None and "grouper" in tids(table):
            t = tids(table)
            view.highlight(t["grouper"])
        fresh.set_table(table)
        assert rows_of(model) == rows_of(fresh)
        assert model.chain() == (set(table.await_chain(t["grouper"])) if t else set())
    assert rows_of(model) == []     # the run is over: nothing pending


def test_nothing_to_do_when_nothing_changed(view, lesson_run):
    _, snapshot, _ = lesson_run
    view.set_table(fold(snapshot))
    model = view.await_model
    signals = []
    for signal in (model.dataChanged, model.rowsInserted, model.rowsRemoved, model.modelReset):
        signal.connect(lambda *args: signals.append(args))
    view.refresh(set())
    assert signals == []


def test_a_hidden_view_catches_up_when_shown(qtbot, lesson_run):
    run, snapshot, _ = lesson_run
    widget = AwaitView()
    qtbot.addWidget(widget)
    table = fold(snapshot[:2])
    widget.set_table(table)
    assert rows_of(widget.await_model) == [(0, "Task-1", "pending", "")]
    widget.refresh(table.apply(snapshot[2:]))
    assert [r[:2] for r in rows_of(widget.await_model)] == [(0, "Task-1")]   # hidden: not yet
    widget.show()
    qtbot.waitExposed(widget)
    assert rows_of(widget.await_model)[0] == (0, "Task-1", "waiting", "")
    assert len(rows_of(widget.await_model)) == 8


def test_a_task_awaited_twice_and_a_cycle(view, qtmodeltester):
    # 1 and 2 both await 3 (shown under both); 4 and 5 await each other (a deadlock: shown once
    # from its least tid, and where it closes, marked and not expanded again)
    table = fold(synthetic((1, "task", "task 't3'", [3]), (2, "task", "task 't3'", [3]),
                           (3, "sleep", "sleep(1)", []), (4, "task", "task 't5'", [5]),
                           (5, "task", "task 't4'", [4])))
    view.set_table(table)
    model = view.await_model
    qtmodeltester.check(model)
    assert rows_of(model) == [
        (0, "t1", "waiting", ""), (1, "t3", "waiting", "sleep(1)"),
        (0, "t2", "waiting", ""), (1, "t3", "waiting", "sleep(1)"),
        (0, "t4", "waiting", ""), (1, "t5", "waiting", ""), (2, "t4 \u21bb", "waiting", "task 't5'"),
    ]
    assert len(model.indexes_of(3)) == 2
    # 2 stops waiting on 3; 1 ends: 3 is awaited by nobody and becomes a top-level task
    changed = table.apply([named(("step", 2, 2.0, 2.1)), named(("end", 1, 2.2, "done", "None", None))])
    view.refresh(changed)
    fresh = AwaitTreeModel()
    fresh.set_table(table)
    assert rows_of(model) == rows_of(fresh) == [
        (0, "t2", "pending", ""), (0, "t3", "waiting", "sleep(1)"),
        (0, "t4", "waiting", ""), (1, "t5", "waiting", ""), (2, "t4 \u21bb", "waiting", "task 't5'"),
    ]
    # 1 -> a new task 6 that awaits 5: the cycle now hangs under 6
    changed = table.apply([named(("task", 6, 3.0, None, "t6", "coro")),
                           named(("wait", 6, 3.1, "task", "task 't5'", "x.py", 1, (5,)))])
    view.refresh(changed)
    fresh.set_table(table)
    assert rows_of(model) == rows_of(fresh)
    assert [r[:2] for r in rows_of(model) if r[0] == 0] == [(0, "t2"), (0, "t3"), (0, "t6")]


@pytest.mark.parametrize("seed, trials, steps, checked, page", [
    (7, 1, 60, True, 100), (11, 4, 150, False, 100), (23, 4, 150, False, 100),
    (5, 4, 150, False, 2), (31, 4, 150, False, 1)])
def test_random_runs_refresh_like_a_rebuild(view, qtmodeltester, seed, trials, steps, checked, page):
    """Random waits (gathers, TaskGroups, cycles), steps and ends: incremental == rebuilt.

    The short run goes under Qt's model tester, which rechecks the whole model on every signal.
    With a page of 1 or 2 children per parent, the rows shown (the first of each parent's) are
    kept as incrementally as all of them are (the tester is left out there: it fetches more)."""
    rng = random.Random(seed)
    model = view.await_model
    model.page = page
    if checked:
        qtmodeltester.check(model)
    fresh = AwaitTreeModel(page=page)
    for trial in range(trials):
        table = playground.TaskTable()
        view.set_table(table)
        live, t, next_tid = [], 0.0, 1
        view.highlight(1)
        for _ in range(steps):
            batch = []
            for _ in range(rng.randint(1, 6)):
                t += 0.01
                roll = rng.random()
                if roll < 0.25 or not live:
                    batch.append(named(("task", next_tid, t, None, f"t{next_tid}", "c")))
                    live.append(next_tid)
                    next_tid += 1
                    continue
                tid = rng.choice(live)
                if roll < 0.6:
                    others = [x for x in live + list(range(1, next_tid)) if x != tid]
                    targets = tuple(dict.fromkeys(rng.sample(others, min(len(others), rng.randint(0, 3)))))
                    kind = "task" if len(targets) == 1 and rng.random() < 0.6 else rng.choice(
                        ["gather", "future", "wait", "sleep"])
                    batch.append(named(("wait", tid, t, kind, f"{kind} of {len(targets)}", "x.py", 1, targets)))
                elif roll < 0.85:
                    batch.append(named(("step", tid, t, t + 0.001)))
                else:
                    batch.append(named(("end", tid, t, "done", "None", None)))
                    live.remove(tid)
            view.refresh(table.apply(batch))
            fresh.set_table(table)
            assert rows_of(model) == rows_of(fresh), trial
            assert model.node_count() == len(rows_of(model)) + 1   # + the top level's own
            assert model.chain() == set(table.await_chain(1))


def test_library_tasks_are_left_out_until_asked_for(view, qtmodeltester):
    # t1 gathers t2 and t3; t3 (a library's task, say anyio racing connections) waits on t4 (the
    # lesson's): hidden, t3 goes and t4 comes up to the top, as nobody shown waits on it.
    events = [named(("task", 1, 0.0, None, "t1", "main")), named(("task", 2, 0.0, 1, "t2", "coro")),
              named(("task", 3, 0.0, 1, "anyio.t3", "race", True)), named(("task", 4, 0.0, 3, "t4", "coro"))]
    events += [named(("wait", 1, 1.0, "gather", "gather(2 tasks)", "x.py", 11, (2, 3))),
               named(("wait", 2, 1.0, "sleep", "sleep(1)", "x.py", 12, ())),
               named(("wait", 3, 1.0, "task", "task 't4'", "x.py", 13, (4,))),
               named(("wait", 4, 1.0, "sleep", "sleep(1)", "x.py", 14, ()))]
    table = fold(events)
    assert table.library_tids == {3}
    view.set_table(table)
    model = view.await_model
    names = {row[1] for row in rows_of(model)}
    assert "anyio.t3" not in names and {"t1", "t2", "t4"} <= names
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["t1", "t4"]
    view.set_show_library(True)
    shown = rows_of(model)
    assert "anyio.t3" in {row[1] for row in shown}
    assert [model.index(r, 0).data() for r in range(model.rowCount())] == ["t1"]
    assert (3, "t4") in {(row[0], row[1]) for row in shown}         # under anyio.t3, under the gather
    qtmodeltester.check(model)
    view.set_show_library(False)
    assert "anyio.t3" not in {row[1] for row in rows_of(model)}


def test_window_library_toggle_reaches_the_await_view_and_is_remembered(qtbot, make_window):
    w = make_window()
    assert not w.act_library.isChecked() and not w.await_view.await_model.show_library
    w.act_library.trigger()
    assert w.await_view.await_model.show_library and w.task_model.show_library and w.timeline.show_library
    w.save_settings()
    w2 = make_window()
    assert w2.act_library.isChecked() and w2.await_view.await_model.show_library


# -- big runs: pages of children, batched signals, what opens --------------------------------
def tasks(*tids, t=0.0):
    return [named(("task", tid, t, None, f"t{tid}", "coro")) for tid in tids]


def wait(tid, kind, targets, t=1.0):
    return named(("wait", tid, t, kind, f"{kind} of {len(targets)}", "x.py", 10, tuple(targets)))


def names_under(model, index=QModelIndex()):
    return [model.index(r, 0, index).data() for r in range(model.rowCount(index))]


class Signals:
    """The row signals a model emits: (name, parent row or None for the top level, first, last)."""

    def __init__(self, model):
        self.seen = []
        for name in ("rowsInserted", "rowsRemoved", "modelReset", "layoutChanged"):
            getattr(model, name).connect(lambda *args, name=name: self.seen.append(
                (name, *((args[0].row() if args[0].isValid() else None, args[1], args[2])
                         if name.startswith("rows") else ()))))

    def named(self, *names):
        return [s for s in self.seen if s[0] in names]


def test_a_task_that_comes_to_wait_on_a_gather_opens_with_its_tasks(view):
    # Task 1 is shown as soon as it exists, with nothing under it; when it then awaits a gather,
    # the new "gather of 2" and the task itself open (it had no children to open when it came).
    table = playground.TaskTable()
    view.set_table(table)
    view.refresh(table.apply(tasks(1)))
    model = view.await_model
    assert names_under(model) == ["t1"] and not view.isExpanded(model.index_of(1))
    view.refresh(table.apply(tasks(2, 3) + [wait(1, "gather", [2, 3])]))
    t1 = model.index_of(1)
    group = model.index(0, 0, t1)
    assert names_under(model) == ["t1"] and names_under(model, group) == ["t2", "t3"]
    assert view.isExpanded(t1) and view.isExpanded(group)
    assert view.visualRect(model.index_of(3)).isValid()    # on screen, not folded away


def test_a_child_added_to_an_expanded_row_shows_up_and_a_collapsed_one_stays_closed(view):
    table = playground.TaskTable()
    view.set_table(table)
    view.refresh(table.apply(tasks(1, 2, 3, 4, 5) + [wait(1, "future", [2, 3]), wait(4, "future", [5])]))
    model = view.await_model
    group1, group4 = model.index(0, 0, model.index_of(1)), model.index(0, 0, model.index_of(4))
    assert view.isExpanded(group1) and view.isExpanded(model.index_of(4))
    view.collapse(model.index_of(4))                       # the user folds t4 away
    view.refresh(table.apply(tasks(6, 7) + [wait(1, "future", [2, 3, 6]), wait(4, "future", [5, 7])]))
    assert names_under(model, group1) == ["t2", "t3", "t6"]  # the TaskGroup's new child is there
    assert view.isExpanded(model.index_of(1)) and view.isExpanded(group1)
    assert view.visualRect(model.index_of(6)).isValid()
    assert names_under(model, group4) == ["t5", "t7"]
    assert not view.isExpanded(model.index_of(4))           # still as the user left it


def test_a_parent_shows_a_page_of_its_children_and_fetches_more(qtmodeltester):
    model = AwaitTreeModel(page=3)
    qtmodeltester.check(model)
    table = fold(tasks(*range(1, 12)) + [wait(1, "gather", range(2, 12))])
    model.set_table(table)
    group = model.index(0, 0, model.index_of(1))
    assert names_under(model, group) == ["t2", "t3", "t4"] and model.canFetchMore(group)
    assert "10 tasks" in group.data(Qt.ItemDataRole.ToolTipRole)
    model.fetch_blocked = True          # what the view sets while Qt lays out its rows
    model.fetchMore(group)
    assert model.rowCount(group) == 3
    model.fetch_blocked = False
    model.fetchMore(group)
    assert names_under(model, group) == [f"t{t}" for t in range(2, 8)]
    model.fetchMore(group)
    model.fetchMore(group)
    assert names_under(model, group) == [f"t{t}" for t in range(2, 12)]
    assert not model.canFetchMore(group)
    assert not model.canFetchMore(QModelIndex())
    # the top level too: 11 tasks nobody waits on, shown 3 at a time
    table = fold(tasks(*range(1, 12)))
    model.set_table(table)
    assert names_under(model) == ["t1", "t2", "t3"] and model.canFetchMore(QModelIndex())
    assert model.top_tids() == list(range(1, 12))
    qtmodeltester.check(model)


def test_the_view_fetches_what_comes_into_sight_and_not_on_each_layout(view, qtbot):
    view.await_model.page = 10
    table = playground.TaskTable()
    view.set_table(table)
    view.refresh(table.apply(tasks(*range(1, 302)) + [wait(1, "gather", range(2, 302))]))
    model = view.await_model
    group = model.index(0, 0, model.index_of(1))
    # 10 rows do not fill the view: it fetches until the last row shown is off screen
    def last_row_off_screen():
        n = model.rowCount(group)
        return n > 10 and view.visualRect(model.index(n - 1, 0, group)).top() >= view.viewport().height()

    qtbot.waitUntil(last_row_off_screen)
    qtbot.wait(20)
    shown = model.rowCount(group)
    assert shown < 300 and names_under(model, group) == [f"t{t}" for t in range(2, 2 + shown)]
    for _ in range(3):                  # Qt's layout would fetch a page per lazy parent each time
        view.doItemsLayout()
        view.expand(group)
        qtbot.wait(5)
    assert model.rowCount(group) == shown
    view.scrollToBottom()               # the end of what is shown comes into sight: more
    qtbot.waitUntil(lambda: model.rowCount(group) > shown)
    assert names_under(model, group) == [f"t{t}" for t in range(2, 2 + model.rowCount(group))]


def test_highlight_fetches_a_task_further_down_into_view(view, monkeypatch):
    from asyncio_playground.ui import await_model

    view.await_model.page = 3
    table = fold(tasks(*range(1, 31)) + [wait(1, "gather", range(2, 31))])
    view.set_table(table)
    model = view.await_model
    group = model.index(0, 0, model.index_of(1))
    assert not model.index_of(20).isValid()             # row 19 of the gather: not shown yet
    view.highlight(20)
    assert view.currentIndex().data() == "t20" and view.currentIndex() == model.index_of(20)
    assert model.rowCount(group) == 19
    monkeypatch.setattr(await_model, "REVEAL_MAX", 25)
    view.highlight(29)                                  # beyond: its gather stands for it
    assert view.currentIndex() == group and model.rowCount(group) == 19


def test_many_new_tasks_are_one_insert_of_a_page(view):
    """5,000 tasks created by main in one step, folded 1,000 a frame, then gathered: a handful of
    row signals, never one per task, and a few hundred nodes at most."""
    n, page = 5000, view.await_model.page
    table = playground.TaskTable()
    view.set_table(table)
    model = view.await_model
    signals = Signals(model)
    view.refresh(table.apply(tasks(1) + [named(("step", 1, 0.0, 0.1))]))
    for first in range(2, n + 2, 1000):
        view.refresh(table.apply(tasks(*range(first, min(first + 1000, n + 2)))))
    assert signals.named("rowsInserted") == [("rowsInserted", None, 0, 0), ("rowsInserted", None, 1, page - 1)]
    assert len(model.top_tids()) == n + 1 and model.rowCount() == page
    signals.seen.clear()
    view.refresh(table.apply([wait(1, "gather", range(2, n + 2))]))
    assert signals.seen == [("rowsInserted", 0, 0, 0),              # main's "gather of 5000"
                            ("rowsRemoved", None, 1, page - 1)]     # its tasks leave the top level
    group = model.index(0, 0, model.index_of(1))
    assert names_under(model) == ["t1"] and model.rowCount(group) == page
    assert model.node_count() <= 2 * page + 3
    assert not signals.named("modelReset", "layoutChanged")
    # every task steps and sleeps again: cells change, rows do not
    signals.seen.clear()
    view.refresh(table.apply([named(("step", t, 2.0, 2.01)) for t in range(2, n + 2)]))
    assert signals.seen == []


def test_big_gathers_change_hands_like_a_rebuild(view):
    """Waits on many tasks take shortcuts (a task nobody waits on: its tasks are below it, with
    no look at each; a big group's task list kept while the wait lasts): the tree still equals
    one built from scratch, at each step."""
    view.await_model.page = 5
    fresh = AwaitTreeModel(page=5)
    table = playground.TaskTable()
    view.set_table(table)
    model = view.await_model
    steps = [
        tasks(*range(1, 400)),
        [wait(1, "gather", range(2, 82))],                        # main gathers 80 (not_top path)
        [wait(2, "gather", range(100, 200))],                     # one of them gathers 100 more
        [wait(1, "gather", list(range(2, 42)) + list(range(300, 341)))],   # main: another 81
        [named(("end", t, 2.0, "done", "None", None)) for t in range(100, 150)],
        [wait(2, "gather", range(150, 250))],                     # 2's wait changes: a new list
        [wait(399, "future", range(2, 30))],                      # a second awaiter of some of them
        [named(("step", 1, 3.0, 3.1))],                           # main wakes: its tasks come up
        [named(("end", t, 4.0, "done", "None", None)) for t in range(2, 400, 3)],
    ]
    for i, events in enumerate(steps):
        view.refresh(table.apply(events))
        fresh.set_table(table)
        assert rows_of(model) == rows_of(fresh), i
        assert model.top_tids() == fresh.top_tids(), i
        assert model.node_count() == len(rows_of(model)) + 1, i
    view.set_show_library(True)
    assert rows_of(model) == rows_of(fresh)
