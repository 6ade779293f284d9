"""The window mid-run, at the sizes and scales a learner meets (issue 13): 1024x700, 1600x1000, dark,
and QT_SCALE_FACTOR=2.  Each shot runs in its own process (a scale factor is fixed per process),
checks the geometry that matters and saves its PNG in docs/:

* every live row's Cancel button is inside the table's visible viewport;
* the quiz's Check button and every choice are inside the lesson panel's viewport once scrolled to;
* no header of the task table is cut (title fits its section, section inside the viewport);
* no axis label of the timeline is cut, and every legend entry fits.

Run one by hand: ``python tests/test_screenshots.py OUT.png 1024x700 [--dark]``; retake the ones in
docs/ with ``UPDATE_DOCS_SHOTS=1 pytest tests/test_screenshots.py``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
LESSON = "basics_02_concurrent_tasks"       # a lesson with a quiz

#: Long names that differ only at the end, long results and a long exception, all mid-run.
LONG_SCRIPT = textwrap.dedent("""\
    import asyncio


    async def download(mirror, seconds, size):
        await asyncio.sleep(seconds)
        return f"payload of {size} bytes from {mirror}, sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"


    async def login(mirror):
        await asyncio.sleep(0.05)
        raise ConnectionRefusedError(f"[Errno 111] Connect call failed ('203.0.113.7', 443): {mirror} refused the login")


    async def main():
        names = [f"download-from-the-far-away-mirror-{i}" for i in range(1, 6)]
        tasks = [asyncio.create_task(download(names[0], 0.05, 4096), name=names[0]),
                 asyncio.create_task(login(names[1]), name=names[1])]
        tasks += [asyncio.create_task(download(name, 30, 8192), name=name) for name in names[2:]]
        await asyncio.gather(*tasks, return_exceptions=True)


    asyncio.run(main())
""")


def shoot(out: str, size: tuple[int, int], dark: bool) -> dict:
    """Open the window offscreen, run LONG_SCRIPT in LESSON's editor until it is mid-run, measure,
    save the PNG; returns what was measured."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    from PySide6.QtCore import QRect, QSettings, Qt
    from PySide6.QtGui import QFontMetricsF
    from PySide6.QtWidgets import QApplication

    import asyncio_playground as playground
    from asyncio_playground.ui import app as ui_app
    from asyncio_playground.ui.edits import EditStore
    from asyncio_playground.ui.main_window import MainWindow
    from asyncio_playground.ui.task_model import TaskTableModel as M
    from asyncio_playground.ui.task_delegate import TaskDelegate

    app = ui_app._application(None)
    loop = playground.new_event_loop()
    loop.attach()
    tmp = tempfile.TemporaryDirectory(prefix="asyncio-playground-shot-")
    settings = QSettings(str(Path(tmp.name) / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("theme", "dark" if dark else "light")
    w = MainWindow(loop, edits=EditStore(tmp.name), settings=settings)
    report: dict = {"size": list(size), "dark": dark}

    def spin(seconds, until=None):
        end = time.monotonic() + seconds
        while time.monotonic() < end and not (until and until()):
            app.processEvents()
            time.sleep(0.002)

    try:
        w.resize(*size)
        w.show()
        w.open_path(w.lesson_paths()[LESSON])
        w.editor.setPlainText(LONG_SCRIPT)
        w.run_current()
        names = [f"download-from-the-far-away-mirror-{i}" for i in range(1, 6)]

        def mid_run():
            states = {r.name: r.state for r in w.table.rows} if w.table else {}
            return (states.get(names[0]) == "done" and states.get(names[1]) == "failed"
                    and all(states.get(n) == "waiting" for n in names[2:]))
        spin(10, mid_run)
        report["mid_run"] = mid_run()
        spin(0.4)                        # the columns settle (they are fitted at ~8 Hz)
        w.refresher.frame()
        spin(0.05)

        view, model, header = w.task_view, w.task_model, w.task_view.horizontalHeader()
        viewport = view.viewport().rect()
        report["live_rows"] = 0
        report["cancel_outside"] = []
        for row in range(model.rowCount()):
            if model.index(row, M.ACTION_COL).data() != "Cancel":
                continue
            report["live_rows"] += 1
            index = model.index(row, M.ACTION_COL)
            button = TaskDelegate.button_rect(view.visualRect(index))
            if not viewport.contains(button):
                report["cancel_outside"].append([model.index(row, M.NAME_COL).data(), button.getRect()])
        report["headers_cut"] = []
        metrics = header.fontMetrics()
        for col in range(model.columnCount()):
            if view.isColumnHidden(col):
                continue
            title = model.headerData(col, Qt.Orientation.Horizontal) or ""
            left, width = header.sectionViewportPosition(col), header.sectionSize(col)
            if metrics.horizontalAdvance(title) + 8 > width or left < 0 or left + width > header.viewport().width():
                report["headers_cut"].append([title, left, width, header.viewport().width()])
        report["columns"] = {model.headerData(c, Qt.Orientation.Horizontal) or "cancel": header.sectionSize(c)
                             for c in range(model.columnCount()) if not view.isColumnHidden(c)}
        tl = w.timeline
        area_left = tl.LABEL_W
        area_right = tl.width() - (tl._vbar.sizeHint().width() if not tl._vbar.isHidden() else 0)
        small = QFontMetricsF(tl._small)
        report["axis_labels"] = [text for _rect, text in tl.axis_labels()]
        report["axis_cut"] = [text for rect, text in tl.axis_labels()
                              if rect.left() < area_left or rect.right() > area_right
                              or small.horizontalAdvance(text) > rect.width() or rect.bottom() > tl.AXIS_H]
        legend_metrics = QFontMetricsF(w.legend._small)
        report["legend_cut"] = [text for rect, text in w.legend.item_rects()
                                if rect.right() > w.legend.width() or rect.bottom() > w.legend.height()
                                or legend_metrics.horizontalAdvance(text) > rect.width() + 0.5]
        # The quiz: scrolled to, its Check button and its choices are whole inside the panel.
        panel = w.lesson_panel
        check = panel.check_button
        report["has_quiz"] = panel.question_box.isVisible()
        panel.scroll.ensureWidgetVisible(check, 10, 10)
        spin(0.05)
        pane = panel.scroll.viewport()
        inside = lambda widget: pane.rect().contains(QRect(widget.mapTo(pane, widget.rect().topLeft()), widget.size()))  # noqa: E731
        report["check_inside"] = check.isVisible() and inside(check)
        report["check_size_ok"] = check.width() >= check.sizeHint().width()
        choices = [b for b in panel.group.buttons()]
        report["choices"] = len(choices)
        report["choices_cut"] = [i for i, b in enumerate(choices)
                                 if b.parentWidget().mapTo(pane, b.parentWidget().rect().topRight()).x() > pane.width()]
        story = w.story                  # the line under the table: never cut
        report["story_cut"] = story.height() < story.heightForWidth(story.width())
        report["window_rect"] = [w.width(), w.height()]
        report["dpr"] = w.devicePixelRatioF()
        image = w.grab()
        report["png_size"] = [image.width(), image.height()]
        report["saved"] = bool(image.save(out))
    finally:
        try:
            ui_app.close_down(app, loop, w)
        finally:
            tmp.cleanup()
    return report


def _shot(tmp_path, name, size, dark=False, scale=None):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "cfg"),
               ASYNCIO_PLAYGROUND_DATA=str(tmp_path / "data"))
    env.pop("QT_SCALE_FACTOR", None)
    if scale:
        env["QT_SCALE_FACTOR"] = str(scale)
    # docs/ holds the committed shots; a test run writes its own unless asked to update them.
    out = (DOCS if os.environ.get("UPDATE_DOCS_SHOTS") else tmp_path) / name
    args = [sys.executable, str(Path(__file__)), str(out), f"{size[0]}x{size[1]}"] + (["--dark"] if dark else [])
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["stderr"] = proc.stderr
    return report


SHOTS = [
    ("window-1024x700.png", (1024, 700), False, None),
    ("window-1600x1000.png", (1600, 1000), False, None),
    ("window-dark-1280x800.png", (1280, 800), True, None),
    ("window-hidpi-2x.png", (1024, 700), False, 2),
]


@pytest.mark.parametrize("name,size,dark,scale", SHOTS, ids=[s[0] for s in SHOTS])
def test_window_mid_run_geometry(tmp_path, name, size, dark, scale):
    r = _shot(tmp_path, name, size, dark, scale)
    assert r["mid_run"], r
    assert r["stderr"] == ""                                  # no Qt warning, nothing printed
    assert r["saved"] and (DOCS / name).is_file()             # committed: UPDATE_DOCS_SHOTS=1 retakes them
    k = scale or 1
    assert r["png_size"] == [size[0] * k, size[1] * k] and r["dpr"] == k
    assert r["live_rows"] == 4, r                              # main and three mirrors
    assert r["cancel_outside"] == [], r
    assert r["headers_cut"] == [], r
    assert len(r["axis_labels"]) >= 2 and r["axis_cut"] == [], r
    assert r["legend_cut"] == [], r
    assert not r["story_cut"], r
    assert r["has_quiz"] and r["choices"] >= 3
    assert r["check_inside"] and r["check_size_ok"] and r["choices_cut"] == [], r


if __name__ == "__main__":
    out_png, wxh = sys.argv[1], sys.argv[2]
    w_, h_ = (int(n) for n in wxh.split("x"))
    print(json.dumps(shoot(out_png, (w_, h_), "--dark" in sys.argv[3:])))
