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
    diffs = replay.compare(seq, con)
    assert diffs[0].name == "the run" and diffs[0].what == "took"
    assert diffs[0].a.startswith("2.0") and diffs[0].b.startswith("1.0")
    assert {d.name for d in diffs} == {"the run", "Task-1"}   # main took 2 s, then 1 s
    assert replay.compare(con, con) == []
