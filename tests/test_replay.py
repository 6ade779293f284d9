"""Runs as documents (issue 11): any moment of a finished run, saved runs that reopen identically,
and two runs compared."""
from __future__ import annotations

import json

import pytest
from helpers import CONCURRENT, run_script

from asyncio_playground import replay

SEQUENTIAL = CONCURRENT.replace(
    '''        task_a = asyncio.create_task(fetch("A"), name="fetch-A")
        task_b = asyncio.create_task(fetch("B"), name="fetch-B")
        await task_a
        await task_b''',
    '''        await asyncio.create_task(fetch("A"), name="fetch-A")
        await asyncio.create_task(fetch("B"), name="fetch-B")''')


def snapshot(table):
    """What the window shows of a table, as plain data."""
    return [(r.tid, r.name, r.state, r.waiting, list(r.steps), list(r.waits), r.summary)
            for r in table.rows]


def test_a_moment_of_the_concurrent_run(pg_loop, tmp_path):
    run, table = run_script(pg_loop, tmp_path, CONCURRENT)
    rp = replay.Replay(run.tracer.events)
    assert rp.end - rp.start == pytest.approx(1.0, abs=0.1)
    at = rp.table_at(rp.start + 0.5)
    rows = {r.name: r for r in at.rows}
    for name in ("fetch-A", "fetch-B"):
        assert rows[name].state == "waiting"
        kind, detail, filename, line = rows[name].waiting
        assert (kind, detail, line) == ("sleep", "sleep(1)", 6)
    assert "".join(o.text for o in rp.outputs_until(rp.start + 0.5)) == "Starting A\nStarting B\n"
    # Forward then back again gives the same tables as fresh folds.
    end = rp.table_at(rp.end)
    assert snapshot(end) == snapshot(table)
    assert {r.name: r.state for r in rp.table_at(rp.start + 0.5).rows}["fetch-A"] == "waiting"
    assert rp.table_at(rp.start - 1).rows == []


def test_saved_run_reopens_identically(pg_loop, tmp_path):
    run, table = run_script(pg_loop, tmp_path, CONCURRENT)
    path = tmp_path / "run.json"
    replay.save_run(run.tracer.events, path, source=run.source, filename=run.path,
                    label="concurrent")
    data = json.loads(path.read_text())
    assert any(ev.get("cat") == "task" for ev in data["traceEvents"])   # still a Chrome trace
    saved = replay.load_run(path)
    assert saved.source == run.source and saved.filename == run.path
    assert saved.label == "concurrent"
    again = replay.Replay(saved.events)
    assert snapshot(again.final) == snapshot(table)
    assert again.end - again.start == pytest.approx(1.0, abs=0.1)


def test_not_a_saved_run(tmp_path):
    trace = tmp_path / "plain.json"
    trace.write_text(json.dumps({"traceEvents": []}))
    with pytest.raises(replay.ReplayError, match="no replay data"):
        replay.load_run(trace)
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    with pytest.raises(replay.ReplayError, match="not JSON"):
        replay.load_run(junk)
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps({"asyncioPlayground": {"version": 1, "events": [["step", 1]]}}))
    with pytest.raises(replay.ReplayError, match="damaged"):
        replay.load_run(damaged)
    with pytest.raises(replay.ReplayError, match="Cannot read"):
        replay.load_run(tmp_path / "missing.json")


def test_compare_sequential_and_concurrent(pg_loop, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _, seq = run_script(pg_loop, tmp_path / "a", SEQUENTIAL)
    _, con = run_script(pg_loop, tmp_path / "b", CONCURRENT)
    diffs = replay.diff_runs(seq, con)
    assert diffs[0].name == "the run" and diffs[0].what == "took"
    assert diffs[0].a.startswith("2.0") and diffs[0].b.startswith("1.0")
    assert {d.name for d in diffs} == {"the run", "Task-1"}   # main took 2 s, then 1 s
    assert replay.diff_runs(con, con) == []


# == moments without folding from the start (issue 14: a 1M-event run) ===============================
#: A run with most of what a table keeps: renames, a gather, a TaskGroup whose child fails (its
#: siblings cancelled: cancellation stories, landed lines), a task that uncancels, a timeout,
#: tasks queueing on one lock (a waiting line of several), output.
RICH = """
    import asyncio

    async def child(i):
        asyncio.current_task().set_name(f"child-{i}")
        try:
            await asyncio.sleep(0.01 * (i % 3 + 1))
            if i == 3:
                raise ValueError("bad")
            return i
        except asyncio.CancelledError:
            print(f"cleanup {i}")
            raise

    async def swallow():
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            asyncio.current_task().uncancel()
            return "swallowed"

    async def locked(lock, i):
        async with lock:
            await asyncio.sleep(0.005)

    async def main():
        tasks = [asyncio.create_task(child(i)) for i in range(6)]
        print(await asyncio.gather(*tasks, return_exceptions=True))
        try:
            async with asyncio.TaskGroup() as tg:
                for i in range(4):
                    tg.create_task(child(i))
        except* ValueError:
            print("group failed")
        s = asyncio.create_task(swallow())
        await asyncio.sleep(0.01)
        s.cancel()
        print(await s)
        try:
            async with asyncio.timeout(0.01):
                await asyncio.sleep(1)
        except TimeoutError:
            print("timed out")
        lock = asyncio.Lock()
        await asyncio.gather(*(locked(lock, i) for i in range(5)))

    asyncio.run(main())
"""


def _story(s):
    if s is None:
        return None
    return (s.requested, s.landed_at, s.landing_step, s.uncancelled_by, s.uncancelled, s.after,
            s.cleanup)


def everything(table):
    """All a table keeps, as plain data (the order of each line's and awaited task's tids
    included; the order of the lines themselves is nobody's business)."""
    rows = [(r.tid, r.name, r.coro, r.parent, r.depth, r.created, r.first_start, r.ended, r.state,
             r.waiting, tuple(r.targets), r.summary, r.exc, list(r.steps), list(r.waits),
             list(r.cancel_requests), _story(r.story)) for r in table.rows]
    return {"rows": rows, "by_tid": sorted(table.by_tid) == [r.tid for r in table.rows],
            "waiting_lines": {k: list(v) for k, v in table.waiting_lines.items()},
            "awaited_by": {r.tid: table.awaited_by(r.tid) for r in table.rows},
            "landed_lines": [(k, list(v)) for k, v in table.landed_lines.items()],
            "failed": list(table.failed), "library": sorted(table.library_tids),
            "outputs": list(table.outputs), "blocks": list(table.blocks),
            "errors": list(table.errors), "last_time": table.last_time,
            "run": (table.started, table.finished, table.outcome, table.message)}


def folded(events, n):
    table = replay.TaskTable()
    table.apply(events[:n])
    return everything(table)


def places(rp, count, seed):
    """Loop times of ``count`` places in the log: ascending, then descending, then at random (and
    before the start and at the end)."""
    import random
    rng = random.Random(seed)
    keys = rp._ix.keys
    ts = sorted(rng.choice(keys) for _ in range(count))
    return [keys[0] - 1] + ts + ts[::-1] + [rng.choice(keys) for _ in range(count)] + [rp.end]


@pytest.fixture
def rich(pg_loop, tmp_path):
    run, _table = run_script(pg_loop, tmp_path, RICH)
    return run


def test_table_at_is_the_fold_of_the_log_up_to_then(rich):
    events = rich.tracer.events
    kinds = {ev[0] for ev in events}
    assert {"cancel", "uncancel", "name", "output"} <= kinds       # the run has them all
    rp = replay.Replay(events)
    assert everything(rp.final) == folded(events, len(events))
    for t in places(rp, 40, seed=1):
        assert everything(rp.table_at(t)) == folded(events, rp.index_at(t)), t


@pytest.mark.parametrize("small", [False, True], ids=["as-is", "in-slices"])
def test_a_scrubbed_table_matches_the_fold_forward_and_back(rich, monkeypatch, small):
    """``Scrub`` moves one table in place (rows by the records in between, or all of them in
    slices): once settled it is the fold at every moment, and keeps its row objects."""
    if small:   # every move long, every awaiters' update and line order in slices
        monkeypatch.setattr(replay.Scrub, "NOW", 1)
        monkeypatch.setattr(replay.Scrub, "FAR", 5)
        monkeypatch.setattr(replay._Moment, "BULK", 1)
        monkeypatch.setattr(replay._Moment, "FORGET", 2)
    events = rich.tracer.events
    rp = replay.Replay(events)
    scrub = rp.scrub()
    table = scrub.table
    assert everything(table) == everything(rp.final)
    made = {}
    for i, t in enumerate(places(rp, 30, seed=2)):
        move = scrub.seek(t, first=[r.tid for r in table.rows[:2]])
        if small and i % 4 == 1:
            continue                  # moved again before it settled
        while not scrub.settled:
            scrub.settle(0.0)
        assert everything(table) == folded(events, rp.index_at(t)), t
        assert scrub.table is table
        for row in table.rows:       # a task's row is the same object whenever it exists
            assert made.setdefault(row.tid, row) is row
        assert move.removed or set(move.added) <= {r.tid for r in table.rows}
    scrub.seek(None)
    scrub.finish()
    assert everything(table) == everything(rp.final)


def test_format_2_reads_the_replay_data_alone(rich, tmp_path):
    path = tmp_path / "run.json"
    replay.save_run(rich.tracer.events, path, source=rich.source, filename=rich.path)
    text = path.read_text()
    assert text.startswith('{"asyncioPlayground":{"version":2,"bytes":"')
    data = json.loads(text)                                         # one JSON document
    assert list(data)[:2] == ["asyncioPlayground", "traceEvents"]   # Perfetto reads the trace
    assert any(ev.get("cat") == "step" for ev in data["traceEvents"])
    saved = replay.load_run(path)
    assert [tuple(ev) for ev in saved.events] == [tuple(ev) for ev in rich.tracer.events]
    assert saved.events.index is not None                           # the file's index
    rp = replay.Replay(saved.events)
    assert rp._index is saved.events.index
    assert everything(rp.final) == folded(rich.tracer.events, len(rich.tracer.events))
    # Only the replay data is read: a trace after it that no longer parses does not matter.
    size = int(text[len('{"asyncioPlayground":{"version":2,"bytes":"'):][:12])
    cut = tmp_path / "cut.json"
    cut.write_text(text[:len('{"asyncioPlayground":') + size] + ', "traceEvents": [')
    assert len(replay.load_run(cut).events) == len(rich.tracer.events)
    # A tool that re-wrote the file (other spacing, other key order) leaves it readable.
    rewritten = tmp_path / "rewritten.json"
    rewritten.write_text(json.dumps({"traceEvents": data["traceEvents"],
                                     "asyncioPlayground": data["asyncioPlayground"]}, indent=1))
    assert len(replay.load_run(rewritten).events) == len(rich.tracer.events)


def test_a_format_1_file_still_opens(rich, tmp_path):
    events = rich.tracer.events
    old = tmp_path / "old.json"
    trace = replay.chrome_trace(list(events))
    trace["asyncioPlayground"] = {"version": 1, "label": "old", "filename": rich.path,
                                  "source": rich.source, "python": "3.11.7",
                                  "events": [list(ev) for ev in events]}
    old.write_text(json.dumps(trace))
    saved = replay.load_run(old)
    assert saved.label == "old" and saved.source == rich.source
    assert everything(replay.Replay(saved.events).final) == folded(events, len(events))
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({"asyncioPlayground": {"version": 3}}))
    with pytest.raises(replay.ReplayError, match="format 3, this one reads 1 and 2"):
        replay.load_run(newer)


def test_damaged_format_2_data_says_so(rich, tmp_path):
    path = tmp_path / "run.json"
    replay.save_run(rich.tracer.events, path, source=rich.source, filename=rich.path)
    data = json.loads(path.read_text())
    body = data["asyncioPlayground"]
    body["step"]["t1"] = body["step"]["t1"][:-8]            # a column cut short
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(replay.ReplayError, match="damaged"):
        replay.load_run(broken)
    data = json.loads(path.read_text())
    data["asyncioPlayground"]["index"]["order"] = "AAAA"    # the index only: rebuilt from the events
    patched = tmp_path / "patched.json"
    patched.write_text(json.dumps(data))
    saved = replay.load_run(patched)
    assert saved.events.index is None
    assert everything(replay.Replay(saved.events).final) == \
        folded(rich.tracer.events, len(rich.tracer.events))


def test_relocated_events_keep_the_index(rich, tmp_path):
    path = tmp_path / "run.json"
    replay.save_run(rich.tracer.events, path, source=rich.source, filename=rich.path)
    saved = replay.load_run(path)
    moved = replay.relocate(saved.events, rich.path, "/elsewhere/lesson.py")
    assert moved.index.order is saved.events.index.order     # the same places, not built again
    waits = [ev for ev in moved if ev[0] == "wait" and ev[6] is not None]
    assert waits and all(ev[5] != rich.path for ev in waits)
    assert any(ev[5] == "/elsewhere/lesson.py" for ev in waits)
    rp = replay.Replay(moved)
    assert rp._index is moved.index
    assert everything(rp.final) == folded(list(moved), len(moved))
    lines = {key[0] for t in places(rp, 10, seed=3) for key in rp.table_at(t).waiting_lines}
    assert rich.path not in lines


def test_the_window_scrubs_a_saved_run_in_place(make_window, tmp_path, qtbot, monkeypatch):
    """Open a saved run (written by ``run --trace``), move the scrubber back and forth (short moves
    and jumps that settle in slices): the views keep one table, the fold at the moment shown."""
    import subprocess
    import sys
    import textwrap
    monkeypatch.setattr(replay.Scrub, "NOW", 3)      # make some moves settle in slices
    lesson, path = tmp_path / "rich.py", tmp_path / "run.json"
    lesson.write_text(textwrap.dedent(RICH))
    subprocess.run([sys.executable, "-m", "asyncio_playground", "run", str(lesson), "--quiet",
                    "--trace", str(path)], check=True, capture_output=True, timeout=60)
    w = make_window()
    assert w.open_run(str(path))
    rp, bar = w.replaying.replay, w.time_bar
    shown = w.task_model._table
    assert shown is w.replaying.scrub.table and w.table is rp.final          # no table taken on the way
    events = rp.events
    for value in (500, 501, 499, 120, 990, 3, 0, 700, 1000):
        bar.slider.setValue(value)
        qtbot.waitUntil(lambda: w.replaying.scrub.settled, timeout=5000)
        assert w.task_model._table is shown and w.timeline._table is shown
        t = bar.moment
        n = rp.index_at(t) if t is not None else len(events)
        assert everything(shown) == folded(events, n), value
        model = w.task_model
        states = {model.tid_at(i): model.data(model.index(i, model.STATE_COL),
                                               model.StateRole) for i in range(model.rowCount())}
        assert states == {r.tid: r.state for r in shown.rows if r.tid not in shown.library_tids}


#: Renames, failures, a gather and tasks queueing on one lock, but no cancellation: a run whose
#: index is built in slices when its table is at hand (``_build_lazy``).
FAILING = """\
    import asyncio

    async def job(i):
        await asyncio.sleep(0.01 * i)
        asyncio.current_task().set_name(f"job-{i}")
        if i % 2:
            raise ValueError(i)
        return i

    async def locked(lock, i):
        async with lock:
            await asyncio.sleep(0.005)

    async def main():
        print(await asyncio.gather(*(job(i) for i in range(6)), return_exceptions=True))
        lock = asyncio.Lock()
        await asyncio.gather(*(locked(lock, i) for i in range(5)))

    asyncio.run(main())
    """


def _index_fields(ix):
    from math import isnan
    return {name: ([None if isnan(x) else x for x in getattr(ix, name)] if name == "wspans"
                   else getattr(ix, name))
            for name in ix.__slots__ if name not in ("_make_keys", "_keys", "_rest", "_early")} \
        | {"keys": ix.keys}


def test_the_index_in_columns_is_the_index_record_by_record(rich, pg_loop, tmp_path, monkeypatch):
    """``_Index.build`` reads columns (and the final table's spans and waits when it agrees);
    the record-by-record build is the reference."""
    from asyncio_playground import _run_index
    from asyncio_playground._run_index import _build_columns, _Index
    took = []     # the final table's rows were read (a run without cancels)
    monkeypatch.setattr(_run_index, "_depth_of", lambda row: took.append(row) or row.depth)
    plain, _ = run_script(pg_loop, tmp_path, CONCURRENT)
    (tmp_path / "failing").mkdir()
    failing, _ = run_script(pg_loop, tmp_path / "failing", FAILING)
    assert any(ev[0] == "end" and ev[3] == "failed" for ev in failing.tracer.events)
    # A block is logged when the watchdog saw it end: later than the records after it.
    late = list(failing.tracer.events)
    middle = len(late) // 2
    late.insert(middle, ("block", None, replay.logged_at(late[-1]) - 0.001, 0.0005, None, None))
    failing.tracer.events[:] = late
    assert any(ev[0] == "name" for ev in failing.tracer.events)
    for cancels, events in ((True, rich.tracer.events), (False, plain.tracer.events),
                            (False, failing.tracer.events)):
        events = list(events)
        table = replay.TaskTable()
        table.apply(events)
        reference = _index_fields(_Index._build_records(events))
        for final in (None, table):
            took.clear()
            ix = _build_columns(_Index, events, final)
            assert ix is not None
            assert _index_fields(ix) == reference
            assert bool(took) == (final is not None and not cancels)
    # A log the columns cannot take is built record by record, or refused as before.
    events = list(plain.tracer.events)
    task = next(i for i, ev in enumerate(events) if ev[0] == "task")
    with pytest.raises(ValueError, match="created twice"):
        _Index.build(events[:task + 1] + [events[task]] + events[task + 1:])
    with pytest.raises(KeyError, match="never created"):
        _Index.build([ev for ev in events if ev[0] != "task" or ev[1] != events[task][1]])


def test_a_scrub_of_a_fresh_run_starts_from_its_final_table(pg_loop, tmp_path):
    """A run of this session (``final=`` the window's table): the scrub starts as a copy of it,
    and every moment is still the fold."""
    run, table = run_script(pg_loop, tmp_path, CONCURRENT)
    events = run.tracer.events
    rp = replay.Replay(events, final=table)
    scrub = rp.scrub()
    assert everything(scrub.table) == everything(table)
    assert all(a is not b for a, b in zip(scrub.table.rows, table.rows))
    for t in places(rp, 20, seed=3):
        scrub.seek(t)
        scrub.finish()
        assert everything(scrub.table) == folded(events, rp.index_at(t)), t
    assert everything(table) == folded(events, len(events))     # the final table untouched


def test_a_fresh_run_is_replayed_from_the_tracers_list_not_a_copy(pg_loop, tmp_path):
    """A run of this session is read from the tracer's own list (a copy was 8 bytes a record at
    the run's peak); a record logged after the run ended (an abandoned thread's late print) is
    not part of the replay."""
    run, table = run_script(pg_loop, tmp_path, CONCURRENT)
    events = run.tracer.events
    n = len(events)
    rp = replay.Replay(events, final=table)
    assert rp.events is events
    events.append(events[-1])                  # logged after the run ended
    try:
        assert len(rp.events) == n and rp.events is not events
        assert rp.index_at(rp.end) == n
        assert everything(rp.table_at(rp.end)) == everything(table)
    finally:
        events.pop()
    given = list(events)
    assert replay.Replay(given).events is not given     # without ``final``: a copy of its own


def test_moving_back_before_any_task_keeps_the_timeline_zoom(make_window, tmp_path, qtbot):
    """The scrubber moved to before the tasks existed (the views take the table again, its rows
    taken away): the timeline keeps the range the user zoomed to, and it stays on that range as
    the tasks come back."""
    import subprocess
    import sys
    import textwrap
    lesson, path = tmp_path / "rich.py", tmp_path / "run.json"
    lesson.write_text(textwrap.dedent(RICH))
    subprocess.run([sys.executable, "-m", "asyncio_playground", "run", str(lesson), "--quiet",
                    "--trace", str(path)], check=True, capture_output=True, timeout=60)
    w = make_window()
    assert w.open_run(str(path))
    bar, timeline = w.time_bar, w.timeline
    bar.slider.setValue(600)
    qtbot.waitUntil(lambda: w.replaying.scrub.settled, timeout=5000)
    lo, hi = timeline.visible_range()
    zoomed = (lo + (hi - lo) * 0.2, lo + (hi - lo) * 0.4)
    timeline.set_visible_range(*zoomed)
    bar.slider.setValue(0)
    qtbot.waitUntil(lambda: w.replaying.scrub.settled, timeout=5000)
    assert timeline.lane_count() == 0 and w.replaying.scrub.table.rows == []
    assert timeline.visible_range() == pytest.approx(zoomed)
    bar.slider.setValue(800)
    qtbot.waitUntil(lambda: w.replaying.scrub.settled, timeout=5000)
    assert timeline.lane_count() > 0
    assert timeline.visible_range() == pytest.approx(zoomed)


@pytest.fixture
def failing(pg_loop, tmp_path, monkeypatch):
    """The events and table of FAILING, its index built in slices however short it is."""
    from asyncio_playground import _run_index
    monkeypatch.setattr(_run_index, "_LAZY_FROM", 1)
    run, table = run_script(pg_loop, tmp_path, FAILING)
    events = list(run.tracer.events)
    # A block is logged when the watchdog saw it end: later than the records after it.
    events.insert(len(events) // 2,
                  ("block", None, replay.logged_at(events[-1]) - 0.001, 0.0005, None, None))
    table = replay.TaskTable()
    table.apply(events)
    return events, table


def test_an_index_built_in_slices_is_the_index_built_at_once(failing, rich, monkeypatch):
    """A run of this session with its table (``final=``): the index is there at once for what a
    moment needs of the whole log, and grouped by task in steps (``advance``); whole, it is the
    record-by-record index.  A run with cancellations is built at once."""
    import bisect
    import time

    from asyncio_playground import _run_index
    from asyncio_playground._run_index import _Index
    events, table = failing
    reference = _Index._build_records(events)
    keys = reference.keys
    ix = _Index.build(events, table)
    assert not ix.ready
    times = [keys[0] - 1] + keys[::7] + [keys[-1] + 1]
    steps = 0
    while not ix.advance(time.perf_counter()):     # one step at a time
        steps += 1
        for t in times:          # the place of a moment, whatever is built yet
            assert ix.at(t) == bisect.bisect_right(keys, t), t
    assert steps > 3 and ix.ready
    assert _index_fields(ix) == _index_fields(reference)
    # Read before it is whole, a grouped array finishes it.
    again = _Index.build(events, table)
    assert not again.ready and again.order == reference.order and again.ready
    assert _index_fields(again) == _index_fields(reference)
    cancels = list(rich.tracer.events)
    whole = replay.TaskTable()
    whole.apply(cancels)
    assert _Index.build(cancels, whole).ready
    monkeypatch.setattr(_run_index, "_LAZY_FROM", len(events) + 1)    # (a short log: at once)
    assert _Index.build(events, table).ready


@pytest.mark.parametrize("small", [False, True], ids=["as-is", "in-slices"])
def test_a_fresh_scrub_moves_before_its_index_is_whole(failing, monkeypatch, small):
    """The first move of a run of this session's scrub does not wait on the index: the rows
    asked for first are at the moment at once (from their records alone), the rest once the
    index is whole; moved again before then, the same.  Every table is the fold, and the same
    as with an index built at once."""
    if small:
        monkeypatch.setattr(replay.Scrub, "NOW", 1)
        monkeypatch.setattr(replay.Scrub, "FAR", 5)
        monkeypatch.setattr(replay._Moment, "BULK", 1)
    events, table = failing
    n = len(events)
    eager = replay.Replay(events)        # (no final table: the index at once)
    assert eager._ix.ready
    for seed in range(4):
        rp = replay.Replay(events, final=table)
        scrub = rp.scrub()
        assert not rp._ix.ready
        shown = scrub.table
        assert everything(shown) == everything(table)
        ts = places(eager, 3, seed=10 + seed)
        firsts = [r.tid for r in table.rows[seed:seed + 3]] + [table.rows[-1].tid]
        for t in ts[:3]:                 # moved again and again before the index is whole
            at = eager.index_at(t)
            assert rp._ix.at(t) == at
            move = scrub.seek(t, first=firsts)
            assert not move.settled and not rp._ix.ready
            fold = folded(events, at)
            rows = {row[0]: row for row in fold["rows"]}
            now = {row[0]: row for row in everything(shown)["rows"]}
            for tid in firsts:
                assert now.get(tid) == rows.get(tid), (t, tid)
            assert move.changed <= set(firsts)
            assert everything(shown)["outputs"] == fold["outputs"]
        t = ts[3]
        scrub.seek(t, first=firsts)
        scrub.finish()
        assert rp._ix.ready and scrub.settled
        assert everything(shown) == folded(events, eager.index_at(t)) == \
            everything(eager.table_at(t)) == everything(rp.table_at(t))
        for t in ts[4:]:
            scrub.seek(t, first=firsts)
            scrub.finish()
            assert everything(shown) == folded(events, rp.index_at(t)), t
        scrub.seek(None)
        scrub.finish()
        assert everything(shown) == everything(table) == folded(events, n)


def test_a_fresh_scrub_left_at_the_end_until_its_index_is_whole(failing):
    """A scrub of a run of this session that has not moved when its index is whole (its table
    still the final one's copy) moves on from there as one made with the index at hand."""
    events, table = failing
    rp = replay.Replay(events, final=table)
    scrub = rp.scrub()
    assert scrub.seek(None).settled and scrub.settled      # (the end: nothing to do)
    rp._ix.complete()
    t = places(rp, 3, seed=5)[2]
    scrub.seek(t)
    scrub.finish()
    assert everything(scrub.table) == folded(events, rp.index_at(t))
