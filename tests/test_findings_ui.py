"""The Findings tab (issue 22), driven like a learner: a run that hangs is explained while it stands
still and first when Stop ends it; a finding's row shows its line, its task and its moment; the
gutter marks the line; a lesson shown again comes back with its run's findings."""
from __future__ import annotations

import textwrap

import pytest
from PySide6.QtCore import Qt
from test_window import CREATE_TASK_LESSON, click_action, click_lesson, run_to_end

HANGS = textwrap.dedent("""\
    import asyncio


    async def waiter(ready):
        await ready.wait()                # nobody ever sets it
        print("went on")


    async def main():
        ready = asyncio.Event()
        await asyncio.gather(asyncio.create_task(waiter(ready), name="waiter"))

    asyncio.run(main())
""")
WAIT_LINE = 5

NEVER_AWAITED = textwrap.dedent("""\
    import asyncio


    async def greet():
        print("hello")


    async def main():
        greet()                           # forgot the await
        await asyncio.sleep(0.05)

    asyncio.run(main())
""")


def open_script(w, tmp_path, text, name="lesson.py"):
    path = tmp_path / name
    path.write_text(text)
    assert w.open_path(str(path))
    return str(path)


def open_findings_tab(qtbot, w):
    bar = w.views.tabBar()
    view = w.views.findings_view
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(w.views.indexOf(view)).center())
    assert w.views.currentWidget() is view
    return view


def test_a_hung_run_is_explained_live_and_first_when_stopped(qtbot, window, tmp_path):
    w = window
    open_script(w, tmp_path, HANGS)
    said = []
    w.statusBar().messageChanged.connect(said.append)
    with qtbot.waitSignal(w.runStarted, timeout=3000):
        click_action(qtbot, w, w.act_run)
    view = open_findings_tab(qtbot, w)
    # Standing still: the hang doctor speaks before anyone presses Stop.
    qtbot.waitUntil(lambda: any("waiter" in (f.task or "") for f in view.findings), timeout=6000)
    # ...and once it has stood still a second, the status bar says so too.
    qtbot.waitUntil(lambda: any(m.startswith("The run stands still: ") for m in said), timeout=5000)
    finished = []
    w.runFinished.connect(finished.append)
    click_action(qtbot, w, w.act_stop)
    qtbot.waitUntil(lambda: bool(finished), timeout=5000)
    qtbot.waitUntil(lambda: bool(view.findings), timeout=3000)
    first = view.findings[0]
    assert first.line == WAIT_LINE and "ready" in first.why, first
    assert w.views.tabText(w.views.indexOf(view)).startswith("Findings (")
    # The gutter marks the line (a wait or finding marker: the finding's text is in its tooltip).
    assert WAIT_LINE in w.editor._markers
    # Selecting the finding (a click on its row) shows its line, its task and its moment.
    item = view.list.item(0)
    rect = view.list.visualItemRect(item)
    qtbot.mouseClick(view.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert w.editor.textCursor().blockNumber() + 1 == WAIT_LINE
    if first.tid is not None:
        assert w.selection.tid == first.tid
    assert w.timeline.marked_time() is not None
    assert "Fix:" in view.detail.toPlainText()


@pytest.mark.filterwarnings("ignore:coroutine 'greet' was never awaited:RuntimeWarning")   # the lesson's
def test_never_awaited_is_listed_and_stays_with_its_lesson(qtbot, window, tmp_path):
    w = window
    open_script(w, tmp_path, NEVER_AWAITED)
    run_to_end(qtbot, w)
    view = open_findings_tab(qtbot, w)
    qtbot.waitUntil(lambda: bool(view.findings), timeout=3000)
    titles = [f.title for f in view.findings]
    assert any("never awaited" in t for t in titles), titles
    finding = next(f for f in view.findings if "never awaited" in f.title)
    assert finding.line == 9
    assert w.editor._markers.get(9, ("",))[0] in ("finding", "error", "wait")
    click_lesson(qtbot, w, CREATE_TASK_LESSON)                 # another lesson: not its findings
    assert not view.findings
    w.open_path(str(tmp_path / "lesson.py"))                   # back: they are there again
    assert [f.title for f in view.findings] == titles


def test_a_clean_lesson_run_says_it_showed_nothing(qtbot, window):
    w = window
    click_lesson(qtbot, w, CREATE_TASK_LESSON)
    run_to_end(qtbot, w)
    view = open_findings_tab(qtbot, w)
    assert view.findings == [] and "nothing to worry about" in view.summary.text()
    assert w.views.tabText(w.views.indexOf(view)) == "Findings"


def _anchor_point(browser, prefix):
    """Where a link whose target starts with ``prefix`` is drawn in ``browser`` (viewport coords)."""
    from PySide6.QtGui import QTextCursor
    block = browser.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().anchorHref().startswith(prefix):
                cursor = QTextCursor(browser.document())
                cursor.setPosition(fragment.position() + max(1, fragment.length() // 2))
                return browser.cursorRect(cursor).center()
            it += 1
        block = block.next()
    return None


@pytest.mark.filterwarnings("ignore:coroutine 'greet' was never awaited:RuntimeWarning")   # the lesson's
def test_a_findings_lesson_link_opens_the_lesson(qtbot, window, tmp_path):
    w = window
    open_script(w, tmp_path, NEVER_AWAITED)
    run_to_end(qtbot, w)
    view = open_findings_tab(qtbot, w)
    qtbot.waitUntil(lambda: bool(view.findings), timeout=3000)
    finding = next(f for f in view.findings if "never awaited" in f.title)
    view.select(finding)
    assert finding.lesson in w.lesson_paths()
    point = _anchor_point(view.detail, "lesson:")
    assert point is not None, view.detail.toHtml()
    qtbot.mouseClick(view.detail.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: w.current_path() == w.lesson_paths()[finding.lesson], timeout=2000)


MANY_RECORDS = textwrap.dedent("""\
    import asyncio


    async def hop(i):
        for _ in range(3):
            await asyncio.sleep(0)


    async def main():
        asyncio.create_task(asyncio.sleep(1))         # dropped: a finding near the end of the log
        await asyncio.gather(*(hop(i) for i in range(800)))


    asyncio.run(main())
    """)


def test_the_live_fold_takes_a_budget_a_frame_and_catches_up_to_the_same_findings(qtbot, window, tmp_path):
    from asyncio_playground.ui.features import findings as feature

    w = window
    open_script(w, tmp_path, MANY_RECORDS)
    run_to_end(qtbot, w)
    shown = w.runs.shown
    whole = [f.title for f in feature.FindingsFeature.fold(shown)]
    n = len(shown.run.tracer.events)
    assert n > 3 * feature._CHUNK and whole
    shown.finder, shown.folded = None, 0                       # fold it again, a frame at a time
    seen = []
    while shown.folded < n:
        before = shown.folded
        found = feature.FindingsFeature.fold(shown, 0.0)        # no time left: one chunk
        assert shown.folded - before == min(feature._CHUNK, n - before)
        seen.append(len(found))
    assert [f.title for f in feature.FindingsFeature.fold(shown)] == whole
    assert seen[0] <= seen[-1] == len(whole)
